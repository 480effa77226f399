"""The random draw (双随机): entities per class at configurable ratios, then a team of inspectors for
each drawn entity from the inspector directory, never one with a conflict for that entity, the
load balanced across inspectors.

`draw_teams` is pure: random.Random(seed) over sorted ids, so the same seed and the same
directories (the same versions) give the same result. `create_draw` records seed and versions,
and writes the planned inspections; `replay` recomputes a recorded draw and compares.
"""

import datetime
import heapq
import math
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safegrid.audit.services import record
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.registry.models import ResponsibilityRule, user_counties

from . import directory
from .models import (
    MANAGERS,
    Inspection,
    InspectionKind,
    InspectionMember,
    InspectionState,
    Inspector,
    RandomDraw,
)
from .queries import checklist_for_categories

DEFAULT_RATIOS = {"*:red": 0.3, "*:orange": 0.2, "*:yellow": 0.1, "*:blue": 0.05, "*": 0.1}


class TooFewInspectors(Exception):
    def __init__(self, enterprise_id, available, needed):
        super().__init__(enterprise_id, available, needed)
        self.enterprise_id, self.available, self.needed = enterprise_id, available, needed


def default_ratios():
    return dict(getattr(settings, "SAFEGRID_DRAW_RATIOS", DEFAULT_RATIOS))


def ratio_for(key, ratios):
    """Most specific first: "category:colour", "category:*", "*:colour", "*"."""
    category, color = key.split(":")
    for candidate in (key, f"{category}:*", f"*:{color}", "*"):
        if candidate in ratios:
            return float(ratios[candidate])
    return 0.0


def draw_entities(classes, ratios, rng):
    """[(enterprise_id, class key)]: ceil(ratio x class size) per class, classes in sorted order."""
    picked = []
    for key in sorted(classes):
        ids = classes[key]
        n = min(len(ids), math.ceil(len(ids) * ratio_for(key, ratios) - 1e-9))
        picked += [(pk, key) for pk in sorted(rng.sample(ids, n))] if n > 0 else []
    return picked


def draw_teams(classes, ratios, inspectors, conflicts, team_size, seed):
    """[(enterprise_id, class key, [inspector ids])]. Raises TooFewInspectors, drawing nothing.

    Teams come from a heap ordered by (load, random tie-break): the least-loaded eligible
    inspectors first, so loads differ by at most one when no conflict intervenes.
    """
    rng = random.Random(seed)
    picked = draw_entities(classes, ratios, rng)
    if picked and len(inspectors) < team_size:
        raise TooFewInspectors(picked[0][0], len(inspectors), team_size)
    heap = [(0, rng.random(), pk) for pk in sorted(inspectors)]
    heapq.heapify(heap)
    pop, push, tie, no_conflict = heapq.heappop, heapq.heappush, rng.random, ()
    out = []
    for enterprise_id, key in picked:
        excluded = conflicts.get(enterprise_id, no_conflict)
        team, skipped = [], []
        while len(team) < team_size and heap:
            entry = pop(heap)
            if entry[2] in excluded:
                skipped.append(entry)
            else:
                team.append(entry)
        if len(team) < team_size:
            raise TooFewInspectors(enterprise_id, len(team), team_size)
        for load, _tie, pk in team:
            push(heap, (load + 1, tie(), pk))
        for entry in skipped:
            push(heap, entry)
        out.append((enterprise_id, key, [entry[2] for entry in team]))
    return out


# --- service ------------------------------------------------------------------------------------


def _clean_ratios(raw):
    ratios = default_ratios() if not raw else raw
    try:
        ratios = {str(k): float(Decimal(str(v))) for k, v in ratios.items()}
    except (ArithmeticError, ValueError, AttributeError) as exc:
        raise ServiceError("ratios.invalid", "抽取比例应为 0 到 1 之间的小数。", field="ratios") from exc
    if any(not 0 <= v <= 1 for v in ratios.values()):
        raise ServiceError("ratios.invalid", "抽取比例应为 0 到 1 之间的小数。", field="ratios")
    return ratios


def _dates(start, end):
    if start is None or end is None:
        raise ServiceError("scheduled.required", "请填写检查起止日期。", field="scheduled_from")
    if end < start:
        raise ServiceError("scheduled.order", "检查截止日期不能早于开始日期。", field="scheduled_to")
    return start, end


def _scope(actor, region_code, department):
    role = actor.effective_role
    if role not in MANAGERS:
        raise PermissionDenied("您的角色无权组织双随机抽取。")
    if role == Role.DEPARTMENT:
        department = actor.department
    if role != Role.ADMIN and region_code not in user_counties(actor):
        raise ServiceError("region_code.out_of_scope", "只能在本辖区区县组织抽取。", field="region_code")
    if department is not None and department.region_code != region_code:
        raise ServiceError("department.other_county", "组织部门须为本区县的部门。", field="department")
    return department


def compute(region_code, department, categories, ratios, team_size, seed):
    """The draw and both directory versions, from the directories as they are now."""
    classes, entity_version = directory.entity_classes(region_code, department, categories)
    inspectors, conflicts, inspector_version = directory.inspector_directory(region_code, department)
    teams = draw_teams(classes, ratios, inspectors, conflicts, team_size, seed)
    return classes, teams, entity_version, inspector_version


@transaction.atomic
def create_draw(*, actor, region_code, name, scheduled_from, scheduled_to, department=None, ratios=None,
                team_size=2, categories=None, seed=None):
    department = _scope(actor, region_code, department)
    scheduled_from, scheduled_to = _dates(scheduled_from, scheduled_to)
    ratios = _clean_ratios(ratios)
    if not isinstance(team_size, int) or team_size < 2:
        raise ServiceError("team_size.min", "每家单位至少抽取 2 名检查人员。", field="team_size")
    seed = seed or secrets.token_hex(16)
    try:
        classes, teams, entity_version, inspector_version = compute(region_code, department, categories or [],
                                                                    ratios, team_size, seed)
    except TooFewInspectors as exc:
        raise ServiceError(
            "draw.too_few_inspectors",
            f"可参加抽取且无需回避的检查人员不足：单位(ID {exc.enterprise_id})仅有 {exc.available} 名，"
            f"每家需要 {exc.needed} 名。请补充检查人员名录后重新抽取，本次未抽取任何单位。",
            field="inspectors") from exc
    if not teams:
        raise ServiceError("draw.empty", "按当前比例没有抽中任何单位，请检查名录和抽取比例。", field="ratios")
    draw = RandomDraw.objects.create(
        region_code=region_code, department=department, name=(name or "").strip()[:100] or "双随机抽查",
        seed=seed, ratios=ratios, team_size=team_size, scheduled_from=scheduled_from, scheduled_to=scheduled_to,
        entity_version=entity_version, inspector_version=inspector_version, created_by=actor,
        summary=_summary(classes, teams, ratios, categories))
    _write_inspections(draw, teams, actor)
    record("draw_create", draw, actor=actor, after={"seed": seed, "entity_version": entity_version,
                                                    "inspector_version": inspector_version, **draw.summary})
    _notify_inspectors(draw, teams)
    return draw


def _summary(classes, teams, ratios, categories):
    drawn = {}
    loads = {}
    for _e, key, team in teams:
        drawn[key] = drawn.get(key, 0) + 1
        for pk in team:
            loads[pk] = loads.get(pk, 0) + 1
    return {
        "classes": [{"key": k, "label": _label(k), "population": len(v), "ratio": ratio_for(k, ratios),
                     "drawn": drawn.get(k, 0)} for k, v in sorted(classes.items())],
        "entities": len(teams), "inspectors": len(loads), "categories": list(categories or []),
        "max_load": max(loads.values(), default=0), "min_load": min(loads.values(), default=0),
    }


COLOR_NAMES = {"red": "红码", "orange": "橙码", "yellow": "黄码", "blue": "蓝码", directory.NO_COLOR: "未赋码"}


def _label(key):
    from safegrid.registry.models import SafetyCategory

    category, color = key.split(":")
    name = SafetyCategory.objects.filter(code=category).values_list("name", flat=True).first() or category
    return f"{name} · {COLOR_NAMES.get(color, color)}"


def _write_inspections(draw, teams, actor, batch_size=5000):
    """Planned inspections, spread evenly over the period, and their teams (bulk)."""
    from safegrid.registry.models import Enterprise

    ids = [e for e, _k, _t in teams]
    facts = {}
    for start in range(0, len(ids), 30000):  # SQLite caps the IN list's parameters
        facts.update({pk: rest for pk, *rest in Enterprise.objects.filter(pk__in=ids[start:start + 30000])
                      .values_list("pk", "scope_path", "category_id")})
    leads = dict(ResponsibilityRule.objects.filter(region_code=draw.region_code)
                 .values_list("category_id", "lead_department_id"))
    checklists = checklist_for_categories()
    days = (draw.scheduled_to - draw.scheduled_from).days + 1
    now = timezone.now()
    rows = []
    for i, (enterprise_id, _key, _team) in enumerate(teams):
        scope_path, category_id = facts[enterprise_id]
        rows.append(Inspection(
            region_code=draw.region_code, enterprise_id=enterprise_id, scope_path=scope_path,
            department_id=draw.department_id or leads.get(category_id), kind=InspectionKind.RANDOM,
            checklist_id=checklists(category_id), draw=draw, state=InspectionState.PLANNED,
            scheduled_on=draw.scheduled_from + datetime.timedelta(days=i * days // len(teams)),
            created_by=actor, created_at=now, updated_at=now))
    members = []
    for start in range(0, len(rows), batch_size):
        created = Inspection.objects.bulk_create(rows[start:start + batch_size])
        for inspection, (_e, _k, team) in zip(created, teams[start:start + batch_size], strict=True):
            members += [InspectionMember(inspection_id=inspection.pk, inspector_id=pk, lead=(n == 0))
                        for n, pk in enumerate(team)]
    for start in range(0, len(members), batch_size):
        InspectionMember.objects.bulk_create(members[start:start + batch_size])


def _notify_inspectors(draw, teams):
    """Only the drawn inspectors hear of it (the enterprises must not: 四不两直)."""
    from safegrid.notifications.services import notify

    counts = {}
    for _e, _k, team in teams:
        for pk in team:
            counts[pk] = counts.get(pk, 0) + 1
    users = {i.user: counts[i.pk] for i in Inspector.objects.filter(pk__in=counts, user__isnull=False)
             .select_related("user")}
    for user, n in users.items():
        notify([user], f"您被抽取参加“{draw.name}”", f"共 {n} 家单位，{draw.scheduled_from} 至 {draw.scheduled_to}。",
               link=f"/inspections/?draw={draw.pk}")


def replay(draw):
    """Recompute a recorded draw with its seed: {"versions_match", "same_result", ...}."""
    department = draw.department
    classes, teams, entity_version, inspector_version = compute(
        draw.region_code, department, draw.summary.get("categories") or [], draw.ratios, draw.team_size, draw.seed)
    stored = {}
    for inspection_id, enterprise_id in draw.inspections.values_list("pk", "enterprise_id"):
        stored[inspection_id] = [enterprise_id, []]
    for inspection_id, inspector_id in (InspectionMember.objects.filter(inspection__draw=draw)
                                        .order_by("inspection_id", "-lead", "id")
                                        .values_list("inspection_id", "inspector_id")):
        stored[inspection_id][1].append(inspector_id)
    recorded = sorted((e, team) for e, team in stored.values())
    recomputed = sorted((e, team) for e, _k, team in teams)
    return {"versions_match": entity_version == draw.entity_version and inspector_version == draw.inspector_version,
            "same_result": recorded == recomputed, "entity_version": entity_version,
            "inspector_version": inspector_version}


@transaction.atomic
def publish(draw, *, actor):
    """Results become public: only inspections already carried out are shown (see docs)."""
    if actor.effective_role not in MANAGERS:
        raise PermissionDenied("您的角色无权公开抽查结果。")
    if draw.published_at is None:
        RandomDraw.objects.filter(pk=draw.pk).update(published_at=timezone.now())
        draw.refresh_from_db()
        record("draw_publish", draw, actor=actor, after={"published_at": str(draw.published_at)})
    return draw
