from datetime import timedelta

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone

from safegrid.accounts import services
from safegrid.accounts.models import User
from safegrid.audit.models import AuditEvent
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.testing import PASSWORD


def attempt(username, password):
    return services.login_check(RequestFactory().post("/login/"), username, password)


class TestLockout:
    def test_success_resets_counter_and_audits(self, world):
        User.objects.filter(pk=world.town_user.pk).update(failed_logins=3)
        assert attempt("town_a", PASSWORD) == world.town_user
        world.town_user.refresh_from_db()
        assert world.town_user.failed_logins == 0
        assert AuditEvent.objects.filter(action="login", actor=world.town_user).exists()

    def test_wrong_password_counts_and_says_how_many_left(self, world):
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", "wrong")
        assert exc.value.code == "login.invalid"
        assert "再失败 4 次" in exc.value.message
        world.town_user.refresh_from_db()
        assert world.town_user.failed_logins == 1

    def test_fifth_failure_locks_for_15_minutes(self, world):
        for _ in range(4):
            with pytest.raises(ServiceError):
                attempt("town_a", "wrong")
        before = timezone.now()
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", "wrong")
        assert exc.value.code == "login.locked"
        world.town_user.refresh_from_db()
        assert world.town_user.locked_until >= before + timedelta(minutes=15) - timedelta(seconds=5)
        until = timezone.localtime(world.town_user.locked_until)
        assert f"{until:%H:%M}" in exc.value.message
        # Even the right password is refused while locked.
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", PASSWORD)
        assert exc.value.code == "login.locked"
        assert AuditEvent.objects.filter(action="account_locked", object_id=str(world.town_user.pk)).count() == 1

    def test_lock_expires(self, world):
        User.objects.filter(pk=world.town_user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
        assert attempt("town_a", PASSWORD) == world.town_user

    @override_settings(SAFEGRID_LOCKOUT_FAILURES=2, SAFEGRID_LOCKOUT_MINUTES=60)
    def test_limits_are_configurable(self, world):
        with pytest.raises(ServiceError):
            attempt("town_a", "wrong")
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", "wrong")
        assert exc.value.code == "login.locked"
        world.town_user.refresh_from_db()
        assert world.town_user.locked_until > timezone.now() + timedelta(minutes=59)

    def test_unlock_by_admin(self, world):
        User.objects.filter(pk=world.town_user.pk).update(locked_until=timezone.now() + timedelta(hours=1))
        services.unlock(world.town_user, actor=world.admin)
        assert attempt("town_a", PASSWORD) == world.town_user

    def test_disabled_user(self, world):
        services.set_active(world.town_user, False, actor=world.admin, reason="调岗")
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", PASSWORD)
        assert exc.value.code == "login.disabled"
        assert "停用" in exc.value.message
        assert AuditEvent.objects.filter(action="user_disable", reason="调岗").exists()

    def test_unknown_user_same_message_as_wrong_password(self, world):
        with pytest.raises(ServiceError) as exc:
            attempt("nobody", "wrong")
        assert exc.value.message == "用户名或密码错误。"


class TestCreateUser:
    @pytest.mark.parametrize("password", ["short1A", "alllowercase", "12345678", "abcdefgh1"])
    def test_weak_passwords_refused(self, world, password):
        count = User.objects.count()
        with pytest.raises(ServiceError) as exc:
            services.create_user(username="newbie", password=password, role=Role.TOWN_OFFICE, actor=world.admin,
                                 regions=[world.town_b])
        assert exc.value.field == "password"
        assert User.objects.count() == count

    def test_department_staff_need_department(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_user(username="d2", password=PASSWORD, role=Role.DEPARTMENT, actor=world.admin)
        assert exc.value.code == "user.department_required"

    def test_duplicate_username(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_user(username="town_a", password=PASSWORD, role=Role.TOWN_OFFICE, actor=world.admin)
        assert exc.value.code == "user.username_taken"

    def test_created_with_scope_and_audit_without_password(self, world):
        user = services.create_user(username="t3", password=PASSWORD, role=Role.TOWN_OFFICE,
                                    actor=world.admin, regions=[world.town_b])
        assert user.scope_paths() == [world.town_b.path]
        event = AuditEvent.objects.get(action="user_create", object_id=str(user.pk))
        assert "password" not in event.after
        assert AuditEvent.objects.filter(action="scope_grant", object_id=str(user.pk)).exists()

    def test_scope_grant_needs_one_target(self, world):
        with pytest.raises(ServiceError):
            services.grant_scope(world.town_user, actor=world.admin)


class TestUserScope:
    def test_users_visible_to_county_office_only_inside(self, world):
        visible = set(User.objects.restrict(world.county_user, "view").values_list("username", flat=True))
        assert {"town_a", "town_b", "officer", "dept", "leader"} <= visible
        assert "zy_county" not in visible
        assert not User.objects.restrict(world.town_user, "view").exists()


class TestBindEnterprise:
    def test_bind_and_audit(self, world):
        from safegrid.registry.testing import create

        company = create(world)
        services.bind_enterprise(world.enterprise_user, company, actor=world.county_user)
        world.enterprise_user.refresh_from_db()
        assert world.enterprise_user.enterprise == company
        event = AuditEvent.objects.get(action="user_bind_enterprise")
        assert event.region_code == "430903" and event.after["name"] == company.name

    def test_only_enterprise_role(self, world):
        from safegrid.registry.testing import create

        with pytest.raises(ServiceError):
            services.bind_enterprise(world.town_user, create(world), actor=world.admin)


class TestParallelGuesses:
    def test_attempts_beyond_the_limit_are_refused_unchecked(self, world):
        # Four failures are already counted, and a fifth guess is in flight elsewhere.
        User.objects.filter(pk=world.town_user.pk).update(failed_logins=5)
        with pytest.raises(ServiceError) as exc:
            attempt("town_a", PASSWORD)  # even the right password is not checked
        assert exc.value.code == "login.locked"
        world.town_user.refresh_from_db()
        assert world.town_user.is_locked()
