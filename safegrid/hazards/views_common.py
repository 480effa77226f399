"""Shared pieces of the hazard pages: what waits for whom (my tasks), which actions a user
may take on a hazard now (from `services.RULES`), scoped querysets and badges.

The services stay the authority: these helpers only decide what a page shows.
"""

from django.db.models import Count, Q

from safegrid.core.roles import Role

from . import clock, queries
from .models import CloseOutStep, Grade, Handling, Hazard, PhotoKind, State
from .services import RULES, STEP_ROLES, STEPS_BEFORE_ACCEPTANCE, role_of

# Where each role is the next actor (我的任务). Departments and towns only for what is theirs.
RECTIFYING = (State.ASSIGNED, State.RECTIFYING)


def task_q(user):
    """Hazards waiting for `user`'s role to act next."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.COUNTY_OFFICE):
        return Q(state__in=(State.REPORTED, State.CONFIRMED))
    if role == Role.TOWN_OFFICE:
        # 属地兜底: the town rectifies what was assigned to no department.
        return (Q(state__in=(State.REPORTED, State.CONFIRMED, State.SUBMITTED))
                | Q(state__in=RECTIFYING, assigned_department__isnull=True))
    if role == Role.DEPARTMENT:
        return Q(state__in=(*RECTIFYING, State.SUBMITTED), assigned_department_id=user.department_id)
    if role == Role.ENTERPRISE:
        return Q(state__in=RECTIFYING)
    if role == Role.GRID_OFFICER:
        return Q(state=State.RECTIFYING)  # follows up rectification in the own grids
    return Q(pk__in=[])


def visible(user, action="view"):
    """Hazards the user may reach, voided ones left out, with the deadline flags."""
    qs = (Hazard.objects.restrict(user, action).exclude(state=State.VOIDED)
          .select_related("enterprise", "hazard_type", "town", "grid", "assigned_department"))
    return queries.annotate_deadlines(qs, clock.today())


def tasks(user):
    return visible(user, "change").filter(task_q(user)).order_by("deadline", "-reported_at")


def home_cards(user):
    """Counts for the home page: my tasks, to confirm, overdue (only what the role acts on)."""
    role = role_of(user)
    base = Hazard.objects.restrict(user, "view").exclude(state=State.VOIDED)
    counts = base.aggregate(
        to_confirm=Count("pk", filter=Q(state=State.REPORTED)),
        overdue=Count("pk", filter=queries.overdue_q(clock.today())),
        open=Count("pk", filter=Q(state__in=queries.OPEN_STATES)),
    )
    mine = tasks(user).count() if role != Role.LEADER else None
    return {**counts, "tasks": mine, "role": role,
            "may_confirm": role in RULES["confirm"].roles, "staff": role != Role.ENTERPRISE}


# --- actions allowed now ---------------------------------------------------------------------

MAIN_ACTIONS = ("confirm", "reject", "merge", "assign", "plan", "submit", "accept", "send_back", "extend",
                "closeout_step", "void")


def _department_ok(hazard, user):
    return role_of(user) != Role.DEPARTMENT or hazard.assigned_department_id == user.department_id


def _extra_check(name, hazard, user):
    """The services' further conditions, mirrored so a form is shown only when it can succeed."""
    role = role_of(user)
    if name in ("plan", "submit"):
        return _department_ok(hazard, user)
    if name in ("accept", "send_back"):
        return _department_ok(hazard, user) and not (hazard.handling == Handling.ON_SPOT
                                                     and role == Role.DEPARTMENT)
    if name == "extend":
        town_ok = role != Role.TOWN_OFFICE or hazard.assigned_by_role == Role.TOWN_OFFICE
        return town_ok and hazard.original_deadline is None
    if name == "closeout_step":
        return bool(closeout_choices(hazard, user))
    return True


def allowed_actions(hazard, user, may_change):
    """Names of the transitions the user may run on the hazard in its current state."""
    if not may_change:
        return []
    role = role_of(user)
    names = [n for n in MAIN_ACTIONS if role in RULES[n].roles and hazard.state in RULES[n].sources
             and _extra_check(n, hazard, user)]
    if hazard.state in queries.OPEN_STATES and role != Role.LEADER:
        names.append("photos")
    return names


def closeout_choices(hazard, user):
    """销号五步法 steps the user may record now."""
    if hazard.grade != Grade.MAJOR:
        return []
    role = role_of(user)
    done = set(hazard.closeout_steps.values_list("step", flat=True))
    steps = STEPS_BEFORE_ACCEPTANCE if hazard.state in (State.RECTIFYING, State.SUBMITTED) else (
        (CloseOutStep.ACCOUNTABILITY_REVIEW,) if hazard.state == State.CLOSED else ())
    return [(s.value, s.label) for s in steps if s not in done and role in STEP_ROLES[s]]


# --- labels ------------------------------------------------------------------------------------

STATE_BADGE = {
    State.REPORTED: "text-bg-warning", State.CONFIRMED: "text-bg-info", State.ASSIGNED: "text-bg-primary",
    State.RECTIFYING: "text-bg-primary", State.SUBMITTED: "text-bg-success", State.CLOSED: "text-bg-secondary",
    State.REJECTED: "text-bg-light", State.MERGED: "text-bg-light", State.VOIDED: "text-bg-dark",
}
EXTRA_EVENT_LABELS = {"photos": "补充材料", "deadline_recompute": "按官方节假日安排重算整改时限"}


def event_label(action):
    if action in RULES:
        return RULES[action].label
    if action.startswith("step_"):
        return f"销号步骤：{CloseOutStep(action[5:]).label}"
    return EXTRA_EVENT_LABELS.get(action, action)


def photo_groups(hazard):
    """Photos grouped by kind, in the kinds' order."""
    photos = list(hazard.photos.all())
    return [(label, [p for p in photos if p.kind == kind]) for kind, label in PhotoKind.choices
            if any(p.kind == kind for p in photos)]
