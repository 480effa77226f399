"""Build the demo county 赫山区 through the service functions, so the audit trail records it.

`build_demo()` first plans the whole tree in memory (names, codes, geometry, officers),
deterministically from the seed, then writes it in one transaction with actor=None
(the system). A database that already holds the demo county is left alone.
"""

import contextlib
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import transaction

from safegrid.accounts.models import User
from safegrid.accounts.services import USER_FIELDS, create_user
from safegrid.audit.services import record, snapshot
from safegrid.core.roles import Role
from safegrid.regions import services as rs
from safegrid.regions.models import Region, RegionLevel

from . import activity, names
from . import geometry as geo

DEFAULT_SEED = 2026
PASSWORD = "Demo@2026"  # published demo password; satisfies the password policy
CITY_CENTER = (112.36, 28.60)  # the streets cluster around the city seat, north-west
NO_OFFICER_SHARE = 0.03  # grids left without an officer, for the coverage-gap views
UNTRAINED_SHARE = 0.04  # officers appointed before their pre-duty training
SHARED_OFFICER_SHARE = 0.2  # part-time officers who patrol two neighbouring grids


class DemoError(Exception):
    """The database is not in a state the demo can be built into."""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    name: str
    regions: tuple = ()
    department: str | None = None


COUNTY_CODE = names.COUNTY[0]
ACCOUNTS = [
    Account("admin", Role.ADMIN, "系统管理员"),
    Account("county_office", Role.COUNTY_OFFICE, "刘志刚", regions=(COUNTY_CODE,)),
    Account("dept_zjj", Role.DEPARTMENT, "彭海燕", regions=(COUNTY_CODE,), department="区住房和城乡建设局"),
    Account("town_hls", Role.TOWN_OFFICE, "曾建华", regions=("430903001000",)),
    Account("town_bzs", Role.TOWN_OFFICE, "谭明", regions=("430903101000",)),
    Account("enterprise", Role.ENTERPRISE, "周丽"),
    Account("leader", Role.LEADER, "罗建国", regions=(COUNTY_CODE,)),
]
DEMO_OFFICER = "wgy0001"  # the grid officer in the logins table: all grids of one village
LOGINS = [a.username for a in ACCOUNTS[:5]] + [DEMO_OFFICER] + [a.username for a in ACCOUNTS[5:]]


@dataclass
class Node(geo.Piece):
    name: str = ""
    responsible: str = ""


@dataclass
class OfficerPlan:
    username: str
    name: str
    grid_codes: list
    full_time: bool
    trained_on: date | None


@dataclass
class Result:
    created: bool
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


# --- planning (pure, no database) -----------------------------------------------------


def plan_tree(seed=DEFAULT_SEED, small=False):
    """The county as a tree of Nodes with final geometry: county > towns > villages > grids."""
    outline = geo.county_outline(geo.seeded(seed, "county"))
    towns = [t for t in names.TOWNS if not small or t.name in names.SMALL_TOWNS]
    points = _town_seeds(outline, towns, geo.seeded(seed, "towns"))
    root = Node(COUNTY_CODE, outline, name=names.COUNTY[1])
    used = set()
    for town, cell in zip(towns, geo.partition(outline, points, relax=0), strict=True):
        node = Node(town.code, cell, name=town.name)
        node.children = _plan_villages(node, town.is_street, geo.seeded(seed, town.code), small, used)
        root.children.append(node)
    geo.snap_tree(root)
    return root


def _town_seeds(outline, towns, rng):
    """Streets crowd around the city seat; towns spread over the rest (best-candidate sampling)."""
    streets = sum(t.is_street for t in towns)
    points = geo.random_points_in(outline, streets, rng, near=CITY_CENTER, spread=0.035)
    while len(points) < len(towns):
        candidates = geo.random_points_in(outline, 12, rng)
        points.append(max(candidates, key=lambda c: min(c.distance(p) for p in points)))
    return points


def _plan_villages(town, is_street, rng, small, used):
    count = rng.randint(3, 5) if small else rng.randint(8, 15)
    communities = round(count * 0.7) if is_street else rng.randint(1, 2)
    cells = geo.partition(town.sketch, geo.random_points_in(town.sketch, count, rng), relax=1)
    villages = []
    for i, cell in enumerate(cells):
        community = i < communities
        number = i + 1 if community else 201 + i - communities  # 001-199 社区, 200-399 村
        node = Node(f"{town.key[:9]}{number:03d}", cell, name=names.village_name(rng, used, community))
        node.children = _plan_grids(node, rng)
        villages.append(node)
    return villages


def _plan_grids(village, rng):
    count = rng.randint(2, 4)
    cells = geo.partition(village.sketch, geo.random_points_in(village.sketch, count, rng), relax=1)
    return [
        Node(f"{village.key}-{i:02d}", cell, name=names.grid_name(village.name, i),
             responsible=names.person_name(rng))
        for i, cell in enumerate(cells, start=1)
    ]


def plan_officers(root, seed=DEFAULT_SEED):
    """Who patrols which grids. One village of the first street gets the demo officer."""
    rng = geo.seeded(seed, "officers")
    villages = [v for town in root.children for v in town.children]
    demo_village = max(root.children[0].children, key=lambda v: len(v.children))
    plans = [_officer(1, rng, [g.key for g in demo_village.children], True, date(2025, 3, 12))]
    for village in villages:
        if village is not demo_village:
            plans += _village_officers(village, rng, len(plans) + 1)
    return plans


def _village_officers(village, rng, first_number):
    grids = [g.key for g in village.children if rng.random() >= NO_OFFICER_SHARE]
    plans = []
    while grids:
        take = 2 if len(grids) > 1 and rng.random() < SHARED_OFFICER_SHARE else 1
        trained = None if rng.random() < UNTRAINED_SHARE else date(2025, 1, 6) + timedelta(rng.randrange(330))
        # 先培训再上岗: only a trained officer can be full-time; the untrained wait as part-time.
        plans.append(_officer(first_number + len(plans), rng, grids[:take], take == 1 and trained is not None,
                              trained))
        grids = grids[take:]
    return plans


def _officer(number, rng, grid_codes, full_time, trained_on):
    return OfficerPlan(f"wgy{number:04d}", names.person_name(rng), grid_codes, full_time, trained_on)


# --- writing (through the services) ---------------------------------------------------


# Categories preferred for the enterprise login's company (a small factory has hazards to show).
INDUSTRIAL_FIRST = ("town_gas", "lpg_point", "trade_machinery", "trade_light_industry", "trade_building_materials")
# A field county registers about 20,000 objects; the demo keeps a quarter so it builds fast.
DEMO_ENTERPRISES = 5000
DEMO_ENTERPRISES_SMALL = 300


def demo_exists():
    return Region.objects.filter(code=COUNTY_CODE).exists()


def build_demo(seed=DEFAULT_SEED, small=False, log=None):
    """Build the demo county unless it exists. Returns a Result; raises DemoError on conflicts."""
    log = log or (lambda message: None)
    started = time.perf_counter()
    if demo_exists():
        _check_is_demo()
        return Result(created=False, counts=counts())
    _check_usernames_free()
    log("规划区划与网格边界 planning the tree and geometry …")
    root = plan_tree(seed, small)
    officers = plan_officers(root, seed)
    log("写入数据库 writing through the services …")
    with transaction.atomic(), _hash_each_password_once():
        county = _write_regions(root)
        departments = _write_departments(county)
        grids = _write_grids(root)
        _write_accounts(departments)
        _write_officers(officers, grids)
        _write_rules(county, departments)
        _write_enterprises(county, seed, small)
        _write_leader_post(county)
        activity.build_activity(county, seed, small, log)
    return Result(created=True, counts=counts(), seconds=time.perf_counter() - started)


def _check_is_demo():
    if not User.objects.filter(username=DEMO_OFFICER).exists():
        raise DemoError(f"区划 {COUNTY_CODE}（{names.COUNTY[1]}）已存在，但不是演示数据；"
                        "请在空数据库上运行 build_demo。")


def _check_usernames_free():
    taken = sorted(User.objects.filter(username__in=LOGINS).values_list("username", flat=True))
    if taken:
        raise DemoError(f"用户名已被占用：{', '.join(taken)}；请在空数据库上运行 build_demo。")


@contextlib.contextmanager
def _hash_each_password_once():
    """All demo accounts share one published password. PBKDF2 (about 0.3 s a hash) for each of
    ~600 officers would take minutes, so the hash is computed once and reused: every account
    still goes through create_user and its password validation, and stores a normal hash."""
    hashes = {}

    def cached(raw_password, *args, **kwargs):
        if raw_password not in hashes:
            hashes[raw_password] = make_password(raw_password, *args, **kwargs)
        return hashes[raw_password]

    with mock.patch("django.contrib.auth.base_user.make_password", cached):
        yield


def _existing_or_new(code, name, level, parent):
    """Province and city may already exist (shared by counties); reuse them."""
    region = Region.objects.filter(code=code).first()
    return region or rs.create_region(code=code, name=name, level=level, parent=parent, actor=None)


def _write_regions(root):
    province = _existing_or_new(*names.PROVINCE, RegionLevel.PROVINCE, None)
    city = _existing_or_new(*names.CITY, RegionLevel.CITY, province)
    county = _create_region(root, RegionLevel.COUNTY, city)
    for town in root.children:
        town_region = _create_region(town, RegionLevel.TOWN, county)
        for village in town.children:
            _create_region(village, RegionLevel.VILLAGE, town_region)
    return county


def _create_region(node, level, parent):
    return rs.create_region(code=node.key, name=node.name, level=level, parent=parent, actor=None,
                            polygon=geo.to_geojson(node.geometry))


# The safety committee's specialised committees (专委会) most counties set up: (name, lead, members).
COMMITTEES = [
    ("危险化学品安全专业委员会", "区应急管理局", ("区工业和信息化局", "区市场监督管理局", "区交通运输局")),
    ("建设工程安全专业委员会", "区住房和城乡建设局", ("区交通运输局", "区水利局", "区自然资源局")),
    ("消防安全专业委员会", "区消防救援大队", ("区教育局", "区商务局", "区文化旅游广电体育局")),
]


def _write_departments(county):
    departments = {
        name: rs.create_department(name=name, short_name=short, county=county, actor=None, committee_member=True)
        for name, short in names.DEPARTMENTS
    }
    for name, lead, members in COMMITTEES:
        if lead in departments:
            rs.save_committee(county=county, name=name, lead_department=departments[lead], actor=None,
                              members=[departments[m] for m in members if m in departments])
    return departments


def _write_grids(root):
    villages = {r.code: r for r in Region.objects.filter(level=RegionLevel.VILLAGE, region_code=COUNTY_CODE)}
    grids = {}
    for village in (v for town in root.children for v in town.children):
        for node in village.children:
            grids[node.key] = rs.create_grid(
                code=node.key, name=node.name, region=villages[village.key],
                polygon=geo.to_geojson(node.geometry), responsible_person=node.responsible, actor=None,
            )
    return grids


def _write_accounts(departments):
    regions = {r.code: r for r in Region.objects.filter(code__in={c for a in ACCOUNTS for c in a.regions})}
    for account in ACCOUNTS:
        user = create_user(
            username=account.username, password=PASSWORD, role=account.role, actor=None, name=account.name,
            department=departments.get(account.department), regions=[regions[c] for c in account.regions],
        )
        if account.role == Role.ADMIN:
            _make_superuser(user)


def _make_superuser(user):
    """No service grants Django's staff/superuser flags yet; write and audit them here."""
    before = snapshot(user, fields=USER_FIELDS + ["is_staff", "is_superuser"])
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.is_staff = user.is_superuser = True
    record("user_update", user, actor=None, before=before,
           after=snapshot(user, fields=USER_FIELDS + ["is_staff", "is_superuser"]), reason="演示数据：系统管理员")


def _write_officers(plans, grids):
    for plan in plans:
        patrolled = [grids[code] for code in plan.grid_codes]
        user = create_user(username=plan.username, password=PASSWORD, role=Role.GRID_OFFICER, actor=None,
                           name=plan.name, grids=patrolled)
        officer = rs.appoint_grid_officer(user=user, grids=patrolled, actor=None, full_time=plan.full_time,
                                          trained_on=plan.trained_on)
        if plan.trained_on:
            rs.record_training(officer, actor=None, course="网格员岗前安全生产培训", date=plan.trained_on, hours=16,
                               result="passed", note="演示数据")


def _write_rules(county, departments):
    """三管三必须 as most counties split it (registry/data/categories.py); blank areas stay blank."""
    from safegrid.registry.data.categories import CATEGORIES
    from safegrid.registry.models import SafetyCategory
    from safegrid.registry.services import set_responsibility_rule

    categories = {c.code: c for c in SafetyCategory.objects.all()}
    for code, _name, _group, _blank, lead, cooperating in CATEGORIES:
        if lead is None or lead not in departments:
            continue
        set_responsibility_rule(
            county=county, category=categories[code], lead_department=departments[lead],
            cooperating=[departments[n] for n in cooperating if n in departments], actor=None,
            note="演示数据：按常见职责分工",
        )


def _write_enterprises(county, seed, small):
    """About one field county's register (DOMAIN.md section 3), and the enterprise login's company."""
    from safegrid.accounts.services import bind_enterprise
    from safegrid.regions.models import Grid, GridOfficer
    from safegrid.registry.generator import generate_enterprises
    from safegrid.registry.models import Enterprise

    grids = list(Grid.objects.filter(region_code=county.region_code))
    neighbours = list(Region.objects.filter(level=RegionLevel.COUNTY).exclude(pk=county.pk))
    generate_enterprises(county, grids, DEMO_ENTERPRISES_SMALL if small else DEMO_ENTERPRISES, seed=seed,
                         neighbours=neighbours)
    # The enterprise login's company lies in the demo officer's grids (so in town_hls's town): one
    # hazard can go from wgy0001 to the enterprise to the town office that closes it.
    demo_grids = GridOfficer.objects.filter(user__username=DEMO_OFFICER).values("grids")
    operating = Enterprise.objects.filter(region_code=county.region_code, grid__in=demo_grids, status="operating")
    company = (operating.filter(category__code="hazardous_chemicals").order_by("name").first()
               or operating.filter(category__code__in=INDUSTRIAL_FIRST).order_by("name").first()
               or operating.order_by("name").first())
    if company is not None:
        bind_enterprise(User.objects.get(username="enterprise"), company, actor=None)


def _write_leader_post(county):
    """The leader login's post: 分管副区长 with a duty list and the key enterprise they liaise with."""
    from safegrid.inspections.models import PostKind
    from safegrid.inspections.services import save_leader_post
    from safegrid.registry.models import Enterprise

    liaison = (Enterprise.objects.filter(region_code=county.region_code, category__code="hazardous_chemicals",
                                         status="operating", scale="above").order_by("name").first()
               or Enterprise.objects.filter(region_code=county.region_code, status="operating").order_by("name").first())
    save_leader_post(actor=None, user=User.objects.get(username="leader"), kind=PostKind.COUNTY_LEADER,
                     title="副区长(分管应急管理)", region=county, liaison_enterprise=liaison,
                     duties="分管应急管理和安全生产工作，协助区长落实安全生产领导责任\n"
                            "每季度至少带队开展一次安全生产检查\n"
                            "督促分管部门落实“管行业必须管安全”\n"
                            "对口联系一家重点企业，每半年至少到企业调研一次")


# --- reporting --------------------------------------------------------------------------


def counts():
    from safegrid.audit.models import AuditEvent
    from safegrid.regions.models import Department, Grid, GridOfficer
    from safegrid.registry.models import Enterprise

    county_regions = Region.objects.filter(region_code=COUNTY_CODE)
    grids = Grid.objects.filter(region_code=COUNTY_CODE)
    return {
        "towns": county_regions.filter(level=RegionLevel.TOWN).count(),
        "villages": county_regions.filter(level=RegionLevel.VILLAGE).count(),
        "grids": grids.count(),
        "grids_without_officer": grids.filter(officers__isnull=True).count(),
        "departments": Department.objects.filter(region_code=COUNTY_CODE).count(),
        "officers": GridOfficer.objects.filter(region_code=COUNTY_CODE).count(),
        "enterprises": Enterprise.objects.filter(region_code=COUNTY_CODE).count(),
        "users": User.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str
    password: str = PASSWORD


def logins():
    """The demo accounts as they are in the database, in table order."""
    users = User.objects.filter(username__in=LOGINS).select_related("department").prefetch_related(
        "scope_grants__region", "scope_grants__grid")
    by_name = {u.username: u for u in users}
    return [_login(by_name[name]) for name in LOGINS if name in by_name]


def _login(user):
    role = Role(user.effective_role)
    grants = [str(g) for g in user.scope_grants.all()]
    if role == Role.ADMIN:
        scope = "全部 all"
    elif grants:
        scope = "、".join(grants)
    elif user.enterprise_id:
        scope = f"本单位 {user.enterprise.name}"
    else:
        scope = "暂无 none"
    if user.department:
        scope = f"{scope} / {user.department.name}"
    return Login(user.username, f"{role.label} {role.value}", scope)
