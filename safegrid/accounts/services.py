"""Login with lockout, accounts (create, edit, passwords, deactivation) and scope grants. All audited;
who may manage whom is accounts.permissions."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.regions.models import Region, RegionLevel

from .models import ScopeGrant, User
from .permissions import check_assignment, check_manage

USER_FIELDS = ["username", "name", "mobile", "role", "department", "is_active"]


def _lock_message(user):
    until = timezone.localtime(user.locked_until)
    return f"连续登录失败次数过多，账户已锁定，请于 {until:%Y-%m-%d %H:%M} 后重试。"


def login_check(request, username, password):
    """Authenticate, counting failures; returns the user or raises ServiceError.

    The attempt is counted *before* the password is checked, so parallel guesses cannot
    all slip in ahead of the lock: those beyond the limit are refused unchecked.
    """
    username = (username or "").strip()
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_locked():
        record("login_refused_locked", user, actor=user)
        raise ServiceError("login.locked", _lock_message(user), field="username")
    attempt = _claim_attempt(user) if user is not None and user.is_active else 0
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
        record("login", authenticated, actor=authenticated)
        return authenticated
    if user is not None and not user.is_active and user.check_password(password):
        record("login_refused_disabled", user, actor=user)
        raise ServiceError("login.disabled", "该账户已停用，请联系系统管理员。", field="username")
    if user is None:
        record("login_failed", None, actor=None, object_type="accounts.user", object_id=username[:64])
        raise ServiceError("login.invalid", "用户名或密码错误。", field="password")
    limit = settings.SAFEGRID_LOCKOUT_FAILURES
    if attempt >= limit:
        raise _lock(user)
    record("login_failed", user, actor=user)
    left = limit - attempt
    raise ServiceError("login.invalid", f"用户名或密码错误，再失败 {left} 次账户将被锁定。", field="password")


def _claim_attempt(user):
    """Count this attempt (committed at once); refuse it when the limit is already used up."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.failed_logins > settings.SAFEGRID_LOCKOUT_FAILURES:
        raise _lock(user)
    return user.failed_logins


@transaction.atomic
def _lock(user):
    """Lock the account for the configured minutes; return the error to raise."""
    user.locked_until = timezone.now() + timedelta(minutes=settings.SAFEGRID_LOCKOUT_MINUTES)
    User.objects.filter(pk=user.pk).update(locked_until=user.locked_until, failed_logins=0)
    record("account_locked", user, actor=user)
    return ServiceError("login.locked", _lock_message(user), field="username")


USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{2,150}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Generated passwords avoid characters that read alike (0/O, 1/l/I) when dictated or copied.
PASSWORD_ALPHABETS = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "@#%+=?")


def generate_password(length=12):
    """A random password that meets the policy: every character class at least once."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(alphabet) for alphabet in PASSWORD_ALPHABETS]
    everything = "".join(PASSWORD_ALPHABETS)
    chars += [rng.choice(everything) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def _checked_password(password, user):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("user.password_weak", "；".join(exc.messages), field="password") from exc
    return password


def _checked_profile(username, name, mobile):
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise ServiceError("user.username_format", "用户名须为 2-150 位字母、数字或 _ . @ + -。", field="username")
    mobile = (mobile or "").strip()
    if mobile and not MOBILE.match(mobile):
        raise ServiceError("user.mobile_format", "手机号应为 11 位数字。", field="mobile")
    return username, (name or "").strip()[:50], mobile


def _check_scope_shape(role, regions, grids, department, enterprise):
    """What each role needs to see anything: its jurisdiction, department or enterprise."""
    levels = {Role.COUNTY_OFFICE: {RegionLevel.COUNTY}, Role.TOWN_OFFICE: {RegionLevel.TOWN},
              Role.DEPARTMENT: {RegionLevel.COUNTY}, Role.LEADER: {RegionLevel.COUNTY, RegionLevel.TOWN}}
    if role == Role.DEPARTMENT and department is None:
        raise ServiceError("user.department_required", "行业部门用户必须指定所属部门。", field="department")
    if role == Role.ENTERPRISE and enterprise is None:
        raise ServiceError("user.enterprise_required", "企业用户必须指定所属生产经营单位。", field="enterprise")
    if role == Role.GRID_OFFICER:
        if not grids or regions:
            raise ServiceError("user.grids_required", "网格员的辖区须为其负责的网格。", field="grids")
        return
    if grids:
        raise ServiceError("user.grids_not_allowed", "只有网格员按网格授权。", field="grids")
    if role in (Role.ADMIN, Role.ENTERPRISE):
        if regions:
            raise ServiceError("user.regions_not_allowed", f"{Role(role).label}不需要辖区授权。", field="regions")
        return
    if role != Role.DEPARTMENT and not regions:
        raise ServiceError("user.regions_required", "请选择辖区。", field="regions")
    allowed = levels[role]
    for region in regions:
        if region.level not in allowed:
            wanted = "、".join(RegionLevel(level).label for level in sorted(allowed))
            raise ServiceError("user.region_level", f"{Role(role).label}的辖区应为{wanted}级，“{region.name}”不是。",
                               field="regions")


@transaction.atomic
def create_user(*, username, password, role, actor, name="", mobile="", department=None,
                regions=(), grids=(), enterprise=None, must_change=False):
    """A new account. With an actor (not the system), the actor's right to give this role and
    jurisdiction is checked and the role's jurisdiction must be complete."""
    if role not in Role.values:
        raise ServiceError("user.role_unknown", f"未知角色：{role}", field="role")
    regions, grids = list(regions), list(grids)
    if actor is not None:
        username, name, mobile = _checked_profile(username, name, mobile)
        if role == Role.DEPARTMENT and department is not None and not regions:
            regions = [department.county]
        check_assignment(actor, role=role, regions=regions, grids=grids, department=department,
                         enterprise=enterprise)
    if User.objects.filter(username=username).exists():
        raise ServiceError("user.username_taken", f"用户名 {username} 已存在。", field="username")
    if actor is not None:
        _check_scope_shape(role, regions, grids, department, enterprise)
    if role == Role.DEPARTMENT and department is None:
        raise ServiceError("user.department_required", "行业部门用户必须指定所属部门。", field="department")
    user = User(username=username, name=name, mobile=mobile, role=role, department=department,
                enterprise=enterprise if role == Role.ENTERPRISE else None, must_change_password=must_change)
    user.set_password(_checked_password(password, user))
    user.password_changed_at = timezone.now()
    user.save()
    record("user_create", user, actor=actor, after=snapshot(user, fields=USER_FIELDS),
           region_code=_county_of(regions, grids, department, enterprise))
    for region in regions:
        grant_scope(user, actor=actor, region=region)
    for grid in grids:
        grant_scope(user, actor=actor, grid=grid)
    return user


def _county_of(regions, grids, department, enterprise):
    for item in (*regions, *grids):
        if item.region_code:
            return item.region_code
    return getattr(department, "region_code", None) or getattr(enterprise, "region_code", None) or ""


@transaction.atomic
def update_user(user, *, actor, name=None, mobile=None, role=None, department=None, regions=None, grids=None,
                enterprise=None):
    """Change profile, role and jurisdiction. None leaves a field as it is; `regions`/`grids` given
    (even empty) replace the grants."""
    check_manage(actor, user)
    user = User.objects.get(pk=user.pk)
    before = {**snapshot(user, fields=USER_FIELDS + ["enterprise"]), "scope": user.scope_paths()}
    _, name, mobile = _checked_profile(user.username, user.name if name is None else name,
                                       user.mobile if mobile is None else mobile)
    role = role or user.role
    if department is None and role == Role.DEPARTMENT:
        department = user.department
    if enterprise is None and role == Role.ENTERPRISE:
        enterprise = user.enterprise
    grants = list(user.scope_grants.select_related("region", "grid"))
    regions = [g.region for g in grants if g.region_id] if regions is None else list(regions)
    grids = [g.grid for g in grants if g.grid_id] if grids is None else list(grids)
    if role == Role.DEPARTMENT and department is not None and not regions:
        regions = [department.county]
    if actor is not None:
        check_assignment(actor, role=role, regions=regions, grids=grids, department=department,
                         enterprise=enterprise)
    _check_scope_shape(role, regions, grids, department, enterprise)
    User.objects.filter(pk=user.pk).update(
        name=name, mobile=mobile, role=role, department=department if role == Role.DEPARTMENT else None,
        enterprise=enterprise if role == Role.ENTERPRISE else None)
    wanted = {t.path: t for t in [*regions, *grids]}
    ScopeGrant.objects.filter(user=user).exclude(path__in=list(wanted)).delete()
    have = set(ScopeGrant.objects.filter(user=user).values_list("path", flat=True))
    ScopeGrant.objects.bulk_create([
        ScopeGrant(user=user, path=path, region=t if isinstance(t, Region) else None,
                   grid=None if isinstance(t, Region) else t)
        for path, t in wanted.items() if path not in have])
    user = User.objects.get(pk=user.pk)
    after = {**snapshot(user, fields=USER_FIELDS + ["enterprise"]), "scope": user.scope_paths()}
    record("user_update", user, actor=actor, before=before, after=after)
    return user


@transaction.atomic
def set_password(user, raw, *, actor, must_change=False):
    """Every password change goes through here: by the user (修改密码) or for them (reset, with
    `must_change` so the user picks their own at the next log-in)."""
    if actor is not None and actor.pk != user.pk:
        check_manage(actor, user)
    user.set_password(_checked_password(raw, user))
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    User.objects.filter(pk=user.pk).update(password=user.password, password_changed_at=user.password_changed_at,
                                           must_change_password=must_change)
    own = actor is not None and actor.pk == user.pk
    record("password_change" if own else "password_reset", user, actor=actor,
           after={"must_change_password": must_change})
    return user


def reset_password(user, *, actor):
    """A new random password, returned once to show to the administrator; changed at first log-in."""
    raw = generate_password()
    set_password(user, raw, actor=actor, must_change=True)
    return raw


@transaction.atomic
def grant_scope(user, *, actor, region=None, grid=None):
    if (region is None) == (grid is None):
        raise ServiceError("scope.target_required", "辖区授权须指定一个行政区划或一个网格。", field="region")
    target = region or grid
    grant, created = ScopeGrant.objects.get_or_create(
        user=user, path=target.path, defaults={"region": region, "grid": grid}
    )
    if created:
        record("scope_grant", user, actor=actor, after={"path": target.path, "name": target.name})
    user.__dict__.pop("_scope_paths", None)
    return grant


@transaction.atomic
def set_active(user, active, *, actor, reason=""):
    check_manage(actor, user)
    reason = (reason or "").strip()
    if not active and actor is not None and not reason:
        raise ServiceError("reason.required", "停用账号须填写原因。", field="reason")
    before = snapshot(user, fields=USER_FIELDS)
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    record("user_enable" if active else "user_disable", user, actor=actor, before=before,
           after=snapshot(user, fields=USER_FIELDS), reason=reason)
    return user


@transaction.atomic
def unlock(user, *, actor):
    check_manage(actor, user)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    record("account_unlock", user, actor=actor)


@transaction.atomic
def bind_enterprise(user, enterprise, *, actor):
    """Attach an enterprise user to the enterprise whose data they keep."""
    if user.role != Role.ENTERPRISE:
        raise ServiceError("user.not_enterprise_role", "只有企业用户可以绑定生产经营单位。", field="enterprise")
    before = {"enterprise": user.enterprise_id}
    User.objects.filter(pk=user.pk).update(enterprise=enterprise)
    user.enterprise = enterprise
    record("user_bind_enterprise", user, actor=actor, before=before,
           after={"enterprise": enterprise.pk, "name": enterprise.name}, region_code=enterprise.region_code)
    return user
