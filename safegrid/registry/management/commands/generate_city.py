"""manage.py generate_city: a deterministic city-scale data set for demos and benchmarks.

湖南省 > 永州市 (431100) with up to 11 real county codes (431102 零陵区 …), towns, villages
and grids tiling the territory (the Voronoi tiling of safegrid.demo.geometry), departments
and responsibility rules per district (seeded from registry/data/categories.py; blank-area
categories are left without a department), users per role and per district, grid officers
(one per 1-3 grids, some grids without) and enterprises (safegrid.registry.generator).

Defaults: 10 districts, 120 towns, 2,400 villages, 12,000 grids, 200,000 enterprises.
Speed: rows are written with bulk_create; the per-row service functions would take far
too long at this size. The audit trail gets one summary event (`city_generate`) plus one
`enterprise_generate` per district, instead of one event per row. Every account shares
the published password CITY_PASSWORD (hashed once).
"""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import shape

from safegrid.accounts.models import ScopeGrant, User
from safegrid.audit.services import record
from safegrid.core.roles import Role
from safegrid.demo import geometry as geo
from safegrid.demo import names
from safegrid.hazards.generator import generate_hazards
from safegrid.regions.models import KEY_LENGTH, Department, Grid, GridOfficer, Region, RegionLevel
from safegrid.registry.data.categories import CATEGORIES
from safegrid.registry.generator import generate_enterprises, mobile
from safegrid.registry.models import ResponsibilityRule, SafetyCategory
from safegrid.safegeo import bbox

PROVINCE = ("430000", "湖南省")
CITY = ("431100", "永州市")
DISTRICTS = [("431102", "零陵区"), ("431103", "冷水滩区"), ("431122", "东安县"), ("431123", "双牌县"),
             ("431124", "道县"), ("431125", "江永县"), ("431126", "宁远县"), ("431127", "蓝山县"),
             ("431128", "新田县"), ("431129", "江华瑶族自治县"), ("431181", "祁阳市")]
CITY_CENTER, CITY_RADIUS = (111.75, 25.95), (0.95, 0.85)
CITY_PASSWORD = "City@2026"
NO_OFFICER_SHARE = 0.03
UNTRAINED_SHARE = 0.04
_TOWN_FIRST = "黄梅石水花凤富大白上下新高岚珠江阳金清龙桥五杨枫"
_TOWN_SECOND = "田溪山塘江坪桥湾岭洲滩市口源岩"


@dataclass
class Node(geo.Piece):
    name: str = ""
    level: int = 0
    region: object = None


@dataclass
class Plan:
    root: Node
    districts: list = field(default_factory=list)


class Command(BaseCommand):
    help = "生成城市规模的演示/基准数据 / generate a city-scale data set (deterministic)"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--districts", type=int, default=10)
        parser.add_argument("--towns", type=int, default=120, help="乡镇(街道)总数")
        parser.add_argument("--villages", type=int, default=2400, help="村(社区)总数")
        parser.add_argument("--grids", type=int, default=12000, help="网格总数")
        parser.add_argument("--enterprises", type=int, default=200000, help="生产经营单位总数")
        parser.add_argument("--hazards", type=int, default=0,
                            help="隐患总数(三年内上报；默认 0，之后也可用 manage.py generate_hazards 生成)")

    def handle(self, *args, seed, districts, towns, villages, grids, enterprises, hazards=0, **options):
        if not 1 <= districts <= len(DISTRICTS):
            raise CommandError(f"--districts 应在 1 到 {len(DISTRICTS)} 之间。")
        if Region.objects.filter(code=CITY[0]).exists():
            raise CommandError(f"{CITY[1]}({CITY[0]}) 已存在；请在空数据库上运行 generate_city。")
        started = time.perf_counter()
        sizes = _sizes(districts, towns, villages, grids)
        self.stdout.write(f"规划区划与网格 planning {sizes} …")
        plan = plan_city(seed, *sizes)
        self.stdout.write(f"  {time.perf_counter() - started:.1f} s；写入数据库 writing …")
        counts = write_city(plan, seed, enterprises, log=self.stdout.write)
        analyze()
        if hazards:
            self.stdout.write(f"  隐患 hazards: {hazards} …")
            created = generate_hazards(hazards, seed=seed)  # ends with its own ANALYZE
            counts["hazards"] = created["created"]
        seconds = time.perf_counter() - started
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()) + f" seconds={seconds:.1f}")


def analyze():
    """Fresh planner statistics: a freshly bulk-loaded table would otherwise be planned as empty."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _sizes(districts, towns, villages, grids):
    """Children per parent from the totals (at least one)."""
    per_district = max(1, round(towns / districts))
    per_town = max(1, round(villages / (districts * per_district)))
    per_village = max(1, round(grids / (districts * per_district * per_town)))
    return districts, per_district, per_town, per_village


# --- planning (pure) ----------------------------------------------------------------------


def plan_city(seed, districts, towns_per_district, villages_per_town, grids_per_village):
    outline = geo.county_outline(geo.seeded(seed, "city"), center=CITY_CENTER, radius=CITY_RADIUS, vertices=120)
    root = Node(CITY[0], outline, name=CITY[1], level=RegionLevel.CITY)
    chosen = DISTRICTS[:districts]
    rng = geo.seeded(seed, "districts")
    cells = geo.partition(outline, geo.random_points_in(outline, len(chosen), rng), relax=2)
    for (code, name), cell in zip(chosen, cells, strict=True):
        district = Node(code, cell, name=name, level=RegionLevel.COUNTY)
        district.children = _towns(district, towns_per_district, villages_per_town, grids_per_village, seed)
        root.children.append(district)
    geo.snap_tree(root)
    return Plan(root, root.children)


def _towns(district, count, villages, grids, seed):
    rng = geo.seeded(seed, district.key)
    cells = geo.partition(district.sketch, geo.random_points_in(district.sketch, count, rng), relax=1)
    used, towns = set(), []
    for i, cell in enumerate(cells):
        street = i < max(1, count // 6)
        number = i + 1 if street else 100 + i
        name = _town_name(rng, used, street)
        town = Node(f"{district.key}{number:03d}000", cell, name=name, level=RegionLevel.TOWN)
        town.children = _villages(town, street, villages, grids, rng) if cell is not None else []
        towns.append(town)
    return towns


def _town_name(rng, used, street):
    while True:
        name = rng.choice(_TOWN_FIRST) + rng.choice(_TOWN_SECOND) + ("街道" if street else rng.choice("镇镇镇乡"))
        if name not in used:
            used.add(name)
            return name


def _villages(town, street, count, grids, rng):
    cells = geo.partition(town.sketch, geo.random_points_in(town.sketch, count, rng), relax=1)
    communities = round(count * 0.7) if street else 1
    used, villages = set(), []
    for i, cell in enumerate(cells):
        community = i < communities
        number = i + 1 if community else 200 + i - communities
        village = Node(f"{town.key[:9]}{number:03d}", cell, name=names.village_name(rng, used, community),
                       level=RegionLevel.VILLAGE)
        if cell is not None:
            cuts = geo.partition(cell, geo.random_points_in(cell, grids, rng), relax=1)
            village.children = [Node(f"{village.key}-{j:02d}", cut, name=names.grid_name(village.name, j))
                                 for j, cut in enumerate(cuts, start=1)]
        villages.append(village)
    return villages


# --- writing (bulk) -----------------------------------------------------------------------


@transaction.atomic
def write_city(plan, seed, enterprises, log=print):
    rng = geo.seeded(seed, "people")
    province = Region.objects.filter(code=PROVINCE[0]).first() or _bulk_regions(
        [(Node(PROVINCE[0], None, name=PROVINCE[1], level=RegionLevel.PROVINCE), None)])[0]
    city = _bulk_regions([(plan.root, province)])[0]
    districts = _bulk_regions(_below([plan.root]))
    towns = _bulk_regions(_below(plan.districts))
    _bulk_regions(_below(t for d in plan.districts for t in d.children))
    grids = _bulk_grids(plan, rng)
    log(f"  区划与网格 regions and grids: {len(districts)} 区县, {len(towns)} 乡镇, {len(grids)} 网格")
    departments = _departments(districts)
    _rules(districts, departments)
    password = make_password(CITY_PASSWORD)
    users = _staff(districts, towns, departments, password)
    officers = _officers(plan, grids, password, rng)
    log(f"  用户 users: {users}, 网格员 officers: {officers}")
    created = _enterprises(districts, grids, enterprises, seed, log)
    counts = {"districts": len(districts), "towns": len(towns), "grids": len(grids),
              "departments": len(departments), "users": users, "officers": officers, "enterprises": created}
    record("city_generate", city, actor=None, region_code="", after={"seed": seed, **counts})
    return counts


def _bulk_regions(pairs):
    """Insert (node, parent region) pairs of one level; `node.region` keeps the row for the children."""
    rows = []
    for node, up in pairs:
        key = node.key[:KEY_LENGTH[node.level]]
        node.region = Region(code=node.key, name=node.name, level=node.level, parent=up,
                             path=f"{up.path}/{key}" if up else key,
                             region_code=node.key[:6] if node.level >= RegionLevel.COUNTY else "",
                             polygon=geo.to_geojson(node.geometry) if node.geometry is not None else None)
        rows.append(node.region)
    Region.objects.bulk_create(rows, batch_size=1000)
    return rows


def _below(nodes):
    return [(child, node.region) for node in nodes for child in node.children]


def _bulk_grids(plan, rng):
    rows = []
    for district in plan.districts:
        for town in district.children:
            for village in town.children:
                for node in village.children:
                    polygon = geo.to_geojson(node.geometry)
                    rows.append(Grid(code=node.key, name=node.name, region=village.region,
                                     path=f"{village.region.path}/{node.key}", polygon=polygon,
                                     region_code=district.key, responsible_person=names.person_name(rng),
                                     responsible_phone=mobile(rng), **bbox(polygon)))
    Grid.objects.bulk_create(rows, batch_size=1000)
    return rows


def _office_prefix(district_name):
    return district_name[-1] if district_name[-1] in "区县市" else "区"


def _local(name, prefix):
    """区应急管理局 -> 县应急管理局 in a county."""
    return prefix + name[1:] if name.startswith("区") else name


def department_names():
    """The demo's departments plus any the category table names (公安分局, 烟草专卖局)."""
    known = dict(names.DEPARTMENTS)
    for _code, _name, _group, _blank, lead, cooperating in CATEGORIES:
        for name in [lead, *cooperating]:
            if name and name not in known:
                known[name] = name.removeprefix("区")
    return list(known.items())


def _departments(districts):
    rows = [Department(name=_local(name, _office_prefix(d.name)), short_name=short, county=d, region_code=d.code)
            for d in districts for name, short in department_names()]
    Department.objects.bulk_create(rows, batch_size=1000)
    return rows


def _rules(districts, departments):
    by_name = {(d.region_code, d.name): d for d in departments}
    categories = {c.code: c for c in SafetyCategory.objects.all()}
    rules, links = [], []
    for district in districts:
        prefix = _office_prefix(district.name)
        for code, _name, _group, _blank, lead, cooperating in CATEGORIES:
            if lead is None or code not in categories:
                continue  # blank areas: no department, territorial fallback
            rule = ResponsibilityRule(region_code=district.code, category=categories[code],
                                      lead_department=by_name[(district.code, _local(lead, prefix))],
                                      note="生成数据：按常见职责分工")
            rules.append(rule)
            links += [(rule, by_name[(district.code, _local(n, prefix))]) for n in cooperating]
    ResponsibilityRule.objects.bulk_create(rules)
    through = ResponsibilityRule.cooperating_departments.through
    through.objects.bulk_create([through(responsibilityrule_id=r.pk, department_id=d.pk) for r, d in links])


def _staff(districts, towns, departments, password):
    """Per district: a county office, a leader and one user per department; a town office per town."""
    now = timezone.now()
    accounts = []
    for district in districts:
        accounts.append((f"{district.code}_county", Role.COUNTY_OFFICE, f"{district.name}安委办", None, district))
        accounts.append((f"{district.code}_leader", Role.LEADER, f"{district.name}领导", None, district))
        own = [d for d in departments if d.region_code == district.code]
        accounts += [(f"{district.code}_dept{i:02d}", Role.DEPARTMENT, d.name, d, district)
                     for i, d in enumerate(own, start=1)]
    accounts += [(f"{town.code[:9]}_town", Role.TOWN_OFFICE, f"{town.name}安监办", None, town) for town in towns]
    users = [User(username=u, name=n, role=r, department=d, password=password, password_changed_at=now)
             for u, r, n, d, _region in accounts]
    User.objects.bulk_create(users, batch_size=1000)
    ScopeGrant.objects.bulk_create([ScopeGrant(user=user, region=a[4], path=a[4].path)
                                    for user, a in zip(users, accounts, strict=True)], batch_size=1000)
    return len(users)


def _officers(plan, grids, password, rng):
    """One officer per 1-3 grids of a village; ~3 % of grids without; ~4 % untrained."""
    by_code = {(g.region_code, g.code): g for g in grids}
    now = timezone.now()
    plans = []
    for district in plan.districts:
        number = 0
        for town in district.children:
            for village in town.children:
                codes = [n.key for n in village.children if rng.random() >= NO_OFFICER_SHARE]
                while codes:
                    take = min(len(codes), rng.choices((1, 2, 3), weights=(6, 3, 1))[0])
                    number += 1
                    trained = None if rng.random() < UNTRAINED_SHARE else date(2024, 1, 8) + timedelta(
                        rng.randrange(700))
                    plans.append((f"{district.key}_wg{number:04d}", names.person_name(rng),
                                  [by_code[(district.key, c)] for c in codes[:take]], take == 1, trained))
                    codes = codes[take:]
    users = [User(username=u, name=n, role=Role.GRID_OFFICER, password=password, password_changed_at=now,
                  mobile=mobile(rng)) for u, n, _g, _f, _t in plans]
    User.objects.bulk_create(users, batch_size=1000)
    officers = [GridOfficer(user=user, full_time=p[3], trained_on=p[4], region_code=p[2][0].region_code)
                for user, p in zip(users, plans, strict=True)]
    GridOfficer.objects.bulk_create(officers, batch_size=1000)
    through = GridOfficer.grids.through
    through.objects.bulk_create([through(gridofficer_id=o.pk, grid_id=g.pk)
                                 for o, p in zip(officers, plans, strict=True) for g in p[2]], batch_size=2000)
    ScopeGrant.objects.bulk_create([ScopeGrant(user=u, grid=g, path=g.path)
                                    for u, p in zip(users, plans, strict=True) for g in p[2]], batch_size=2000)
    return len(officers)


def _enterprises(districts, grids, total, seed, log):
    created = 0
    shapes = {d.code: shape(d.polygon) for d in districts}
    for index, district in enumerate(districts):
        count = total // len(districts) + (1 if index < total % len(districts) else 0)
        own = [g for g in grids if g.region_code == district.code]
        neighbours = [d for d in districts if d is not district
                      and shapes[d.code].buffer(1e-5).intersects(shapes[district.code])]
        started = time.perf_counter()
        result = generate_enterprises(district, own, count, seed=seed, neighbours=neighbours)
        created += result["created"]
        log(f"  {district.name}: {result['created']} 家单位 ({time.perf_counter() - started:.1f} s)")
    return created
