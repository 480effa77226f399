"""The safety code (安全码): a configurable rule set turns each enterprise's factors into a
score out of 100, a colour and its reasons.

Factors come from grouped aggregate queries over all enterprises at once (never one query per
enterprise), so `regrade` of 200,000 enterprises is a handful of queries plus Python. Apps that
hold further factors (penalties, accidents) register a source in FACTOR_SOURCES; until then
those factors are absent and every grade says so.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from safegrid.audit.services import record
from safegrid.hazards import clock
from safegrid.hazards.models import OPEN_STATES, Grade, Hazard, State
from safegrid.hazards.queries import overdue_q
from safegrid.inspections.credit import penalty_factors
from safegrid.registry.models import Enterprise, SafetyCategory

from .models import (
    COLOR_SHORT,
    EnterpriseGrade,
    GradeRuleSet,
    GradeSnapshot,
    MajorHazardSource,
    RegradeQueue,
    RiskProfile,
)

HAZARD_FACTORS = ("open_hazards", "open_major_hazards", "overdue_hazards", "overdue_major_hazards", "recurrences")


def hazard_factors(enterprise_ids, today):
    """{enterprise_id: {factor: count}} from one grouped query over the hazards."""
    since = timezone.make_aware(datetime.datetime.combine(
        today - datetime.timedelta(days=getattr(settings, "SAFEGRID_RECURRENCE_WINDOW_DAYS", 365)),
        datetime.time.min))
    recurring = Q(recurrence_of__isnull=False, reported_at__gte=since)
    qs = Hazard.objects.filter(enterprise_id__isnull=False).exclude(state__in=[State.VOIDED, State.REJECTED,
                                                                              State.MERGED])
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    rows = (qs.filter(Q(state__in=OPEN_STATES) | recurring).order_by().values("enterprise_id").annotate(
        open_hazards=Count("pk", filter=Q(state__in=OPEN_STATES, grade=Grade.GENERAL)),
        open_major_hazards=Count("pk", filter=Q(state__in=OPEN_STATES, grade=Grade.MAJOR)),
        overdue_hazards=Count("pk", filter=overdue_q(today)),
        overdue_major_hazards=Count("pk", filter=overdue_q(today) & Q(grade=Grade.MAJOR)),
        recurrences=Count("pk", filter=recurring),
    ))
    return {row.pop("enterprise_id"): row for row in rows}


def major_hazard_levels(enterprise_ids, today):
    """{enterprise_id: {"major_hazard_level": the highest (smallest number) level}}."""
    qs = MajorHazardSource.objects.filter(voided_at__isnull=True, is_major=True)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return {row["enterprise_id"]: {"major_hazard_level": row["level"]}
            for row in qs.order_by().values("enterprise_id").annotate(level=Min("level"))}


def profiles(enterprise_ids, today):
    qs = RiskProfile.objects.all()
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return {eid: {"hazardous_process": hp, "standardisation_level": level, "emergency_team": team}
            for eid, hp, level, team in qs.values_list("enterprise_id", "hazardous_process",
                                                       "standardisation_level", "emergency_team")}


def not_connected(enterprise_ids, today):
    """Placeholder source for factors whose app does not exist yet (penalties, accidents)."""
    return None


# factor group -> source(enterprise_ids or None, today) -> {enterprise_id: {factor: value}} or None (no data).
FACTOR_SOURCES = {
    "hazards": hazard_factors,
    "major_hazard_sources": major_hazard_levels,
    "profiles": profiles,
    "penalties": penalty_factors,  # 一年内行政处罚: safegrid.inspections (enforcement)
    "accidents": not_connected,    # accidents, major_accidents_3y, accident_free_5y: the accidents app
}
# Factors of each source that are reported as "未接入" while the source answers None.
SOURCE_FACTORS = {"penalties": ("penalties",), "accidents": ("accidents", "major_accidents_3y", "accident_free_5y")}


def collect(enterprises, today):
    """{enterprise_id: (region_code, inputs)} for an Enterprise queryset; inputs omit empty values."""
    rows = list(enterprises.order_by().values_list("pk", "region_code", "category__code", "headcount"))
    ids = [r[0] for r in rows] if len(rows) <= 1000 else None
    found = {name: source(ids, today) for name, source in FACTOR_SOURCES.items()}
    missing = sorted(f for name, factors in SOURCE_FACTORS.items() if found.get(name) is None for f in factors)
    out = {}
    for pk, region_code, category, headcount in rows:
        inputs = {"category": category}
        if headcount:
            inputs["headcount"] = headcount
        for values in found.values():
            if values:
                inputs.update({k: v for k, v in (values.get(pk) or {}).items() if v})
        if missing:
            inputs["not_connected"] = missing
        out[pk] = (region_code, inputs)
    return out


# --- rules ------------------------------------------------------------------------------


# Category code -> name for the reasons' text; filled by load_category_names() before evaluating.
CATEGORY_NAMES = {}


def load_category_names():
    CATEGORY_NAMES.clear()
    CATEGORY_NAMES.update(SafetyCategory.objects.values_list("code", "name"))


def _points(rule, value):
    """(points, text) of one rule for one factor value."""
    kind, label = rule["type"], rule["label"]
    if kind == "map":
        points = rule["points"].get(str(value), 0) if value not in (None, "") else 0
        return points, f"{label}：{_display(rule['key'], value)}"
    if kind == "flag":
        points = rule["points"] if value else 0
        return points, f"{label}：{'是' if value else '否'}"
    if kind == "bands":
        points = next((b["points"] for b in rule["bands"] if value and value >= b["min"]), 0)
        return points, f"{label}：{value or '未填'}"
    if kind == "per":
        count = value or 0
        points = max(rule["cap"], rule["per"] * count) if rule["per"] < 0 else min(rule["cap"], rule["per"] * count)
        return points, f"{label} {count} 项(每项{_signed(rule['per'])}分，最多{_signed(rule['cap'])}分)"
    raise ValueError(f"unknown rule type {kind}")


def _display(key, value):
    if value in (None, ""):
        return "无"
    if key == "major_hazard_level":
        return f"{value}级"
    if key == "standardisation_level":
        return f"{value}级"
    if key == "category":
        return CATEGORY_NAMES.get(value, value)
    return str(value)


def _signed(n):
    return f"+{n}" if n > 0 else str(n)


def evaluate(inputs, rules, full=False):
    """(score, colour, reasons). Reasons list the rules that moved the score (all with full=True),
    the direct-red conditions met and the factors with no data source yet."""
    score = Decimal(str(rules["base"]))
    reasons = []
    not_connected_factors = set(inputs.get("not_connected", ()))
    for rule in rules["rules"]:
        if rule["key"] in not_connected_factors:
            continue
        points, text = _points(rule, inputs.get(rule["key"]))
        score += Decimal(str(points))
        if points or full:
            reasons.append({"key": rule["key"], "part": rule["part"], "points": points,
                            "text": f"{text}，{_signed(points)}分" if points else f"{text}，不加减分"})
    score = min(max(score, Decimal(0)), Decimal(100))
    color = next(b["color"] for b in rules["bands"] if b["min"] is None or score >= b["min"])
    for condition in rules.get("direct_red", []):
        if condition["key"] not in not_connected_factors and (inputs.get(condition["key"]) or 0) >= condition["min"]:
            color = "red"
            reasons.insert(0, {"key": condition["key"], "part": "direct_red", "points": 0,
                               "text": f"直接判红：{condition['label']}"})
    labels = {r["key"]: r["label"] for r in rules["rules"]}
    if not_connected_factors:
        names = "、".join(labels.get(k, k) for k in sorted(not_connected_factors) if k in labels)
        reasons.append({"key": "not_connected", "part": "note", "points": 0,
                        "text": f"{names}：数据尚未接入，暂按无记录计"})
    return score.quantize(Decimal("0.1")), color, reasons


def digest(color, score, reasons):
    raw = json.dumps([color, str(score), reasons], ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


class RuleSets:
    """Active rule set per region code: county (6) > province (2) > default '*'; cached per run."""

    def __init__(self):
        self.by_region = {r.region: r for r in GradeRuleSet.objects.filter(active=True)}
        if "*" not in self.by_region:
            raise RuntimeError("no default safety-code rule set: run migrations (risk 0002)")

    def for_region(self, region_code):
        return self.by_region.get(region_code) or self.by_region.get(region_code[:2]) or self.by_region["*"]


# --- regrade ----------------------------------------------------------------------------


def _freeze(inputs):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in inputs.items()))


def regrade(enterprises=None, *, today=None, trigger="regrade", batch_size=5000):
    """Recompute grades; write EnterpriseGrade and a GradeSnapshot only where the grade changed.

    Enterprises with the same inputs under the same rule set share one evaluation (most do: a
    category, a headcount band and no open hazards). Returns {"enterprises", "changed", "seconds"}.
    """
    started = timezone.now()
    today = today or clock.today()
    enterprises = enterprises if enterprises is not None else Enterprise.objects.filter(voided_at__isnull=True)
    rule_sets = RuleSets()
    collected = collect(enterprises, today)
    grades_now = EnterpriseGrade.objects.all()
    if len(collected) <= 1000:
        grades_now = grades_now.filter(enterprise_id__in=list(collected))
    current = dict(grades_now.values_list("enterprise_id", "digest"))
    load_category_names()
    rows, memo = [], {}
    for pk, (region_code, inputs) in collected.items():
        rule_set = rule_sets.for_region(region_code)
        key = (rule_set.pk, _freeze(inputs))
        if key not in memo:
            score, color, reasons = evaluate(inputs, rule_set.rules)
            memo[key] = Result(score, color, reasons, digest(color, score, reasons) + f":{rule_set.pk}", rule_set.pk)
        result = memo[key]
        if current.get(pk) != result.digest:
            rows.append((pk, region_code, inputs, result, key))
    with transaction.atomic():
        if connection.vendor == "postgresql" and len(rows) > COPY_THRESHOLD:
            _copy(rows, set(current), trigger, clock.now())
        else:
            _insert(rows, trigger, clock.now(), batch_size)
    return {"enterprises": len(collected), "changed": len(rows),
            "seconds": (timezone.now() - started).total_seconds()}


@dataclass
class Result:
    score: Decimal
    color: str
    reasons: list
    digest: str
    rule_set_id: int
    json: dict = field(default_factory=dict)  # cached JSON text of reasons and inputs, shared by equal inputs


def _insert(rows, trigger, now, batch_size):
    grades, snapshots = [], []
    for pk, region_code, inputs, r, _ in rows:
        common = {"enterprise_id": pk, "region_code": region_code, "color": r.color, "score": r.score,
                  "reasons": r.reasons, "rule_set_id": r.rule_set_id}
        grades.append(EnterpriseGrade(**common, major_hazard_level=inputs.get("major_hazard_level"), digest=r.digest,
                                      graded_at=now))
        snapshots.append(GradeSnapshot(**common, inputs=inputs, trigger=trigger, created_at=now))
    for i in range(0, len(grades), batch_size):
        EnterpriseGrade.objects.bulk_create(grades[i:i + batch_size], update_conflicts=True,
                                            unique_fields=["enterprise"], update_fields=GRADE_UPDATE_FIELDS)
        GradeSnapshot.objects.bulk_create(snapshots[i:i + batch_size])


COPY_THRESHOLD = 1000  # rows above which PostgreSQL gets COPY instead of INSERTs
GRADE_COLUMNS = ("enterprise_id, region_code, color, score, reasons, rule_set_id, major_hazard_level, digest, "
                 "graded_at")
GRADE_UPDATE_FIELDS = ["region_code", "color", "score", "reasons", "rule_set", "major_hazard_level", "digest",
                       "graded_at"]
SNAPSHOT_COLUMNS = "enterprise_id, region_code, color, score, inputs, reasons, rule_set_id, trigger, created_at"


def _json(result, name, value, key):
    """JSON text cached on the shared result: enterprises with equal inputs serialise once."""
    cache_key = (name, key)
    if cache_key not in result.json:
        result.json[cache_key] = json.dumps(value, ensure_ascii=False)
    return result.json[cache_key]


def _copy(rows, existing, trigger, now):
    """PostgreSQL COPY of plain tuples: new grades straight in, changed ones through a temporary
    table, snapshots appended. Model instances and INSERTs for 200,000 rows take minutes."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # Grades are derived and `regrade` is idempotent: a crash losing this commit is simply redone.
        raw.execute("SET LOCAL synchronous_commit TO OFF")
        changed = []
        with raw.copy(f"COPY risk_enterprisegrade ({GRADE_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                if row[0] in existing:
                    changed.append(row)
                else:
                    copy.write_row(_grade_row(row, now))
        if changed:
            raw.execute("CREATE TEMP TABLE risk_grade_load (LIKE risk_enterprisegrade) ON COMMIT DROP")
            raw.execute("ALTER TABLE risk_grade_load ALTER COLUMN id DROP NOT NULL")
            with raw.copy(f"COPY risk_grade_load ({GRADE_COLUMNS}) FROM STDIN") as copy:
                for row in changed:
                    copy.write_row(_grade_row(row, now))
            assignments = ", ".join(f"{c} = l.{c}" for c in GRADE_COLUMNS.replace(" ", "").split(",")[1:])
            raw.execute(f"UPDATE risk_enterprisegrade g SET {assignments} FROM risk_grade_load l "
                        "WHERE g.enterprise_id = l.enterprise_id")
        with raw.copy(f"COPY risk_gradesnapshot ({SNAPSHOT_COLUMNS}) FROM STDIN") as copy:
            for pk, region_code, inputs, r, key in rows:
                copy.write_row((pk, region_code, r.color, r.score, _json(r, "inputs", inputs, key),
                                _json(r, "reasons", r.reasons, None), r.rule_set_id, trigger, now))


def _grade_row(row, now):
    pk, region_code, inputs, r, _ = row
    return (pk, region_code, r.color, r.score, _json(r, "reasons", r.reasons, None), r.rule_set_id,
            inputs.get("major_hazard_level"), r.digest, now)


def regrade_one(enterprise_id, trigger):
    return regrade(Enterprise.objects.filter(pk=enterprise_id, voided_at__isnull=True), trigger=trigger)


def drain(*, delay=0, limit=1000):
    """Grade the enterprises queued by risk.hooks in bulk and delete their rows in the same
    transaction; returns how many were drained (at most `limit`: up to 1000 the factor queries
    filter by enterprise). Rows another drainer holds are skipped (SKIP LOCKED on PostgreSQL;
    SQLite has one writer). With `delay` (seconds) nothing is drained until the oldest row has
    waited that long; then every queued row goes, for bigger batches."""
    with transaction.atomic():
        rows = list(RegradeQueue.objects.select_for_update(skip_locked=True).order_by("queued_at")
                    .values_list("enterprise_id", "trigger", "queued_at")[:limit])
        if not rows or rows[0][2] > timezone.now() - datetime.timedelta(seconds=delay):
            return 0
        by_trigger = {}
        for enterprise_id, trigger, _ in rows:
            by_trigger.setdefault(trigger, []).append(enterprise_id)
        for trigger, ids in by_trigger.items():  # the snapshot keeps what triggered it
            regrade(Enterprise.objects.filter(pk__in=ids, voided_at__isnull=True), trigger=trigger)
        RegradeQueue.objects.filter(pk__in=[row[0] for row in rows]).delete()
    return len(rows)


def record_run(stats, actor=None):
    """One summary audit event per bulk run (one per enterprise would flood the trail)."""
    record("risk_regrade", actor=actor, object_type="risk.enterprisegrade", object_id="*",
           after={k: v for k, v in stats.items() if k != "seconds"}, region_code="")


def replay(snapshot):
    """Recompute a snapshot from its stored inputs and rule edition: (score, colour, reasons)."""
    load_category_names()
    return evaluate(snapshot.inputs, snapshot.rule_set.rules)


def explain(inputs, rules):
    """Every rule's line for the detail page, zero contributions included."""
    load_category_names()
    return evaluate(inputs, rules, full=True)


def color_label(color):
    return COLOR_SHORT.get(color, "")
