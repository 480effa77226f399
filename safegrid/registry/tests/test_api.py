import pytest
from rest_framework.test import APIClient

from safegrid.audit.models import AuditEvent
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import create, enterprise_data


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def two(world):
    a = create(world, seed=1)
    b = create(world, seed=2, name="八字哨镇鑫源建材厂", category="trade_building_materials",
               operating_region="430903101201", lon=112.405, lat=28.605)
    return a, b


class TestMatrix:
    def test_detail(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/"
        assert api(world.town_user).get(url).status_code == 200
        assert api(world.town_b_user).get(url).status_code == 404
        assert api().get(url).status_code == 401

    @pytest.mark.parametrize("suffix", ["", "points/"])
    def test_lists_scoped(self, world, two, suffix):
        url = f"/api/v1/enterprises/{suffix}"
        town = api(world.town_user).get(url).json()
        names = [r["name"] for r in town["results"]] if "results" in town else [p[4] for p in town["points"]]
        assert names == [two[0].name]
        assert api().get(url).status_code == 401

    def test_patch(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/"
        assert api(world.town_b_user).patch(url, {"name": "x", "version": 1}, format="json").status_code == 404
        assert api(world.leader).patch(url, {"name": "x", "version": 1}, format="json").status_code == 403
        response = api(world.town_user).patch(url, {"address": "工业园路 9 号", "version": 1}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["version"] == 2

    def test_stale_patch_is_409_with_current(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/"
        api(world.county_user).patch(url, {"name": "改名一", "version": 1}, format="json")
        response = api(world.town_user).patch(url, {"name": "改名二", "version": 1}, format="json")
        assert response.status_code == 409
        assert response.json()["current"]["version"] == 2
        assert Enterprise.objects.get(pk=a.pk).name == "改名一"


class TestCreate:
    def test_create_and_errors(self, world):
        response = api(world.county_user).post("/api/v1/enterprises/", enterprise_data(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["grid_code"] == "HLS-01"
        assert body["responsible"]["territorial_fallback"] is True

    def test_bad_credit_code(self, world):
        data = enterprise_data()
        data["credit_code"] = data["credit_code"][:-1] + ("0" if data["credit_code"][-1] != "0" else "1")
        response = api(world.county_user).post("/api/v1/enterprises/", data, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "credit_code.checksum" and body["field"] == "credit_code"
        assert not Enterprise.objects.exists()

    def test_enterprise_user_cannot_create(self, world):
        assert api(world.enterprise_user).post("/api/v1/enterprises/", enterprise_data(),
                                               format="json").status_code == 403


class TestActions:
    def test_grid_override_and_void(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/"
        response = api(world.county_user).post(url + "grid-override/", {"grid": "HLS-02", "reason": "核实"},
                                               format="json")
        assert response.status_code == 200 and response.json()["grid_code"] == "HLS-02"
        response = api(world.county_user).post(url + "grid-override/", {"grid": "QCL-01", "reason": "x"},
                                               format="json")
        assert response.status_code == 400 and response.json()["field"] == "grid"
        assert api(world.county_user).post(url + "void/", {}, format="json").status_code == 400
        assert api(world.county_user).post(url + "void/", {"reason": "重复登记"}, format="json").status_code == 200
        assert api(world.county_user).get(url).status_code == 404
        assert Enterprise.objects.filter(pk=a.pk).exists()

    def test_patch_needs_version(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/"
        response = api(world.county_user).patch(url, {"name": "改名"}, format="json")
        assert response.status_code == 400 and response.json()["field"] == "version"
        assert Enterprise.objects.get(pk=a.pk).name == a.name

    def test_voided_grid_cannot_be_chosen(self, world, two):
        from safegrid.core.services import void

        a, _ = two
        void(world.grid_a2, "合并", world.county_user)
        url = f"/api/v1/enterprises/{a.pk}/grid-override/"
        response = api(world.county_user).post(url, {"grid": world.grid_a2.code, "reason": "现场核实"},
                                               format="json")
        assert response.status_code == 400 and response.json()["field"] == "grid"
        assert Enterprise.objects.get(pk=a.pk).grid_id == world.grid_a1.pk

    def test_status_needs_version(self, world, two):
        a, _ = two
        url = f"/api/v1/enterprises/{a.pk}/status/"
        assert api(world.county_user).post(url, {"status": "closed"}, format="json").status_code == 400
        response = api(world.county_user).post(url, {"status": "closed", "version": 1}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "closed"


class TestRules:
    def test_set_rule_matrix(self, world):
        payload = {"region_code": "430903", "category": "construction",
                   "lead_department": "区住房和城乡建设局", "cooperating_departments": []}
        assert api(world.town_user).post("/api/v1/responsibility-rules/set/", payload,
                                         format="json").status_code == 403
        assert api(world.other_county_user).post("/api/v1/responsibility-rules/set/", payload,
                                                 format="json").status_code == 400
        assert api().post("/api/v1/responsibility-rules/set/", payload, format="json").status_code == 401
        response = api(world.county_user).post("/api/v1/responsibility-rules/set/", payload, format="json")
        assert response.status_code == 200, response.json()
        assert AuditEvent.objects.filter(action="responsibility_rule_set").count() == 1
        rules = api(world.county_user).get("/api/v1/responsibility-rules/").json()
        assert [r["category"] for r in rules] == ["construction"]
        assert api(world.other_county_user).get("/api/v1/responsibility-rules/").json() == []

    def test_unknown_department(self, world):
        payload = {"region_code": "430903", "category": "construction", "lead_department": "区不存在局"}
        response = api(world.county_user).post("/api/v1/responsibility-rules/set/", payload, format="json")
        assert response.status_code == 400 and "区不存在局" in response.json()["message"]


def test_reference_data(world):
    categories = api(world.town_user).get("/api/v1/safety-categories/").json()
    assert {"危险化学品", "非煤矿山", "烟花爆竹", "九小场所"} <= {c["name"] for c in categories}
    codes = api(world.town_user).get("/api/v1/industry-codes/").json()
    assert len([c for c in codes if c["level"] == "section"]) == 20
    assert len([c for c in codes if c["level"] == "division"]) == 97
