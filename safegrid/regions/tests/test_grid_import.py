"""GeoJSON grid import: checks named by feature index, all-or-nothing, page and API scope."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from shapely.geometry import shape

from safegrid.audit.models import AuditEvent
from safegrid.regions.grid_import import area_m2
from safegrid.regions.models import Grid
from safegrid.testing import square

VILLAGE_A = "430903001001"  # 会龙山社区, grids HLS-01 (112.30) and HLS-02 (112.31)
VILLAGE_B = "430903101201"  # 八字哨村, grid BZS-01 (112.40, 28.60)


def feature(code, polygon, village=VILLAGE_B, **props):
    return {"type": "Feature", "geometry": polygon,
            "properties": {"code": code, "name": f"网格{code}", "village_code": village, **props}}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def post(user, content, dry_run=False, mode=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    data = {"file": SimpleUploadedFile("grids.geojson", content)}
    if mode:
        data["mode"] = mode
    return client.post("/api/v1/grids/import/" + ("?dry_run=1" if dry_run else ""), data, format="multipart")


def codes(response):
    return [(e["feature"], e["code"]) for e in response.json()["errors"]]


def test_success_creates_grids_and_one_summary_event(world):
    content = collection(feature("BZS-02", square(112.41, 28.60), responsible_person="王五",
                                 responsible_phone="13800000000"),
                         feature("BZS-03", square(112.42, 28.60)))
    dry = post(world.county_user, content, dry_run=True)
    assert dry.status_code == 200 and dry.json()["created"] == 2
    assert not Grid.objects.filter(code="BZS-02").exists()
    response = post(world.county_user, content)
    assert response.status_code == 201, response.json()
    grid = Grid.objects.get(code="BZS-02")
    assert grid.region.code == VILLAGE_B and grid.responsible_person == "王五"
    assert AuditEvent.objects.filter(action="grid_import").count() == 1
    assert AuditEvent.objects.filter(action="grid_create", object_id=str(grid.pk)).exists()


def test_self_crossing_polygon_named_by_feature_index(world):
    bowtie = {"type": "Polygon", "coordinates": [[[112.41, 28.60], [112.42, 28.61], [112.42, 28.60],
                                                  [112.41, 28.61], [112.41, 28.60]]]}
    response = post(world.county_user, collection(feature("BZS-02", square(112.43, 28.60)),
                                                   feature("BZS-03", bowtie)))
    assert response.status_code == 400
    assert codes(response) == [(2, "geometry.invalid")]
    assert "要素 #2" in response.json()["errors"][0]["message"] and "自相交" in response.json()["errors"][0]["message"]
    assert not Grid.objects.filter(code="BZS-02").exists()  # the valid one is not written either


def test_overlaps_with_existing_and_between_features(world):
    response = post(world.county_user, collection(
        feature("BZS-02", square(112.405, 28.60)),                 # half over BZS-01
        feature("BZS-03", square(112.43, 28.60)), feature("BZS-04", square(112.435, 28.60))))
    assert codes(response) == [(1, "grid_import.overlap"), (2, "grid_import.overlap")]
    assert "BZS-01" in response.json()["errors"][0]["message"]
    assert "要素 #3" in response.json()["errors"][1]["message"]


def test_tolerance_touching_and_tiny_overlaps_pass(world):
    def check(west_edge):
        return post(world.county_user, collection(feature("BZS-02", square(west_edge, 28.60))), dry_run=True)

    assert check(112.41).status_code == 200  # shares an edge with BZS-01
    assert check(112.41 - 1e-9).status_code == 200  # ~0.1 m² of overlap: floating noise
    assert codes(check(112.41 - 1e-6)) == [(1, "grid_import.overlap")]  # ~110 m²
    assert area_m2(shape(square(0, 30, size=1.0))) == pytest.approx(111_320 ** 2 * 0.866, rel=0.01)


def test_gap_inside_village_with_polygon(world):
    village = world.village_b
    village.polygon = square(112.40, 28.60, size=0.03)
    village.save(update_fields=["polygon"])
    response = post(world.county_user, collection(feature("BZS-02", square(112.41, 28.60))), dry_run=True)
    assert codes(response) == [(1, "grid_import.gap")]
    assert "八字哨村" in response.json()["errors"][0]["message"]


def test_unknown_or_out_of_scope_village_and_duplicate_codes(world):
    response = post(world.county_user, collection(
        feature("QCL-02", square(112.21, 28.55), village="430902001001"),  # 资阳区: not in scope
        feature("BZS-01", square(112.43, 28.60)),                          # exists in the county
        feature("BZS-05", square(112.44, 28.60)), feature("BZS-05", square(112.45, 28.60))))
    assert codes(response) == [(1, "grid_import.village_unknown"), (2, "grid.code_taken"),
                               (4, "grid_import.duplicate_in_file")]


def test_update_mode_replaces_polygon(world):
    moved = square(112.40, 28.60, size=0.005)
    assert codes(post(world.county_user, collection(feature("BZS-01", moved)))) == [(1, "grid.code_taken")]
    response = post(world.county_user, collection(feature("BZS-01", moved)), mode="update")
    assert response.status_code == 201 and response.json()["updated"] == 1
    assert Grid.objects.get(code="BZS-01").max_lon == pytest.approx(112.405)


def test_service_errors_roll_back_everything(world):
    response = post(world.county_user, collection(feature("BZS-02", square(112.41, 28.60)),
                                                  feature("BZS 03", square(112.42, 28.60))))
    assert codes(response) == [(2, "grid.code_format")]
    assert not Grid.objects.filter(code="BZS-02").exists()
    assert not AuditEvent.objects.filter(actor=world.county_user).exists()


def test_not_geojson(world):
    response = post(world.county_user, b"not json")
    assert response.status_code == 400 and response.json()["code"] == "grid_import.not_json"


def test_permission_matrix_api_and_page(world):
    content = collection(feature("BZS-02", square(112.41, 28.60)))
    assert post(None, content).status_code == 401
    assert post(world.town_user, content).status_code == 403
    assert post(world.dept_user, content).status_code == 403
    other = post(world.other_county_user, content)
    assert other.status_code == 400 and codes(other) == [(1, "grid_import.village_unknown")]
    url = "/regions/grids/import/"
    assert world.client(world.county_user).get(url).status_code == 200
    assert world.client(world.admin).get(url).status_code == 200
    assert world.client(world.town_user).get(url).status_code == 403
    assert world.client().get(url).status_code == 302
    page = world.client(world.county_user).post(url, {"file": SimpleUploadedFile("g.geojson", content),
                                                      "action": "import"})
    assert page.status_code == 200 and "导入完成" in page.content.decode()
    assert Grid.objects.filter(code="BZS-02").exists()
