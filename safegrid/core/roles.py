"""Roles and what each may do. Scope (which objects) is decided by `restrict`, not here."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    COUNTY_OFFICE = "county_office", "区县安委办/应急管理局"
    DEPARTMENT = "department", "行业主管部门"
    TOWN_OFFICE = "town_office", "乡镇(街道)安监办"
    GRID_OFFICER = "grid_officer", "网格员"
    ENTERPRISE = "enterprise", "企业用户"
    LEADER = "leader", "领导(只读)"


ALL_ROLES = frozenset(Role.values)
STAFF_ROLES = ALL_ROLES - {Role.ENTERPRISE}
# Roles that read everything in their scope but never change anything.
READ_ONLY_ROLES = frozenset({Role.LEADER})

# Default rule for models that do not declare their own `role_actions`.
DEFAULT_ROLE_ACTIONS = {
    "view": ALL_ROLES,
    "export": STAFF_ROLES,
    "change": ALL_ROLES - READ_ONLY_ROLES,
}


def role_may(role, action, model=None):
    rules = getattr(model, "role_actions", None) or DEFAULT_ROLE_ACTIONS
    allowed = rules.get(action)
    if allowed is None:
        allowed = DEFAULT_ROLE_ACTIONS.get(action, frozenset())
    if role in READ_ONLY_ROLES and action not in ("view", "export"):
        return False
    return role == Role.ADMIN or role in allowed
