"""Read side of the risk app: the risk list, counts per town, colour changes, overdue check tasks.

Overdue check tasks are derived from the cycle and the last record at read time, never stored.
"""

import calendar
import datetime

from django.db.models import F, Max, OuterRef, Subquery

from safegrid.hazards import clock
from safegrid.regions.models import Region, RegionLevel
from safegrid.registry.models import Enterprise

from .models import COLOR_ORDER, ControlCheckTask, CycleUnit, EnterpriseGrade, GradeSnapshot


def risk_enterprises(user, action="view"):
    """Enterprises in scope with their grade (None until the first regrade)."""
    return (Enterprise.objects.restrict(user, action).filter(voided_at__isnull=True)
            .select_related("category", "grade", "operating_region", "grid")
            .order_by(F("grade__score").asc(nulls_last=True), "name", "id"))


def town_key(scope_path):
    parts = scope_path.split("/")
    return "/".join(parts[:4]) if len(parts) >= 4 else None


def counts_by_town(enterprises):
    """[{town, red, orange, yellow, blue, none, total}] for the enterprises, largest red first."""
    counts = {}
    for path, color in enterprises.order_by().values_list("scope_path", "grade__color"):
        row = counts.setdefault(town_key(path), {c: 0 for c in [*COLOR_ORDER, "none"]})
        row[color or "none"] += 1
    names = dict(Region.objects.filter(level=RegionLevel.TOWN, path__in=[k for k in counts if k])
                 .values_list("path", "name"))
    rows = [{"town": names.get(key, "未定位"), **row, "total": sum(row.values())} for key, row in counts.items()]
    return sorted(rows, key=lambda r: (-r["red"], -r["orange"], r["town"]))


def changed_since(user, days=30, now=None):
    """Grades whose colour differs from the last one before the cut-off (the month's changes)."""
    cutoff = (now or clock.now()) - datetime.timedelta(days=days)
    previous = (GradeSnapshot.objects.filter(enterprise=OuterRef("enterprise"), created_at__lt=cutoff)
                .order_by("-created_at", "-id").values("color")[:1])
    recent = GradeSnapshot.objects.filter(created_at__gte=cutoff).values("enterprise")
    return (EnterpriseGrade.objects.restrict(user, "view").filter(enterprise__in=recent, enterprise__voided_at=None)
            .annotate(previous_color=Subquery(previous)).exclude(previous_color=None)
            .exclude(previous_color=F("color")).select_related("enterprise").order_by("enterprise__name"))


def add_cycle(moment, cycle, unit):
    if unit == CycleUnit.HOUR:
        return moment + datetime.timedelta(hours=cycle)
    if unit == CycleUnit.DAY:
        return moment + datetime.timedelta(days=cycle)
    if unit == CycleUnit.WEEK:
        return moment + datetime.timedelta(weeks=cycle)
    month = moment.month - 1 + cycle
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def tasks_with_due(tasks, now=None):
    """Tasks annotated with last_checked_at, due_at and is_overdue (from the cycle and the clock)."""
    now = now or clock.now()
    out = list(tasks.annotate(last_checked_at=Max("records__checked_at")))
    for task in out:
        task.due_at = add_cycle(task.last_checked_at or task.starts_at, task.cycle, task.cycle_unit)
        task.is_overdue = task.due_at < now
    return out


def overdue_tasks(user, now=None):
    tasks = ControlCheckTask.objects.restrict(user, "view").filter(voided_at__isnull=True)
    return [t for t in tasks_with_due(tasks.select_related("measure__event"), now) if t.is_overdue]
