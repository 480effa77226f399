"""Read-side facts: overdue (derived from the deadline and today, never stored), the closure
rate (办结率) per town and department, and what the tracking page may show."""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, F, Q, Value, When

from safegrid.hazards import clock

from .models import DONE_STATES, OPEN_STATES, State, Tip, TipEvent
from .services import PUBLIC_LABELS, case_of


def overdue_q(today):
    return Q(state__in=OPEN_STATES, deadline__lt=today)


def annotate_overdue(qs, today=None):
    today = today or clock.today()
    return qs.annotate(is_overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False),
                                       output_field=BooleanField()))


GROUPS = {"town": ("town__name", "town_id"), "department": ("department__name", "department_id")}


def closure_rate(qs, by="town", today=None):
    """Rows {name, total, done, on_time, overdue, rate, on_time_rate}; a merged tip counts in its case."""
    today = today or clock.today()
    name_field, id_field = GROUPS[by]
    rows = (qs.exclude(state=State.MERGED).values(id_field, name_field)
            .annotate(total=Count("pk"), done=Count("pk", filter=Q(state__in=DONE_STATES)),
                      on_time=Count("pk", filter=Q(state__in=DONE_STATES, closed_at__date__lte=F("deadline"))),
                      overdue=Count("pk", filter=overdue_q(today)))
            .order_by(name_field))
    out = []
    for row in rows:
        total = row["total"]
        name = row[name_field] or ("属地兜底(无部门)" if by == "department" else "区县直接受理")
        out.append({"id": row[id_field], "name": name, "total": total, "done": row["done"],
                    "on_time": row["on_time"], "overdue": row["overdue"],
                    "rate": round(100 * row["done"] / total, 1) if total else None,
                    "on_time_rate": round(100 * row["on_time"] / total, 1) if total else None})
    return out


@dataclass
class Tracking:
    tip: Tip
    case: Tip
    timeline: list
    claimable: bool


PUBLIC_STATE = {State.RECEIVED: "已提交，待受理", State.ACCEPTED: "已受理，正在核查", State.VERIFIED: "已查证，正在处理",
                State.UNFOUNDED: "已查证，正在处理", State.CLOSED: "已办结", State.REJECTED: "不予受理",
                State.MERGED: "已合并办理"}


def tracking(tip):
    """What the reporter of `tip` may see: the case's state, dated steps and public replies only."""
    case = case_of(tip)
    q = Q(tip=tip)
    if case.pk != tip.pk:
        # Another reporter's submission and the case's reward are not this reporter's business.
        q = Q(tip=tip, action__in=("submit", "merge")) | (Q(tip=case) & ~Q(action="submit")
                                                           & ~Q(action__startswith="reward_"))
    events = TipEvent.objects.filter(q)
    timeline = []
    for event in events.order_by("at", "id"):
        label = PUBLIC_LABELS.get(event.action)
        if label is None or (event.action == "reply" and not event.public_text):
            continue
        timeline.append({"at": event.at, "label": label, "text": event.public_text})
    reward = getattr(case, "reward", None) if case.pk == tip.pk else None
    claimable = reward is not None and reward.state == "approved"
    return Tracking(tip, case, timeline, claimable)
