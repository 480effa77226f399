"""Changes to the registry. Views, API, imports and commands call these; nothing else saves."""

import datetime
import re
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from shapely import prepare
from shapely.geometry import Point, shape

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.regions.models import Department, Grid, Region, RegionLevel

from . import validation
from .assignment import GridLocator, locate
from .models import Enterprise, EnterpriseStatus, IndustryCode, ResponsibilityRule, SafetyCategory, Scale

TEXT_FIELDS = {
    "name": 200, "legal_representative": 50, "principal_person": 50, "safety_manager": 50,
    "address": 300, "no_credit_code_reason": 200,
}
MOBILE_FIELDS = {
    "legal_representative_mobile": "法定代表人手机",
    "principal_mobile": "主要负责人手机",
    "safety_manager_mobile": "安全管理人员手机",
}
AUDIT_FIELDS = [
    "credit_code", "name", "category", "industry", "scale", "status", "status_since", "headcount",
    "registered_region", "operating_region", "address", "lon", "lat", "grid", "grid_override_reason",
    "legal_representative", "principal_person", "safety_manager", "version",
]


# --- cleaning -------------------------------------------------------------------------------


class _Errors:
    """Collects every field problem of one record, so a form or import row shows them all."""

    def __init__(self):
        self.items = []

    def add(self, field, code, message):
        self.items.append({"field": field, "code": code, "message": message})

    def check(self, field, func, *args):
        try:
            return func(*args)
        except validation.FieldError as exc:
            self.add(field, exc.code, exc.message)
            return None

    def raise_if_any(self):
        if self.items:
            first = self.items[0]
            raise ServiceError(first["code"], first["message"], field=first["field"], errors=self.items)


def _choice(value, choices, field, label, errors):
    """Accept the stored value or its Chinese label (Excel users type labels)."""
    value = (value or "").strip() if isinstance(value, str) else value
    for stored, display in choices:
        if value in (stored, display):
            return stored
    errors.add(field, f"{field}.unknown", f"{label}“{value}”无效，可选：{'、'.join(d for _, d in choices)}。")
    return None


def _date(value, field, label, errors):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, f"{field}.format", f"{label}应为日期，格式 YYYY-MM-DD。")
        return None


def find_category(value):
    value = (value or "").strip()
    return SafetyCategory.objects.filter(Q(code=value) | Q(name=value)).first() if value else None


def find_region(value, regions=None):
    """A region by code or by name (names must be unique within `regions`)."""
    value = str(value or "").strip()
    if not value:
        return None
    qs = regions if regions is not None else Region.objects.all()
    qs = qs.filter(voided_at__isnull=True)
    if value.isdigit():
        return qs.filter(code=value).first()
    matches = list(qs.filter(name=value)[:2])
    return matches[0] if len(matches) == 1 else None


class QueryLookups:
    """Resolves names and codes with one query each: right for a form or an API call.

    Bulk imports pass an object with the same four methods backed by dicts filled once
    (registry/ledger.py), so the rules below stay the only validation rules.
    """

    def __init__(self, operating_regions):
        self.operating_regions = operating_regions

    def category(self, value):
        return find_category(value)

    def industry(self, code):
        return IndustryCode.objects.filter(code=code).first()

    def operating_region(self, value):
        return find_region(value, self.operating_regions.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE]))

    def registered_region(self, value):
        return find_region(value, Region.objects.filter(level__gte=RegionLevel.COUNTY))


def clean_enterprise(data, *, operating_regions, lookups=None):
    """Validate raw field values (form, API or Excel row); return model-ready values.

    `operating_regions` is the queryset of regions the actor may place an enterprise in.
    Raises ServiceError listing every problem (`errors`), and changes nothing.
    """
    lookups = lookups or QueryLookups(operating_regions)
    errors = _Errors()
    out = {}
    for field, limit in TEXT_FIELDS.items():
        value = str(data.get(field) or "").strip()
        if len(value) > limit:
            errors.add(field, f"{field}.too_long", f"长度不能超过 {limit} 个字符。")
        out[field] = value[:limit]
    if not out["name"]:
        errors.add("name", "name.required", "单位名称不能为空。")
    raw_code = str(data.get("credit_code") or "").strip()
    if raw_code:
        out["credit_code"] = errors.check("credit_code", validation.credit_code, raw_code) or ""
    else:
        out["credit_code"] = ""
        if not out["no_credit_code_reason"]:
            errors.add("credit_code", "credit_code.required",
                       "统一社会信用代码不能为空(仅个体工商户等无代码单位可空，并须填写原因)。")
    for field, label in MOBILE_FIELDS.items():
        out[field] = errors.check(field, validation.mobile, data.get(field), label) or ""
    out["headcount"] = errors.check("headcount", validation.headcount, data.get("headcount"))
    coords = errors.check("lon", validation.coordinates, data.get("lon"), data.get("lat")) or (None, None)
    out["lon"], out["lat"] = coords
    out["scale"] = _choice(data.get("scale") or Scale.SMALL, Scale.choices, "scale", "规模", errors)
    out["status"] = _choice(data.get("status") or EnterpriseStatus.OPERATING, EnterpriseStatus.choices,
                            "status", "经营状态", errors)
    out["status_since"] = _date(data.get("status_since"), "status_since", "状态起始日期", errors)
    category = str(data.get("category") or "").strip()
    out["category"] = lookups.category(category) if category else None
    if not category:
        errors.add("category", "category.required", "请选择安全监管类别。")
    elif out["category"] is None:
        errors.add("category", "category.unknown", f"安全监管类别“{category}”不存在。")
    industry = str(data.get("industry") or "").strip()
    out["industry"] = lookups.industry(industry) if industry else None
    if industry and out["industry"] is None:
        errors.add("industry", "industry.unknown", f"国民经济行业代码“{industry}”不存在(GB/T 4754-2017)。")
    _clean_regions(data, out, lookups, errors)
    errors.raise_if_any()
    return out


def _clean_regions(data, out, lookups, errors):
    operating = lookups.operating_region(data.get("operating_region"))
    if data.get("operating_region") and operating is None:
        errors.add("operating_region", "operating_region.unknown",
                   f"经营地“{data.get('operating_region')}”不是您辖区内的乡镇(街道)或村(社区)。")
    out["operating_region"] = operating
    registered = lookups.registered_region(data.get("registered_region"))
    if data.get("registered_region") and registered is None:
        errors.add("registered_region", "registered_region.unknown",
                   f"注册地“{data.get('registered_region')}”不是已知的区县、乡镇或村(社区)。")
    out["registered_region"] = registered
    if operating is None and out["lon"] is None and not data.get("operating_region"):
        errors.add("operating_region", "operating_region.required", "经营地和坐标至少填写一项。")
    if operating is not None and out["lon"] is not None and not _inside_county(operating.region_code, out):
        errors.add("lon", "coordinates.outside_county", "坐标不在经营地所在区县范围内。")


@lru_cache(maxsize=64)
def _county_shape(region_code):
    """The county outline, buffered and prepared once: imports test it for every row."""
    county = Region.objects.filter(code=region_code, level=RegionLevel.COUNTY).only("polygon").first()
    if not (county and county.polygon):
        return None
    outline = shape(county.polygon).buffer(1e-9)
    prepare(outline)
    return outline


def _inside_county(region_code, out):
    outline = _county_shape(region_code)
    return outline is None or outline.covers(Point(out["lon"], out["lat"]))


# --- enterprise lifecycle -------------------------------------------------------------------


def _place(enterprise, locate=locate):
    """Assign the grid from the coordinates unless overridden; keep scope_path in step.

    `locate(lon, lat, region_code)` is swappable so bulk imports can answer from a GridLocator.
    """
    if not enterprise.grid_override_reason:
        grid = locate(enterprise.lon, enterprise.lat, enterprise.region_code) if enterprise.lon is not None else None
        enterprise.grid = grid
    if enterprise.grid is not None:
        enterprise.scope_path = enterprise.grid.path
        if enterprise.operating_region.level == RegionLevel.TOWN and enterprise.grid.region.parent_id == \
                enterprise.operating_region_id:
            enterprise.operating_region = enterprise.grid.region
    else:
        enterprise.scope_path = enterprise.operating_region.path


def _apply(enterprise, values):
    for field, value in values.items():
        setattr(enterprise, field, value)
    enterprise.region_code = enterprise.operating_region.region_code
    registered = values["registered_region"] or enterprise.operating_region
    enterprise.registered_region = registered
    enterprise.registered_region_code = registered.region_code or registered.code[:6]
    enterprise.registered_path = registered.path


def _check_unique(values, region_code, exclude_pk=None):
    code = values["credit_code"]
    if not code:
        return
    clash = Enterprise.objects.filter(region_code=region_code, credit_code=code, voided_at__isnull=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    other = clash.first()
    if other:
        raise ServiceError("credit_code.duplicate", f"统一社会信用代码 {code} 已登记为“{other.name}”。",
                           field="credit_code")


@transaction.atomic
def create_enterprise(data, *, actor, operating_regions):
    values = clean_enterprise(data, operating_regions=operating_regions)
    values["operating_region"] = _locate_operating_region(values, operating_regions)
    enterprise = Enterprise()
    _apply(enterprise, values)
    _check_unique(values, enterprise.region_code)
    _place(enterprise)
    enterprise.save()
    record("enterprise_create", enterprise, actor=actor, after=snapshot(enterprise, fields=AUDIT_FIELDS))
    return enterprise


def _locate_operating_region(values, operating_regions):
    """With only coordinates, the operating region is the village of the covering grid."""
    if values["operating_region"] is not None:
        return values["operating_region"]
    counties = operating_regions.exclude(region_code="").values_list("region_code", flat=True).distinct()
    for county in sorted(counties):
        grid = locate(values["lon"], values["lat"], county)
        if grid is not None and operating_regions.filter(pk=grid.region_id).exists():
            return grid.region
    raise ServiceError("operating_region.required", "坐标不在您辖区的任何网格内，请填写经营地。",
                       field="operating_region")


@transaction.atomic
def update_enterprise(enterprise, data, *, actor, operating_regions, version):
    """Compare-and-set on `version`: a stale form gets 409 with the current values."""
    merged = {**export_values(enterprise), **data}
    values = clean_enterprise(merged, operating_regions=operating_regions)
    values["operating_region"] = _locate_operating_region(values, operating_regions)
    before = snapshot(enterprise, fields=AUDIT_FIELDS)
    _apply(enterprise, values)
    _check_unique(values, enterprise.region_code, exclude_pk=enterprise.pk)
    _place(enterprise)
    return _save_versioned(enterprise, version, actor, "enterprise_update", before)


# Never written from an instance: voiding is core.services.void's, and a copy loaded before a
# void would otherwise bring the enterprise back.
_NOT_SAVED = {"id", "created_at", "voided_at", "voided_by", "void_reason"}


def _save_versioned(enterprise, version, actor, action, before, reason=""):
    fields = {f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields
              if f.name not in _NOT_SAVED}
    fields["version"] = version + 1
    if not Enterprise.objects.filter(pk=enterprise.pk, version=version, voided_at__isnull=True).update(**fields):
        current = Enterprise.objects.get(pk=enterprise.pk)
        raise Conflict("该单位信息已被他人修改，请刷新后重试。",
                       current={"version": current.version, "name": current.name,
                                "voided": current.is_voided})
    enterprise.version = version + 1
    enterprise.refresh_from_db(fields=["updated_at"])
    record(action, enterprise, actor=actor, before=before, after=snapshot(enterprise, fields=AUDIT_FIELDS),
           reason=reason)
    return enterprise


def export_values(enterprise):
    """The enterprise as raw field values (the same shape `clean_enterprise` reads)."""
    return {
        "credit_code": enterprise.credit_code, "no_credit_code_reason": enterprise.no_credit_code_reason,
        "name": enterprise.name, "legal_representative": enterprise.legal_representative,
        "legal_representative_mobile": enterprise.legal_representative_mobile,
        "principal_person": enterprise.principal_person, "principal_mobile": enterprise.principal_mobile,
        "safety_manager": enterprise.safety_manager, "safety_manager_mobile": enterprise.safety_manager_mobile,
        "industry": enterprise.industry.code if enterprise.industry_id else "",
        "category": enterprise.category.code, "scale": enterprise.scale, "status": enterprise.status,
        "status_since": enterprise.status_since, "headcount": enterprise.headcount,
        "registered_region": enterprise.registered_region.code, "operating_region": enterprise.operating_region.code,
        "address": enterprise.address, "lon": enterprise.lon, "lat": enterprise.lat,
    }


@transaction.atomic
def set_status(enterprise, *, status, since, actor, version, reason=""):
    errors = _Errors()
    status = _choice(status, EnterpriseStatus.choices, "status", "经营状态", errors)
    since = _date(since, "status_since", "状态起始日期", errors) or timezone.localdate()
    errors.raise_if_any()
    before = snapshot(enterprise, fields=AUDIT_FIELDS)
    enterprise.status, enterprise.status_since = status, since
    return _save_versioned(enterprise, version, actor, "enterprise_status", before, reason=reason)


@transaction.atomic
def override_grid(enterprise, *, grid, reason, actor):
    """Manual grid choice with a reason; bulk runs keep it until it is cleared."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("grid_override.reason_required", "人工指定网格必须填写原因。", field="reason")
    if grid.region_code != enterprise.region_code:
        raise ServiceError("grid_override.other_county", "只能指定本区县的网格。", field="grid")
    if grid.voided_at is not None:
        raise ServiceError("grid_override.voided", "该网格已作废，不能指定。", field="grid")
    before = snapshot(enterprise, fields=AUDIT_FIELDS)
    enterprise.grid, enterprise.grid_override_reason = grid, reason[:300]
    _place(enterprise)
    return _save_versioned(enterprise, enterprise.version, actor, "enterprise_grid_override", before, reason)


@transaction.atomic
def clear_grid_override(enterprise, *, actor):
    before = snapshot(enterprise, fields=AUDIT_FIELDS)
    enterprise.grid_override_reason = ""
    _place(enterprise)
    return _save_versioned(enterprise, enterprise.version, actor, "enterprise_grid_override_clear", before)


def bulk_assign_grids(region_codes, *, actor=None, batch_size=2000):
    """Re-assign every non-overridden enterprise with coordinates in the counties; one audit event.

    Each county's enterprises are located among that county's grids only: a point just across
    the border stays a gap of its own county instead of landing in a neighbour's grid.
    The write is compare-and-set: a row overridden, voided or moved while the run was locating
    keeps what that change gave it.
    """
    region_paths = dict(Region.objects.filter(region_code__in=region_codes).values_list("id", "path"))
    checked, gaps, changed = 0, 0, []
    for region_code in region_codes:
        locator = GridLocator.for_counties([region_code])
        rows = list(
            Enterprise.objects.filter(region_code=region_code, voided_at__isnull=True, grid_override_reason="",
                                      lon__isnull=False)
            .values_list("id", "lon", "lat", "grid_id", "operating_region_id")
        )
        refs = locator.locate_many([r[1] for r in rows], [r[2] for r in rows])
        for (pk, lon, lat, grid_id, region_id), ref in zip(rows, refs, strict=True):
            new_grid = ref.id if ref else None
            if new_grid != grid_id:
                changed.append((pk, new_grid, ref.path if ref else region_paths.get(region_id, ""), lon, lat))
        checked += len(rows)
        gaps += sum(1 for r in refs if r is None)
    with transaction.atomic():
        written = _write_assignments(changed, batch_size)
        result = {"checked": checked, "changed": written, "gaps": gaps}
        record("enterprise_bulk_assign_grids", None, actor=actor, object_type="registry.enterprise",
               object_id="*", region_code=region_codes[0] if len(region_codes) == 1 else "",
               after={"counties": list(region_codes), **result})
    return result


def _write_assignments(changed, batch_size):
    """Persist (pk, grid_id, scope_path, lon, lat) rows in batches; returns the rows written.

    Only where the row still has the coordinates it was located by, no override and no void.
    Django's bulk_update builds one CASE WHEN per row, which takes minutes at 200,000 rows.
    PostgreSQL joins each batch as a VALUES list (UPDATE ... FROM); SQLite runs a prepared
    UPDATE per row with executemany, which is fast there (no network round trips).
    """
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    still = "grid_override_reason = '' AND voided_at IS NULL"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(changed), batch_size):
            batch = changed[start:start + batch_size]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s::bigint, %s::bigint, %s::varchar, %s::float8, %s::float8)"] * len(batch))
                cursor.execute(
                    f"UPDATE {table} AS e SET grid_id = v.grid_id, scope_path = v.scope_path "
                    f"FROM (VALUES {values}) AS v(id, grid_id, scope_path, lon, lat) "
                    f"WHERE e.id = v.id AND e.lon = v.lon AND e.lat = v.lat AND e.{still}",
                    [value for row in batch for value in row],
                )
                written += cursor.rowcount
            else:
                cursor.executemany(f"UPDATE {table} SET grid_id = %s, scope_path = %s "
                                   f"WHERE id = %s AND lon = %s AND lat = %s AND {still}",
                                   [(grid_id, path, pk, lon, lat) for pk, grid_id, path, lon, lat in batch])
                written += cursor.rowcount  # sqlite3 sums executemany's modifications
    return written


# --- responsibility rules (三管三必须) ---------------------------------------------------------


@transaction.atomic
def set_responsibility_rule(*, county, category, lead_department, cooperating=(), actor, note=""):
    departments = [d for d in [lead_department, *cooperating] if d is not None]
    if any(d.region_code != county.region_code for d in departments):
        raise ServiceError("rule.department_county", "牵头和配合部门须为本区县的部门。", field="lead_department")
    if lead_department is not None and lead_department in cooperating:
        raise ServiceError("rule.lead_in_cooperating", "牵头部门不能同时作为配合部门。", field="cooperating_departments")
    rule = ResponsibilityRule.objects.filter(region_code=county.region_code, category=category).first()
    before = _rule_snapshot(rule)
    if rule is None:
        rule = ResponsibilityRule(region_code=county.region_code, category=category)
    rule.lead_department, rule.note = lead_department, (note or "")[:300]
    rule.save()
    rule.cooperating_departments.set(cooperating)
    record("responsibility_rule_set", rule, actor=actor, before=before, after=_rule_snapshot(rule))
    return rule


def _rule_snapshot(rule):
    if rule is None:
        return None
    return {"category": rule.category.name, "lead": rule.lead_department.name if rule.lead_department else None,
            "cooperating": sorted(d.name for d in rule.cooperating_departments.all()), "note": rule.note}


def responsible_departments(enterprise):
    """Lead and cooperating departments from the county's rule; territorial fallback flagged."""
    rule = (ResponsibilityRule.objects.filter(region_code=enterprise.region_code, category=enterprise.category_id)
            .select_related("lead_department").prefetch_related("cooperating_departments").first())
    lead = rule.lead_department if rule else None
    return {
        "lead": lead,
        "cooperating": list(rule.cooperating_departments.all()) if rule else [],
        "territorial_fallback": lead is None,
        "town": _town_of(enterprise),
    }


def _town_of(enterprise):
    region = enterprise.operating_region
    return region.parent if region.level == RegionLevel.VILLAGE else region


def county_departments(region_code):
    return Department.objects.filter(region_code=region_code, voided_at__isnull=True)


def grids_of(region_code):
    return Grid.objects.filter(region_code=region_code, voided_at__isnull=True)


# --- safety categories (系统管理 › 基础数据) ---------------------------------------------------------


CATEGORY_FIELDS = ["code", "name", "group", "usually_unclaimed", "sort", "source", "active"]


def _check_reference_editor(actor):
    if actor is not None and getattr(actor, "effective_role", None) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以修改基础数据。", code="reference.not_editor")


def category_in_use(category):
    return Enterprise.objects.filter(category=category).exists()


@transaction.atomic
def create_category(*, actor, code, name, group="", source="", usually_unclaimed=False, sort=None,
                    county=None, lead_department=None):
    """A new safety category (e.g. a new business form: charging stations, energy storage, cold chains),
    optionally with its lead department in one county (三管三必须)."""
    _check_reference_editor(actor)
    code, name = (code or "").strip(), (name or "").strip()[:50]
    if not re.fullmatch(r"[a-z0-9_]{2,40}", code):
        raise ServiceError("category.code", "类别代码须为 2-40 位小写字母、数字或下划线。", field="code")
    if not name:
        raise ServiceError("category.name_required", "请填写类别名称。", field="name")
    if SafetyCategory.objects.filter(Q(code=code) | Q(name=name)).exists():
        raise ServiceError("category.taken", "类别代码或名称已存在。", field="name")
    if sort is None:
        sort = (SafetyCategory.objects.order_by("-sort").values_list("sort", flat=True).first() or 0) + 1
    category = SafetyCategory.objects.create(code=code, name=name, group=(group or "").strip()[:30] or name,
                                             source=(source or "").strip()[:200], sort=sort,
                                             usually_unclaimed=bool(usually_unclaimed))
    record("category_create", category, actor=actor, region_code="", after=snapshot(category, fields=CATEGORY_FIELDS))
    if lead_department is not None:
        set_responsibility_rule(county=county or lead_department.county, category=category,
                                lead_department=lead_department, cooperating=[], actor=actor,
                                note="新建类别时指定牵头部门")
    return category


@transaction.atomic
def update_category(category, *, actor, name=None, group=None, source=None, sort=None, active=None):
    """Name, group and basis change only while no enterprise carries the category (its records keep the
    name they were made with): otherwise retire it and create a new one."""
    _check_reference_editor(actor)
    before = snapshot(category, fields=CATEGORY_FIELDS)
    renamed = name is not None and name.strip() != category.name
    if renamed and category_in_use(category):
        raise ServiceError("category.in_use", "已有单位使用该类别，不能改名；请停用后新建类别。", field="name")
    if renamed:
        if not name.strip() or SafetyCategory.objects.filter(name=name.strip()).exclude(pk=category.pk).exists():
            raise ServiceError("category.taken", "类别名称为空或已存在。", field="name")
        category.name = name.strip()[:50]
    if group is not None:
        category.group = group.strip()[:30]
    if source is not None:
        category.source = source.strip()[:200]
    if sort is not None:
        category.sort = sort
    if active is not None:
        category.active = bool(active)
    category.save()
    record("category_update", category, actor=actor, region_code="", before=before,
           after=snapshot(category, fields=CATEGORY_FIELDS))
    return category
