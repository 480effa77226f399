"""系统管理 › 用户与账号: who may manage whom (service, page and API alike), one-time passwords,
deactivation, bulk import and an enterprise's account."""

import io

import pytest
from openpyxl import Workbook
from rest_framework.test import APIClient

from safegrid.accounts import services, user_import
from safegrid.accounts.models import User
from safegrid.accounts.permissions import can_manage_user, creatable_roles, manageable_users
from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.registry.testing import create as create_enterprise
from safegrid.testing import PASSWORD

pytestmark = pytest.mark.django_db


def new_user(world, actor, role, username="newbie", **scope):
    return services.create_user(username=username, password=PASSWORD, role=role, actor=actor, name="新用户", **scope)


class TestWhoManagesWhom:
    def test_manageable_sets(self, world):
        def names(actor):
            return set(manageable_users(actor).values_list("username", flat=True))

        assert {"admin", "county", "zy_county", "town_a", "officer"} <= names(world.admin)
        county = names(world.county_user)
        assert {"town_a", "town_b", "officer", "dept", "leader"} <= county
        assert not {"admin", "zy_county", "county"} & county  # no admin, no other county, not itself
        assert names(world.town_user) == {"officer"}  # its own grid officers only
        assert names(world.town_b_user) == set()
        for role_user in (world.dept_user, world.officer_user, world.leader, world.enterprise_user):
            assert names(role_user) == set()

    def test_nobody_manages_themselves(self, world):
        assert not can_manage_user(world.admin, world.admin)
        assert not can_manage_user(world.county_user, world.county_user)

    def test_creatable_roles(self, world):
        assert Role.ADMIN in creatable_roles(world.admin)
        assert Role.ADMIN not in creatable_roles(world.county_user)
        assert creatable_roles(world.town_user) == {Role.GRID_OFFICER}
        assert creatable_roles(world.leader) == set()

    @pytest.mark.parametrize("actor,role,scope", [
        ("county_user", Role.ADMIN, {}),
        ("town_user", Role.COUNTY_OFFICE, {"regions": "county"}),
        ("town_user", Role.TOWN_OFFICE, {"regions": "town_a"}),
        ("town_user", Role.GRID_OFFICER, {"grids": "grid_b1"}),  # another town's grid
        ("county_user", Role.TOWN_OFFICE, {"regions": "town_x"}),  # another county's town
        ("other_county_user", Role.GRID_OFFICER, {"grids": "grid_a1"}),
        ("leader", Role.GRID_OFFICER, {"grids": "grid_a1"}),
        ("dept_user", Role.GRID_OFFICER, {"grids": "grid_a1"}),
    ])
    def test_refused_creations_write_nothing(self, world, actor, role, scope):
        count = User.objects.count()
        with pytest.raises(PermissionDenied):
            new_user(world, getattr(world, actor), role, **{k: [getattr(world, v)] for k, v in scope.items()})
        assert User.objects.count() == count

    def test_allowed_creations(self, world):
        admin2 = new_user(world, world.admin, Role.ADMIN, "admin2")
        assert admin2.role == Role.ADMIN
        officer = new_user(world, world.town_user, Role.GRID_OFFICER, "wgy2", grids=[world.grid_a2])
        assert officer.scope_paths() == [world.grid_a2.path]
        town = new_user(world, world.county_user, Role.TOWN_OFFICE, "town_c", regions=[world.town_b])
        assert can_manage_user(world.county_user, town) and not can_manage_user(world.town_user, town)

    def test_role_needs_its_jurisdiction(self, world):
        cases = [(Role.TOWN_OFFICE, {"regions": [world.county]}, "user.region_level"),
                 (Role.COUNTY_OFFICE, {}, "user.regions_required"),
                 (Role.GRID_OFFICER, {}, "user.grids_required"),
                 (Role.ENTERPRISE, {}, "user.enterprise_required"),
                 (Role.DEPARTMENT, {}, "user.department_required")]
        for role, scope, code in cases:
            with pytest.raises(ServiceError) as exc:
                new_user(world, world.county_user, role, **scope)
            assert exc.value.code == code

    def test_department_user_gets_the_department_county(self, world):
        user = new_user(world, world.county_user, Role.DEPARTMENT, "dept2", department=world.department)
        assert user.scope_paths() == [world.county.path]
        with pytest.raises(PermissionDenied):
            new_user(world, world.county_user, Role.DEPARTMENT, "dept3", department=world.other_department)

    def test_town_office_cannot_touch_another_towns_officer(self, world):
        other = new_user(world, world.admin, Role.GRID_OFFICER, "wgy_b", grids=[world.grid_b1])
        for action in (lambda: services.reset_password(other, actor=world.town_user),
                       lambda: services.set_active(other, False, actor=world.town_user, reason="调离"),
                       lambda: services.update_user(other, actor=world.town_user, name="改名")):
            with pytest.raises(PermissionDenied):
                action()
        other.refresh_from_db()
        assert other.is_active and other.name == "新用户"

    def test_county_office_cannot_promote_to_admin_or_move_out(self, world):
        with pytest.raises(PermissionDenied):
            services.update_user(world.town_user, actor=world.county_user, role=Role.ADMIN, regions=[])
        with pytest.raises(PermissionDenied):
            services.update_user(world.town_user, actor=world.county_user, regions=[world.town_x])
        assert world.town_user.scope_paths() == [world.town_a.path]


class TestPasswordsAndStatus:
    def test_reset_shows_a_new_password_once_and_forces_a_change(self, world):
        raw = services.reset_password(world.officer_user, actor=world.town_user)
        user = User.objects.get(pk=world.officer_user.pk)
        assert user.check_password(raw) and user.must_change_password
        event = AuditEvent.objects.get(action="password_reset", object_id=str(user.pk))
        assert raw not in str(event.after) and event.actor == world.town_user
        client = world.client()
        client.post("/login/", {"username": "officer", "password": raw})
        assert client.get("/hazards/").url == "/password/"
        response = client.post("/password/", {"old_password": raw, "new_password1": "Fresh-Pass-2026",
                                              "new_password2": "Fresh-Pass-2026"})
        assert response.status_code == 302
        user.refresh_from_db()
        assert not user.must_change_password and client.get("/hazards/").status_code == 200
        assert AuditEvent.objects.filter(action="password_change", object_id=str(user.pk)).exists()

    def test_generated_passwords_meet_the_policy(self, world):
        for _ in range(20):
            services.set_password(world.officer_user, services.generate_password(), actor=world.admin)

    def test_deactivate_needs_a_reason_and_is_audited(self, world):
        with pytest.raises(ServiceError):
            services.set_active(world.town_user, False, actor=world.county_user, reason="")
        services.set_active(world.town_user, False, actor=world.county_user, reason="调岗")
        assert not User.objects.get(pk=world.town_user.pk).is_active
        services.set_active(world.town_user, True, actor=world.county_user)
        assert AuditEvent.objects.filter(action="user_enable", object_id=str(world.town_user.pk)).exists()


class TestPages:
    def test_anonymous_goes_to_login(self, world):
        for url in ("/manage/", "/manage/users/", f"/manage/users/{world.town_user.pk}/"):
            assert world.client().get(url).status_code == 302

    @pytest.mark.parametrize("attr,status", [("admin", 200), ("county_user", 200), ("town_user", 200),
                                             ("dept_user", 403), ("officer_user", 403), ("leader", 403),
                                             ("enterprise_user", 403)])
    def test_user_list_by_role(self, world, attr, status):
        assert world.client(getattr(world, attr)).get("/manage/users/").status_code == status

    def test_out_of_scope_user_is_404(self, world):
        client = world.client(world.town_user)
        assert client.get(f"/manage/users/{world.officer_user.pk}/").status_code == 200
        assert client.get(f"/manage/users/{world.town_b_user.pk}/").status_code == 404
        assert client.post(f"/manage/users/{world.town_b_user.pk}/password/").status_code == 404
        assert world.client(world.county_user).get(f"/manage/users/{world.admin.pk}/").status_code == 404
        assert world.client(world.county_user).get(f"/manage/users/{world.other_county_user.pk}/").status_code == 404

    def test_create_page_shows_the_password_once(self, world):
        client = world.client(world.county_user)
        response = client.post("/manage/users/new/", {"username": "hls2", "name": "王芳", "role": "town_office",
                                                      "regions": [world.town_a.pk]})
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        user = User.objects.get(username="hls2")
        password = response.context["password"]
        assert user.check_password(password) and password in response.text
        assert password not in client.get(f"/manage/users/{user.pk}/").text

    def test_town_office_form_offers_grid_officers_only(self, world):
        response = world.client(world.town_user).get("/manage/users/new/")
        assert [v for v, _ in response.context["form"].fields["role"].choices] == [Role.GRID_OFFICER]
        response = world.client(world.town_user).post("/manage/users/new/", {
            "username": "x1", "name": "x", "role": "county_office", "regions": [world.county.pk]})
        assert response.status_code == 200 and not User.objects.filter(username="x1").exists()

    def test_deactivate_confirmation_page(self, world):
        client = world.client(world.county_user)
        url = f"/manage/users/{world.town_user.pk}/deactivate/"
        assert "确认停用账号" in client.get(url).text
        assert client.post(url, {"reason": ""}).status_code == 200  # refused: the reason is required
        assert User.objects.get(pk=world.town_user.pk).is_active
        assert client.post(url, {"reason": "调离"}).status_code == 302
        assert not User.objects.get(pk=world.town_user.pk).is_active

    def test_detail_shows_the_audit_trail(self, world):
        services.reset_password(world.town_user, actor=world.county_user)
        response = world.client(world.county_user).get(f"/manage/users/{world.town_user.pk}/")
        assert "重置密码" in response.text and response.status_code == 200
        assert any(e.action == "password_reset" for e in response.context["events"])


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(user_import.HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestImport:
    GOOD = [["hls_01", "王小明", "13807370001", "乡镇(街道)安监办", "430903001000", "", "", ""],
            ["wgy_01", "李红", "", "网格员", "", "HLS-02", "", ""]]

    def test_preview_then_all_written_with_passwords(self, world):
        preview = user_import.run(workbook(self.GOOD), "u.xlsx", world.county_user)
        assert preview.valid and len(preview.created) == 2 and not User.objects.filter(username="hls_01").exists()
        done = user_import.run(workbook(self.GOOD), "u.xlsx", world.county_user, write=True)
        assert [c[0] for c in done.created] == ["hls_01", "wgy_01"]
        user = User.objects.get(username="wgy_01")
        assert user.must_change_password and user.check_password(done.created[1][3])
        assert AuditEvent.objects.filter(action="user_import").exists()

    def test_one_bad_row_writes_nothing(self, world):
        rows = self.GOOD + [["hls_01", "重复", "", "网格员", "", "HLS-01", "", ""],
                            ["zz", "越权", "", "区县安委办/应急管理局", "430902", "", "", ""]]
        outcome = user_import.run(workbook(rows), "u.xlsx", world.county_user, write=True)
        assert not outcome.valid and {e["row"] for e in outcome.errors} == {4, 5}
        assert not User.objects.filter(username__in=["hls_01", "wgy_01", "zz"]).exists()

    def test_town_office_imports_only_its_grid_officers(self, world):
        outcome = user_import.run(workbook(self.GOOD), "u.xlsx", world.town_user, write=True)
        assert [e["row"] for e in outcome.errors] == [2]
        assert not User.objects.filter(username="wgy_01").exists()

    def test_pages(self, world):
        client = world.client(world.county_user)
        assert client.get("/manage/users/import/template.xlsx").status_code == 200
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("u.xlsx", workbook(self.GOOD))
        response = client.post("/manage/users/import/", {"file": upload})
        assert response.status_code == 302
        preview = client.get(response.url)
        assert "检查通过" in preview.text
        done = client.post(response.url + "confirm/")
        assert "no-store" in done["Cache-Control"] and User.objects.filter(username="wgy_01").exists()


class TestEnterpriseAccount:
    def test_one_click_from_the_enterprise_page(self, world):
        company = create_enterprise(world, safety_manager="周丽", safety_manager_mobile="13807370099")
        page = world.client(world.town_user).get(f"/registry/enterprises/{company.pk}/")
        assert "sg-open-account" not in page.text  # a town office cannot create enterprise accounts
        client = world.client(world.county_user)
        assert "sg-open-account" in client.get(f"/registry/enterprises/{company.pk}/").text
        response = client.post(f"/manage/enterprises/{company.pk}/account/")
        user = User.objects.get(username=company.credit_code)
        assert user.enterprise == company and user.name == "周丽" and user.must_change_password
        assert response.context["password"] in response.text
        again = client.post(f"/manage/enterprises/{company.pk}/account/")  # the username is taken now
        assert again.status_code == 302 and User.objects.filter(enterprise=company).count() == 1


class TestAPI:
    def api(self, user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_create_reset_and_scope(self, world):
        client = self.api(world.county_user)
        response = client.post("/api/v1/manage/users/", {"username": "t9", "name": "张三", "role": "town_office",
                                                        "regions": ["430903101000"]}, format="json")
        assert response.status_code == 201 and User.objects.get(username="t9").check_password(response.data["password"])
        response = client.post("/api/v1/manage/users/", {"username": "a9", "name": "x", "role": "admin"}, format="json")
        assert response.status_code == 403 and response.data["code"] == "user.role_not_allowed"
        assert client.get(f"/api/v1/manage/users/{world.admin.pk}/").status_code == 404
        reset = client.post(f"/api/v1/manage/users/{world.town_user.pk}/reset-password/")
        assert reset.status_code == 200 and User.objects.get(pk=world.town_user.pk).must_change_password
        deactivate = client.post(f"/api/v1/manage/users/{world.town_user.pk}/deactivate/", {"reason": ""}, format="json")
        assert deactivate.status_code == 400 and deactivate.data["code"] == "reason.required"

    def test_roles_and_anonymous(self, world):
        assert APIClient().get("/api/v1/manage/users/").status_code in (401, 403)
        assert self.api(world.leader).get("/api/v1/manage/users/").status_code == 403
        listed = self.api(world.town_user).get("/api/v1/manage/users/").data["results"]
        assert [u["username"] for u in listed] == ["officer"]

    def test_schema_documents_the_request_bodies(self, world):
        schema = self.api(world.admin).get("/api/schema/?format=json").json()
        post = schema["paths"]["/api/v1/manage/users/"]["post"]
        assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("UserCreateRequest")
        put = schema["paths"]["/api/v1/workcal/years/{year}/"]["put"]
        assert put["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("YearRequest")
