"""Who hears about a hazard next, and the sending itself (never raising, never undoing the change).

Recipients by place and by department are cached per process (core.refcache): every report
and transition asks for them, and users and grants change rarely.
"""

import logging

from safegrid.accounts.models import ScopeGrant, User
from safegrid.core import refcache
from safegrid.core.roles import Role
from safegrid.notifications.services import notify, quietly

logger = logging.getLogger("safegrid.hazards")


def ancestors(path):
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


USER_TABLES = ("accounts_user", "accounts_scopegrant")


def users_over(hazard, role):
    """Active users of `role` whose jurisdiction contains the hazard's place."""
    def load():
        grants = ScopeGrant.objects.filter(path__in=ancestors(hazard.scope_path)).values("user_id")
        return list(User.objects.filter(pk__in=grants, role=role, is_active=True))

    return list(refcache.get(("users_over", hazard.scope_path, role), USER_TABLES, load))


def department_users(department_id):
    if department_id is None:
        return []
    def load():
        return list(User.objects.filter(role=Role.DEPARTMENT, department_id=department_id, is_active=True))

    return list(refcache.get(("department_users", department_id), USER_TABLES, load))


def enterprise_users(hazard):
    if hazard.enterprise_id is None:
        return []
    return list(User.objects.filter(role=Role.ENTERPRISE, enterprise_id=hazard.enterprise_id, is_active=True))


def rectifiers(hazard):
    """The party that rectifies: the enterprise and the assigned department, or the town office."""
    assigned = department_users(hazard.assigned_department_id) or users_over(hazard, Role.TOWN_OFFICE)
    return enterprise_users(hazard) + assigned


def acceptors(hazard):
    if hazard.assigned_department_id:
        return department_users(hazard.assigned_department_id) + users_over(hazard, Role.TOWN_OFFICE)
    return users_over(hazard, Role.TOWN_OFFICE)


# action -> (recipients, title template)
AUDIENCE = {
    "report": (lambda h: users_over(h, Role.TOWN_OFFICE), "新隐患待核实"),
    "confirm": (lambda h: users_over(h, Role.TOWN_OFFICE) + users_over(h, Role.COUNTY_OFFICE), "隐患已确认，待交办"),
    "assign": (rectifiers, "隐患已交办，请制定整改方案"),
    "submit": (acceptors, "隐患整改已提交，待验收"),
    "send_back": (rectifiers, "隐患整改被退回"),
    "accept": (lambda h: [h.reporter] + enterprise_users(h), "隐患已验收销号"),
    "extend": (rectifiers, "隐患整改时限已延期"),
    "reject": (lambda h: [h.reporter], "上报的隐患经核实不属于隐患"),
    "merge": (lambda h: [h.reporter], "上报的隐患已合并到重复隐患"),
    "deadline_recompute": (lambda h: rectifiers(h) + acceptors(h), "整改时限已按官方节假日安排重新计算"),
}


def after_change(hazard, action):
    """Inbox rows with the change, in a savepoint: a failure is logged and undone alone (the
    hazard's change stands); outside channels go after commit (notifications.notify)."""
    if action not in AUDIENCE:
        return
    with quietly(logger, f"notifying {action} of hazard {hazard.pk}"):
        audience, title = AUDIENCE[action]
        place = hazard.enterprise.name if hazard.enterprise_id else (hazard.location or "")
        notify(audience(hazard), f"{title}：{place}", hazard.description[:200], link=f"/hazards/{hazard.pk}/")
