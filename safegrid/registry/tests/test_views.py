"""Registry pages: permission matrix, export contents, form errors, stale edits, key areas, rules."""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safegrid.audit.models import AuditEvent
from safegrid.registry import key_areas
from safegrid.registry.ledger import LEDGER_HEADERS
from safegrid.registry.models import Enterprise, KeyArea, ResponsibilityRule
from safegrid.registry.testing import create, make_credit_code
from safegrid.testing import square

NOT_FOUND = "对象不存在或不在您的辖区内"
NAME = LEDGER_HEADERS.index("单位名称")


@pytest.fixture
def two(world):
    """One enterprise in each town of 赫山区 and one in 资阳区."""
    a = create(world, name="会龙山化工厂", seed=1)
    b = create(world, name="八字哨烟花店", seed=2, category="fireworks", operating_region="430903101201",
               lon=112.405, lat=28.605, status="suspended", status_since="2025-03-01")
    x = create(world, actor=world.other_county_user, name="汽车路加油站", seed=3, operating_region="430902001001",
               lon=112.205, lat=28.555, credit_code=make_credit_code(county="430902"))
    return a, b, x


def url(name, *args):
    return reverse(f"registry:{name}", args=args)


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def names_on_page(response):
    return {e.name for e in response.context["page"].object_list}


class TestList:
    def test_anonymous_redirected(self, world):
        response = Client().get(url("enterprise_list"))
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    def test_town_sees_own_town_only(self, world, two):
        response = world.client(world.town_user).get(url("enterprise_list"))
        assert response.status_code == 200 and names_on_page(response) == {"会龙山化工厂"}

    def test_county_sees_both_towns_and_filters(self, world, two):
        client = world.client(world.county_user)
        assert names_on_page(client.get(url("enterprise_list"))) == {"会龙山化工厂", "八字哨烟花店"}
        response = client.get(url("enterprise_list"), {"region": world.town_b.code, "category": "fireworks"})
        assert names_on_page(response) == {"八字哨烟花店"}
        assert [c for c, _ in response.context["form"].fields["region"].widget.choices][1:] == [
            world.town_a.code, world.town_b.code]

    def test_htmx_request_gets_only_the_results(self, world, two):
        response = world.client(world.county_user).get(url("enterprise_list"), {"q": "烟花"},
                                                         HTTP_HX_REQUEST="true")
        assert "<html" not in response.text and "八字哨烟花店" in response.text
        assert "会龙山化工厂" not in response.text

    def test_registering_jurisdiction_sees_read_only_badge(self, world):
        # Registered in 会龙山 (town_a), operating in 资阳区: town_a sees it read-only.
        create(world, actor=world.admin, name="异地砂石场", seed=4, operating_region="430902001001",
               registered_region="430903001001", lon=112.205, lat=28.555,
               credit_code=make_credit_code(county="430902"))
        town = world.client(world.town_user).get(url("enterprise_list"))
        assert "异地砂石场" in names_on_page(town) and "异地经营·只读" in town.text
        operating = world.client(world.other_county_user).get(url("enterprise_list"))
        assert "异地砂石场" in names_on_page(operating) and "异地经营·只读" not in operating.text

    def test_read_only_flags_do_not_query_per_row(self, world, two):
        client = world.client(world.county_user)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url("enterprise_list")).status_code == 200
            return len(captured)

        queries()  # warm session and caches
        few = queries()
        for seed in range(10, 16):
            create(world, name=f"补充单位{seed}", seed=seed)
        assert queries() == few


class TestExport:
    """The list's export button is the ledger export with the list's own query string."""

    def test_button_carries_the_filter(self, world, two):
        response = world.client(world.county_user).get(url("enterprise_list"), {"status": "suspended", "q": "烟花"})
        assert response.context["export_url"].startswith(url("ledger_export") + "?")
        assert "status=suspended" in response.context["export_url"]

    def test_export_is_filtered_and_scoped(self, world, two):
        response = world.client(world.county_user).get(url("ledger_export"), {"status": "suspended"})
        assert response.status_code == 200
        rows = xlsx_rows(response)
        assert rows[0] == LEDGER_HEADERS and [r[NAME] for r in rows[1:]] == ["八字哨烟花店"]
        assert rows[1][LEDGER_HEADERS.index("经营状态")] == "停产"

    def test_town_export_holds_own_town_only(self, world, two):
        rows = xlsx_rows(world.client(world.town_user).get(url("ledger_export")))
        assert [r[NAME] for r in rows[1:]] == ["会龙山化工厂"]

    def test_other_county_export_excludes_ours(self, world, two):
        rows = xlsx_rows(world.client(world.other_county_user).get(url("ledger_export")))
        assert [r[NAME] for r in rows[1:]] == ["汽车路加油站"]

    def test_anonymous_and_enterprise_role(self, world, two):
        assert Client().get(url("ledger_export")).status_code == 302
        assert world.client(world.enterprise_user).get(url("ledger_export")).status_code == 403


class TestDetail:
    def test_in_scope(self, world, two):
        a = two[0]
        response = world.client(world.town_user).get(url("enterprise_detail", a.pk))
        assert response.status_code == 200
        assert "会龙山化工厂" in response.text and "会龙山第一网格" in response.text
        assert response.context["may_change"] is True
        assert response.context["history"] is None  # town offices do not read the audit trail

    def test_other_town_is_404(self, world, two):
        response = world.client(world.town_b_user).get(url("enterprise_detail", two[0].pk))
        assert response.status_code == 404 and NOT_FOUND in response.text

    def test_anonymous_redirected(self, world, two):
        assert Client().get(url("enterprise_detail", two[0].pk)).status_code == 302

    def test_county_sees_history_and_blank_area(self, world, two):
        response = world.client(world.county_user).get(url("enterprise_detail", two[0].pk))
        assert [e.action for e in response.context["history"]] == ["enterprise_create"]
        assert "登记单位" in response.text
        assert "属地兜底：会龙山街道" in response.text  # no rule for 危险化学品 in the test world

    def test_lead_department_shown(self, world, two):
        from safegrid.registry.services import set_responsibility_rule
        from safegrid.registry.testing import category
        set_responsibility_rule(county=world.county, category=category("hazardous_chemicals"),
                                lead_department=world.department, actor=world.county_user)
        response = world.client(world.town_user).get(url("enterprise_detail", two[0].pk))
        assert response.context["responsible"]["lead"] == world.department and "属地兜底：" not in response.text

    def test_leader_reads_without_actions(self, world, two):
        response = world.client(world.leader).get(url("enterprise_detail", two[0].pk))
        assert response.status_code == 200 and response.context["may_change"] is False
        assert "sg-actions" not in response.text


class TestCreateAndEdit:
    def test_form_error_next_to_field_and_nothing_written(self, world):
        data = {"name": "新登记公司", "credit_code": "91430903MA4L1234X0", "category": "construction",
                "operating_region": world.village_a.code, "legal_representative_mobile": "12345"}
        response = world.client(world.town_user).post(url("enterprise_create"), data)
        assert response.status_code == 400
        assert 'id="id_credit_code_error"' in response.text and "校验位错误" in response.text
        assert 'id="id_legal_representative_mobile_error"' in response.text
        assert not Enterprise.objects.filter(name="新登记公司").exists()

    def test_create_then_detail(self, world):
        data = {"name": "新登记公司", "credit_code": make_credit_code(), "category": "construction",
                "operating_region": "", "lon": "112.315", "lat": "28.505"}
        response = world.client(world.town_user).post(url("enterprise_create"), data)
        enterprise = Enterprise.objects.get(name="新登记公司")
        assert response.status_code == 302 and response["Location"] == url("enterprise_detail", enterprise.pk)
        assert enterprise.grid == world.grid_a2

    def test_create_outside_scope_is_an_error(self, world):
        data = {"name": "越界公司", "credit_code": make_credit_code(), "category": "construction",
                "operating_region": world.village_b.code}
        response = world.client(world.town_user).post(url("enterprise_create"), data)
        assert response.status_code == 400 and 'id="id_operating_region_error"' in response.text

    def test_create_forbidden_for_officer_and_anonymous(self, world):
        assert world.client(world.officer_user).get(url("enterprise_create")).status_code == 403
        assert Client().get(url("enterprise_create")).status_code == 302

    def test_edit_matrix(self, world, two):
        a = two[0]
        assert world.client(world.town_user).get(url("enterprise_edit", a.pk)).status_code == 200
        assert world.client(world.town_b_user).get(url("enterprise_edit", a.pk)).status_code == 404
        assert world.client(world.leader).get(url("enterprise_edit", a.pk)).status_code == 403
        assert Client().get(url("enterprise_edit", a.pk)).status_code == 302

    def test_edit_saves_with_version(self, world, two):
        a = two[0]
        client = world.client(world.town_user)
        form = client.get(url("enterprise_edit", a.pk)).context["form"]
        data = {k: ("" if v is None else v) for k, v in form.initial.items()} | {"name": "会龙山化工厂(新)"}
        response = client.post(url("enterprise_edit", a.pk), data)
        assert response.status_code == 302
        a.refresh_from_db()
        assert a.name == "会龙山化工厂(新)" and a.version == 2

    def test_stale_edit_is_409(self, world, two):
        a = two[0]
        client = world.client(world.town_user)
        form = client.get(url("enterprise_edit", a.pk)).context["form"]
        data = {k: ("" if v is None else v) for k, v in form.initial.items()}
        client.post(url("enterprise_edit", a.pk), data | {"name": "先保存的名称"})
        response = client.post(url("enterprise_edit", a.pk), data | {"name": "后保存的名称"})
        assert response.status_code == 409 and "已被他人修改" in response.text
        assert url("enterprise_detail", a.pk) in response.text
        a.refresh_from_db()
        assert a.name == "先保存的名称"


class TestActions:
    def test_status_change(self, world, two):
        a = two[0]
        response = world.client(world.town_user).post(url("enterprise_status", a.pk), {
            "status": "closed", "status_since": "2025-06-30", "version": a.version, "reason": "注销"})
        assert response.status_code == 302
        a.refresh_from_db()
        assert a.status == "closed" and str(a.status_since) == "2025-06-30"

    def test_status_bad_date_shown_on_field(self, world, two):
        a = two[0]
        response = world.client(world.town_user).post(url("enterprise_status", a.pk), {
            "status": "closed", "status_since": "30/06/2025", "version": a.version})
        assert response.status_code == 400 and 'id="id_status_since_error"' in response.text

    def test_grid_override_and_clear(self, world, two):
        a = two[0]
        client = world.client(world.town_user)
        response = client.post(url("enterprise_grid_override", a.pk), {"grid": world.grid_a2.pk, "reason": "实际厂区"})
        assert response.status_code == 302
        a.refresh_from_db()
        assert a.grid == world.grid_a2 and a.grid_override_reason == "实际厂区"
        client.post(url("enterprise_grid_clear", a.pk))
        a.refresh_from_db()
        assert a.grid == world.grid_a1 and not a.grid_override_reason

    def test_grid_choices_are_in_scope(self, world, two):
        response = world.client(world.town_user).get(url("enterprise_detail", two[0].pk))
        codes = {label for _, label in response.context["grid_form"].fields["grid"].choices}
        assert codes == {"会龙山第一网格(HLS-01)", "会龙山第二网格(HLS-02)"}
        response = world.client(world.town_user).post(url("enterprise_grid_override", two[0].pk),
                                                       {"grid": world.grid_b1.pk, "reason": "x"})
        assert response.status_code == 400

    def test_void_needs_reason(self, world, two):
        a = two[0]
        client = world.client(world.town_user)
        response = client.post(url("enterprise_void", a.pk), {"reason": ""})
        assert response.status_code == 400 and 'id="id_reason_error"' in response.text
        assert client.post(url("enterprise_void", a.pk), {"reason": "重复登记"}).status_code == 302
        a.refresh_from_db()
        assert a.voided_at is not None
        assert "会龙山化工厂" not in names_on_page(client.get(url("enterprise_list")))

    def test_actions_out_of_scope_and_forbidden(self, world, two):
        a = two[0]
        assert world.client(world.town_b_user).post(url("enterprise_void", a.pk), {"reason": "x"}).status_code == 404
        assert world.client(world.leader).post(url("enterprise_void", a.pk), {"reason": "x"}).status_code == 403
        assert Client().post(url("enterprise_void", a.pk), {"reason": "x"}).status_code == 302
        a.refresh_from_db()
        assert a.voided_at is None


class TestMapData:
    def test_map_page(self, world, two):
        response = world.client(world.county_user).get(url("map"))
        assert response.status_code == 200 and 'id="enterprise-map"' in response.text
        assert "http://" not in response.text and "https://" not in response.text
        assert [t.code for t in response.context["towns"]] == [world.town_a.code, world.town_b.code]
        assert Client().get(url("map")).status_code == 302

    def test_points_are_scoped(self, world, two):
        points = "/api/v1/enterprises/points/"
        town = world.client(world.town_user).get(points).json()["points"]
        assert [p[4] for p in town] == ["会龙山化工厂"]
        other = world.client(world.town_b_user).get(points, {"region": world.town_a.code}).json()["points"]
        assert other == []
        assert Client().get(points).status_code in (401, 403)


class TestRules:
    def test_county_edits_rule(self, world):
        client = world.client(world.county_user)
        response = client.get(url("rules"))
        assert response.status_code == 200 and response.context["may_edit"] is True
        assert response.context["blank_count"] == len(response.context["rows"])  # no rules yet
        edit = url("rule_edit", world.county.code, "construction")
        response = client.post(edit, {"lead_department": str(world.department.pk), "note": "住建牵头"})
        assert response.status_code == 302
        rule = ResponsibilityRule.objects.get(region_code="430903", category__code="construction")
        assert rule.lead_department == world.department
        assert AuditEvent.objects.filter(action="responsibility_rule_set").exists()

    def test_town_reads_but_cannot_edit(self, world):
        client = world.client(world.town_user)
        response = client.get(url("rules"))
        assert response.status_code == 200 and response.context["may_edit"] is False
        assert "属地兜底" in response.text
        assert client.get(url("rule_edit", world.county.code, "construction")).status_code == 403

    def test_other_county_is_404_and_anonymous_redirected(self, world):
        client = world.client(world.other_county_user)
        assert client.get(url("rules"), {"county": world.county.code}).status_code == 404
        assert client.get(url("rule_edit", world.county.code, "construction")).status_code == 404
        assert Client().get(url("rules")).status_code == 302
        assert world.client(world.enterprise_user).get(url("rules")).status_code == 403


class TestLists:
    def test_landing_counts(self, world, two):
        response = world.client(world.county_user).get(url("lists"))
        assert response.status_code == 200
        assert response.context["enterprise_count"] == 2 and response.context["closed_count"] == 1
        assert Client().get(url("lists")).status_code == 302

    def test_breakdown_and_export(self, world, two):
        client = world.client(world.town_user)
        response = client.get(url("list_enterprises"))
        assert response.context["by_category"] == [("危险化学品", 1)]
        assert response.context["by_section"] == [("C 制造业", 1)]
        rows = xlsx_rows(client.get(url("list_enterprises_export")))
        assert rows == [["安全监管类别", "单位数"], ["危险化学品", 1]]

    def test_closed_list_shows_suspended_and_closed_only(self, world, two):
        client = world.client(world.county_user)
        response = client.get(url("list_closed"))
        assert names_on_page(response) == {"八字哨烟花店"} and "2025-03-01" in response.text
        assert "status=suspended" in response.context["export_url"]
        assert names_on_page(client.get(url("list_closed"), {"status": "operating"})) == {"八字哨烟花店"}
        assert names_on_page(world.client(world.town_user).get(url("list_closed"))) == set()

    def test_hazard_list_is_scoped_and_risk_list_a_placeholder(self, world, settings, tmp_path):
        from safegrid.hazards.testing import report

        settings.MEDIA_ROOT = tmp_path
        hazard = report(world)
        client = world.client(world.town_user)
        hazards = client.get(url("list_hazards"))
        assert [h.pk for h in hazards.context["page"]] == [hazard.pk] and "整改时限" in hazards.text
        assert list(world.client(world.town_b_user).get(url("list_hazards")).context["page"]) == []
        assert client.get(url("lists")).context["hazard_count"] == 1
        assert "风险等级" in client.get(url("list_risks")).text


class TestKeyAreas:
    def test_create_from_grids_counts_enterprises(self, world, two):
        client = world.client(world.town_user)
        response = client.post(url("key_area_create"), {
            "county": world.county.code, "name": "化工园区", "reason": "危化品企业集中",
            "grids": [world.grid_a1.pk]})
        assert response.status_code == 302
        area = KeyArea.objects.get(name="化工园区")
        assert list(area.grids.all()) == [world.grid_a1]
        assert AuditEvent.objects.filter(action="key_area_create", object_id=str(area.pk)).exists()
        (row,) = client.get(url("key_areas")).context["areas"]
        assert row.grid_count == 1 and row.enterprise_count == 1

    def test_polygon_area_and_bad_polygon(self, world, two):
        client = world.client(world.county_user)
        bad = client.post(url("key_area_create"), {"county": world.county.code, "name": "坏边界", "reason": "r",
                                                   "polygon": '{"type": "Point", "coordinates": [1, 2]}'})
        assert bad.status_code == 400 and 'id="id_polygon_error"' in bad.text and "面" in bad.text
        assert not KeyArea.objects.exists()
        import json
        client.post(url("key_area_create"), {"county": world.county.code, "name": "八字哨片区", "reason": "烟花爆竹",
                                             "polygon": json.dumps(square(112.40, 28.60))})
        area = KeyArea.objects.get(name="八字哨片区")
        assert [e.name for e in key_areas.enterprises_in(area)] == ["八字哨烟花店"]

    def test_list_counts_without_a_query_per_grid_area(self, world, two):
        def queries(areas):
            for i in range(areas):
                key_areas.create_key_area(name=f"片区{i}", reason="r", county=world.county,
                                          grids=[world.grid_a1, world.grid_b1], actor=world.county_user)
            with CaptureQueriesContext(connection) as ctx:
                response = world.client(world.county_user).get(url("key_areas"))
            assert {row.enterprise_count for row in response.context["areas"]} == {2}
            return len(ctx.captured_queries)

        assert queries(1) == queries(5)

    def test_grid_out_of_scope_is_rejected(self, world):
        response = world.client(world.town_user).post(url("key_area_create"), {
            "county": world.county.code, "name": "越界", "reason": "r", "grids": [world.grid_b1.pk]})
        assert response.status_code == 400 and not KeyArea.objects.exists()

    def test_void_matrix_and_export(self, world, two):
        area = key_areas.create_key_area(name="化工园区", reason="r", county=world.county, grids=[world.grid_a1],
                                         actor=world.county_user)
        assert world.client(world.other_county_user).post(url("key_area_void", area.pk),
                                                          {"reason": "x"}).status_code == 404
        assert world.client(world.officer_user).post(url("key_area_void", area.pk), {"reason": "x"}).status_code == 403
        assert Client().post(url("key_area_void", area.pk), {"reason": "x"}).status_code == 302
        rows = xlsx_rows(world.client(world.town_b_user).get(url("key_area_export")))
        assert rows[1][0] == "化工园区" and rows[1][5] == 0  # town_b sees none of town_a's enterprises
        assert world.client(world.other_county_user).get(url("key_areas")).context["areas"] == []
        world.client(world.town_user).post(url("key_area_void", area.pk), {"reason": "已搬迁"})
        area.refresh_from_db()
        assert area.voided_at is not None and area.void_reason == "已搬迁"


def test_navigation_has_registry_entries(world):
    response = world.client(world.town_user).get("/")
    for label in ("监管对象", "一张图", "五个清单"):
        assert label in response.text
    assert "五个清单" not in world.client(world.enterprise_user).get("/").text
