"""Who may manage departments, the safety committee, grid officers and grids' accountable people.

Departments and the committee: the system administrator, or the county office of that county.
Grid officers and grids: the system administrator, the county office inside its county, a town
office inside its town (its own grid officers).
"""

from safegrid.core.errors import PermissionDenied
from safegrid.core.roles import Role
from safegrid.core.scope import in_subtree, path_q

from .models import Grid, GridOfficer


def role_of(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.effective_role


def counties_of(user):
    return {p.split("/")[2] for p in user.scope_paths() if p.count("/") >= 2}


def can_manage_county(actor, region_code):
    """Departments, committee, leader posts and quotas of one county."""
    role = role_of(actor)
    return role == Role.ADMIN or (role == Role.COUNTY_OFFICE and region_code in counties_of(actor))


def check_county(actor, region_code):
    if actor is not None and not can_manage_county(actor, region_code):
        raise PermissionDenied("您无权管理该区县的设置。", code="county.not_manageable")


def may_manage_officers(actor):
    return role_of(actor) in (Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE)


def manageable_grids(actor):
    role = role_of(actor)
    if role == Role.ADMIN:
        return Grid.objects.all()
    if role not in (Role.COUNTY_OFFICE, Role.TOWN_OFFICE):
        return Grid.objects.none()
    return Grid.objects.filter(path_q("path", actor.scope_paths()))


def manageable_officers(actor):
    """Officers all of whose grids lie in the actor's jurisdiction (an officer with no grid left
    belongs to the county that appointed them)."""
    role = role_of(actor)
    if role == Role.ADMIN:
        return GridOfficer.objects.all()
    if not may_manage_officers(actor):
        return GridOfficer.objects.none()
    links = GridOfficer.grids.through.objects
    inside = links.filter(path_q("grid__path", actor.scope_paths())).values("gridofficer_id")
    outside = links.exclude(path_q("grid__path", actor.scope_paths())).values("gridofficer_id")
    found = GridOfficer.objects.filter(pk__in=inside)
    if role == Role.COUNTY_OFFICE:
        found = found | GridOfficer.objects.filter(region_code__in=counties_of(actor), grids__isnull=True)
    return found.exclude(pk__in=outside).distinct()


def can_manage_officer(actor, officer):
    return manageable_officers(actor).filter(pk=officer.pk).exists()


def check_officer(actor, officer):
    if actor is not None and not can_manage_officer(actor, officer):
        raise PermissionDenied("您无权管理该网格员。", code="officer.not_manageable")


def check_grids(actor, grids):
    if actor is None or role_of(actor) == Role.ADMIN:
        return
    if not may_manage_officers(actor):
        raise PermissionDenied("您无权管理网格。", code="grid.not_manageable")
    for grid in grids:
        if not in_subtree(grid.path, actor.scope_paths()):
            raise PermissionDenied(f"网格“{grid.name}”不在您的辖区内。", code="grid.not_manageable")


def check_on_duty(user):
    """先培训再上岗: a grid officer acts (reports, submits) only on duty and after a passed pre-duty
    training."""
    if role_of(user) != Role.GRID_OFFICER:
        return
    officer = GridOfficer.objects.filter(user_id=user.pk).only("trained_on", "voided_at").first()
    if officer is None or officer.is_voided:
        raise PermissionDenied("您当前没有网格员岗位，不能执行该操作。", code="officer.not_on_duty")
    if not officer.on_duty_allowed:
        raise PermissionDenied("未通过岗前培训的网格员不能上报隐患(先培训再上岗)，请联系乡镇(街道)安监办登记培训。",
                               code="officer.untrained")
