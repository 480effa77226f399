"""Deterministic, realistic hidden hazards over several years, for demo and benchmark data.

    generate_hazards(count, *, seed, today=None, years=3, actor=None, batch_size=20_000) -> dict of counts

Spreads `count` hazards over the `years` up to noon of `today` (business date, default the hazards
clock) among the enterprises (and ~3 % ownerless places in grids) already in the database,
typically after `manage.py generate_city`. The same seed, date and enterprises give the same rows.

What is generated: report dates growing over the period (+50 % from first to last day,
weekends at a third), working hours; per hazard an enterprise weighted by category and a
lognormal popularity; region_code, grid, town and scope path copied from the enterprise
(or grid); lead department from the county's responsibility rule (cooperating departments
linked too, territorial fallback where no rule names a lead); a type from the dictionary,
a description fitting the type; sources in a plausible mix; ~3 % major (only in sectors
with a criteria table, with an item of that sector); ~35 % of general hazards fixed on the
spot. Each hazard walks the loop (confirm, assign, five fixes with a deadline of 7-60 days
or 30-180 for major ones, submit, accept) with random delays, so its state today follows
from its age: old ones closed (some rejected, merged, voided), recent ones spread over
reported … submitted, a few stalled (overdue), some due soon; ~5 % extended once.
A hazard is a recurrence when the previous hazard of the same type at the same enterprise
was closed within the year before it was reported (the rule of services.find_recurrence).

Rows are written in bulk (PostgreSQL COPY, SQLite executemany), ids in report order; the
audit trail gets one `hazard_generate` event and there are no timeline rows (HazardEvent):
like the enterprise generator this is data generation, not user actions.
"""

import datetime

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from safegrid.audit.services import record
from safegrid.regions.models import Grid, RegionLevel
from safegrid.registry.models import Enterprise, EnterpriseStatus, ResponsibilityRule

from . import clock
from .models import Grade, Handling, Hazard, HazardType, MajorHazardCriterion, Source, State

DAY = 86_400
NEVER = np.int64(2**62)  # "this step never happens"
PLACE_SHARE = 0.03
MAJOR_SHARE = 0.03
ON_SPOT_SHARE = 0.35
REJECT_SHARE, MERGE_SHARE, VOID_SHARE = 0.03, 0.01, 0.002
STALL_SHARE, STALL_DAYS = 0.03, 150  # share of fresh reports that stall, decaying with age
EXTENSION_SHARE = 0.05
RECURRENCE_DAYS = 365
SOURCES = [(Source.GRID_PATROL, 42), (Source.SELF_INSPECTION, 25), (Source.DEPARTMENT_INSPECTION, 19),
           (Source.PUBLIC_REPORT, 5), (Source.HIGHER_SUPERVISION, 4), (Source.SENSOR_ALARM, 4),
           (Source.ACCIDENT_INVESTIGATION, 1)]
PLACE_SOURCES = [(Source.GRID_PATROL, 80), (Source.PUBLIC_REPORT, 20)]
# Category -> criteria sector (data/major_hazard_criteria.json); other categories get no major hazards.
SECTORS = {"hazardous_chemicals": "hazardous_chemicals", "fireworks": "fireworks"}
INDUSTRIAL = ("hazardous_chemicals", "non_coal_mine", "fireworks", "construction", "town_gas", "lpg_point",
              "special_equipment")
GENERAL_DAYS, GENERAL_P = [7, 10, 15, 30, 60], [0.2, 0.2, 0.3, 0.2, 0.1]
MAJOR_DAYS, MAJOR_P = [30, 60, 90, 180], [0.3, 0.35, 0.25, 0.1]
# type code -> (weight, descriptions)
TYPES = {
    "fire_facilities": (20, ["灭火器压力不足", "消火栓被杂物遮挡", "应急照明灯损坏", "消防通道堆放货物", "火灾报警系统故障"]),
    "electrical": (18, ["私拉乱接电线", "配电箱未接地", "电线老化破损", "插座超负荷使用", "配电房堆放杂物"]),
    "safety_exits": (10, ["安全出口上锁", "疏散指示标志缺失", "疏散通道堵塞"]),
    "safety_management": (10, ["安全生产责任制未落实", "未建立隐患排查台账", "安全操作规程缺失"]),
    "training_certificates": (6, ["特种作业人员无证上岗", "未开展全员安全培训"]),
    "gas_use": (7, ["燃气软管老化", "未安装可燃气体报警器", "液化气钢瓶超期未检"]),
    "special_equipment": (5, ["电梯超期未检验", "叉车未办理使用登记", "压力容器安全阀未校验"]),
    "hazchem_storage": (4, ["危险化学品混存", "储存场所通风不良", "未设置防泄漏围堰"]),
    "machine_guarding": (4, ["传动部位无防护罩", "设备急停装置失效"]),
    "work_at_height": (3, ["高处作业未系安全带", "临边防护栏杆缺失"]),
    "confined_space": (2, ["有限空间未设警示标识", "有限空间作业未检测气体"]),
    "dust_explosion": (2, ["除尘系统未定期清灰", "粉尘涉爆区域使用非防爆电器"]),
    "hot_work": (2, ["动火作业未办审批", "焊割作业现场无监护人"]),
    "building_structure": (2, ["墙体开裂", "违规搭建彩钢板房"]),
    "ppe": (2, ["未配发劳动防护用品", "防护用品过期失效"]),
    "emergency": (2, ["未制定应急预案", "未开展应急演练"]),
    "other": (1, ["其他安全隐患"]),
}
PLACES = ["沿街门面前", "农贸市场旁", "居民楼下", "废弃厂房内", "桥下空地", "路边临时摊点"]
MEASURES = "立即停用整改部位，落实专人负责，整改完成后拍照报验"
RECTIFIED = "已按整改方案完成整改，附整改后照片"


def generate_hazards(count, *, seed, today=None, years=3, actor=None, batch_size=20_000):
    """Create `count` hazards reported over the `years` before `today`; see the module docstring."""
    today = today or clock.today()
    now = _now(today)
    rng = np.random.default_rng([seed, 7, today.toordinal()])
    ctx = _Context()
    if count <= 0 or not (ctx.enterprises or ctx.grids):
        return {"created": 0}
    plan = _plan(count, ctx, rng, today, years, now)
    first = (Hazard.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    with transaction.atomic():
        _write(plan, ctx, first, now, batch_size)
        linked = _link_cooperating(first, first + count - 1)
        _reset_sequence()
        counts = _counts(plan, linked)
        record("hazard_generate", None, actor=actor, object_type="hazards.hazard", object_id="*",
               region_code="", after={"seed": seed, "today": today.isoformat(), "years": years, **counts})
    # Planner statistics for the new rows; on PostgreSQL also the visibility map (what autovacuum
    # does soon after a bulk load), so counts can be read from the indexes alone.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in ("hazards_hazard", "hazards_hazard_cooperating_departments"):
            cursor.execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {table}")
    return counts


def _now(today):
    """The moment states are taken at: noon of `today`, fixed so the rows do not depend on the hour."""
    return int(timezone.make_aware(datetime.datetime.combine(today, datetime.time(12))).timestamp())


class _Context:
    """Enterprises, grids, rules and dictionaries, as numpy arrays where they are per row."""

    def __init__(self):
        rows = list(Enterprise.objects.filter(voided_at__isnull=True).exclude(status=EnterpriseStatus.CLOSED)
                    .order_by("pk").values_list(
                        "pk", "region_code", "scope_path", "grid_id", "grid__region__level",
                        "grid__region__parent_id", "grid__region_id", "operating_region__level",
                        "operating_region__parent_id", "operating_region_id", "category__code", "lon", "lat"))
        self.enterprises = [_enterprise_row(r) for r in rows]
        self.grids = [(g.pk, g.region_code, g.path, _town(g.region.level, g.region.parent_id, g.region_id), g.name,
                       (g.min_lon + g.max_lon) / 2, (g.min_lat + g.max_lat) / 2)
                      for g in Grid.objects.filter(voided_at__isnull=True).select_related("region").order_by("pk")]
        self.leads = {(r.region_code, r.category.code): r.lead_department_id
                      for r in ResponsibilityRule.objects.select_related("category")}
        types = {t.code: t.pk for t in HazardType.objects.filter(active=True)}
        self.types = [(types[code], weight, texts) for code, (weight, texts) in TYPES.items() if code in types]
        self.criteria = {}
        for pk, sector in MajorHazardCriterion.objects.filter(active=True).order_by("pk").values_list("pk", "sector"):
            self.criteria.setdefault(sector, []).append(pk)


def _town(level, parent_id, region_id):
    return parent_id if level == RegionLevel.VILLAGE else region_id


def _enterprise_row(r):
    pk, region_code, path, grid, g_level, g_parent, g_region, o_level, o_parent, o_region, category, lon, lat = r
    town = _town(g_level, g_parent, g_region) if grid else _town(o_level, o_parent, o_region)
    return pk, region_code, path, grid, town, category, lon, lat


def _sector(category):
    return SECTORS.get(category) or ("industry_trade" if category.startswith("trade_") else None)


def _choice(rng, options, size):
    values, weights = zip(*options, strict=True)
    p = np.array(weights, dtype=float)
    return rng.choice(len(values), size=size, p=p / p.sum())


def _plan(count, ctx, rng, today, years, now):
    """Every column as a numpy array, rows sorted by report time."""
    plan = {"reported": _report_times(count, rng, today, years, now)}
    _places(plan, ctx, rng, count)
    _kinds(plan, ctx, rng, count)
    _loop(plan, rng, count, now)
    _recurrences(plan)
    return plan


def _report_times(count, rng, today, years, now):
    days = np.arange(today.toordinal() - round(365.25 * years) + 1, today.toordinal() + 1)
    weekday = (days + 6) % 7  # date.fromordinal(1) is a Monday: 0 = Monday
    weight = (1 + 0.5 * np.linspace(0, 1, len(days))) * np.where(weekday >= 5, 1 / 3, 1)
    day = np.sort(rng.choice(days, size=count, p=weight / weight.sum()))
    midnight = _local_midnight_ts(day)
    seconds = rng.integers(8 * 3600, 18 * 3600, size=count)
    return np.sort(np.minimum(midnight + seconds, now - 60))


def _local_midnight_ts(ordinals):
    """UTC epoch seconds of local midnight for each date ordinal (fixed offset: Asia/Shanghai has no DST)."""
    offset = int(timezone.make_aware(datetime.datetime(2000, 1, 1)).utcoffset().total_seconds())
    return (ordinals.astype(np.int64) - datetime.date(1970, 1, 1).toordinal()) * DAY - offset


def _places(plan, ctx, rng, count):
    """Enterprise (weighted) or ownerless place per hazard, and what follows from it."""
    ents = ctx.enterprises
    place = (rng.random(count) < PLACE_SHARE) if ctx.grids else np.zeros(count, bool)
    if not ents:
        place[:] = True
    weight = np.array([3.0 if e[5] in INDUSTRIAL or e[5].startswith("trade_") else 1.0 for e in ents]) \
        * rng.lognormal(0, 0.7, len(ents)) if ents else np.ones(1)
    ent = rng.choice(max(1, len(ents)), size=count, p=weight / weight.sum())
    grid = rng.integers(0, max(1, len(ctx.grids)), size=count)
    plan.update(place=place, ent=np.where(place, -1, ent), grid_index=grid)


def _kinds(plan, ctx, rng, count):
    """Type, description, source, grade, criterion, handling."""
    type_index = _choice(rng, [(i, t[1]) for i, t in enumerate(ctx.types)], count)
    text_pick = rng.integers(0, 1_000_000, size=count)
    source = np.where(plan["place"], _choice(rng, PLACE_SOURCES, count), _choice(rng, SOURCES, count))
    ctx.sectors = [_sector(e[5]) for e in ctx.enterprises] + [None]  # index -1: a place, no sector
    has_sector = np.array([s in ctx.criteria for s in ctx.sectors])[plan["ent"]]
    share = min(0.5, MAJOR_SHARE * count / max(1, has_sector.sum()))
    major = has_sector & (rng.random(count) < share)
    on_spot = ~major & (rng.random(count) < ON_SPOT_SHARE)
    plan.update(type_index=type_index, text_pick=text_pick, source=source, major=major, on_spot=on_spot,
                criterion_pick=rng.integers(0, 1_000_000, size=count))


def _delay(rng, mean_days, count):
    return (rng.exponential(mean_days * DAY, count)).astype(np.int64) + 600


def _loop(plan, rng, count, now):
    """Times of each step (NEVER when it does not happen), then the state at `now`."""
    reported, major, on_spot = plan["reported"], plan["major"], plan["on_spot"]
    confirm = reported + _delay(rng, 2.0, count)
    assign = confirm + _delay(rng, 1.5, count)
    planned = assign + _delay(rng, 2.0, count)
    term = np.where(major, rng.choice(MAJOR_DAYS, count, p=MAJOR_P), rng.choice(GENERAL_DAYS, count, p=GENERAL_P))
    deadline_day = (planned - _local_midnight_ts(np.zeros(1, np.int64))[0]) // DAY + term  # days since 0001-01-01
    extended = rng.random(count) < EXTENSION_SHARE
    extension = np.where(extended, rng.choice([15, 30], count), 0)
    due = _local_midnight_ts(deadline_day + extension) + DAY
    submit = planned + ((due - planned) * rng.beta(3, 1.6, count) * 1.15).astype(np.int64)
    accept = submit + _delay(rng, 1.5, count)
    # Fixed on the spot: submitted with the report, accepted by the town soon after.
    submit = np.where(on_spot, reported, submit)
    accept = np.where(on_spot, reported + _delay(rng, 0.5, count), accept)
    for column in (confirm, assign, planned):
        column[on_spot] = NEVER
    # Endings: rejected / merged at confirmation, voided later; a few stall at one step.
    roll = rng.random(count)
    rejected = ~on_spot & (roll < REJECT_SHARE)
    merged = ~on_spot & (roll >= REJECT_SHARE) & (roll < REJECT_SHARE + MERGE_SHARE)
    voided = (roll >= 1 - VOID_SHARE)
    age = (now - reported) / DAY
    stalled = ~on_spot & ~rejected & ~merged & (rng.random(count) < STALL_SHARE * np.exp(-age / STALL_DAYS))
    stall_step = rng.choice(3, count, p=[0.25, 0.6, 0.15])  # stays assigned / rectifying / submitted
    for step, column in enumerate((planned, submit, accept)):
        column[stalled & (stall_step <= step)] = NEVER
    for column in (assign, planned, submit, accept):
        column[rejected | merged] = NEVER
    plan.update(confirm=confirm, assign=assign, planned=planned, submit=submit, accept=accept,
                deadline_day=np.where(on_spot, -1, deadline_day + extension), original_day=np.where(
                    extended & ~on_spot, deadline_day, -1), rejected=rejected, merged=merged, voided=voided,
                void_at=np.where(voided, confirm + _delay(rng, 5, count), NEVER))
    _states(plan, now)


def _states(plan, now):
    steps = [("accept", State.CLOSED), ("submit", State.SUBMITTED), ("planned", State.RECTIFYING),
             ("assign", State.ASSIGNED), ("confirm", State.CONFIRMED)]
    state = np.full(len(plan["reported"]), State.REPORTED.value, dtype=object)
    reached = np.zeros(len(state), bool)
    for name, value in steps:
        hit = ~reached & (plan[name] <= now)
        state[hit] = value.value
        reached |= hit
    ended = plan["confirm"] <= now
    state[ended & plan["rejected"]] = State.REJECTED.value
    state[ended & plan["merged"]] = State.MERGED.value
    voided = plan["void_at"] <= now
    state[voided] = State.VOIDED.value
    plan["state"], plan["voided"] = state, voided
    for name in ("confirm", "assign", "planned", "submit", "accept"):
        plan[name] = np.where(plan[name] <= now, plan[name], NEVER)
    plan["accept"] = np.where(state == State.CLOSED.value, plan["accept"], NEVER)
    plan["deadline_day"] = np.where(plan["planned"] < NEVER, plan["deadline_day"], -1)
    plan["original_day"] = np.where(plan["planned"] < NEVER, plan["original_day"], -1)


def _recurrences(plan):
    """The previous hazard of the same type at the same enterprise, when closed within the window."""
    count = len(plan["reported"])
    order = np.lexsort((plan["reported"], plan["type_index"], plan["ent"]))
    prev, cur = order[:-1], order[1:]
    same = (plan["ent"][prev] == plan["ent"][cur]) & (plan["type_index"][prev] == plan["type_index"][cur]) \
        & (plan["ent"][cur] >= 0)
    gap = plan["reported"][cur] - plan["accept"][prev]
    hit = same & (gap > 0) & (gap <= RECURRENCE_DAYS * DAY)
    recurrence = np.full(count, -1)
    recurrence[cur[hit]] = prev[hit]
    merged_into = np.full(count, -1)
    merged_into[cur[same]] = prev[same]  # a merged hazard duplicates the previous one of its kind
    plan["recurrence"] = recurrence
    plan["merged_into"] = np.where(plan["state"] == State.MERGED.value, merged_into, -1)
    lone = (plan["state"] == State.MERGED.value) & (plan["merged_into"] < 0)
    plan["state"][lone] = State.REJECTED.value  # nothing to merge into: rejected instead


# --- writing --------------------------------------------------------------------------------

COLUMNS = ["id", "created_at", "updated_at", "region_code", "voided_at", "void_reason", "enterprise_id", "grid_id",
           "town_id", "scope_path", "location", "lon", "lat", "source", "hazard_type_id", "description", "grade",
           "criterion_id", "handling", "state", "version", "lead_department_id", "territorial_fallback",
           "assigned_department_id", "assigned_by_role", "responsible_person", "measures", "funds", "deadline",
           "deadline_basis", "deadline_note", "contingency_plan", "original_deadline", "extension_reason",
           "rectification_description", "reported_at", "closed_at", "merged_into_id", "recurrence_of_id"]


def _write(plan, ctx, first, now, batch_size):
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not postgres:
            cursor.execute("PRAGMA cache_size = -400000")  # 400 MB: index pages stay in memory
        elif _superuser(cursor):
            # Every reference was just read from the database: skip the per-row foreign-key checks
            # (minutes at commit for 2,000,000 rows). Needs a superuser; others keep the checks.
            cursor.execute("SET LOCAL session_replication_role = replica")
        sql = f"INSERT INTO hazards_hazard ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for start in range(0, len(plan["reported"]), batch_size):
            rows = _rows(plan, ctx, first, slice(start, start + batch_size), postgres)
            if postgres:
                with raw.copy(f"COPY hazards_hazard ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                raw.executemany(sql, rows)


def _superuser(cursor):
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return cursor.fetchone()[0]


def _stamps(seconds, postgres):
    """Epoch seconds -> timestamps as each backend stores them (UTC); NEVER -> NULL."""
    valid = seconds < NEVER
    text = np.datetime_as_string(np.where(valid, seconds, 0).astype("datetime64[s]"), unit="s").tolist()
    suffix = "+00" if postgres else ""
    return [f"{t[:10]} {t[11:]}{suffix}" if ok else None for t, ok in zip(text, valid.tolist(), strict=True)]


def _dates(days):
    """Date ordinals -> 'YYYY-MM-DD'; -1 -> NULL."""
    epoch = datetime.date(1970, 1, 1).toordinal()
    text = np.datetime_as_string((np.maximum(days, epoch) - epoch).astype("datetime64[D]")).tolist()
    return [t if d >= 0 else None for t, d in zip(text, days.tolist(), strict=True)]


def _rows(plan, ctx, first, part, postgres):
    p = {key: value[part] for key, value in plan.items() if isinstance(value, np.ndarray)}
    n = len(p["reported"])
    ids = np.arange(first + (part.start or 0), first + (part.start or 0) + n)
    reported, closed = _stamps(p["reported"], postgres), _stamps(p["accept"], postgres)
    updated = _stamps(np.max([np.where(p[k] < NEVER, p[k], 0) for k in
                              ("reported", "confirm", "assign", "planned", "submit", "accept")]
                            + [np.where(p["voided"], p["void_at"], 0)], axis=0), postgres)
    voided = _stamps(np.where(p["voided"], p["void_at"], NEVER), postgres)
    deadlines, originals = _dates(p["deadline_day"]), _dates(p["original_day"])
    version = 1 + sum((p[k] < NEVER).astype(int) for k in ("confirm", "assign", "planned", "submit", "accept"))
    refs = {name: [int(first + i) if i >= 0 else None for i in p[name].tolist()]
            for name in ("recurrence", "merged_into")}
    rows = []
    for i in range(n):
        where = _where(ctx, p, i)
        rows.append(_row(ctx, p, i, where, ids, reported, closed, updated, voided, deadlines, originals, version,
                         refs))
    return rows


def _where(ctx, p, i):
    """(region_code, enterprise, grid, town, scope_path, location, lon, lat, lead, category)."""
    e = int(p["ent"][i])
    if e >= 0:
        pk, region_code, path, grid, town, category, lon, lat = ctx.enterprises[e]
        return region_code, pk, grid, town, path, "", lon, lat, ctx.leads.get((region_code, category)), e
    g = ctx.grids[int(p["grid_index"][i])]
    location = f"{g[4]}{PLACES[int(p['text_pick'][i]) % len(PLACES)]}"
    return g[1], None, g[0], g[3], g[2], location, g[5], g[6], None, -1


def _row(ctx, p, i, where, ids, reported, closed, updated, voided, deadlines, originals, version, refs):
    region_code, enterprise, grid, town, path, location, lon, lat, lead, e = where
    type_id, _weight, texts = ctx.types[int(p["type_index"][i])]
    major, on_spot = bool(p["major"][i]), bool(p["on_spot"][i])
    criteria = ctx.criteria.get(ctx.sectors[e]) if major else None
    assigned = p["assign"][i] < NEVER
    planned = p["planned"][i] < NEVER
    pick = int(p["text_pick"][i])
    dept = lead if assigned and lead and pick % 100 < 85 else None
    source = (PLACE_SOURCES if e < 0 else SOURCES)[int(p["source"][i])][0].value
    return (
        int(ids[i]), reported[i], updated[i], region_code, voided[i], "生成数据：重复录入" if voided[i] else "",
        enterprise, grid, town, path, location, lon, lat, source, type_id, texts[pick % len(texts)],
        Grade.MAJOR.value if major else Grade.GENERAL.value,
        criteria[int(p["criterion_pick"][i]) % len(criteria)] if criteria else None,
        Handling.ON_SPOT.value if on_spot else Handling.BY_DEADLINE.value, p["state"][i], int(version[i]),
        lead, lead is None, dept, ("town_office" if pick % 10 < 7 else "county_office") if assigned else "",
        "单位安全负责人" if planned else "", MEASURES if planned else "",
        (pick % 200 + 1) * 100 * (20 if major else 1) if planned else None,
        deadlines[i], "official" if planned else "", "", "已制定整改期间应急预案" if planned and major else "",
        originals[i], "整改工程量大，申请延期" if originals[i] else "",
        RECTIFIED if p["submit"][i] < NEVER else "", reported[i], closed[i], refs["merged_into"][i],
        refs["recurrence"][i],
    )


def _link_cooperating(first, last):
    """Cooperating departments from each enterprise's rule, in one INSERT … SELECT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hazards_hazard_cooperating_departments (hazard_id, department_id) "
            "SELECT h.id, c.department_id FROM hazards_hazard h "
            "JOIN registry_enterprise e ON e.id = h.enterprise_id "
            "JOIN registry_responsibilityrule r ON r.region_code = e.region_code AND r.category_id = e.category_id "
            "JOIN registry_responsibilityrule_cooperating_departments c ON c.responsibilityrule_id = r.id "
            "WHERE h.id BETWEEN %s AND %s", [first, last])
        return cursor.rowcount


def _reset_sequence():
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Hazard]):
            cursor.execute(sql)


def _counts(plan, linked):
    states, counts = np.unique(plan["state"].astype(str), return_counts=True)
    return {"created": len(plan["state"]), "major": int(plan["major"].sum()),
            "on_spot": int(plan["on_spot"].sum()), "places": int(plan["place"].sum()),
            "recurrences": int((plan["recurrence"] >= 0).sum()), "cooperating_links": linked,
            **{f"state_{s}": int(c) for s, c in zip(states.tolist(), counts.tolist(), strict=True)}}
