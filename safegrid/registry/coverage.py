"""Coverage gaps (监管盲区) of a user's jurisdiction, computed with a handful of aggregate queries.

Full coverage (全覆盖, DOMAIN.md section 2) means: no enterprise without a grid, no grid
without an officer, no enterprise without a department. The report counts every gap per
town (乡镇/街道) with GROUP BY queries and loops only over grids and officers, never over
enterprises, so it stays within seconds at city scale (200,000 enterprises, 12,000 grids).

Scope: the enterprises the user's jurisdiction supervises where they operate. Closed
enterprises (关闭) are not supervised any more and are left out; suspended ones stay in.

Officer workload: an enterprise in a grid with k officers counts 1/k for each of them.
An officer is overloaded above ``SAFEGRID_OFFICER_WORKLOAD_LIMIT`` (200, the figure of the
field reports) or above the statistical fence Q3 + 1.5·IQR of all officers in the scope.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr

from safegrid.core.errors import PermissionDenied
from safegrid.core.roles import Role
from safegrid.core.scope import path_q
from safegrid.regions.models import Grid, GridOfficer, Region, RegionLevel

from .models import Enterprise, EnterpriseStatus, ResponsibilityRule, SafetyCategory, user_counties

# Roles that answer for coverage: the county, the town and the leaders who read their reports.
COVERAGE_ROLES = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE, Role.LEADER})
# "export" scopes enterprises by where they operate; "view" would add those registered here but
# operating elsewhere, whose gaps belong to the operating county.
SCOPE_ACTION = "export"
# Path prefix of a town: "43/4311/431102/431102001" (2 + 4 + 6 + 9 digits and 3 slashes).
TOWN_PATH_LENGTH = 24
DEFAULT_WORKLOAD_LIMIT = 200
OfficerLink = GridOfficer.grids.through


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    hint: str
    subject: str  # enterprise, grid, officer, category


KINDS = {k.key: k for k in [
    Kind("no_grid", "未落网格的单位", "没有坐标或坐标不在任何网格内", "enterprise"),
    Kind("no_officer", "网格无网格员的单位", "所在网格尚未配备网格员", "enterprise"),
    Kind("no_department", "无行业主管部门的单位", "类别无牵头部门，由属地兜底", "enterprise"),
    Kind("grids_without_officer", "未配网格员的网格", "网格尚无在岗网格员", "grid"),
    Kind("untrained_officers", "未经岗前培训的网格员", "无岗前培训日期", "officer"),
    Kind("overloaded_officers", "负荷过重的网格员", "超过上限或统计离群(Q3+1.5·IQR)", "officer"),
    Kind("categories_without_department", "无主管部门的行业类别", "按区县列出，属地兜底的监管空白", "category"),
]}


def workload_limit():
    return getattr(settings, "SAFEGRID_OFFICER_WORKLOAD_LIMIT", DEFAULT_WORKLOAD_LIMIT)


def may_view(user):
    return user.is_authenticated and user.is_active and user.effective_role in COVERAGE_ROLES


def check_role(user):
    if not may_view(user):
        raise PermissionDenied("您的角色无权查看监管盲区。")


# --- scoped building blocks ------------------------------------------------------------------


def supervised(user):
    return (Enterprise.objects.restrict(user, SCOPE_ACTION).filter(voided_at__isnull=True)
            .exclude(status=EnterpriseStatus.CLOSED))


def scoped_grids(user):
    return Grid.objects.restrict(user, "view").filter(voided_at__isnull=True)


def _staffed(grid_ref):
    return Exists(OfficerLink.objects.filter(grid_id=grid_ref, gridofficer__voided_at__isnull=True))


def _led():
    """The county has a rule with a lead department for the enterprise's category."""
    return Exists(ResponsibilityRule.objects.filter(
        region_code=OuterRef("region_code"), category_id=OuterRef("category_id"),
        lead_department__isnull=False, lead_department__voided_at__isnull=True))


def _town(field_name):
    return Substr(field_name, 1, TOWN_PATH_LENGTH)


def _within(queryset, field_name, town):
    return queryset if town is None else queryset.filter(path_q(field_name, [town.path]))


def towns_of(user):
    return (Region.objects.restrict(user, "view")
            .filter(level=RegionLevel.TOWN, voided_at__isnull=True).order_by("path"))


def find_town(user, code):
    """The in-scope town with that code, or None (no filter) for an empty code."""
    if not code:
        return None
    return towns_of(user).filter(code=code).first()


# --- the report -------------------------------------------------------------------------------


@dataclass
class TownRow:
    path: str
    code: str
    name: str
    enterprises: int = 0
    no_grid: int = 0
    no_officer: int = 0
    no_department: int = 0
    grids: int = 0
    grids_without_officer: int = 0
    officers: int = 0
    untrained_officers: int = 0
    overloaded_officers: int = 0
    workload_mean: float = 0.0
    workload_max: float = 0.0
    workload_total: float = field(default=0.0, repr=False)

    def add_officer(self, officer):
        self.officers += 1
        self.untrained_officers += officer.trained_on is None
        self.overloaded_officers += officer.overloaded
        self.workload_total += officer.workload
        self.workload_mean = round(self.workload_total / self.officers, 1)
        self.workload_max = max(self.workload_max, officer.workload)

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("workload_total", "path")}


@dataclass
class Report:
    summary: dict
    towns: list
    officers: list  # every officer of the scope with workload and outlier flags
    categories: list  # categories without a lead department, per county
    limit: int
    fence: float | None


def report(user):
    """The coverage report of `user`'s jurisdiction (the caller checks the role)."""
    towns = {t.path: TownRow(t.path, t.code, t.name) for t in towns_of(user)}

    def town_row(path):
        if path not in towns:
            towns[path] = TownRow(path, "", "(乡镇未知)")
        return towns[path]

    groups = enterprise_groups(user)
    _add_enterprise_counts(groups, town_row)
    for row in _grid_counts(user):
        target = town_row(row["town"])
        target.grids, target.grids_without_officer = row["grids"], row["grids_without_officer"]
    per_grid = {g["grid_key"]: g["enterprises"] for g in groups if g["grid_key"] is not None}
    officers, fence = officer_workloads(user, per_grid)
    for officer in officers:
        town_row(officer.town).add_officer(officer)
    categories = categories_without_department(user)
    rows = sorted(towns.values(), key=lambda t: t.path)
    summary = _summary(rows, officers, categories)
    return Report(summary, rows, officers, categories, workload_limit(), fence)


def enterprise_groups(user):
    """Supervised enterprises counted per (town, grid): one scan, at most one row per grid.

    `grid_id + 0` keeps SQLite from walking the grid_id index with a row look-up per
    enterprise (seconds at 200,000 rows) instead of scanning the table once.
    """
    return list(
        supervised(user).annotate(town=_town("scope_path"), grid_key=F("grid_id") + 0,
                                  staffed=_staffed(OuterRef("grid_id")), led=_led())
        .values("town", "grid_key").order_by()
        .annotate(enterprises=Count("id"), no_officer=Count("id", filter=Q(grid__isnull=False, staffed=False)),
                  no_department=Count("id", filter=Q(led=False))))


def _add_enterprise_counts(groups, town_row):
    for group in groups:
        row = town_row(group["town"])
        row.enterprises += group["enterprises"]
        row.no_grid += group["enterprises"] if group["grid_key"] is None else 0
        row.no_officer += group["no_officer"]
        row.no_department += group["no_department"]


def _grid_counts(user):
    return (scoped_grids(user).annotate(town=_town("path"), staffed=_staffed(OuterRef("pk")))
            .values("town").order_by()
            .annotate(grids=Count("id"), grids_without_officer=Count("id", filter=Q(staffed=False))))


@dataclass
class OfficerLoad:
    id: int
    name: str
    username: str
    town: str  # town path of the officer's first grid
    grids: list  # grid codes
    trained_on: object
    full_time: bool
    workload: float = 0.0
    over_limit: bool = False
    outlier: bool = False

    @property
    def overloaded(self):
        return self.over_limit or self.outlier


def officer_workloads(user, per_grid=None):
    """Every officer of the scope's grids with enterprises per officer; and the IQR fence.

    `per_grid` ({grid id: enterprises}) saves the count query when the caller has it.
    """
    grids = scoped_grids(user)
    links = list(OfficerLink.objects.filter(grid__in=grids.values("pk"), gridofficer__voided_at__isnull=True)
                 .values_list("gridofficer_id", "grid_id", "grid__path", "grid__code")
                 .order_by("gridofficer_id", "grid__path"))
    if per_grid is None:
        per_grid = {g["grid_key"]: g["enterprises"] for g in enterprise_groups(user) if g["grid_key"] is not None}
    officers_per_grid = Counter(link[1] for link in links)
    people = {o.pk: o for o in GridOfficer.objects.filter(pk__in={link[0] for link in links})
              .select_related("user").only("id", "trained_on", "full_time", "user__name", "user__username")}
    loads = {}
    for officer_id, grid_id, path, code in links:
        load = loads.get(officer_id)
        if load is None:
            person = people[officer_id]
            load = loads[officer_id] = OfficerLoad(
                officer_id, person.user.display_name, person.user.username, path[:TOWN_PATH_LENGTH], [],
                person.trained_on, person.full_time)
        load.grids.append(code)
        load.workload += per_grid.get(grid_id, 0) / officers_per_grid[grid_id]
    officers = sorted(loads.values(), key=lambda o: (-o.workload, o.username))
    fence = iqr_fence([o.workload for o in officers])
    limit = workload_limit()
    for officer in officers:
        officer.workload = round(officer.workload, 2)
        officer.over_limit = officer.workload > limit
        officer.outlier = fence is not None and officer.workload > fence
    return officers, fence


def iqr_fence(values):
    """Q3 + 1.5·IQR (quartiles by the inclusive method); None with fewer than 4 values."""
    if len(values) < 4:
        return None
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return round(q3 + 1.5 * (q3 - q1), 2)


def categories_without_department(user):
    """Per county of the scope: categories with no rule or no lead department (属地兜底)."""
    counties = dict(Region.objects.filter(level=RegionLevel.COUNTY, code__in=_scope_counties(user))
                    .values_list("code", "name"))
    led = set(ResponsibilityRule.objects.filter(
        region_code__in=counties, lead_department__isnull=False, lead_department__voided_at__isnull=True)
        .values_list("region_code", "category_id"))
    # Expressions, not the bare columns: SQLite would walk the (region_code, status, category)
    # index with a row look-up per enterprise instead of one scan.
    counts = {(r, c): n for r, c, n in supervised(user).annotate(county=Substr("region_code", 1, 6),
                                                                  category_key=F("category_id") + 0)
              .values("county", "category_key").order_by().annotate(n=Count("id"))
              .values_list("county", "category_key", "n")}
    categories = list(SafetyCategory.objects.all())
    return [
        {"county_code": code, "county": name, "category": category.code, "category_name": category.name,
         "usually_unclaimed": category.usually_unclaimed, "enterprises": counts.get((code, category.pk), 0)}
        for code, name in sorted(counties.items()) for category in categories
        if (code, category.pk) not in led
    ]


def _scope_counties(user):
    if user.effective_role == Role.ADMIN:
        return Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True).values("code")
    return user_counties(user)


def _summary(rows, officers, categories):
    total = {key: sum(getattr(r, key) for r in rows)
             for key in ("enterprises", "no_grid", "no_officer", "no_department", "grids", "grids_without_officer")}
    workloads = [o.workload for o in officers]
    return {
        **total,
        "officers": len(officers),
        "untrained_officers": sum(o.trained_on is None for o in officers),
        "overloaded_officers": sum(o.overloaded for o in officers),
        "categories_without_department": len(categories),
        "workload_mean": round(statistics.fmean(workloads), 1) if workloads else 0.0,
        "workload_max": max(workloads, default=0.0),
    }


# --- drill-down rows --------------------------------------------------------------------------

ENTERPRISE_COLUMNS = [
    ("name", "单位名称"), ("credit_code", "统一社会信用代码"), ("category", "安全监管类别"),
    ("status", "经营状态"), ("town", "乡镇(街道)"), ("village", "村(社区)"), ("grid_code", "网格编码"),
    ("grid_name", "网格名称"), ("address", "经营地址"), ("lon", "经度"), ("lat", "纬度"),
]
GRID_COLUMNS = [("code", "网格编码"), ("name", "网格名称"), ("town", "乡镇(街道)"), ("village", "村(社区)"),
                ("responsible_person", "网格责任人"), ("responsible_phone", "责任人电话"),
                ("enterprises", "单位数")]
OFFICER_COLUMNS = [("name", "姓名"), ("username", "用户名"), ("town", "乡镇(街道)"), ("grids", "负责网格"),
                   ("full_time", "专职"), ("trained_on", "岗前培训日期"), ("workload", "人均单位数"),
                   ("over_limit", "超过上限"), ("outlier", "统计离群")]
CATEGORY_COLUMNS = [("county", "区县"), ("county_code", "区县代码"), ("category_name", "行业类别"),
                    ("usually_unclaimed", "常见监管空白"), ("enterprises", "单位数")]
COLUMNS = {"enterprise": ENTERPRISE_COLUMNS, "grid": GRID_COLUMNS, "officer": OFFICER_COLUMNS,
           "category": CATEGORY_COLUMNS}


def columns(kind):
    return COLUMNS[KINDS[kind].subject]


def rows(user, kind, town=None, report_=None):
    """The rows of one gap kind: a queryset of dicts (lazy, paginate it) or a list of dicts.

    Town names are filled in by `with_towns`, after paging, so a page costs one more query.
    """
    if kind == "no_grid":
        return _enterprise_rows(_within(supervised(user), "scope_path", town).filter(grid__isnull=True))
    if kind == "no_officer":
        qs = supervised(user).filter(grid__isnull=False).annotate(staffed=_staffed(OuterRef("grid_id")))
        return _enterprise_rows(_within(qs, "scope_path", town).filter(staffed=False))
    if kind == "no_department":
        return _enterprise_rows(_within(supervised(user), "scope_path", town).annotate(led=_led()).filter(led=False))
    if kind == "grids_without_officer":
        qs = scoped_grids(user).annotate(staffed=_staffed(OuterRef("pk"))).filter(staffed=False)
        return _grid_rows(user, _within(qs, "path", town))
    if kind in ("untrained_officers", "overloaded_officers"):
        officers = (report_.officers if report_ else officer_workloads(user)[0])
        wanted = (lambda o: o.trained_on is None) if kind == "untrained_officers" else (lambda o: o.overloaded)
        return [_officer_row(o) for o in officers
                if wanted(o) and (town is None or o.town == town.path)]
    if kind == "categories_without_department":
        found = report_.categories if report_ else categories_without_department(user)
        return found if town is None else [c for c in found if c["county_code"] == town.region_code]
    raise KeyError(kind)


def _enterprise_rows(queryset):
    return queryset.annotate(town_path=_town("scope_path")).order_by("scope_path", "name", "id").values(
        "id", "name", "credit_code", "category__name", "status", "town_path", "operating_region__name",
        "grid_id", "grid__code", "grid__name", "address", "lon", "lat")


def _grid_rows(user, queryset):
    counts = supervised(user).filter(grid=OuterRef("pk")).order_by().values("grid").annotate(n=Count("id"))
    return queryset.annotate(
        town_path=_town("path"), enterprise_count=Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), 0)
    ).order_by("path").values("id", "code", "name", "town_path", "region__name", "responsible_person",
                              "responsible_phone", "enterprise_count")


def _officer_row(officer):
    return {"id": officer.id, "name": officer.name, "username": officer.username, "town_path": officer.town,
            "grids": "、".join(officer.grids), "full_time": officer.full_time, "trained_on": officer.trained_on,
            "workload": officer.workload, "over_limit": officer.over_limit, "outlier": officer.outlier}


STATUS_LABELS = dict(EnterpriseStatus.choices)


def with_towns(items):
    """Rows in the shape of COLUMNS (town names, Chinese labels, links) from raw value dicts."""
    items = list(items)
    paths = {item["town_path"] for item in items if "town_path" in item}
    names = dict(Region.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
    return [_present(item, names) for item in items]


def _present(item, town_names):
    if "town_path" not in item:
        return dict(item)
    out = {k: v for k, v in item.items() if k != "town_path"}
    out["town"] = town_names.get(item["town_path"], "")
    if "category__name" in item:
        out = {"id": item["id"], "name": item["name"], "credit_code": item["credit_code"],
               "category": item["category__name"], "status": STATUS_LABELS.get(item["status"], item["status"]),
               "town": out["town"], "village": item["operating_region__name"], "grid_id": item["grid_id"],
               "grid_code": item["grid__code"] or "", "grid_name": item["grid__name"] or "",
               "address": item["address"], "lon": item["lon"], "lat": item["lat"],
               "url": f"/registry/enterprises/{item['id']}/"}
    elif "region__name" in item:
        out["village"] = out.pop("region__name")
        out["enterprises"] = out.pop("enterprise_count")
        out["url"] = f"/regions/grids/{item['id']}/"
    return out


def table(kind, items):
    """Header labels and value lists, for Excel."""
    keys = columns(kind)
    return [label for _key, label in keys], ([_cell(item.get(key)) for key, _label in keys] for item in items)


def _cell(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    return value
