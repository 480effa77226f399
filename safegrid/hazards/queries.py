"""Read-side facts derived from the clock: overdue, due soon, daily report, supervised listing,
credit records. Nothing here is stored; every function takes `today` so tests can freeze it."""

import datetime

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from safegrid.regions.models import Region, RegionLevel
from safegrid.registry.models import Enterprise
from safegrid.workcal.calendar import add_working_days

from . import clock
from .models import DEADLINE_STATES, OPEN_STATES, Grade, Hazard, State

DUE_SOON_WORKING_DAYS = 3


def due_soon_limit(today):
    """The last date that still counts as due soon (≤ 3 working days ahead)."""
    days = getattr(settings, "SAFEGRID_DUE_SOON_WORKING_DAYS", DUE_SOON_WORKING_DAYS)
    return add_working_days(today, days).date


def overdue_q(today):
    return Q(state__in=DEADLINE_STATES, deadline__lt=today)


def due_soon_q(today):
    return Q(state__in=DEADLINE_STATES, deadline__gte=today, deadline__lte=due_soon_limit(today))


def annotate_deadlines(qs, today=None):
    today = today or clock.today()
    return qs.annotate(
        is_overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
        is_due_soon=Case(When(due_soon_q(today), then=Value(True)), default=Value(False),
                         output_field=BooleanField()),
    )


def day_bounds(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def live(qs):
    return qs.exclude(state=State.VOIDED)


# --- daily report (日报送, 零积压) ---------------------------------------------------------

REPORT_COLUMNS = [("new_today", "今日新增"), ("open", "未销号"), ("due_soon", "即将到期"), ("overdue", "已超期"),
                  ("closed_today", "今日销号")]


def report_filters(today):
    start, end = day_bounds(today)
    return {
        "new_today": Q(reported_at__gte=start, reported_at__lt=end),
        "open": Q(state__in=OPEN_STATES),
        "due_soon": due_soon_q(today),
        "overdue": overdue_q(today),
        "closed_today": Q(state=State.CLOSED, closed_at__gte=start, closed_at__lt=end),
    }


def report_slices(today):
    """Every counted hazard is open, reported today or closed today: one grouped query per slice,
    each served by an index ((state, scope_path), reported_at, closed_at), instead of one pass over
    every hazard in scope (2,000,000 for a city, almost all closed long ago)."""
    start, end = day_bounds(today)
    return [(Q(state__in=OPEN_STATES), ("open", "due_soon", "overdue")),
            (Q(reported_at__gte=start, reported_at__lt=end), ("new_today",)),
            (Q(closed_at__gte=start, closed_at__lt=end), ("closed_today",))]


def daily_report(user, today=None):
    """One row per town in the user's jurisdiction, counted by town in three grouped queries."""
    today = today or clock.today()
    filters = report_filters(today)
    hazards = live(Hazard.objects.restrict(user, "view"))
    counts = {}
    for where, keys in report_slices(today):
        rows = hazards.filter(where).values("town_id").annotate(
            **{key: Count("pk", filter=filters[key]) for key in keys})
        for row in rows:
            counts.setdefault(row["town_id"], {}).update(row)
    towns = Region.objects.restrict(user, "view").filter(level=RegionLevel.TOWN, voided_at__isnull=True)
    if not towns.exists():  # a grid officer's scope is below town level: report their towns
        towns = Region.objects.filter(pk__in=[t for t in counts if t is not None])
    rows = []
    for town in towns.order_by("path"):
        found = counts.get(town.pk, {})
        rows.append({"town_id": town.pk, "town_code": town.code, "town": town.name,
                     **{key: found.get(key, 0) for key in filters}})
    totals = {key: sum(r[key] for r in rows) for key in filters}
    return {"date": today, "due_soon_limit": due_soon_limit(today), "rows": rows, "totals": totals}


def daily_drilldown(user, column, today=None, town=None):
    """The hazards behind one cell of the daily report."""
    today = today or clock.today()
    qs = live(Hazard.objects.restrict(user, "view")).filter(report_filters(today)[column])
    return qs.filter(town__code=town) if town else qs


# --- supervised listing (挂牌督办) --------------------------------------------------------


def supervising_unit(hazard_or_region_code):
    """The next level up from the county: the city (or the province for a county-level city)."""
    code = getattr(hazard_or_region_code, "region_code", hazard_or_region_code)
    county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).select_related("parent").first()
    return county.parent if county else None


def supervised_q(today):
    return Q(grade=Grade.MAJOR) & overdue_q(today)


def supervised(user, today=None):
    today = today or clock.today()
    return live(Hazard.objects.restrict(user, "view")).filter(supervised_q(today))


# --- credit records (信用档案) and dishonesty list (失信名单) --------------------------------


def credit_records(user, today=None):
    """Per enterprise: hazards, major ones, recurrences, open and overdue items."""
    today = today or clock.today()
    enterprises = Enterprise.objects.restrict(user, "view").filter(voided_at__isnull=True)
    recurring = Hazard.objects.filter(enterprise=OuterRef("pk"), recurrence_of__isnull=False)
    return (enterprises.annotate(
        hazards_total=Count("hazards", filter=~Q(hazards__state__in=[State.VOIDED, State.REJECTED, State.MERGED])),
        hazards_major=Count("hazards", filter=Q(hazards__grade=Grade.MAJOR) & ~Q(hazards__state=State.VOIDED)),
        recurrences=Count("hazards", filter=Q(hazards__recurrence_of__isnull=False)
                          & ~Q(hazards__state=State.VOIDED)),
        open_items=Count("hazards", filter=Q(hazards__state__in=OPEN_STATES)),
        overdue_items=Count("hazards", filter=Q(hazards__state__in=DEADLINE_STATES, hazards__deadline__lt=today)),
        has_recurrence=Exists(recurring),
    ).filter(hazards_total__gt=0).order_by("-recurrences", "-overdue_items", "name"))


def dishonesty_list(user, today=None):
    """Enterprises over the configurable thresholds of recurrences or overdue items."""
    recurrences = getattr(settings, "SAFEGRID_DISHONESTY_RECURRENCES", 2)
    overdue = getattr(settings, "SAFEGRID_DISHONESTY_OVERDUE", 3)
    return credit_records(user, today).filter(Q(recurrences__gte=recurrences) | Q(overdue_items__gte=overdue))
