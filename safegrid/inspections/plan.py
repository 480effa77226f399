"""The annual inspection plan (年度监督检查计划).

Each operating enterprise gets the yearly frequency its safety code requires
(`risk.services.required_inspections`, here evaluated in bulk from the same rule set by
`frequency`), adjusted by the plan's category rules and capped per enterprise. Of every
inspection, the random share (双随机 / 四不两直, default at least 70 %) is counted; a plan below
its target share is topped up from the key inspections. Generation is one read query, Python,
and batched inserts; edits (add, remove, move) each need a reason and are audited.
"""

import math
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.core.services import compare_and_set
from safegrid.regions.models import Department, RegionLevel
from safegrid.registry.models import Enterprise, EnterpriseStatus, ResponsibilityRule, user_counties
from safegrid.risk import grading

from .models import InspectionKind, InspectionPlan, PlanItem

# Supervision kind of the risk rules -> the plan's inspection kind.
KIND = {"resident": InspectionKind.RESIDENT, "full": InspectionKind.FULL, "random": InspectionKind.RANDOM}


def default_random_share():
    return Decimal(str(getattr(settings, "SAFEGRID_PLAN_RANDOM_SHARE", "0.7")))


def default_max_per_year():
    return getattr(settings, "SAFEGRID_PLAN_MAX_PER_YEAR", None)


def frequency(supervision, color, category_code, category_name=""):
    """(per_year, kind, reason) exactly as risk.services.required_inspections computes it."""
    entry = supervision[color]
    per_year, reason = entry["per_year"], entry["reason"]
    minimum = supervision.get("category_minimum", {}).get(category_code)
    if minimum and minimum > per_year:
        per_year, reason = minimum, f"{reason}；{category_name}类单位每年不少于 {minimum} 次"
    cap = supervision.get("max_per_year")
    if cap and per_year > cap:
        per_year, reason = cap, f"{reason}；按本地规定每家单位每年检查不超过 {cap} 次"
    return per_year, entry["kind"], reason


def planned_count(required, category_code, category_rules, max_per_year):
    """The plan's count: the category rule's minimum/maximum, then the per-enterprise cap."""
    rule = category_rules.get(category_code) or {}
    count, notes = required, []
    if rule.get("min") and rule["min"] > count:
        count = rule["min"]
        notes.append(f"本计划{category_code}类不少于 {rule['min']} 次")
    for cap, label in ((rule.get("max"), "本计划该类每家"), (max_per_year, "每家单位每年")):
        if cap and count > cap:
            count = cap
            notes.append(f"{label}不超过 {cap} 次")
    return count, notes


def random_part(planned, kind, share):
    """Random inspections of one item: all of a random kind, the floor of the share otherwise."""
    return planned if kind == InspectionKind.RANDOM else math.floor(planned * share)


def _check(actor, region_code):
    role = actor.effective_role
    if role not in (Role.ADMIN, Role.COUNTY_OFFICE):
        raise PermissionDenied("只有区县安委办(应急管理局)可以编制年度检查计划。")
    if role != Role.ADMIN and region_code not in user_counties(actor):
        raise ServiceError("region_code.out_of_scope", "只能编制本辖区区县的计划。", field="region_code")


def _share(value):
    try:
        share = Decimal(str(value)).quantize(Decimal("0.001"))
    except ArithmeticError as exc:
        raise ServiceError("random_share.invalid", "随机抽查占比应为 0 到 1 之间的小数。", field="random_share") from exc
    if not Decimal(0) <= share <= Decimal(1):
        raise ServiceError("random_share.invalid", "随机抽查占比应为 0 到 1 之间的小数。", field="random_share")
    return share


def _cap(value):
    if value in (None, ""):
        return None
    try:
        cap = int(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError("max_per_year.invalid", "每家单位每年检查上限应为正整数。", field="max_per_year") from exc
    if cap < 1:
        raise ServiceError("max_per_year.invalid", "每家单位每年检查上限应为正整数。", field="max_per_year")
    return cap


def _rows(region_code):
    """(id, category id, category code, category name, colour, town id) of every operating enterprise."""
    qs = Enterprise.objects.filter(region_code=region_code, voided_at__isnull=True, status=EnterpriseStatus.OPERATING)
    ungraded = qs.filter(grade__isnull=True)
    if ungraded.exists():
        grading.regrade(ungraded, trigger="inspection_plan")
    for pk, category_id, code, name, color, region_id, level, parent_id in (
            qs.order_by("pk").values_list("pk", "category_id", "category__code", "category__name", "grade__color",
                                          "operating_region_id", "operating_region__level",
                                          "operating_region__parent_id")):
        yield pk, category_id, code, name, color, region_id if level == RegionLevel.TOWN else parent_id


@transaction.atomic
def generate_plan(*, actor, region_code, year, random_share=None, max_per_year=None, category_rules=None,
                  name="", batch_size=5000):
    _check(actor, region_code)
    share = _share(default_random_share() if random_share in (None, "") else random_share)
    cap = _cap(default_max_per_year() if max_per_year in (None, "") else max_per_year)
    category_rules = category_rules or {}
    if InspectionPlan.objects.filter(region_code=region_code, year=year).exists():
        raise ServiceError("plan.exists", f"{year} 年度计划已存在，请在原计划上调整。", field="year")
    supervision = grading.RuleSets().for_region(region_code).rules["supervision"]
    leads = dict(ResponsibilityRule.objects.filter(region_code=region_code)
                 .values_list("category_id", "lead_department_id"))
    plan = InspectionPlan.objects.create(
        region_code=region_code, year=year, name=(name or "").strip()[:100] or f"{year} 年度监督检查计划",
        random_share=share, max_per_year=cap, category_rules=category_rules, created_by=actor)
    items = []
    for pk, category_id, code, category_name, color, town_id in _rows(region_code):
        required, kind, reason = frequency(supervision, color or "blue", code, category_name)
        planned, notes = planned_count(required, code, category_rules, cap)
        kind = KIND.get(kind, InspectionKind.RANDOM)
        items.append(PlanItem(
            plan=plan, region_code=region_code, enterprise_id=pk, department_id=leads.get(category_id),
            town_id=town_id, color=color or "", kind=kind, required=required, planned=planned,
            random_count=random_part(planned, kind, share), quarter=1 + pk % 4 if planned == 1 else 1,
            reason="；".join([reason, *notes])[:300]))
    _top_up(items, share)
    for start in range(0, len(items), batch_size):
        PlanItem.objects.bulk_create(items[start:start + batch_size])
    plan.summary = summarise(plan)
    plan.save(update_fields=["summary"])
    record("plan_generate", plan, actor=actor, after={"year": year, "random_share": str(share), "max_per_year": cap,
                                                      "totals": plan.summary["totals"]})
    return plan


def _top_up(items, share):
    """Turn key inspections into unannounced ones (largest first) until the random share is met."""
    total = sum(i.planned for i in items)
    random_total = sum(i.random_count for i in items)
    need = math.ceil(total * share) - random_total
    for item in sorted((i for i in items if i.planned > i.random_count), key=lambda i: (-i.planned, i.enterprise_id)):
        if need <= 0:
            break
        # Keep one key (full/resident) inspection per enterprise where the colour requires it.
        spare = item.planned - item.random_count - 1
        take = min(spare, need)
        if take > 0:
            item.random_count += take
            need -= take


def summarise(plan):
    """Totals, random share, and the counts per department and per town (grouped queries)."""
    items = plan.items.filter(removed=False)
    totals = items.aggregate(enterprises=Count("pk"), planned=Sum("planned"), random=Sum("random_count"),
                             required=Sum("required"))
    totals = {k: v or 0 for k, v in totals.items()}
    totals["random_share"] = round(totals["random"] / totals["planned"], 4) if totals["planned"] else 0
    totals["share_met"] = totals["random_share"] >= float(plan.random_share) or not totals["planned"]
    departments = dict(Department.objects.filter(region_code=plan.region_code).values_list("pk", "name"))
    by_department = [{"department": row["department"], "name": departments.get(row["department"], "属地乡镇(街道)"),
                      "enterprises": row["n"], "planned": row["p"], "random": row["r"]}
                     for row in items.order_by().values("department").annotate(
                         n=Count("pk"), p=Sum("planned"), r=Sum("random_count")).order_by("department")]
    by_town = [{"town": row["town"], "name": row["town__name"], "enterprises": row["n"], "planned": row["p"],
                "random": row["r"]}
               for row in items.order_by().values("town", "town__name").annotate(
                   n=Count("pk"), p=Sum("planned"), r=Sum("random_count")).order_by("town__name")]
    return {"totals": totals, "by_department": by_department, "by_town": by_town}


# --- edits --------------------------------------------------------------------------------------


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason.required", "调整检查计划须填写原因。", field="reason")
    return reason[:300]


def _bump(plan, version):
    if not compare_and_set(InspectionPlan, plan.pk, {"version": version}, {"version": version + 1}):
        raise Conflict("该计划已被他人修改，请刷新后重试。", current={"version": plan.version})
    plan.version = version + 1


def _after_edit(plan, action, item, actor, before, reason):
    plan.summary = summarise(plan)
    InspectionPlan.objects.filter(pk=plan.pk).update(summary=plan.summary)
    record(action, item, actor=actor, before=before, after=snapshot(item), reason=reason)


@transaction.atomic
def add_item(plan, *, enterprise, planned, actor, version, reason, kind=InspectionKind.RANDOM, department=None):
    _check(actor, plan.region_code)
    reason = _reason(reason)
    if enterprise.region_code != plan.region_code or enterprise.voided_at:
        raise ServiceError("enterprise.other_county", "只能加入本区县的在册单位。", field="enterprise")
    if enterprise.status == EnterpriseStatus.CLOSED:
        raise ServiceError("enterprise.closed", f"“{enterprise.name}”已关闭，不能列入检查计划。", field="enterprise")
    if PlanItem.objects.filter(plan=plan, enterprise=enterprise).exists():
        raise ServiceError("plan_item.duplicate", "该单位已在计划中(如已移除，请恢复后调整)。", field="enterprise")
    planned = _cap(planned) or 1
    if kind not in InspectionKind.values:
        raise ServiceError("kind.unknown", "检查方式无效。", field="kind")
    _bump(plan, version)
    region = enterprise.operating_region
    item = PlanItem.objects.create(
        plan=plan, region_code=plan.region_code, enterprise=enterprise, department=department,
        town=region if region.level == RegionLevel.TOWN else region.parent, color="", kind=kind, required=0,
        planned=planned, random_count=random_part(planned, kind, plan.random_share), reason=f"人工增加：{reason}")
    _after_edit(plan, "plan_item_add", item, actor, None, reason)
    return item


@transaction.atomic
def remove_item(item, *, actor, version, reason):
    plan = item.plan
    _check(actor, plan.region_code)
    reason = _reason(reason)
    if item.removed:
        raise ServiceError("plan_item.removed", "该单位已从计划中移除。", field="item")
    _bump(plan, version)
    before = snapshot(item)
    PlanItem.objects.filter(pk=item.pk).update(removed=True, removed_reason=reason)
    item.refresh_from_db()
    _after_edit(plan, "plan_item_remove", item, actor, before, reason)
    return item


@transaction.atomic
def move_item(item, *, actor, version, reason, department=None, quarter=None, planned=None):
    """Change who inspects, when (quarter) or how often; unchanged values stay."""
    plan = item.plan
    _check(actor, plan.region_code)
    reason = _reason(reason)
    changes = {}
    if department is not None:
        if department.region_code != plan.region_code:
            raise ServiceError("department.other_county", "检查部门须为本区县的部门。", field="department")
        changes["department"] = department
    if quarter not in (None, ""):
        if str(quarter) not in {"1", "2", "3", "4"}:
            raise ServiceError("quarter.invalid", "季度应为 1 到 4。", field="quarter")
        changes["quarter"] = int(quarter)
    if planned not in (None, ""):
        changes["planned"] = _cap(planned)
        changes["random_count"] = random_part(changes["planned"], item.kind, plan.random_share)
    if not changes:
        raise ServiceError("plan_item.no_change", "请至少调整一项(检查部门、季度或次数)。", field="department")
    _bump(plan, version)
    before = snapshot(item)
    PlanItem.objects.filter(pk=item.pk).update(**changes)
    item.refresh_from_db()
    _after_edit(plan, "plan_item_move", item, actor, before, reason)
    return item


def open_items(plan):
    return plan.items.filter(removed=False).select_related("enterprise", "department", "town")
