"""Deadlines counted with the fallback: registered when computed, recomputed once the missing
years' official arrangement is entered.

The app that owns a deadline registers a handler for its model (`register`, from its AppConfig);
the handler applies a recomputed date to the object (its own compare-and-set, timeline, audit
event and notices) and answers whether the object still carried the estimated date.
"""

from django.db import transaction
from django.utils import timezone

from safegrid.audit.services import record

from .calendar import add_working_days
from .models import EstimatedDeadline, Resolution

# model label ("hazards.hazard") -> handler(object_id, estimate, result, actor) -> bool
HANDLERS = {}


def register(label, handler):
    HANDLERS[label] = handler


def track(obj, *, start, working_days, result, scope_path, link=""):
    """Register `obj`'s deadline when it was counted with the fallback; close earlier entries."""
    label = obj._meta.label_lower
    now = timezone.now()
    EstimatedDeadline.objects.filter(object_type=label, object_id=obj.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolution=Resolution.SUPERSEDED)
    if not result.estimated:
        return None
    return EstimatedDeadline.objects.create(
        object_type=label, object_id=obj.pk, object_repr=str(obj)[:200], link=link[:200],
        region_code=getattr(obj, "region_code", ""), scope_path=scope_path, start=start,
        working_days=working_days, estimated_date=result.date, unknown_years=list(result.unknown_years))


def open_estimates():
    return EstimatedDeadline.objects.filter(resolved_at__isnull=True)


@transaction.atomic
def recompute(*, actor, years=None):
    """Count every open estimate again on the current table. An estimate whose missing years are
    all entered now is closed: recomputed (the owner's handler moved the date), unchanged, or
    superseded (the object no longer carries that deadline). Returns counts by resolution."""
    counts = {r.value: 0 for r in Resolution}
    rows = open_estimates().select_for_update()
    if years:
        rows = [r for r in rows if set(r.unknown_years) & set(years)]
    for row in rows:
        result = add_working_days(row.start, row.working_days)
        if list(result.unknown_years) == row.unknown_years and result.date == row.estimated_date:
            continue  # nothing entered that this count crosses
        handler = HANDLERS.get(row.object_type)
        applied = handler is not None and handler(row.object_id, row, result, actor)
        if not applied:
            resolution = Resolution.SUPERSEDED
        elif result.date == row.estimated_date:
            resolution = Resolution.UNCHANGED
        else:
            resolution = Resolution.RECOMPUTED
        row.resolved_at, row.resolution, row.official_date = timezone.now(), resolution, result.date
        row.save(update_fields=["resolved_at", "resolution", "official_date"])
        counts[resolution] += 1
        if result.estimated and applied:
            track_again(row, result)
    if any(counts.values()):
        record("deadline_recompute", None, actor=actor, object_type="workcal.estimateddeadline",
               object_id="recompute", region_code="", after={"years": sorted(years or []), **counts})
    return counts


def track_again(row, result):
    """A recomputed deadline that still crosses another missing year stays listed."""
    EstimatedDeadline.objects.create(
        object_type=row.object_type, object_id=row.object_id, object_repr=row.object_repr, link=row.link,
        region_code=row.region_code, scope_path=row.scope_path, start=row.start,
        working_days=row.working_days, estimated_date=result.date, unknown_years=list(result.unknown_years))
