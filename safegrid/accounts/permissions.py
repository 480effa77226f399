"""Who may manage which accounts (系统管理 › 用户与账号): one answer for services, views and templates.

The system administrator manages everyone; a county office the users of its counties except
administrators; a town office only the grid officers of its towns. A user belongs to a
jurisdiction through their scope grants, their department (department staff) or their
enterprise (enterprise users); anyone with a grant outside the manager's jurisdiction is out
of reach, so nobody can take over an account that sees more than they do.
"""

from django.db.models import Q

from safegrid.core.errors import PermissionDenied
from safegrid.core.roles import Role
from safegrid.core.scope import in_subtree, path_q

from .models import ScopeGrant, User

MANAGERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE})
CREATABLE = {
    Role.ADMIN: frozenset(Role.values),
    Role.COUNTY_OFFICE: frozenset(Role.values) - {Role.ADMIN},
    Role.TOWN_OFFICE: frozenset({Role.GRID_OFFICER}),
}


def role_of(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.effective_role


def may_manage_users(actor):
    return role_of(actor) in MANAGERS


def creatable_roles(actor):
    return CREATABLE.get(role_of(actor), frozenset())


def counties_of(actor):
    return sorted({p.split("/")[2] for p in actor.scope_paths() if p.count("/") >= 2})


def manageable_users(actor):
    """The accounts `actor` may manage (an administrator's list shows everyone, their own account
    too, which can_manage_user still refuses: one's own password is changed on 修改密码)."""
    role = role_of(actor)
    if role == Role.ADMIN:
        return User.objects.all()
    if role not in MANAGERS:
        return User.objects.none()
    paths = actor.scope_paths()
    inside = ScopeGrant.objects.filter(path_q("path", paths)).values("user_id")
    outside = ScopeGrant.objects.exclude(path_q("path", paths)).values("user_id")
    if role == Role.TOWN_OFFICE:
        found = Q(pk__in=inside, role=Role.GRID_OFFICER)
    else:
        counties = counties_of(actor)
        found = (Q(pk__in=inside) | Q(enterprise__region_code__in=counties)
                 | Q(department__region_code__in=counties))
        found &= ~Q(role=Role.ADMIN) & Q(is_superuser=False)
    return User.objects.filter(found).exclude(pk__in=outside).exclude(pk=actor.pk)


def can_manage_user(actor, target):
    """May `actor` edit, reset, deactivate or reactivate `target`? Never themselves (use 修改密码)."""
    if target is None or actor is None or target.pk == actor.pk:
        return False
    return manageable_users(actor).filter(pk=target.pk).exists()


def check_manage(actor, target):
    if actor is not None and not can_manage_user(actor, target):
        raise PermissionDenied("您无权管理该账号。", code="user.not_manageable")


def check_assignment(actor, *, role, regions=(), grids=(), department=None, enterprise=None):
    """Refuse a role or jurisdiction the actor may not give (a town office: grid officers of its
    own grids; a county office: no administrators, nothing outside its counties)."""
    if actor is None:
        return
    actor_role = role_of(actor)
    if role not in creatable_roles(actor):
        label = Role(role).label if role in Role.values else role
        raise PermissionDenied(f"您无权设置“{label}”角色的账号。", code="user.role_not_allowed")
    if actor_role == Role.ADMIN:
        return
    paths = actor.scope_paths()
    for target in [*regions, *grids]:
        if not in_subtree(target.path, paths):
            raise PermissionDenied(f"“{target.name}”不在您的辖区内。", code="user.scope_not_allowed")
    counties = counties_of(actor)
    if department is not None and department.region_code not in counties:
        raise PermissionDenied("所选部门不属于您的区县。", code="user.scope_not_allowed")
    if enterprise is not None and not in_subtree(enterprise.scope_path, paths):
        raise PermissionDenied("所选单位不在您的辖区内。", code="user.scope_not_allowed")
