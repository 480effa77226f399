"""系统管理 of the jurisdiction: county set-up, departments and the committee, grid officers (1+N),
training before duty, grids' accountable people. Every action: in scope, out of scope, anonymous."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from rest_framework.test import APIClient

from safegrid.accounts import services as account_services
from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.hazards.testing import report
from safegrid.regions import services, setup
from safegrid.regions.models import Department, Grid, GridOfficer, Region, RegionLevel, TrainingRecord
from safegrid.testing import PASSWORD, square

pytestmark = pytest.mark.django_db
D = datetime.date
TOWNS = "统计用区划代码,名称\n430921001000,南洲镇\n430921001001,南洲社区\n430921101000,草尾镇\n430921101201,草尾村\n"


class TestSetup:
    def test_lookup_names_from_the_code_table(self):
        province, city, county = setup.lookup("430921")
        assert (province.name, city.name, county.name) == ("湖南省", "益阳市", "南县")
        assert setup.lookup("430900") is None and setup.lookup("12345") is None

    def test_county_then_towns_and_villages(self, world):
        county = setup.setup_county("430921", actor=world.admin)
        assert county.parent == world.city and county.level == RegionLevel.COUNTY
        preview = setup.import_towns(county, TOWNS.encode(), "t.csv", actor=world.admin)
        assert preview.valid and not Region.objects.filter(code="430921001000").exists()
        done = setup.import_towns(county, TOWNS.encode(), "t.csv", actor=world.admin, write=True)
        assert (len(done.towns), len(done.villages)) == (2, 2)
        village = Region.objects.get(code="430921101201")
        assert village.parent.code == "430921101000" and village.path.endswith("/430921101/430921101201")
        again = setup.import_towns(county, TOWNS.encode(), "t.csv", actor=world.admin, write=True)
        assert again.skipped == 4 and again.valid

    def test_bad_rows_write_nothing(self, world):
        county = setup.setup_county("430921", actor=world.admin)
        bad = TOWNS + "430903001009,别县的村\n430921201201,无乡镇的村\n4309211010,短\n"
        plan = setup.import_towns(county, bad.encode(), "t.csv", actor=world.admin, write=True)
        assert {e["row"] for e in plan.errors} == {6, 7, 8}
        assert not Region.objects.filter(region_code="430921").exclude(pk=county.pk).exists()

    def test_only_admin_sets_up(self, world):
        with pytest.raises(PermissionDenied):
            setup.setup_county("430921", actor=world.county_user)
        with pytest.raises(ServiceError) as exc:
            setup.setup_county("430903", actor=world.admin)
        assert exc.value.code == "county.exists"

    def test_setup_pages_by_role(self, world):
        assert world.client().get("/manage/setup/").status_code == 302
        assert world.client(world.county_user).get("/manage/setup/").status_code == 403
        client = world.client(world.admin)
        assert "南县" in client.get("/manage/setup/?code=430921").text
        assert client.post("/manage/setup/", {"code": "430921"}).status_code == 302
        assert Region.objects.filter(code="430921", name="南县").exists()

    def test_command(self, world, tmp_path):
        (tmp_path / "towns.csv").write_text(TOWNS, encoding="utf-8")
        grids = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": square(112.6, 29.2), "properties": {
                "code": "NZ-01", "name": "南洲第一网格", "village_code": "430921001001"}}]}
        (tmp_path / "grids.geojson").write_text(json.dumps(grids), encoding="utf-8")
        call_command("setup_county", "430921", towns=str(tmp_path / "towns.csv"), grids=str(tmp_path / "grids.geojson"))
        assert Grid.objects.get(code="NZ-01").region.code == "430921001001"
        (tmp_path / "bad.csv").write_text(TOWNS + "999,错\n", encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("setup_county", "430921", towns=str(tmp_path / "bad.csv"))


class TestDepartments:
    def test_county_office_manages_its_own_county_only(self, world):
        department = services.create_department(name="区交通运输局", county=world.county, actor=world.county_user,
                                                committee_member=True)
        services.update_department(department, actor=world.county_user, name="区交通运输局(港航)")
        with pytest.raises(PermissionDenied):
            services.create_department(name="区商务局", county=world.other_county, actor=world.county_user)
        for actor in (world.town_user, world.other_county_user, world.dept_user):
            with pytest.raises(PermissionDenied):
                services.update_department(department, actor=actor, name="改名")
        assert Department.objects.get(pk=department.pk).name == "区交通运输局(港航)"

    def test_void_refused_while_staff_use_it(self, world):
        with pytest.raises(ServiceError) as exc:
            services.void_department(world.department, actor=world.county_user, reason="机构改革")
        assert exc.value.code == "department.has_staff"
        account_services.set_active(world.dept_user, False, actor=world.county_user, reason="机构改革")
        services.void_department(world.department, actor=world.county_user, reason="机构改革")
        assert Department.objects.get(pk=world.department.pk).is_voided

    def test_committee_with_lead_unit(self, world):
        other = services.create_department(name="区应急管理局", county=world.county, actor=world.county_user)
        committee = services.save_committee(county=world.county, name="建设工程安全专业委员会",
                                            lead_department=world.department, members=[other], actor=world.county_user)
        assert set(committee.members.all()) == {world.department, other}
        with pytest.raises(ServiceError):
            services.save_committee(county=world.county, name="跨县", lead_department=world.department,
                                    members=[world.other_department], actor=world.county_user)
        with pytest.raises(PermissionDenied):
            services.save_committee(county=world.county, name="镇里", lead_department=other, members=[],
                                    actor=world.town_user)

    @pytest.mark.parametrize("attr,status", [("county_user", 200), ("admin", 200), ("town_user", 403),
                                             ("officer_user", 403), ("leader", 403)])
    def test_pages_by_role(self, world, attr, status):
        assert world.client(getattr(world, attr)).get("/manage/departments/").status_code == status

    def test_pages_out_of_scope_and_anonymous(self, world):
        assert world.client().get(f"/manage/departments/{world.department.pk}/").status_code == 302
        client = world.client(world.other_county_user)
        assert client.get(f"/manage/departments/{world.department.pk}/").status_code == 403
        client = world.client(world.county_user)
        assert client.post("/manage/departments/?county=430903", {"name": "区市场监督管理局"}).status_code == 302
        assert Department.objects.filter(name="区市场监督管理局", region_code="430903").exists()


class TestOfficers:
    def officer(self, world, username="wgy2", grid=None, full_time=False):
        user = account_services.create_user(username=username, password=PASSWORD, role=Role.GRID_OFFICER,
                                            actor=world.county_user, name="赵新", grids=[grid or world.grid_a2])
        return services.appoint_grid_officer(user=user, grids=[grid or world.grid_a2], actor=world.county_user,
                                             full_time=full_time)

    def test_training_comes_first(self, world):
        with pytest.raises(ServiceError) as exc, transaction.atomic():
            self.officer(world, full_time=True)
        assert exc.value.code == "officer.untrained_full_time"
        officer = self.officer(world)
        assert not officer.on_duty_allowed
        with pytest.raises(PermissionDenied) as refused:
            report(world, actor=officer.user, grid="HLS-02")
        assert refused.value.code == "officer.untrained"
        services.record_training(officer, actor=world.town_user, course="岗前培训", date=D(2026, 11, 2), hours=8,
                                 result="failed")
        assert GridOfficer.objects.get(pk=officer.pk).trained_on is None
        services.record_training(officer, actor=world.town_user, course="岗前培训", date=D(2026, 11, 9), hours=8,
                                 result="passed")
        officer.refresh_from_db()
        assert officer.trained_on == D(2026, 11, 9) and officer.on_duty_allowed
        assert report(world, actor=officer.user, grid="HLS-02").reporter == officer.user
        services.update_officer(officer, actor=world.town_user, full_time=True)
        assert GridOfficer.objects.get(pk=officer.pk).full_time
        assert TrainingRecord.objects.filter(officer=officer).count() == 2
        assert AuditEvent.objects.filter(action="officer_training", object_id=str(officer.pk)).count() == 2

    def test_town_office_cannot_touch_another_towns_officer(self, world):
        other = self.officer(world, "wgy_b", world.grid_b1)
        for action in (lambda: services.update_officer(other, actor=world.town_user, grids=[world.grid_a1]),
                       lambda: services.retire_officer(other, actor=world.town_user, reason="调离"),
                       lambda: services.record_training(other, actor=world.town_user, course="x", date=D(2026, 1, 1),
                                                        hours=1, result="passed")):
            with pytest.raises(PermissionDenied):
                action()
        with pytest.raises(PermissionDenied):  # nor move its own officer into another town's grid
            services.update_officer(world.officer, actor=world.town_user, grids=[world.grid_b1])
        assert list(GridOfficer.objects.get(pk=other.pk).grids.all()) == [world.grid_b1]

    def test_move_retire_and_grants_follow(self, world):
        services.update_officer(world.officer, actor=world.town_user, grids=[world.grid_a2])
        assert world.officer_user.scope_paths() == [world.grid_a2.path]
        services.retire_officer(world.officer, actor=world.town_user, reason="辞职", deactivate_account=True)
        world.officer_user.refresh_from_db()
        assert GridOfficer.objects.get(pk=world.officer.pk).is_voided and not world.officer_user.is_active

    def test_grid_accountable_people(self, world):
        services.set_grid_accountable(world.grid_a1, actor=world.town_user, responsible_user=world.town_user,
                                      liaison_person="陈社长", liaison_phone="13807370123")
        grid = Grid.objects.get(pk=world.grid_a1.pk)
        assert grid.responsible_person == "town_a" and grid.liaison_phone == "13807370123"
        with pytest.raises(PermissionDenied):
            services.set_grid_accountable(world.grid_b1, actor=world.town_user, liaison_person="x")
        with pytest.raises(ServiceError):
            services.set_grid_accountable(world.grid_a1, actor=world.town_user, liaison_phone="12")

    def test_pages(self, world):
        client = world.client(world.town_user)
        assert client.get("/manage/officers/").status_code == 200
        assert client.get(f"/manage/officers/{world.officer.pk}/").status_code == 200
        other = self.officer(world, "wgy_b", world.grid_b1)
        assert client.get(f"/manage/officers/{other.pk}/").status_code == 404
        assert world.client().get("/manage/officers/").status_code == 302
        assert world.client(world.dept_user).get("/manage/officers/").status_code == 403
        response = client.post("/manage/officers/new/", {"username": "wgy9", "name": "钱九", "grids": [world.grid_a2.pk],
                                                         "full_time": "0"})
        assert response.status_code == 200 and response.context["password"]
        assert GridOfficer.objects.filter(user__username="wgy9", full_time=False).exists()
        response = client.get("/manage/officers/?state=untrained")
        assert [o.user.username for o in response.context["page"]] == ["wgy9"]

    def test_api(self, world):
        api = APIClient()
        api.force_authenticate(world.town_user)
        account_services.create_user(username="wgy7", password=PASSWORD, role=Role.GRID_OFFICER,
                                     actor=world.town_user, name="孙七", grids=[world.grid_a2])
        response = api.post("/api/v1/manage/grid-officers/", {"username": "wgy7", "grids": ["HLS-02"],
                                                              "full_time": True}, format="json")
        assert response.status_code == 400 and response.data["code"] == "officer.untrained_full_time"
        response = api.post("/api/v1/manage/grid-officers/", {"username": "wgy7", "grids": ["HLS-02"]}, format="json")
        assert response.status_code == 201
        officer_id = response.data["id"]
        response = api.post(f"/api/v1/manage/grid-officers/{officer_id}/trainings/", {
            "course": "岗前培训", "date": "2026-11-09", "hours": "8", "result": "passed"}, format="json")
        assert response.status_code == 201 and response.data["on_duty_allowed"] is True
        assert api.post("/api/v1/manage/grid-officers/", {"username": "wgy7", "grids": ["BZS-01"]},
                        format="json").status_code == 400
        anonymous = APIClient().get("/api/v1/manage/grid-officers/")
        assert anonymous.status_code in (401, 403)
