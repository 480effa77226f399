"""API permission matrix and error format for the jurisdiction tree endpoints."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from safegrid.audit.models import AuditEvent
from safegrid.regions.models import Grid, Region
from safegrid.testing import square


def api(user=None, token=False):
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
        else:
            client.force_authenticate(user)
    return client


def codes(response):
    return {row["code"] for row in response.json()["results"]}


# (url builder, in-scope user attr, out-of-scope user attr)
DETAIL_CASES = [
    (lambda w: f"/api/v1/regions/{w.town_a.code}/", "town_user", "town_b_user"),
    (lambda w: f"/api/v1/grids/{w.grid_a1.pk}/", "officer_user", "town_b_user"),
    (lambda w: f"/api/v1/departments/{w.department.pk}/", "county_user", "other_county_user"),
    (lambda w: f"/api/v1/grid-officers/{w.officer.pk}/", "town_user", "town_b_user"),
]
LIST_URLS = ["/api/v1/regions/", "/api/v1/grids/", "/api/v1/departments/", "/api/v1/grid-officers/",
             "/api/v1/grids/geojson/", "/api/v1/regions/tree/", "/api/v1/me/"]


@pytest.mark.parametrize("url_of,inside,outside", DETAIL_CASES)
def test_detail_matrix(world, url_of, inside, outside):
    url = url_of(world)
    assert api(getattr(world, inside)).get(url).status_code == 200
    response = api(getattr(world, outside)).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api().get(url).status_code == 401


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_gets_401_json(world, url):
    response = api().get(url)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "登录" in body["message"]
    assert "field" in body


def test_token_auth_works(world):
    response = api(world.town_user, token=True).get("/api/v1/regions/")
    assert response.status_code == 200
    assert api().get("/api/v1/regions/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_region_list_scoped(world):
    assert codes(api(world.town_user).get("/api/v1/regions/")) == {"430903001000", "430903001001"}
    county = codes(api(world.county_user).get("/api/v1/regions/"))
    assert county == {"430903", "430903001000", "430903101000", "430903001001", "430903101201"}
    assert len(codes(api(world.admin).get("/api/v1/regions/"))) == Region.objects.count()


def test_grid_list_scoped_and_filtered(world):
    town = api(world.town_user).get("/api/v1/grids/").json()
    assert {g["code"] for g in town["results"]} == {"HLS-01", "HLS-02"}
    officer = api(world.officer_user).get("/api/v1/grids/").json()
    assert [g["code"] for g in officer["results"]] == ["HLS-01"]
    county = api(world.county_user).get("/api/v1/grids/", {"within": world.town_b.code}).json()
    assert [g["code"] for g in county["results"]] == ["BZS-01"]
    unstaffed = api(world.county_user).get("/api/v1/grids/", {"has_officer": "false"}).json()
    assert {g["code"] for g in unstaffed["results"]} == {"HLS-02", "BZS-01"}


def test_geojson_is_scoped(world):
    fc = api(world.town_b_user).get("/api/v1/grids/geojson/").json()
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in fc["features"]] == ["BZS-01"]
    assert fc["features"][0]["geometry"]["type"] == "Polygon"


def test_tree_roots_at_scope(world):
    tree = api(world.town_user).get("/api/v1/regions/tree/").json()
    assert [n["name"] for n in tree] == ["会龙山街道"]
    assert [c["name"] for c in tree[0]["children"]] == ["会龙山社区"]
    county_tree = api(world.county_user).get("/api/v1/regions/tree/").json()
    assert [n["name"] for n in county_tree] == ["赫山区"]
    assert {c["name"] for c in county_tree[0]["children"]} == {"会龙山街道", "八字哨镇"}
    officer_tree = api(world.officer_user).get("/api/v1/regions/tree/").json()
    assert [n["name"] for n in officer_tree] == ["会龙山第一网格"]


def test_enterprise_user_sees_no_tree(world):
    assert api(world.enterprise_user).get("/api/v1/regions/").status_code == 403


class TestCreateRegion:
    def test_county_office_creates_town(self, world):
        response = api(world.county_user).post(
            "/api/v1/regions/", {"code": "430903102000", "name": "欧江岔镇", "level": 4,
                                 "parent_code": "430903"}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["path"] == "43/4309/430903/430903102"
        assert AuditEvent.objects.filter(action="region_create", actor=world.county_user).exists()

    def test_unknown_parent_code_names_the_field(self, world):
        count = Region.objects.count()
        response = api(world.county_user).post(
            "/api/v1/regions/", {"code": "430903102000", "name": "欧江岔镇", "level": 4,
                                 "parent_code": "439999"}, format="json")
        assert response.status_code == 400
        assert response.json()["field"] == "parent_code"
        assert response.json()["code"] == "region.unknown"
        assert Region.objects.count() == count

    def test_parent_outside_scope_reads_as_unknown(self, world):
        response = api(world.county_user).post(
            "/api/v1/regions/", {"code": "430902102000", "name": "长春镇", "level": 4,
                                 "parent_code": "430902"}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "region.unknown"

    def test_wrong_parent_level(self, world):
        response = api(world.admin).post(
            "/api/v1/regions/", {"code": "430903102000", "name": "欧江岔镇", "level": 4,
                                 "parent_code": "430900"}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "region.parent_level"
        assert body["field"] == "parent"

    def test_bad_level_value(self, world):
        response = api(world.admin).post(
            "/api/v1/regions/", {"code": "430903102000", "name": "欧江岔镇", "level": 9,
                                 "parent_code": "430903"}, format="json")
        assert response.status_code == 400
        assert response.json()["field"] == "level"

    @pytest.mark.parametrize("who", ["town_user", "leader", "officer_user", "dept_user"])
    def test_roles_without_change_right_get_403(self, world, who):
        response = api(getattr(world, who)).post(
            "/api/v1/regions/", {"code": "430903102000", "name": "欧江岔镇", "level": 4,
                                 "parent_code": "430903"}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    def test_anonymous_post_401(self, world):
        assert api().post("/api/v1/regions/", {}, format="json").status_code == 401

    def test_rename_out_of_scope_is_404(self, world):
        response = api(world.other_county_user).patch(f"/api/v1/regions/{world.town_a.code}/",
                                                      {"name": "改名"}, format="json")
        assert response.status_code == 404
        world.town_a.refresh_from_db()
        assert world.town_a.name == "会龙山街道"


class TestCreateGrid:
    def payload(self, **kw):
        return {"code": "HLS-03", "name": "会龙山第三网格", "region_code_full": "430903001001",
                "polygon": square(112.32, 28.50), **kw}

    def test_create(self, world):
        response = api(world.county_user).post("/api/v1/grids/", self.payload(), format="json")
        assert response.status_code == 201, response.json()
        assert Grid.objects.filter(code="HLS-03", region_code="430903").exists()

    def test_invalid_polygon_names_field(self, world):
        bowtie = {"type": "Polygon", "coordinates": [[[112.0, 28.0], [112.1, 28.1], [112.1, 28.0],
                                                      [112.0, 28.1], [112.0, 28.0]]]}
        response = api(world.county_user).post("/api/v1/grids/", self.payload(polygon=bowtie), format="json")
        assert response.status_code == 400
        assert response.json()["field"] == "polygon"
        assert "自相交" in response.json()["message"]
        assert not Grid.objects.filter(code="HLS-03").exists()

    def test_region_out_of_scope(self, world):
        response = api(world.other_county_user).post("/api/v1/grids/", self.payload(), format="json")
        assert response.status_code == 400
        assert response.json()["field"] == "region_code_full"

    def test_missing_fields_listed(self, world):
        response = api(world.county_user).post("/api/v1/grids/", {}, format="json")
        assert response.status_code == 400
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"code", "name", "polygon", "region_code_full"} <= fields

    def test_patch_in_scope_and_out(self, world):
        url = f"/api/v1/grids/{world.grid_a1.pk}/"
        assert api(world.county_user).patch(url, {"responsible_person": "李明"}, format="json").status_code == 200
        assert api(world.other_county_user).patch(url, {"name": "x"}, format="json").status_code == 404
        assert api(world.town_user).patch(url, {"name": "x"}, format="json").status_code == 403


class TestSchema:
    def test_schema_served(self, world):
        response = api().get("/api/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/regions/" in schema["paths"]

    def test_docs_page_uses_local_assets(self, world):
        response = api().get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/vendor/swagger-ui" in html
        assert "cdn" not in html.lower()


def test_voided_officer_no_longer_staffs_a_grid(world):
    from safegrid.core.services import void

    void(world.officer, "离职", world.county_user)
    client = api(world.county_user)
    unstaffed = client.get("/api/v1/grids/", {"has_officer": "false"}).json()
    assert {g["code"] for g in unstaffed["results"]} == {"HLS-01", "HLS-02", "BZS-01"}
    listed = {g["code"]: g["officer_count"] for g in client.get("/api/v1/grids/").json()["results"]}
    assert listed["HLS-01"] == 0
    features = client.get("/api/v1/grids/geojson/").json()["features"]
    assert {f["properties"]["code"]: f["properties"]["officers"] for f in features}["HLS-01"] == 0
