"""Login with lockout, user creation and scope grants. All audited."""

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

from .models import ScopeGrant, User

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


@transaction.atomic
def create_user(*, username, password, role, actor, name="", mobile="", department=None,
                regions=(), grids=()):
    if role not in Role.values:
        raise ServiceError("user.role_unknown", f"未知角色：{role}", field="role")
    if User.objects.filter(username=username).exists():
        raise ServiceError("user.username_taken", "用户名已存在。", field="username")
    if role == Role.DEPARTMENT and department is None:
        raise ServiceError("user.department_required", "行业部门用户必须指定所属部门。", field="department")
    user = User(username=username, name=name, mobile=mobile, role=role, department=department)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("user.password_weak", "；".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    record("user_create", user, actor=actor, after=snapshot(user, fields=USER_FIELDS))
    for region in regions:
        grant_scope(user, actor=actor, region=region)
    for grid in grids:
        grant_scope(user, actor=actor, grid=grid)
    return user


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
    before = snapshot(user, fields=USER_FIELDS)
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    record("user_enable" if active else "user_disable", user, actor=actor, before=before,
           after=snapshot(user, fields=USER_FIELDS), reason=reason)
    return user


@transaction.atomic
def unlock(user, *, actor):
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
