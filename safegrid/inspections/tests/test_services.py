import datetime
import subprocess
from decimal import Decimal

import pytest
from django.test import override_settings

from safegrid.core.errors import Conflict, ServiceError
from safegrid.hazards.models import Grade, Hazard, Source
from safegrid.hazards.testing import jpeg
from safegrid.inspections import credit, directory, leaders, pdf, services
from safegrid.inspections import testing as t
from safegrid.inspections.models import (
    EnforcementOrder,
    Finding,
    InspectionState,
    LeaderPost,
    Outcome,
    Penalty,
    PostKind,
)
from safegrid.registry import services as registry_services
from safegrid.risk import grading


def test_failed_item_with_a_criterion_becomes_a_major_hazard(world):
    t.setup(world)
    inspection = t.started(world)
    item = inspection.checklist.items.get(no=3)  # 2017 item 十二: detectors and explosion-proof equipment
    finding = services.record_result(inspection, actor=world.dept_user, item=item, result="fail",
                                     note="罐区未设可燃气体报警仪", files=[jpeg()])
    hazard = finding.hazard
    assert hazard.grade == Grade.MAJOR and hazard.criterion == item.criterion
    assert hazard.source == Source.DEPARTMENT_INSPECTION and hazard.enterprise == world.ent
    assert hazard.photos.count() == 1 and finding.photos.count() == 1
    plain = inspection.checklist.items.get(no=8)  # no criterion: a general hazard
    assert services.record_result(inspection, actor=world.dept_user, item=plain, result="fail",
                                  note="应急预案未演练").hazard.grade == Grade.GENERAL
    with pytest.raises(Conflict):
        services.record_result(inspection, actor=world.dept_user, item=item, result="pass")


def test_fail_without_a_description_and_results_before_start_are_refused(world):
    t.setup(world)
    inspection = t.scheduled(world)
    item = inspection.checklist.items.first()
    with pytest.raises(Conflict):
        services.record_result(inspection, actor=world.dept_user, item=item, result="pass")
    inspection = services.start(inspection, actor=world.dept_user, version=inspection.version)
    with pytest.raises(ServiceError) as exc:
        services.record_result(inspection, actor=world.dept_user, item=item, result="fail", note="")
    assert exc.value.code == "note.required" and not Finding.objects.exists()


def test_only_team_members_conduct(world):
    t.setup(world)
    inspection = t.scheduled(world, inspectors=world.inspectors[1:])  # dept_user is not on this team
    with pytest.raises(ServiceError) as exc:
        services.start(inspection, actor=world.dept_user, version=inspection.version)
    assert exc.value.status == 403
    for user in (world.leader, world.enterprise_user, world.officer_user):
        with pytest.raises(ServiceError):
            services.start(inspection, actor=user, version=inspection.version)


def test_first_inspector_leads_the_second_links(world):
    t.setup(world)
    first = t.started(world)
    item = first.checklist.items.get(no=7)
    lead = services.record_result(first, actor=world.dept_user, item=item, result="fail", note="禁配物质混存")
    second = services.schedule(enterprise=world.ent, actor=world.county_user, kind="special",
                               scheduled_on=datetime.date(2026, 3, 12), inspectors=world.inspectors[:2])
    second = services.start(second, actor=world.dept_user, version=second.version)
    follower = services.record_result(second, actor=world.dept_user, item=item, result="fail", note="同一问题")
    assert follower.first_finding == lead and follower.hazard == lead.hazard
    assert Hazard.objects.count() == 1
    base = {"enterprise": world.ent.pk, "legal_basis": "《安全生产法》第一百零二条", "content": "未采取措施消除隐患",
            "amount": "20000"}
    with pytest.raises(ServiceError) as exc:
        services.issue_penalty({**base, "finding": follower.pk}, actor=world.county_user)
    assert exc.value.code == "penalty.not_first"
    services.issue_penalty({**base, "finding": lead.pk}, actor=world.county_user)
    with pytest.raises(ServiceError) as exc:
        services.issue_penalty({**base, "finding": lead.pk}, actor=world.county_user)
    assert exc.value.code == "penalty.duplicate" and Penalty.objects.count() == 1


@override_settings(SAFEGRID_FIRST_INSPECTOR_WINDOW_DAYS=0)
def test_outside_the_window_a_new_hazard_is_reported(world):
    t.setup(world)
    first = t.started(world)
    item = first.checklist.items.get(no=7)
    services.record_result(first, actor=world.dept_user, item=item, result="fail", note="混存")
    second = t.started(world)
    services.record_result(second, actor=world.dept_user, item=item, result="fail", note="又混存")
    assert Hazard.objects.count() == 2


def test_sign_off_needs_every_signature_and_a_complete_checklist(world):
    t.setup(world)
    inspection = t.started(world)
    with pytest.raises(ServiceError) as exc:
        t.signed(world, inspection)
    assert exc.value.code == "checklist.incomplete"
    t.fill(world, inspection, fail_item_no=2)
    members = list(inspection.members.all())
    inspection.refresh_from_db()
    cases = [
        ({}, t.signature_png(), "signature.required"),
        ({str(m.pk): t.signature_png(blank=True) for m in members}, t.signature_png(), "signature.empty"),
        ({str(m.pk): t.signature_png() for m in members}, "data:image/png;base64,bm90IGEgcG5n", "signature.invalid"),
        ({str(m.pk): t.signature_png() for m in members}, "", "signature.required"),
    ]
    for member_signatures, representative, code in cases:
        with pytest.raises(ServiceError) as exc:
            services.sign(inspection, actor=world.dept_user, version=inspection.version,
                          member_signatures=member_signatures, representative="张伟",
                          representative_signature=representative)
        assert exc.value.code == code
        inspection.refresh_from_db()
        assert inspection.state == InspectionState.IN_PROGRESS and not inspection.representative_signature
    signed = t.signed(world, inspection)
    assert signed.state == InspectionState.SIGNED and signed.outcome == Outcome.HAZARDS_FOUND
    assert all(m.signature and m.signed_at for m in signed.members.all())


def test_pdf_record_in_chinese_with_signatures(world, tmp_path):
    t.setup(world)
    inspection = t.started(world)
    t.fill(world, inspection, fail_item_no=2)
    data = pdf.render(t.signed(world, inspection))
    assert data.startswith(b"%PDF")
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    try:
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert world.ent.name in text.replace("\n", "") and "特种作业人员持证上岗" in text.replace("\n", "")
    assert b"/Image" in data or b"/XObject" in data


def test_no_inspection_of_a_closed_enterprise(world):
    t.setup(world)
    registry_services.set_status(world.ent, status="closed", since="2026-01-01", actor=world.county_user,
                                 version=world.ent.version)
    world.ent.refresh_from_db()
    with pytest.raises(ServiceError) as exc:
        t.scheduled(world)
    assert exc.value.code == "inspection.enterprise_closed"


def test_schedule_refuses_conflicts_and_single_inspectors(world):
    t.setup(world)
    with pytest.raises(ServiceError) as exc:
        t.scheduled(world, inspectors=world.inspectors[:1])
    assert exc.value.code == "inspectors.min"
    directory.add_conflict(world.inspectors[1], enterprise=world.ent, kind="relative", note="配偶任安全员",
                           actor=world.county_user)
    with pytest.raises(ServiceError) as exc:
        t.scheduled(world)
    assert exc.value.code == "inspectors.conflict" and "陈执法" in exc.value.message


def test_penalty_needs_a_legal_basis_and_counts_in_the_grade(world):
    t.setup(world)
    base = {"enterprise": world.ent.pk, "content": "未如实记录隐患排查治理情况", "amount": "5000.50"}
    with pytest.raises(ServiceError) as exc:
        services.issue_penalty({**base, "legal_basis": "  "}, actor=world.county_user)
    assert exc.value.code == "legal_basis.required" and not Penalty.objects.exists()
    for amount in ("-1", "abc"):
        with pytest.raises(ServiceError):
            services.issue_penalty({**base, "legal_basis": "《安全生产法》第九十七条", "amount": amount},
                                   actor=world.county_user)
    penalty = services.issue_penalty({**base, "legal_basis": "《安全生产法》第九十七条"}, actor=world.county_user)
    assert penalty.amount == Decimal("5000.50")
    today = penalty.decided_on
    assert credit.penalty_factors([world.ent.pk], today) == {world.ent.pk: {"penalties": 1}}
    collected = grading.collect(type(world.ent).objects.filter(pk=world.ent.pk), today)
    assert collected[world.ent.pk][1]["penalties"] == 1
    assert "penalties" not in collected[world.ent.pk][1].get("not_connected", [])
    record = credit.enforcement_record(world.ent)
    assert record["penalties"] == 1 and record["penalty_amount"] == "5000.50"
    for user in (world.town_user, world.leader, world.enterprise_user):
        with pytest.raises(ServiceError) as exc:
            services.issue_penalty({**base, "legal_basis": "x"}, actor=user)
        assert exc.value.status == 403


def test_orders(world):
    t.setup(world)
    base = {"enterprise": world.ent.pk, "legal_basis": "《安全生产法》第六十五条", "content": "责令停产停业整顿"}
    with pytest.raises(ServiceError) as exc:
        services.issue_order({**base, "kind": "rectify"}, actor=world.county_user)
    assert exc.value.code == "deadline.required"
    services.issue_order({**base, "kind": "stop_production"}, actor=world.county_user)
    assert credit.enforcement_record(world.ent)["stop_production_orders"] == 1
    with pytest.raises(ServiceError):
        services.issue_order({**base, "kind": "stop_production", "enterprise": world.ent.pk},
                             actor=world.other_county_user)
    assert EnforcementOrder.objects.count() == 1


def test_leaders_quota_fulfilment(world):
    t.setup(world)
    LeaderPost.objects.create(user=world.leader, kind=PostKind.COUNTY_HEAD, region_code="430903")
    LeaderPost.objects.create(user=world.dept_user, kind=PostKind.DEPARTMENT_DEPUTY, region_code="430903")
    inspection = t.started(world)
    planned = t.scheduled(world)
    with pytest.raises(ServiceError) as exc:
        services.record_participation(planned, actor=world.leader)
    assert exc.value.code == "inspection.not_started"
    services.record_participation(inspection, actor=world.leader)
    with pytest.raises(ServiceError):
        services.record_participation(inspection, actor=world.leader)
    with pytest.raises(ServiceError) as exc:
        services.record_participation(inspection, actor=world.town_user)
    assert exc.value.code == "leader.no_post"
    day = inspection.started_at.date()
    rows = {r["post"].user_id: r for r in leaders.fulfilment(LeaderPost.objects.all(), day)}
    assert rows[world.leader.pk]["count"] == 1 and not rows[world.leader.pk]["met"]  # ≥ 2 a year
    assert rows[world.dept_user.pk]["count"] == 0 and rows[world.dept_user.pk]["quota"].period == "month"
    services.record_participation(inspection, actor=world.county_user, user=world.dept_user)
    rows = {r["post"].user_id: r for r in leaders.fulfilment(LeaderPost.objects.all(), day)}
    assert rows[world.dept_user.pk]["met"]
    assert leaders.period_bounds("quarter", 2026, 4) == (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
