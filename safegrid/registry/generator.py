"""Deterministic, realistic enterprises for demo and benchmark data.

    generate_enterprises(county, grids, count, *, seed, neighbours=(), actor=None, batch_size=2000)
        -> dict of counts

`county` is a county Region, `grids` the county's Grid rows (any order; they are sorted by
path), `count` the number of enterprises, `seed` makes the result repeatable: the same
arguments on the same grids give the same rows. `neighbours` are county Regions that some
enterprises (~1 %) are registered in while operating here (异地经营).

What is generated (shares from DOMAIN.md section 3, scaled to `count`; 20,000 is about one
field county): the category mix of a county (67 hazardous-chemical firms, 106 non-coal
mines, 3 fireworks wholesalers and 936 retailers, 1,300 special-equipment units, … and
thousands of small venues); names as 行政区划 + 字号 + 行业 + 组织形式 (永州市冷水滩区恒通化工有限公司,
冷水滩区恒通加油站, 梅湾鑫达小吃店); GB/T 4754 divisions consistent with the category;
valid credit codes (python-stdnum, unique in the county; about 40 % of individual
businesses have none, reason 个体工商户); scale, status (~5 % 停产, ~2 % 关闭, with
dates), headcount, Chinese names and valid mobiles; coordinates inside the grid drawn
(Shapely point-in-polygon sampling, 6 decimals), except ~1 % without coordinates and
~0.5 % just outside the county's grids (coverage gaps, no grid).

This is a data generator, not a user action: rows are written with bulk_create in
batches and the audit trail gets one summary event (`enterprise_generate`), not one
event per row (the service functions would take minutes at city scale).
"""

import random
from datetime import date, timedelta

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import shape
from stdnum.cn import uscc

from safegrid.audit.services import record
from safegrid.demo.names import person_name
from safegrid.regions.models import Region, RegionLevel

from .models import Enterprise, EnterpriseStatus, IndustryCode, SafetyCategory, Scale

CO, IND, COOP = "company", "individual", "coop"
# category code -> (enterprises per 20,000, [(name pattern, GB/T 4754 division, kind, weight)])
CATEGORY_MIX = {
    "hazardous_chemicals": (67, [("{place}{zihao}化工有限公司", "26", CO, 4), ("{place}{zihao}加油站", "52", CO, 4),
                                 ("{place}{zihao}化工贸易有限公司", "51", CO, 2),
                                 ("{place}{zihao}石油化工有限公司", "25", CO, 1)]),
    "non_coal_mine": (106, [("{place}{zihao}石料场", "10", CO, 4), ("{place}{zihao}矿业有限公司", "10", CO, 3),
                            ("{place}{zihao}砂石有限公司", "10", CO, 2), ("{place}{zihao}铅锌矿", "09", CO, 1)]),
    "fireworks": (939, [("{place}{zihao}烟花爆竹批发有限公司", "51", CO, 3),
                        ("{place}{zihao}烟花爆竹零售点", "52", IND, 936)]),
    "special_equipment": (1300, [("{place}{zihao}物业管理有限公司", "70", CO, 4),
                                 ("{place}{zihao}机械设备租赁有限公司", "71", CO, 2),
                                 ("{place}{zihao}供热有限公司", "44", CO, 1),
                                 ("{place}{zihao}起重设备安装有限公司", "49", CO, 1),
                                 ("{place}{zihao}压力容器有限公司", "34", CO, 1)]),
    "road_transport": (43, [("{place}{zihao}运输有限公司", "54", CO, 3), ("{place}{zihao}物流有限公司", "54", CO, 2),
                            ("{place}{zihao}客运有限公司", "54", CO, 1)]),
    "construction": (113, [("{place}{zihao}房地产开发有限公司", "70", CO, 59),
                           ("{place}{zihao}建筑工程有限公司", "47", CO, 40),
                           ("{place}{zihao}路桥建设有限公司", "48", CO, 14)]),
    "town_gas": (14, [("{place}{zihao}燃气有限公司", "45", CO, 1)]),
    "lpg_point": (120, [("{place}{zihao}液化气供应站", "45", IND, 1)]),
    "trade_metallurgy": (150, [("{place}{zihao}钢铁有限公司", "31", CO, 1), ("{place}{zihao}铸造有限公司", "33", CO, 2)]),
    "trade_nonferrous": (120, [("{place}{zihao}有色金属有限公司", "32", CO, 1), ("{place}{zihao}铝业有限公司", "32", CO, 1)]),
    "trade_building_materials": (700, [("{place}{zihao}建材有限公司", "30", CO, 3),
                                       ("{place}{zihao}水泥制品有限公司", "30", CO, 2),
                                       ("{place}{zihao}页岩砖厂", "30", CO, 2)]),
    "trade_machinery": (800, [("{place}{zihao}机械制造有限公司", "34", CO, 3),
                              ("{place}{zihao}汽车配件有限公司", "36", CO, 2),
                              ("{place}{zihao}电机有限公司", "38", CO, 1)]),
    "trade_light_industry": (1000, [("{place}{zihao}食品有限公司", "14", CO, 3), ("{place}{zihao}茶业有限公司", "15", CO, 2),
                                    ("{place}{zihao}竹木制品有限公司", "20", CO, 2),
                                    ("{place}{zihao}家具有限公司", "21", CO, 2), ("{place}{zihao}纸业有限公司", "22", CO, 1),
                                    ("{place}{zihao}塑料制品有限公司", "29", CO, 1)]),
    "trade_textiles": (300, [("{place}{zihao}纺织有限公司", "17", CO, 1), ("{place}{zihao}服饰有限公司", "18", CO, 1)]),
    "trade_tobacco": (5, [("{place}{zihao}烟叶复烤有限公司", "16", CO, 1)]),
    "trade_commerce": (1000, [("{place}{zihao}商贸有限公司", "51", CO, 3), ("{town}{zihao}超市", "52", IND, 3),
                              ("{place}{zihao}仓储有限公司", "59", CO, 1)]),
    "crowded_places": (800, [("{place}{zihao}大酒店有限公司", "61", CO, 3), ("{place}{zihao}购物广场", "52", CO, 2),
                             ("{town}{zihao}KTV", "90", IND, 2), ("{place}{zihao}养老院", "85", CO, 1)]),
    "small_venues": (10000, [("{town}{zihao}小吃店", "62", IND, 5), ("{town}{zihao}餐馆", "62", IND, 3),
                             ("{town}{zihao}便利店", "52", IND, 4), ("{town}{zihao}理发店", "80", IND, 2),
                             ("{town}{zihao}旅馆", "61", IND, 2), ("{town}{zihao}网吧", "90", IND, 1),
                             ("{town}{zihao}诊所", "84", IND, 1), ("{town}{zihao}五金店", "52", IND, 2)]),
    "schools": (300, [("{place}{zihao}培训学校", "83", CO, 2), ("{place}{zihao}幼儿园", "83", CO, 1)]),
    "tourism_culture": (200, [("{place}{zihao}旅游开发有限公司", "78", CO, 1), ("{place}{zihao}影剧院", "88", CO, 1)]),
    "agricultural_machinery": (300, [("{place}{zihao}农机专业合作社", "05", COOP, 1)]),
    "interior_decoration": (400, [("{place}{zihao}装饰工程有限公司", "50", CO, 1)]),
    "high_rise_exterior": (60, [("{place}{zihao}外墙清洗有限公司", "82", CO, 1)]),
    "express_delivery": (250, [("{town}{zihao}快递服务部", "60", IND, 2), ("{place}{zihao}速递有限公司", "60", CO, 1)]),
}
INDUSTRIAL = {"hazardous_chemicals", "non_coal_mine", "trade_metallurgy", "trade_nonferrous",
              "trade_building_materials", "trade_machinery", "trade_light_industry", "trade_textiles",
              "trade_tobacco", "construction", "town_gas", "road_transport"}
# Second character of the credit code (GB 32100): 1 企业, 2 个体工商户, 3 农民专业合作社.
ENTITY_TYPE = {CO: "91", IND: "92", COOP: "93"}
_ZIHAO_FIRST = "恒鑫华宏永金顺兴隆瑞福天鼎汇昌盛达源丰泰嘉康安振益新中正诚利佳旺通"
_ZIHAO_SECOND = "通达兴盛发源丰泰昌隆和安顺利华宇辉鑫宏祥瑞旺成邦德信捷荣创"
_ROADS = "人民 建设 解放 新华 中山 工业 迎宾 滨江 文化 胜利 朝阳 育才 环城 青年 光明 长青".split()
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check weights

NO_COORDINATES_SHARE = 0.01
OUTSIDE_SHARE = 0.005
ELSEWHERE_SHARE = 0.01
SUSPENDED_SHARE = 0.05
CLOSED_SHARE = 0.02
NO_CODE_SHARE_OF_INDIVIDUALS = 0.4
DECIMALS = 6


def generate_enterprises(county, grids, count, *, seed, neighbours=(), actor=None, batch_size=2000):
    """Create `count` enterprises in `county`'s `grids`; see the module docstring."""
    rng = random.Random(f"{seed}:{county.code}:enterprises")
    grids = sorted(grids, key=lambda g: g.path)
    if count <= 0 or not grids:
        return {"created": 0}
    context = _Context(county, grids, neighbours, rng)
    plans = _plan(count, context, rng)
    _place(plans, context, rng)
    objects = [_enterprise(plan, context, rng) for plan in plans]
    with transaction.atomic():
        Enterprise.objects.bulk_create(objects, batch_size=batch_size)
        counts = _counts(objects, county)
        record("enterprise_generate", None, actor=actor, object_type="registry.enterprise", object_id="*",
               region_code=county.region_code, after={"seed": seed, **counts})
    return counts


class _Context:
    """Everything the generator looks up once per county."""

    def __init__(self, county, grids, neighbours, rng):
        self.county = county
        self.grids = grids
        self.place = (county.parent.name if county.parent_id else "") + county.name
        regions = {r.pk: r for r in Region.objects.filter(pk__in={g.region_id for g in grids}).select_related("parent")}
        self.villages = [regions[g.region_id] for g in grids]
        self.neighbours = list(neighbours)
        self.categories = {c.code: c for c in SafetyCategory.objects.all()}
        self.industries = dict(IndustryCode.objects.values_list("code", "id"))
        self.codes = set(Enterprise.objects.filter(region_code=county.region_code).exclude(credit_code="")
                         .values_list("credit_code", flat=True))
        self.names = set(Enterprise.objects.filter(region_code=county.region_code).values_list("name", flat=True))
        self.shapes = [shape(g.polygon) for g in grids]
        # Lognormal popularity: some grids are crowded, which the workload report must show.
        self.weights = np.array([rng.lognormvariate(0, 0.8) for _ in grids])


def allocate(count, weights):
    """Split `count` in proportion to `weights` (largest remainder), deterministically."""
    total = sum(weights.values())
    exact = {key: count * w / total for key, w in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    rest = count - sum(shares.values())
    for key in sorted(exact, key=lambda k: (shares[k] - exact[k], k))[:rest]:
        shares[key] += 1
    return shares


def _plan(count, context, rng):
    shares = allocate(count, {code: mix[0] for code, mix in CATEGORY_MIX.items() if code in context.categories})
    categories = [code for code, n in sorted(shares.items()) for _ in range(n)]
    rng.shuffle(categories)
    np_rng = np.random.default_rng(rng.getrandbits(64))
    grid_index = np_rng.choice(len(context.grids), size=count, p=context.weights / context.weights.sum())
    plans = []
    for category, grid in zip(categories, grid_index.tolist(), strict=True):
        roll = rng.random()
        location = ("none" if roll < NO_COORDINATES_SHARE else
                    "outside" if roll < NO_COORDINATES_SHARE + OUTSIDE_SHARE else "inside")
        plans.append({"category": category, "grid": grid, "location": location})
    return plans


def _place(plans, context, rng):
    """Coordinates: inside the planned grid, or just outside all the county's grids."""
    np_rng = np.random.default_rng(rng.getrandbits(64))
    by_grid = {}
    for plan in plans:
        if plan["location"] == "inside":
            by_grid.setdefault(plan["grid"], []).append(plan)
    for index in sorted(by_grid):
        wanted = by_grid[index]
        for plan, (lon, lat) in zip(wanted, points_inside(context.shapes[index], len(wanted), np_rng), strict=True):
            plan["lon"], plan["lat"] = lon, lat
    outside = [p for p in plans if p["location"] == "outside"]
    if outside:
        outline = shapely.unary_union(context.shapes)
        for plan, (lon, lat) in zip(outside, points_outside(outline, len(outside), np_rng), strict=True):
            plan["lon"], plan["lat"] = lon, lat


def points_inside(polygon, count, np_rng):
    """`count` points strictly inside `polygon` after rounding to DECIMALS (rejection sampling)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    shapely.prepare(polygon)
    found = []
    while len(found) < count:
        n = max(16, 2 * (count - len(found)))
        xs = np.round(np_rng.uniform(min_x, max_x, n), DECIMALS)
        ys = np.round(np_rng.uniform(min_y, max_y, n), DECIMALS)
        keep = shapely.contains_xy(polygon, xs, ys)
        found += list(zip(xs[keep].tolist(), ys[keep].tolist(), strict=True))
    return found[:count]


def points_outside(outline, count, np_rng, near=(0.0005, 0.003)):
    """`count` points 50-300 m outside `outline`, near its boundary: coordinates that miss every grid."""
    boundary = outline.boundary
    length = boundary.length
    shapely.prepare(outline)
    found = []
    while len(found) < count:
        anchor = boundary.interpolate(np_rng.uniform(0, length))
        angle = np_rng.uniform(0, 2 * np.pi)
        distance = np_rng.uniform(*near)
        lon = round(anchor.x + distance * np.cos(angle), DECIMALS)
        lat = round(anchor.y + distance * np.sin(angle), DECIMALS)
        if not shapely.intersects_xy(outline, lon, lat):
            found.append((lon, lat))
    return found


def _enterprise(plan, context, rng):
    category = context.categories[plan["category"]]
    pattern, division, kind = _template(plan["category"], rng)
    grid, village = context.grids[plan["grid"]], context.villages[plan["grid"]]
    town = village.parent if village.level == RegionLevel.VILLAGE else village
    registered = _registered(village, context, rng)
    status, since = _status(rng)
    scale = Scale.ABOVE if kind == CO and rng.random() < (0.10 if plan["category"] in INDUSTRIAL else 0.03) \
        else Scale.SMALL
    credit_code, reason = _credit_code(kind, registered, context, rng)
    legal = person_name(rng)
    inside = plan["location"] == "inside"
    return Enterprise(
        credit_code=credit_code, no_credit_code_reason=reason,
        name=_name(pattern, context, town, rng),
        legal_representative=legal, legal_representative_mobile=mobile(rng),
        principal_person=legal if kind != CO or rng.random() < 0.6 else person_name(rng),
        principal_mobile=mobile(rng), safety_manager=person_name(rng), safety_manager_mobile=mobile(rng),
        industry_id=context.industries.get(division), category=category, scale=scale,
        status=status, status_since=since, headcount=_headcount(kind, scale, rng),
        registered_region=registered, registered_region_code=registered.region_code or registered.code[:6],
        registered_path=registered.path, operating_region=village, region_code=context.county.region_code,
        scope_path=grid.path if inside else village.path, grid=grid if inside else None,
        address=_address(town, village, rng), lon=plan.get("lon"), lat=plan.get("lat"),
    )


def _template(category, rng):
    templates = CATEGORY_MIX[category][1]
    pattern, division, kind, _weight = rng.choices(templates, weights=[t[3] for t in templates])[0]
    return pattern, division, kind


def _stem(name):
    for suffix in ("街道", "社区", "镇", "乡", "村"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _name(pattern, context, town, rng):
    """A name not yet used in the county: a fresh 字号 first, a third character when crowded."""
    for attempt in range(40):
        zihao = rng.choice(_ZIHAO_FIRST) + rng.choice(_ZIHAO_SECOND)
        if attempt >= 10:
            zihao += rng.choice(_ZIHAO_SECOND)
        name = pattern.format(place=context.place, town=context.county.name + _stem(town.name), zihao=zihao)
        if name not in context.names:
            context.names.add(name)
            return name
    return f"{name}{len(context.names)}号店"


def _registered(village, context, rng):
    """Usually the operating village; ~1 % registered in a neighbouring county (异地经营)."""
    if context.neighbours and rng.random() < ELSEWHERE_SHARE:
        return rng.choice(context.neighbours)
    return village


def _status(rng):
    roll = rng.random()
    if roll < CLOSED_SHARE:
        return EnterpriseStatus.CLOSED, date(2019, 1, 1) + timedelta(rng.randrange(2400))
    if roll < CLOSED_SHARE + SUSPENDED_SHARE:
        return EnterpriseStatus.SUSPENDED, date(2021, 1, 1) + timedelta(rng.randrange(1800))
    return EnterpriseStatus.OPERATING, None


def _headcount(kind, scale, rng):
    if kind == IND:
        return rng.randint(1, 8)
    if scale == Scale.ABOVE:
        return int(min(3000, 80 + rng.lognormvariate(5, 0.7)))
    return int(min(99, 2 + rng.lognormvariate(2.3, 0.8)))


def _address(town, village, rng):
    return f"{town.name}{village.name}{rng.choice(_ROADS)}路{rng.randint(1, 399)}号"


def mobile(rng):
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def org_code(rng):
    """A 9-character organisation code (GB 11714): 8 characters and their check character."""
    body = "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(6))
    total = sum(_USCC_ALPHABET.index(c) * w if c.isdigit() else (ord(c) - 55) * w
                for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _credit_code(kind, registered, context, rng):
    """A valid USCC unique in the county, or none for ~40 % of individual businesses."""
    if kind == IND and rng.random() < NO_CODE_SHARE_OF_INDIVIDUALS:
        return "", "个体工商户"
    county = registered.region_code or registered.code[:6]
    while True:
        body = ENTITY_TYPE[kind] + county + org_code(rng)
        code = body + uscc.calc_check_digit(body)
        if code not in context.codes:
            context.codes.add(code)
            return code, ""


def _counts(objects, county):
    return {
        "county": county.code,
        "created": len(objects),
        "without_coordinates": sum(o.lon is None for o in objects),
        "without_grid": sum(o.grid_id is None for o in objects),
        "operating_elsewhere": sum(o.registered_region_code != o.region_code for o in objects),
        "without_credit_code": sum(not o.credit_code for o in objects),
    }
