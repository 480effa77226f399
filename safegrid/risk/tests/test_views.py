"""Risk pages and API: scoping (own enterprise, own town, anonymous), forms, export, import, map points."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safegrid.registry import testing as registry_testing
from safegrid.risk import grading, workbook
from safegrid.risk.models import RiskEvent, RiskUnit
from safegrid.risk.testing import hierarchy, other_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, frozen):
    h = hierarchy(world)  # 会龙山街道, linked to world.enterprise_user
    other = other_enterprise(world)  # 八字哨镇
    grading.regrade()
    return h["enterprise"], other, h


def test_anonymous_is_sent_to_login_and_the_api_answers_401(world, setup):
    ent, _, _ = setup
    client = world.client()
    for url in ("/risk/", "/risk/list/", f"/risk/enterprises/{ent.pk}/", "/risk/map/", "/risk/calculator/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    assert client.get("/api/v1/risk/enterprises/").status_code == 401
    assert client.post("/api/v1/risk/gb18218/", {}, content_type="application/json").status_code == 401


def test_enterprise_user_sees_only_its_own(world, setup):
    ent, other, _ = setup
    client = world.client(world.enterprise_user)
    assert client.get("/risk/")["Location"] == f"/risk/enterprises/{ent.pk}/"
    page = client.get(f"/risk/enterprises/{ent.pk}/")
    assert page.status_code == 200 and "液氨泄漏中毒" in page.content.decode()
    assert client.get(f"/risk/enterprises/{other.pk}/").status_code == 404
    assert client.get("/risk/list/").status_code == 403  # the list is for staff
    body = client.get("/api/v1/risk/enterprises/").json()
    assert [r["id"] for r in body["results"]] == [ent.pk]
    assert client.get(f"/api/v1/risk/enterprises/{other.pk}/").status_code == 404
    events = client.get("/api/v1/risk/events/").json()["results"]
    assert len(events) == 1 and events[0]["assessments"][0]["inputs"] == {"L": "6", "E": "6", "C": "7"}


def test_town_officer_sees_own_town_only(world, setup):
    ent, other, _ = setup
    client = world.client(world.town_user)
    page = client.get("/risk/list/").content.decode()
    assert ent.name in page and other.name not in page
    assert client.get(f"/risk/enterprises/{ent.pk}/").status_code == 200
    assert client.get(f"/risk/enterprises/{other.pk}/").status_code == 404
    ids = [r["id"] for r in client.get("/api/v1/risk/enterprises/").json()["results"]]
    assert ids == [ent.pk]
    assert [p[0] for p in client.get("/risk/map/points/").json()["points"]] == [ent.pk]
    outsider = world.client(world.other_county_user)
    assert outsider.get(f"/risk/enterprises/{ent.pk}/").status_code == 404
    assert outsider.get("/api/v1/risk/enterprises/").json()["results"] == []


def test_county_officer_sees_both_with_colours_and_exports(world, setup):
    ent, other, _ = setup
    client = world.client(world.county_user)
    page = client.get("/risk/list/").content.decode()
    assert ent.name in page and other.name in page and "sg-town-counts" in page
    only_blue = client.get("/risk/list/?color=blue", headers={"HX-Request": "true"}).content.decode()
    assert ent.name in only_blue  # 90 points: blue
    response = client.get("/risk/list/export.xlsx?color=blue")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ent.name in names and sheet.cell(1, 6).value == "安全码"
    points = client.get("/risk/map/points/?color=blue").json()["points"]
    assert {p[0] for p in points} >= {ent.pk} and all(p[3] == "blue" for p in points)


def test_staff_may_not_change_an_enterprise_list(world, setup):
    ent, _, h = setup
    client = world.client(world.county_user)
    response = client.post(f"/risk/enterprises/{ent.pk}/units/", {"new_object": "x", "name": "y"})
    assert response.status_code == 403
    response = world.client(world.enterprise_user).post(f"/risk/enterprises/{ent.pk}/units/",
                                                         {"new_object": "x", "name": "y"})
    assert response.status_code == 302 and RiskUnit.objects.filter(name="y").exists()
    assert world.client(world.leader).post(f"/risk/enterprises/{ent.pk}/events/", {}).status_code == 403


def test_enterprise_enters_an_event_with_lec_and_sees_its_colour(world, setup):
    ent, _, h = setup
    client = world.client(world.enterprise_user)
    response = client.post(f"/risk/enterprises/{ent.pk}/events/", {
        "unit": h["unit"].pk, "name": "储罐超压爆炸", "method": "LEC", "L": "3", "E": "6", "C": "40"}, follow=True)
    page = response.content.decode()
    assert "储罐超压爆炸" in page and "风险值 720.00，红(重大风险)" in page
    bad = client.post(f"/risk/enterprises/{ent.pk}/events/", {
        "unit": h["unit"].pk, "name": "x", "method": "LS", "L": "6", "S": "1"})
    assert bad.status_code == 400 and "1~5" in bad.content.decode()
    assert not RiskEvent.objects.filter(name="x").exists()


def test_calculator_page_and_api(world, setup):
    client = world.client(world.town_user)
    page = client.post("/risk/calculator/", {"unit_type": "storage", "people_500m": "0",
                                             "substances": "液氨, 10"}).content.decode()
    assert "构成四级重大危险源" in page and "R = α × Σ(β·q/Q)" in page
    bad = client.post("/risk/calculator/", {"unit_type": "storage", "people_500m": "0", "substances": "7664-41-8, 10"})
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    api = client.post("/api/v1/risk/gb18218/", {"unit_type": "production", "people_500m": 60,
                                                "substances": [{"name": "氯", "quantity": 5}]},
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["level"] == 4 and api.json()["alpha"] == "1.5"
    error = client.post("/api/v1/risk/gb18218/", {"unit_type": "production", "people_500m": -1,
                                                  "substances": [{"name": "氯", "quantity": 5}]},
                        content_type="application/json").json()
    assert error["field"] == "people_500m" and error["code"] == "people_500m.negative"


def _xlsx(sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in workbook.SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append([h for h, _ in sheet.columns])
        for row in sheets.get(sheet.title, []):
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("risk.xlsx", out.getvalue())


def test_workbook_round_trip_and_all_or_nothing_import(world, setup):
    ent, _, _ = setup
    client = world.client(world.enterprise_user)
    response = client.get(f"/risk/enterprises/{ent.pk}/workbook.xlsx")
    exported = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert exported.sheetnames == [s.title for s in workbook.SHEETS]
    assert [c.value for c in exported["风险事件"][2]][:6] == ["1号液氨储罐", "液氨泄漏中毒", "LEC", 6, 6, 7]
    good = _xlsx({"风险分析对象": [["装卸区"]], "风险分析单元": [["装卸区", "汽车装卸台", "储运部", "赵六"]],
                  "风险事件": [["汽车装卸台", "装卸软管破裂泄漏", "LS", 3, None, None, 4]],
                  "管控措施": [["装卸软管破裂泄漏", "软管每月检查", "软管有无老化", "维护保养", "班组级"]],
                  "排查任务": [["装卸软管破裂泄漏", "软管每月检查", "", 1, "月"]]})
    response = client.post(f"/risk/enterprises/{ent.pk}/import/", {"file": good})
    assert response.status_code == 302
    event = RiskEvent.objects.get(name="装卸软管破裂泄漏")
    assert (event.method, event.color) == ("LS", "yellow")
    bad = _xlsx({"风险分析单元": [["装卸区", "新单元"]], "风险事件": [["新单元", "新事件", "LEC", 4, 6, 7]],
                 "管控措施": [["不存在的事件", "措施"]]})
    response = client.post(f"/risk/enterprises/{ent.pk}/import/", {"file": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "未导入任何数据" in page
    assert "风险事件" in page and "不在 LEC 取值表中" in page and "不存在的事件" in page
    assert not RiskUnit.objects.filter(name="新单元").exists()


def test_registry_five_lists_link_to_the_risk_list(world, setup):
    response = world.client(world.county_user).get("/registry/lists/risks/")
    assert response.status_code == 200 and "sg-risk-table" in response.text and "风险等级" in response.text


def test_required_inspections_api(world, setup):
    ent, _, _ = setup
    body = world.client(world.county_user).get(f"/api/v1/risk/enterprises/{ent.pk}/inspections/").json()
    assert body["per_year"] == 2 and body["kind"] == "random"


def test_scale_editing_is_admin_only(world, setup):
    payload = {"province": "43", "method": "LS", "scales": {"L": [1, 2, 3, 4, 5], "S": [1, 2, 3, 4, 5]},
               "bands": [{"color": "red", "op": ">=", "value": 16}, {"color": "orange", "op": ">=", "value": 12},
                         {"color": "yellow", "op": ">=", "value": 6}, {"color": "blue", "op": ">=", "value": 1}],
               "source": "示例文件"}
    assert world.client(world.county_user).post("/api/v1/risk/scales/", payload,
                                                content_type="application/json").status_code == 403
    response = world.client(world.admin).post("/api/v1/risk/scales/", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["edition"] == 1


def test_other_county_enterprise_is_invisible(world, setup):
    stranger = registry_testing.create(world, seed=9, name="资阳区某厂", operating_region="430902001001", lon=112.205,
                                       lat=28.555, actor=world.other_county_user)
    client = world.client(world.county_user)
    assert client.get(f"/risk/enterprises/{stranger.pk}/").status_code == 404
