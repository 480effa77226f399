"""Permission matrix: in scope, out of scope, anonymous, and roles that may not act."""

import datetime

import pytest
from django.urls import reverse

from safegrid.inspections import draw, plan, services
from safegrid.inspections import testing as t
from safegrid.inspections.models import Inspection, InspectionState, LeaderPost, Penalty, PostKind


@pytest.fixture
def setup(world):
    t.setup(world)
    world.inspection = t.started(world)
    world.draw = draw.create_draw(actor=world.county_user, region_code="430903", name="抽查", ratios={"*": 1},
                                  scheduled_from=datetime.date(2026, 4, 1), scheduled_to=datetime.date(2026, 4, 30))
    world.plan = plan.generate_plan(actor=world.county_user, region_code="430903", year=2026)
    return world


STAFF_PAGES = ["inspections:plans", "inspections:draws", "inspections:inspectors", "inspections:leaders"]


def test_pages_in_scope_out_of_scope_anonymous(setup):
    w = setup
    detail = reverse("inspections:detail", args=[w.inspection.pk])
    for user in (w.county_user, w.dept_user, w.town_user, w.leader, w.admin, w.enterprise_user):
        assert w.client(user).get(detail).status_code == 200, user
    assert w.client(w.other_county_user).get(detail).status_code == 404
    assert w.client().get(detail).status_code == 302
    for name in STAFF_PAGES:
        url = reverse(name)
        assert w.client(w.county_user).get(url).status_code == 200, name
        assert w.client(w.enterprise_user).get(url).status_code == 403, name
        assert w.client().get(url).status_code == 302, name
    plan_url = reverse("inspections:plan", args=[w.plan.pk])
    draw_url = reverse("inspections:draw", args=[w.draw.pk])
    for url in (plan_url, draw_url):
        assert w.client(w.county_user).get(url).status_code == 200
        assert w.client(w.other_county_user).get(url).status_code == 404
        assert w.client(w.enterprise_user).get(url).status_code == 403
        assert w.client().get(url).status_code == 302
    export = reverse("inspections:export")
    assert w.client(w.county_user).get(export).status_code == 200
    assert w.client(w.enterprise_user).get(export).status_code == 403
    assert w.client().get(export).status_code == 302


def test_item_and_sign_pages(setup):
    w = setup
    item = w.inspection.checklist.items.first()
    url = reverse("inspections:item", args=[w.inspection.pk, item.pk])
    assert w.client(w.leader).post(url, {"result": "pass"}).status_code == 403
    assert w.client(w.enterprise_user).post(url, {"result": "pass"}).status_code == 403
    assert w.client(w.other_county_user).post(url, {"result": "pass"}).status_code == 404
    assert w.client().post(url, {"result": "pass"}).status_code == 302
    response = w.client(w.dept_user).post(url, {"result": "fail", "note": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "不符合项须填写问题描述" in response.content.decode()
    response = w.client(w.dept_user).post(url, {"result": "pass"}, HTTP_HX_REQUEST="true")
    assert "符合" in response.content.decode()
    sign = reverse("inspections:sign", args=[w.inspection.pk])
    response = w.client(w.dept_user).post(sign, {"version": w.inspection.version, "representative": "张伟"})
    assert response.status_code == 200 and "未填写结果" in response.content.decode()
    w.inspection.refresh_from_db()
    assert w.inspection.state == InspectionState.IN_PROGRESS


def test_api_matrix(setup):
    w = setup
    url = f"/api/v1/inspections/{w.inspection.pk}/"
    assert w.client(w.county_user).get(url).status_code == 200
    assert w.client(w.other_county_user).get(url).status_code == 404
    assert w.client().get(url).status_code in (401, 403)
    assert w.client(w.enterprise_user).get(url).status_code == 200  # started: visible
    start = f"/api/v1/inspections/{w.draw.inspections.first().pk}/start/"
    assert w.client(w.leader).post(start, {"version": 1}).status_code == 403
    assert w.client(w.other_county_user).post(start, {"version": 1}).status_code == 404
    for path in ("/api/v1/random-draws/", "/api/v1/inspection-plans/", "/api/v1/inspectors/"):
        assert w.client(w.county_user).get(path).json()["count"] >= 1, path
        assert w.client(w.other_county_user).get(path).json()["count"] == 0, path
        assert w.client(w.enterprise_user).get(path).status_code == 403, path
        assert w.client().get(path).status_code in (401, 403), path
    response = w.client(w.county_user).post(f"/api/v1/random-draws/{w.draw.pk}/replay/")
    assert response.json()["same_result"] is True
    assert w.client(w.county_user).get("/api/v1/checklists/").status_code == 200
    items = w.client(w.county_user).get(f"/api/v1/inspection-plans/{w.plan.pk}/items/").json()
    assert items["count"] == 1


def test_api_errors_and_writes(setup):
    w = setup
    county = w.client(w.county_user)
    response = county.post("/api/v1/random-draws/", {"region_code": "430903", "scheduled_from": "2026-05-01",
                                                     "scheduled_to": "2026-05-31", "team_size": 5},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "draw.too_few_inspectors"
    response = county.post("/api/v1/penalties/", {"enterprise": w.ent.pk, "amount": "1000", "content": "x"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "legal_basis"
    assert not Penalty.objects.exists()
    response = county.post("/api/v1/penalties/", {"enterprise": w.ent.pk, "amount": "1000", "content": "x",
                                                  "legal_basis": "《安全生产法》第九十七条"},
                           content_type="application/json")
    assert response.status_code == 201
    credit = county.get(f"/api/v1/enforcement/credit/{w.ent.pk}/").json()
    assert credit["penalties"] == 1
    assert w.client(w.other_county_user).get(f"/api/v1/enforcement/credit/{w.ent.pk}/").status_code == 404
    assert w.client(w.enterprise_user).get(f"/api/v1/enforcement/credit/{w.ent.pk}/").status_code == 403
    dept = w.client(w.dept_user)
    item = w.inspection.checklist.items.get(no=1)
    response = dept.post(f"/api/v1/inspections/{w.inspection.pk}/result/", {"item": item.pk, "result": "pass"})
    assert response.status_code == 201
    response = dept.post(f"/api/v1/inspections/{w.inspection.pk}/sign/",
                         {"version": w.inspection.version, "representative": "张伟"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "checklist.incomplete"
    for finding_item in w.inspection.checklist.items.exclude(pk=item.pk):
        services.record_result(w.inspection, actor=w.dept_user, item=finding_item, result="na")
    members = {str(m.pk): t.signature_png() for m in w.inspection.members.all()}
    w.inspection.refresh_from_db()
    response = dept.post(f"/api/v1/inspections/{w.inspection.pk}/sign/",
                         {"version": w.inspection.version, "representative": "张伟", "signatures": members},
                         content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "representative_signature"
    response = dept.post(f"/api/v1/inspections/{w.inspection.pk}/sign/",
                         {"version": w.inspection.version, "representative": "张伟", "signatures": members,
                          "representative_signature": t.signature_png()}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "signed"
    assert Inspection.objects.get(pk=w.inspection.pk).outcome == "no_problem"


def test_leader_fulfilment_api(setup):
    w = setup
    LeaderPost.objects.create(user=w.leader, kind=PostKind.COUNTY_LEADER, region_code="430903")
    response = w.client(w.leader).post(f"/api/v1/inspections/{w.inspection.pk}/participate/")
    assert response.status_code == 200
    day = w.inspection.started_at.date().isoformat()
    rows = w.client(w.county_user).get(f"/api/v1/leader-quotas/fulfilment/?date={day}").json()["results"]
    assert rows[0]["count"] == 1 and rows[0]["met"] is True
    assert w.client(w.other_county_user).get("/api/v1/leader-quotas/fulfilment/").json()["results"] == []
    assert w.client(w.enterprise_user).get("/api/v1/leader-quotas/fulfilment/").status_code == 403
    assert w.client().get("/api/v1/leader-quotas/fulfilment/").status_code in (401, 403)
