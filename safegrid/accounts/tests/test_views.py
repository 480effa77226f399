"""Login, logout, password change and the home page of every role."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safegrid.accounts.models import User
from safegrid.audit.models import AuditEvent
from safegrid.testing import PASSWORD

LOGIN = "/login/"


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


class TestLogin:
    def test_page_is_chinese(self, world):
        response = Client().get(LOGIN)
        assert response.status_code == 200
        assert "用户名" in response.text and "密码" in response.text

    def test_success_redirects_home_and_logs_in(self, world):
        client = Client()
        response = post_login(client, "town_a", PASSWORD)
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert client.get("/").status_code == 200

    def test_success_follows_safe_next(self, world):
        response = post_login(Client(), "town_a", PASSWORD, next="/regions/")
        assert response["Location"] == "/regions/"

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http://evil.example"])
    def test_external_next_is_ignored(self, world, target):
        response = post_login(Client(), "town_a", PASSWORD, next=target)
        assert response["Location"] == reverse("home")

    def test_wrong_password_shows_remaining_attempts_next_to_password(self, world):
        response = post_login(Client(), "town_a", "wrong")
        assert response.status_code == 200
        assert "用户名或密码错误，再失败 4 次账户将被锁定。" in response.text
        assert response.context["form"].errors["password"] == ["用户名或密码错误，再失败 4 次账户将被锁定。"]

    def test_five_failures_lock_and_show_unlock_time(self, world):
        client = Client()
        for _ in range(4):
            post_login(client, "town_a", "wrong")
        response = post_login(client, "town_a", "wrong")
        user = User.objects.get(username="town_a")
        until = timezone.localtime(user.locked_until)
        assert user.locked_until > timezone.now() + timedelta(minutes=10)
        assert "账户已锁定" in response.text and f"{until:%Y-%m-%d %H:%M}" in response.text
        assert "账户已锁定" in response.context["form"].errors["username"][0]
        # Even the right password is refused while locked.
        response = post_login(client, "town_a", PASSWORD)
        assert response.status_code == 200 and "账户已锁定" in response.text

    def test_disabled_user_gets_its_message(self, world):
        User.objects.filter(pk=world.town_user.pk).update(is_active=False)
        response = post_login(Client(), "town_a", PASSWORD)
        assert "该账户已停用，请联系系统管理员。" in response.context["form"].errors["username"]

    def test_empty_fields_are_required(self, world):
        response = post_login(Client(), "", "")
        assert set(response.context["form"].errors) == {"username", "password"}

    def test_idle_timeout_message_shown_once(self, world):
        client = Client()
        session = client.session
        session["idle_timeout"] = True
        session.save()
        assert "会话因长时间未操作已超时，请重新登录。" in client.get(LOGIN).text
        assert "会话因长时间未操作已超时" not in client.get(LOGIN).text

    def test_idle_user_is_sent_to_login_with_message(self, world, settings):
        client = world.client(world.town_user)
        client.get("/")
        session = client.session
        session["last_activity"] -= settings.SAFEGRID_IDLE_TIMEOUT_MINUTES * 60 + 5
        session.save()
        response = client.get("/", follow=True)
        assert response.redirect_chain[-1][0].startswith(LOGIN)
        assert "会话因长时间未操作已超时，请重新登录。" in response.text


class TestLogout:
    def test_get_is_refused(self, world):
        client = world.client(world.town_user)
        assert client.get("/logout/").status_code == 405
        assert client.get("/").status_code == 200

    def test_post_logs_out_and_audits(self, world):
        client = world.client(world.town_user)
        response = client.post("/logout/")
        assert response.status_code == 302 and response["Location"] == reverse("login")
        assert client.get("/").status_code == 302
        assert AuditEvent.objects.filter(action="logout", actor=world.town_user).exists()


class TestPasswordChange:
    URL = "/password/"

    def test_anonymous_redirected(self, world):
        assert Client().get(self.URL)["Location"].startswith(LOGIN)

    def test_change_stamps_time_and_audits(self, world):
        client = world.client(world.town_user)
        response = client.post(self.URL, {"old_password": PASSWORD, "new_password1": "Neu-Passwort-2027",
                                          "new_password2": "Neu-Passwort-2027"})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        user = User.objects.get(pk=world.town_user.pk)
        assert user.check_password("Neu-Passwort-2027")
        assert user.password_changed_at > world.town_user.password_changed_at
        assert AuditEvent.objects.filter(action="password_change", actor=user).exists()
        assert "密码已修改。" in client.get("/").text  # still logged in

    def test_errors_in_chinese_next_to_fields(self, world):
        response = world.client(world.town_user).post(
            self.URL, {"old_password": "bad", "new_password1": "abc", "new_password2": "abd"})
        form = response.context["form"]
        assert response.status_code == 200 and {"old_password", "new_password2"} <= set(form.errors)
        assert "旧密码不正确" in response.text


ROLE_USERS = ["admin", "county_user", "dept_user", "town_user", "officer_user", "enterprise_user", "leader"]


class TestHome:
    def test_anonymous_redirected_to_login(self, world):
        response = Client().get("/")
        assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/"

    @pytest.mark.parametrize("attr", ROLE_USERS)
    def test_every_role_gets_a_chinese_home(self, world, attr):
        user = getattr(world, attr)
        response = world.client(user).get("/")
        assert response.status_code == 200
        assert f"您好，{user.display_name}" in response.text
        assert user.get_role_display() in response.text
        assert "修改密码" in response.text and "退出" in response.text

    def test_county_counts_come_from_its_scope(self, world):
        counts = {c["label"]: c["count"] for c in world.client(world.county_user).get("/").context["counts"]}
        assert counts == {"乡镇(街道)": 2, "村(社区)": 2, "网格": 3, "未配网格员的网格": 2, "网格员": 1,
                          "行业主管部门": 1}

    def test_town_sees_own_town_only(self, world):
        response = world.client(world.town_user).get("/")
        counts = {c["label"]: c["count"] for c in response.context["counts"]}
        assert counts["乡镇(街道)"] == 1 and counts["网格"] == 2
        assert response.context["jurisdiction"] == ["会龙山街道"]

    def test_officer_lists_own_grids(self, world):
        response = world.client(world.officer_user).get("/")
        assert [g.code for g in response.context["my_grids"]] == ["HLS-01"]
        assert reverse("regions:grid", args=[world.grid_a1.pk]) in response.text

    def test_enterprise_gets_own_hazards_without_tree_links(self, world):
        response = world.client(world.enterprise_user).get("/")
        assert "查看本单位隐患" in response.text and reverse("hazards:list") in response.text
        assert reverse("regions:index") not in response.text
        assert reverse("audit:index") not in response.text

    @pytest.mark.parametrize("attr,shown", [("admin", True), ("county_user", True), ("town_user", False),
                                            ("leader", False), ("dept_user", False)])
    def test_audit_link_only_for_roles_that_may_read_it(self, world, attr, shown):
        response = world.client(getattr(world, attr)).get("/")
        assert (reverse("audit:index") in response.text) is shown

    def test_leader_sees_read_only_note(self, world):
        assert "只读账户" in world.client(world.leader).get("/").text


def test_404_page_is_chinese(world):
    response = world.client(world.town_user).get("/no-such-page/")
    assert response.status_code == 404 and "对象不存在或不在您的辖区内" in response.text


class TestAdminLogin:
    """Django admin's own login page applies the same lockout as ours (it used authenticate() directly)."""

    ADMIN_LOGIN = "/admin/login/"

    @pytest.fixture
    def staff(self, world):
        User.objects.filter(pk=world.admin.pk).update(is_staff=True, is_superuser=True)
        return User.objects.get(pk=world.admin.pk)

    def test_failures_count_and_lock(self, world, staff):
        client = Client()
        for _ in range(5):
            client.post(self.ADMIN_LOGIN, {"username": "admin", "password": "wrong"})
        assert User.objects.get(pk=staff.pk).is_locked()
        response = client.post(self.ADMIN_LOGIN, {"username": "admin", "password": PASSWORD})
        assert response.status_code == 200 and "账户已锁定" in response.text
        assert client.get("/admin/").status_code == 302  # still not logged in

    def test_right_password_logs_in_and_audits(self, world, staff):
        client = Client()
        response = client.post(self.ADMIN_LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200
        assert AuditEvent.objects.filter(action="login", actor=staff).exists()

    def test_non_staff_refused(self, world):
        client = Client()
        client.post(self.ADMIN_LOGIN, {"username": "town_a", "password": PASSWORD})
        assert client.get("/admin/").status_code == 302


def test_navigation_folds_into_menus(world):
    from safegrid.accounts.templatetags.safegrid_ui import NavMenu, nav_groups, nav_items

    groups = nav_groups(nav_items(world.county_user))
    menus = {g.key: [c.key for c in g.children] for g in groups if isinstance(g, NavMenu)}
    assert menus["base"] == ["regions", "enterprises", "map", "lists", "coverage"]
    assert menus["system"] == ["audit", "manage", "api"]
    flat = [g.key for g in groups]
    assert flat[0] == "home" and len(flat) <= 8
    # An enterprise user has no base-data pages: nothing to fold there.
    assert "base" not in {g.key for g in nav_groups(nav_items(world.enterprise_user))}
