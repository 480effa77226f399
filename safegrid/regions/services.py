"""Changes to the jurisdiction tree. Every function validates, writes and audits."""

import re

from django.db import transaction

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import ServiceError
from safegrid.safegeo import GeometryError, bbox, parse_polygon

from .models import KEY_LENGTH, Department, Grid, GridOfficer, Region, RegionLevel

REGION_FIELDS = ["code", "name", "level", "parent", "path", "region_code"]
GRID_FIELDS = ["code", "name", "region", "path", "responsible_person", "responsible_phone"]
GRID_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def validate_region_code(code, level, parent):
    """Check a division code against its level and parent; raise ServiceError naming `code`."""
    code = (code or "").strip()
    level = RegionLevel(level)
    six = level <= RegionLevel.COUNTY
    if not re.fullmatch(r"\d{6}" if six else r"\d{12}", code):
        expected = "6 位数字(GB/T 2260)" if six else "12 位数字(统计用区划代码)"
        raise ServiceError("region.code_format", f"{level.label}级区划代码应为{expected}。", field="code")
    key_len = KEY_LENGTH[level]
    key, rest = code[:key_len], code[key_len:]
    if rest.strip("0") or key[-(2 if six else 3):] == ("00" if six else "000"):
        raise ServiceError("region.code_level", f"区划代码 {code} 与层级“{level.label}”不符。",
                           field="code")
    if level == RegionLevel.PROVINCE:
        if parent is not None:
            raise ServiceError("region.parent_level", "省级区划不能有上级。", field="parent")
        return code
    if parent is None:
        raise ServiceError("region.parent_required", f"{level.label}级区划必须指定上级。", field="parent")
    if parent.level != level - 1:
        raise ServiceError(
            "region.parent_level",
            f"上级“{parent.name}”是{parent.get_level_display()}级，{level.label}级区划的上级应为"
            f"{RegionLevel(level - 1).label}级。",
            field="parent",
        )
    if not code.startswith(parent.key):
        raise ServiceError("region.code_parent_mismatch",
                           f"区划代码 {code} 不以上级代码 {parent.key} 开头。", field="code")
    return code


@transaction.atomic
def create_region(*, code, name, level, parent, actor, polygon=None):
    name = (name or "").strip()
    if not name:
        raise ServiceError("region.name_required", "名称不能为空。", field="name")
    try:
        level = RegionLevel(int(level))
    except (TypeError, ValueError) as exc:
        raise ServiceError("region.level_unknown", "层级无效。", field="level") from exc
    code = validate_region_code(code, level, parent)
    if Region.objects.filter(code=code).exists():
        raise ServiceError("region.code_taken", f"区划代码 {code} 已存在。", field="code")
    if polygon is not None:
        polygon = _checked_polygon(polygon)
    key = code[: KEY_LENGTH[level]]
    region = Region.objects.create(
        code=code, name=name, level=level, parent=parent, polygon=polygon,
        path=f"{parent.path}/{key}" if parent else key,
        region_code=code[:6] if level >= RegionLevel.COUNTY else "",
    )
    record("region_create", region, actor=actor, after=snapshot(region, fields=REGION_FIELDS))
    return region


@transaction.atomic
def rename_region(region, *, name, actor):
    name = (name or "").strip()
    if not name:
        raise ServiceError("region.name_required", "名称不能为空。", field="name")
    before = snapshot(region, fields=REGION_FIELDS)
    region.name = name
    region.save(update_fields=["name", "updated_at"])
    record("region_update", region, actor=actor, before=before, after=snapshot(region, fields=REGION_FIELDS))
    return region


def _checked_polygon(geojson, field="polygon"):
    try:
        return parse_polygon(geojson)
    except GeometryError as exc:
        raise ServiceError(exc.code, exc.message, field=field) from exc


def _checked_phone(phone, field):
    phone = (phone or "").strip()
    if phone and not PHONE.match(phone):
        raise ServiceError("phone_format", "电话号码格式不正确(手机号 11 位或座机 区号-号码)。", field=field)
    return phone


def _county_code(region):
    if region.level < RegionLevel.TOWN:
        raise ServiceError("grid.region_level", "网格必须属于乡镇(街道)或村(社区)。", field="region")
    return region.region_code


@transaction.atomic
def create_grid(*, code, name, region, polygon, actor, responsible_person="", responsible_phone=""):
    code = (code or "").strip()
    if not GRID_CODE.match(code):
        raise ServiceError("grid.code_format", "网格编码只能由字母、数字和连字符组成(1-32 位)。", field="code")
    name = (name or "").strip()
    if not name:
        raise ServiceError("grid.name_required", "网格名称不能为空。", field="name")
    region_code = _county_code(region)
    if Grid.objects.filter(region_code=region_code, code=code).exists():
        raise ServiceError("grid.code_taken", f"网格编码 {code} 在本区县已存在。", field="code")
    polygon = _checked_polygon(polygon)
    grid = Grid.objects.create(
        code=code, name=name, region=region, path=f"{region.path}/{code}", polygon=polygon,
        region_code=region_code, responsible_person=(responsible_person or "").strip(),
        responsible_phone=_checked_phone(responsible_phone, "responsible_phone"), **bbox(polygon),
    )
    record("grid_create", grid, actor=actor, after=snapshot(grid, fields=GRID_FIELDS))
    return grid


@transaction.atomic
def update_grid(grid, *, actor, **changes):
    """Change name, polygon or responsible person of a grid."""
    before = snapshot(grid, fields=GRID_FIELDS + ["polygon"])
    if "name" in changes:
        grid.name = (changes["name"] or "").strip()
        if not grid.name:
            raise ServiceError("grid.name_required", "网格名称不能为空。", field="name")
    if "polygon" in changes:
        grid.polygon = _checked_polygon(changes["polygon"])
        for key, value in bbox(grid.polygon).items():
            setattr(grid, key, value)
    if "responsible_person" in changes:
        grid.responsible_person = (changes["responsible_person"] or "").strip()
    if "responsible_phone" in changes:
        grid.responsible_phone = _checked_phone(changes["responsible_phone"], "responsible_phone")
    grid.save()
    record("grid_update", grid, actor=actor, before=before, after=snapshot(grid, fields=GRID_FIELDS + ["polygon"]))
    return grid


@transaction.atomic
def create_department(*, name, county, actor, short_name=""):
    name = (name or "").strip()
    if not name:
        raise ServiceError("department.name_required", "部门名称不能为空。", field="name")
    if county.level != RegionLevel.COUNTY:
        raise ServiceError("department.county_level", "行业主管部门必须属于区县。", field="county")
    if Department.objects.filter(region_code=county.region_code, name=name).exists():
        raise ServiceError("department.name_taken", f"本区县已有部门“{name}”。", field="name")
    department = Department.objects.create(name=name, short_name=short_name, county=county,
                                           region_code=county.region_code)
    record("department_create", department, actor=actor, after=snapshot(department))
    return department


@transaction.atomic
def appoint_grid_officer(*, user, grids, actor, full_time=True, trained_on=None):
    """Make a user a grid officer of the given grids (all in one county)."""
    grids = list(grids)
    counties = {g.region_code for g in grids}
    if len(counties) > 1:
        raise ServiceError("officer.grids_counties", "一名网格员负责的网格须在同一区县。", field="grids")
    region_code = counties.pop() if counties else ""
    officer, created = GridOfficer.objects.get_or_create(
        user=user, defaults={"full_time": full_time, "trained_on": trained_on, "region_code": region_code}
    )
    before = None if created else {"grids": sorted(officer.grids.values_list("code", flat=True))}
    if officer.is_voided:
        before["voided"] = True
    officer.full_time, officer.trained_on = full_time, trained_on
    # Appointing someone whose duty was voided puts them back on duty.
    officer.voided_at, officer.voided_by, officer.void_reason = None, None, ""
    if region_code:
        officer.region_code = region_code
    officer.save()
    officer.grids.set(grids)
    record("grid_officer_appoint", officer, actor=actor, before=before,
           after={"grids": sorted(g.code for g in grids), "full_time": full_time,
                  "trained_on": trained_on.isoformat() if trained_on else None})
    return officer
