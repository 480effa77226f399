"""The audit pages: who may read them, scope, filters and the before/after view."""

import pytest
from django.test import Client
from django.urls import reverse

from safegrid.accounts.models import User
from safegrid.audit.models import AuditEvent
from safegrid.regions import services as rs

INDEX = "/audit/"


def detail_url(event):
    return reverse("audit:detail", args=[event.pk])


class TestIndex:
    def test_anonymous_redirected(self, world):
        response = Client().get(INDEX)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    @pytest.mark.parametrize("attr", ["town_user", "dept_user", "officer_user", "enterprise_user", "leader"])
    def test_roles_without_the_right_get_403(self, world, attr):
        response = world.client(getattr(world, attr)).get(INDEX)
        assert response.status_code == 403 and "无权限" in response.text

    def test_action_suggestions_include_the_apps_actions(self, world):
        response = world.client(world.admin).get(INDEX)
        assert '<option value="enterprise_create">' in response.text
        assert '<option value="grid_create">' in response.text

    def test_admin_sees_everything(self, world):
        response = world.client(world.admin).get(INDEX)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == AuditEvent.objects.count()

    def test_county_sees_own_county_only(self, world):
        response = world.client(world.county_user).get(INDEX)
        codes = {e.region_code for e in response.context["page"].paginator.object_list}
        assert codes == {"430903"}
        assert "汽车路第一网格" not in response.text

    def test_filters_by_action_and_object(self, world):
        rs.update_grid(world.grid_a1, actor=world.county_user, name="会龙山一号网格")
        query = f"?action=grid_update&object_type=regions.grid&object_id={world.grid_a1.pk}&actor=county"
        response = world.client(world.county_user).get(INDEX + query)
        events = list(response.context["page"].object_list)
        assert [e.action for e in events] == ["grid_update"]
        assert "修改网格" in response.text and "网格" in response.text

    def test_time_range_filter(self, world):
        response = world.client(world.admin).get(INDEX + "?since=2000-01-01T00:00&until=2000-01-02T00:00")
        assert response.context["page"].paginator.count == 0
        assert "没有符合条件的记录。" in response.text

    def test_bad_date_shows_error_next_to_field(self, world):
        response = world.client(world.admin).get(INDEX + "?since=not-a-date")
        assert response.status_code == 200 and "since" in response.context["form"].errors

    def test_paginates(self, world, settings):
        settings.SAFEGRID_AUDIT_PAGE_SIZE = 5
        response = world.client(world.admin).get(INDEX + "?page=2")
        assert response.context["page"].number == 2 and len(response.context["page"].object_list) == 5
        assert "第 2 /" in response.text


class TestDetail:
    def test_before_and_after_side_by_side(self, world):
        rs.update_grid(world.grid_a1, actor=world.county_user, responsible_person="张三")
        event = AuditEvent.objects.get(action="grid_update")
        response = world.client(world.county_user).get(detail_url(event))
        assert response.status_code == 200
        rows = {r["field"]: r for r in response.context["rows"]}
        assert rows["responsible_person"]["changed"] and rows["responsible_person"]["label"] == "安全监管责任人"
        assert not rows["code"]["changed"]
        assert 'id="sg-before"' in response.text and 'id="sg-after"' in response.text
        assert "张三" in response.text

    def test_other_county_event_is_404(self, world):
        event = AuditEvent.objects.filter(region_code="430902").first()
        response = world.client(world.county_user).get(detail_url(event))
        assert response.status_code == 404

    def test_town_officer_gets_403(self, world):
        event = AuditEvent.objects.filter(region_code="430903").first()
        assert world.client(world.town_user).get(detail_url(event)).status_code == 403


class TestAdmin:
    @pytest.fixture
    def superuser_client(self, world):
        User.objects.filter(pk=world.admin.pk).update(is_staff=True, is_superuser=True)
        return world.client(User.objects.get(pk=world.admin.pk))

    def test_audit_admin_is_read_only(self, world, superuser_client):
        event = AuditEvent.objects.first()
        assert superuser_client.get("/admin/audit/auditevent/").status_code == 200
        assert superuser_client.get("/admin/audit/auditevent/add/").status_code == 403
        page = superuser_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.text
        assert superuser_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403

    def test_admin_password_reset_is_stamped_and_audited(self, world, superuser_client):
        url = f"/admin/accounts/user/{world.town_user.pk}/password/"
        response = superuser_client.post(url, {"password1": "Reset-Pass-2027", "password2": "Reset-Pass-2027",
                                               "usable_password": "true"})
        assert response.status_code == 302
        user = User.objects.get(pk=world.town_user.pk)
        assert user.check_password("Reset-Pass-2027")
        assert user.password_changed_at > world.town_user.password_changed_at
        assert AuditEvent.objects.filter(action="admin_user_change", object_id=str(user.pk)).exists()

    def test_users_cannot_be_added_or_deleted_in_admin(self, world, superuser_client):
        assert superuser_client.get("/admin/accounts/user/add/").status_code == 403
        assert superuser_client.get(f"/admin/accounts/user/{world.town_user.pk}/delete/").status_code == 403
