from collections import Counter

import pytest
from rest_framework.test import APIClient

from safegrid.hazards.models import Hazard
from safegrid.hazards.testing import enterprise, jpeg, report, walk

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def ent(world):
    return enterprise(world)


@pytest.fixture
def hazard(world, ent):
    return report(world, ent)


class TestMatrix:
    def test_detail_in_scope_out_of_scope_anonymous(self, world, hazard):
        url = f"/api/v1/hazards/{hazard.pk}/"
        for user in (world.county_user, world.town_user, world.officer_user, world.enterprise_user, world.leader):
            assert api(user).get(url).status_code == 200, user
        for user in (world.town_b_user, world.other_county_user, world.dept_user):
            assert api(user).get(url).status_code == 404, user
        assert api().get(url).status_code == 401

    def test_list_scoped(self, world, hazard):
        assert api(world.town_user).get("/api/v1/hazards/").json()["count"] == 1
        assert api(world.town_b_user).get("/api/v1/hazards/").json()["count"] == 0
        assert api().get("/api/v1/hazards/").status_code == 401

    def test_department_sees_what_is_assigned(self, world, hazard):
        walk(world, hazard, "assigned", department=world.department)
        assert api(world.dept_user).get(f"/api/v1/hazards/{hazard.pk}/").status_code == 200

    def test_enterprise_sees_own_only(self, world, ent, hazard):
        unowned = report(world)
        assert api(world.enterprise_user).get(f"/api/v1/hazards/{unowned.pk}/").status_code == 404
        assert [h["id"] for h in api(world.enterprise_user).get("/api/v1/hazards/").json()["results"]] == [hazard.pk]

    def test_transition_out_of_scope_is_404_and_leader_403(self, world, hazard):
        url = f"/api/v1/hazards/{hazard.pk}/confirm/"
        assert api(world.town_b_user).post(url, {"version": 1}).status_code == 404
        assert api(world.leader).post(url, {"version": 1}).status_code == 403
        assert api().post(url, {"version": 1}).status_code == 401
        response = api(world.officer_user).post(url, {"version": 1})
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        response = api(world.town_user).post(url, {"version": 1})
        assert response.status_code == 200 and response.json()["state"] == "confirmed"

    def test_wrong_state_409_with_current(self, world, hazard):
        response = api(world.county_user).post(f"/api/v1/hazards/{hazard.pk}/accept/", {"version": 1})
        assert response.status_code == 409
        assert response.json()["current"] == {"state": "reported", "state_display": "待核实", "version": 1}

    def test_stale_version_409(self, world, hazard):
        api(world.county_user).post(f"/api/v1/hazards/{hazard.pk}/confirm/", {"version": 1})
        response = api(world.town_user).post(f"/api/v1/hazards/{hazard.pk}/reject/", {"version": 1, "reason": "x"})
        assert response.status_code == 409 and response.json()["current"]["state"] == "confirmed"


class TestCreate:
    def test_answer_is_the_stored_detail(self, world, ent):
        """The create answer is built from the instance just written: it must equal a fresh read."""
        from safegrid.regions.services import create_department
        from safegrid.registry.models import SafetyCategory
        from safegrid.registry.services import set_responsibility_rule

        helper = create_department(name="区应急管理局", county=world.county, actor=None)
        set_responsibility_rule(county=world.county, category=SafetyCategory.objects.get(code="hazardous_chemicals"),
                                lead_department=world.department, cooperating=[helper], actor=world.admin)
        officer = api(world.officer_user)
        for data in ({"enterprise": ent.pk, "hazard_type": "fire_facilities", "description": "灭火器过期",
                      "lon": "112.305", "lat": "28.505", "before_photos": [jpeg()]},
                     {"grid": "HLS-01", "location": "公园东门", "hazard_type": "电气线路", "description": "线路老化"}):
            created = officer.post("/api/v1/hazards/", data, format="multipart")
            assert created.status_code == 201, created.json()
            assert created.json() == officer.get(f"/api/v1/hazards/{created.json()['id']}/").json()


class TestReportPlaces:
    URL = "/api/v1/hazards/"
    BODY = {"hazard_type": "electrical", "description": "配电箱未加锁"}

    def test_enterprise_in_scope_out_of_scope_voided_anonymous(self, world, ent):
        from django.utils import timezone

        from safegrid.registry import testing as registry_testing
        from safegrid.registry.models import Enterprise

        other = registry_testing.create(world, seed=7, name="益阳市赫山区八字哨米业有限公司",
                                        operating_region="430903101201", address="八字哨镇新街 1 号",
                                        lon=112.405, lat=28.605)
        officer = api(world.officer_user)  # grid HLS-01 only
        assert officer.post(self.URL, {**self.BODY, "enterprise": ent.pk}, format="json").status_code == 201
        refused = officer.post(self.URL, {**self.BODY, "enterprise": other.pk}, format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "enterprise.unknown"
        town_b = api(world.town_b_user).post(self.URL, {**self.BODY, "enterprise": other.pk}, format="json")
        assert town_b.status_code == 201 and town_b.json()["enterprise_name"] == "益阳市赫山区八字哨米业有限公司"
        Enterprise.objects.filter(pk=ent.pk).update(voided_at=timezone.now())
        voided = officer.post(self.URL, {**self.BODY, "enterprise": ent.pk}, format="json")
        assert voided.status_code == 400 and voided.json()["code"] == "enterprise.unknown"
        assert api().post(self.URL, {**self.BODY, "enterprise": other.pk}, format="json").status_code == 401
        assert Hazard.objects.count() == 2

    def test_token_reports_with_the_grid_look_up_kept_apart_per_jurisdiction(self, world):
        """Same role, different towns: the cached grid look-up (services.grid_in_scope) keys on scope."""
        from rest_framework.authtoken.models import Token

        def token_client(user):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
            return client

        town_a, town_b = token_client(world.town_user), token_client(world.town_b_user)
        body = {**self.BODY, "location": "村口路灯下"}
        turns = ((town_a, "HLS-01", "BZS-01"), (town_b, "BZS-01", "HLS-01"), (town_a, "HLS-01", "BZS-01"))
        for client, own, other in turns:
            made = client.post(self.URL, {**body, "grid": own}, format="json")
            assert made.status_code == 201 and made.json()["grid_code"] == own
            assert made.json() == client.get(f"{self.URL}{made.json()['id']}/").json()
            assert client.post(self.URL, {**body, "grid": other}, format="json").json()["code"] == "grid.required"
        assert APIClient().post(self.URL, {**body, "grid": "HLS-01"}, format="json").status_code == 401


class TestSerializerFieldTemplates:
    def test_same_data_as_drf_builds_it_with_each_request_in_the_urls(self, world, ent, settings):
        """Fields are built once per class (core.api.FieldTemplateMixin): the data must equal DRF's
        own field building, and nested fields (photo URLs) must use the current request."""
        from rest_framework import serializers
        from rest_framework.request import Request
        from rest_framework.test import APIRequestFactory

        from safegrid.hazards import queries
        from safegrid.hazards.api import HazardDetailSerializer, HazardSerializer

        settings.ALLOWED_HOSTS = ["*"]
        created = api(world.officer_user).post("/api/v1/hazards/", {
            "enterprise": ent.pk, "hazard_type": "fire_facilities", "description": "灭火器过期",
            "before_photos": [jpeg()]}, format="multipart").json()
        hazard = queries.annotate_deadlines(Hazard.objects.all()).get(pk=created["id"])
        for cls in (HazardDetailSerializer, HazardSerializer):
            plain = type(f"Plain{cls.__name__}", (cls,), {"get_fields": serializers.ModelSerializer.get_fields})
            for host in ("a.example.cn", "b.example.cn", "a.example.cn"):
                request = Request(APIRequestFactory().get("/", HTTP_HOST=host))
                data = cls(hazard, context={"request": request}).data
                assert data == plain(hazard, context={"request": request}).data
                if "photos" in data:
                    assert data["photos"][0]["url"].startswith(f"http://{host}/media/")
            template = cls.__dict__["_field_template"]
            assert template["town_name"].parent is None  # the template itself is never bound


class TestFlow:
    def test_full_loop_with_timeline(self, world, ent, frozen):
        client = api(world.officer_user)
        response = client.post("/api/v1/hazards/", {
            "enterprise": ent.pk, "hazard_type": "fire_facilities", "description": "灭火器过期",
            "before_photos": [jpeg()]}, format="multipart")
        assert response.status_code == 201, response.json()
        hid = response.json()["id"]
        county = api(world.county_user)
        assert county.post(f"/api/v1/hazards/{hid}/confirm/", {"version": 1}).status_code == 200
        assert county.post(f"/api/v1/hazards/{hid}/assign/", {"version": 2, "department": world.department.name}
                           ).json()["assigned_department_name"] == world.department.name
        body = api(world.dept_user).post(f"/api/v1/hazards/{hid}/plan/", {
            "version": 3, "responsible_person": "张伟", "measures": "更换灭火器", "working_days": 3}).json()
        assert body["deadline"] == "2026-03-05" and body["deadline_basis"] == "official"
        response = api(world.enterprise_user).post(f"/api/v1/hazards/{hid}/submit/", {
            "version": 4, "description": "已更换", "after_photos": [jpeg()]}, format="multipart")
        assert response.status_code == 200, response.json()
        body = county.post(f"/api/v1/hazards/{hid}/accept/", {"version": 5}).json()
        assert body["state"] == "closed"
        detail = county.get(f"/api/v1/hazards/{hid}/").json()
        assert [e["action"] for e in detail["events"]] == ["report", "confirm", "assign", "plan", "submit", "accept"]
        assert {p["kind"] for p in detail["photos"]} == {"before", "after"}

    def test_fake_jpg_rejected_by_api(self, world, ent):
        from django.core.files.uploadedfile import SimpleUploadedFile

        fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
        response = api(world.officer_user).post("/api/v1/hazards/", {
            "enterprise": ent.pk, "hazard_type": "electrical", "description": "x", "before_photos": [fake]},
            format="multipart")
        assert response.status_code == 400 and response.json()["code"] == "photo.not_image"
        assert not Hazard.objects.exists()

    def test_photo_upload_endpoint(self, world, hazard):
        url = f"/api/v1/hazards/{hazard.pk}/photos/"
        assert api(world.town_b_user).post(url, {"kind": "evidence", "photos": [jpeg()]},
                                           format="multipart").status_code == 404
        response = api(world.enterprise_user).post(url, {"kind": "evidence", "photos": [jpeg()]}, format="multipart")
        assert response.status_code == 201 and response.json()[0]["gps_lon"]

    def test_filters(self, world, ent, frozen):
        walk(world, report(world, ent), "rectifying", deadline="2026-03-04")
        report(world)
        client = api(world.county_user)
        assert client.get("/api/v1/hazards/?due_soon=true").json()["count"] == 1
        assert client.get("/api/v1/hazards/?state=reported").json()["count"] == 1
        assert client.get("/api/v1/hazards/?town=430903001000").json()["count"] == 2


class TestReferenceApis:
    def test_types_and_criteria(self, world):
        names = [t["name"] for t in api(world.officer_user).get("/api/v1/hazard-types/").json()]
        assert "电气线路" in names and "其他" in names
        criteria = api(world.officer_user).get("/api/v1/major-hazard-criteria/?sector=hazardous_chemicals").json()
        assert len(criteria) == 20 and criteria[0]["edition"] == "2017"
        trade = api(world.officer_user).get("/api/v1/major-hazard-criteria/?sector=industry_trade").json()
        assert {c["article"] for c in trade} >= {"第三条", "第十一条", "第十三条"}
        # The ministry's count (3 management + 47 industry + 14 special items), by article.
        per_article = Counter(c["article"] for c in trade)
        assert len(trade) == 64 and [per_article[a] for a in (
            "第三条", "第四条", "第五条", "第六条", "第七条", "第八条", "第九条", "第十条", "第十一条", "第十二条",
            "第十三条")] == [3, 8, 13, 8, 7, 7, 2, 2, 10, 2, 2]
        assert api().get("/api/v1/hazard-types/").status_code == 401


class TestReportsApi:
    def test_daily_report(self, world, ent, frozen):
        report(world, ent)
        body = api(world.county_user).get("/api/v1/hazards/daily-report/").json()
        row = next(r for r in body["rows"] if r["town"] == "会龙山街道")
        assert row["new_today"] == 1 and row["open"] == 1
        town_b = api(world.town_b_user).get("/api/v1/hazards/daily-report/").json()
        assert [r["town"] for r in town_b["rows"]] == ["八字哨镇"] and town_b["totals"]["open"] == 0
        assert api(world.enterprise_user).get("/api/v1/hazards/daily-report/").status_code == 403
        assert api().get("/api/v1/hazards/daily-report/").status_code == 401

    def test_supervised_and_credit(self, world, ent, frozen):
        assert api(world.enterprise_user).get("/api/v1/hazards/supervised/").status_code == 403
        assert api(world.enterprise_user).get("/api/v1/credit-records/").status_code == 403
        assert api().get("/api/v1/credit-records/dishonest/").status_code == 401
        report(world, ent)
        body = api(world.county_user).get("/api/v1/credit-records/").json()
        assert body["results"][0]["hazards_total"] == 1
        assert api(world.other_county_user).get("/api/v1/credit-records/").json()["count"] == 0

    def test_ledger_export(self, world, ent):
        report(world, ent)
        response = world.client(world.county_user).get("/hazards/ledger.xlsx?grade=general")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        assert world.client(world.enterprise_user).get("/hazards/ledger.xlsx").status_code == 403
        assert world.client().get("/hazards/ledger.xlsx").status_code == 302
        assert world.client(world.town_user).get("/hazards/daily-report.xlsx").status_code == 200


def test_county_scope_by_code_selects_the_same_hazards_as_the_path_test(world, ent):
    """scope_q tests a county-level grant by region_code (core.scope.tenant_path_q): the same rows."""
    from safegrid.core.scope import path_q

    report(world, ent)
    report(world, None, actor=world.county_user, grid="BZS-01", location="八字哨镇农贸市场")
    for user in (world.county_user, world.town_user, world.town_b_user, world.officer_user,
                 world.other_county_user, world.leader):
        by_path = set(Hazard.objects.filter(path_q("scope_path", user.scope_paths())).values_list("pk", flat=True))
        assert set(Hazard.objects.restrict(user).values_list("pk", flat=True)) == by_path, user
    assert len(set(Hazard.objects.restrict(world.county_user))) == 2
