"""Risk services: the hierarchy, assessments with history, failing checks -> hazards, major hazard sources."""

import datetime

import pytest

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.hazards.models import Hazard, Source
from safegrid.risk import services
from safegrid.risk.models import (
    ControlCheckRecord,
    EnterpriseGrade,
    MajorHazardComputation,
    MajorHazardSource,
    RiskAssessment,
    RiskEvent,
)
from safegrid.risk.testing import hierarchy, other_enterprise

pytestmark = pytest.mark.django_db
AMMONIA_TANK = {"name": "液氨罐区", "unit_type": "storage", "people_500m": 40,
                "substances": [{"name": "氨", "quantity": "30"}]}


def test_enterprise_user_builds_the_hierarchy_and_the_event_gets_its_colour(world, frozen):
    h = hierarchy(world)
    event = h["event"]
    assert (event.method, str(event.score), event.color, event.assessed_on) == ("LEC", "252.00", "orange",
                                                                                 frozen.day)
    assessment = event.assessments.get()
    assert assessment.inputs == {"L": "6", "E": "6", "C": "7"} and assessment.scale_data["edition"] == 1
    assert assessment.assessor == world.enterprise_user.display_name
    assert AuditEvent.objects.filter(action="risk_assess", object_id=str(event.pk)).exists()


def test_reassessment_keeps_history_and_replays(world, frozen):
    event = hierarchy(world)["event"]
    services.assess(event, {"method": "LS", "L": 5, "S": 5, "assessor": "安全员李强"}, actor=world.enterprise_user,
                    version=event.version)
    event.refresh_from_db()
    assert (event.method, event.color) == ("LS", "red")
    first, second = event.assessments.order_by("id")
    assert (first.color, second.color, second.assessor) == ("orange", "red", "安全员李强")
    assert services.replay_assessment(first) == (first.score, first.color)


def test_bad_assessment_writes_nothing(world, frozen):
    unit = hierarchy(world)["unit"]
    with pytest.raises(ServiceError) as exc:
        services.create_event(unit, {"name": "高处坠落", "method": "LEC", "L": 4, "E": 6, "C": 7},
                              actor=world.enterprise_user)
    assert exc.value.field == "L"
    assert not RiskEvent.objects.filter(name="高处坠落").exists()
    with pytest.raises(ServiceError):
        services.create_event(unit, {"name": "高处坠落", "method": "LS", "L": 6, "S": 1}, actor=world.enterprise_user)
    assert RiskAssessment.objects.count() == 1


def test_only_the_enterprise_itself_maintains_its_list(world, frozen):
    h = hierarchy(world)
    for actor in (world.county_user, world.town_user, world.officer_user):
        with pytest.raises(PermissionDenied):
            services.create_unit(h["object"], {"name": "x"}, actor=actor)
    with pytest.raises(PermissionDenied):
        services.create_object(other_enterprise(world), {"name": "x"}, actor=world.enterprise_user)


def test_a_failing_control_measure_reports_a_linked_hazard(world, frozen, django_capture_on_commit_callbacks):
    h = hierarchy(world)
    with django_capture_on_commit_callbacks(execute=True):
        ok = services.record_check(h["task"], {"result": "ok"}, actor=world.enterprise_user)
        failed = services.record_check(h["task"], {"result": "failed", "note": "报警仪超过检定期"},
                                       actor=world.enterprise_user)
    assert ok.hazard is None
    hazard = Hazard.objects.get(pk=failed.hazard_id)
    assert (hazard.enterprise_id, hazard.source) == (h["enterprise"].pk, Source.SELF_INSPECTION)
    assert "管控措施失效" in hazard.description and "报警仪超过检定期" in hazard.description
    grade = EnterpriseGrade.objects.get(enterprise=h["enterprise"])  # regraded after the hazard's commit
    assert any(r["key"] == "open_hazards" for r in grade.reasons)


def test_a_failed_check_needs_a_note(world, frozen):
    task = hierarchy(world)["task"]
    with pytest.raises(ServiceError) as exc:
        services.record_check(task, {"result": "failed"}, actor=world.enterprise_user)
    assert exc.value.field == "note"
    assert not ControlCheckRecord.objects.exists() and not Hazard.objects.exists()


def test_register_and_recompute_a_major_hazard_source(world, frozen):
    ent = hierarchy(world)["enterprise"]
    source = services.register_source(ent, AMMONIA_TANK, actor=world.enterprise_user)
    # q/Q = 3, β = 2, α = 1.2: R = 7.2, level 4.
    assert (source.is_major, str(source.ratio_sum), str(source.r_value), source.level) == (True, "3.0000", "7.2000", 4)
    again = services.recompute_source(source, {"people_500m": 150, "substances": [{"name": "氨", "quantity": "300"}]},
                                      actor=world.enterprise_user, version=source.version)
    assert (str(again.r_value), again.level) == ("120.0000", 1)  # 2 × 2 × 30
    first, second = MajorHazardComputation.objects.filter(source=source).order_by("id")
    assert first.result["level"] == 4 and second.result["level"] == 1
    from safegrid.risk import gb18218

    assert gb18218.compute(first.inputs, first.standard) == first.result  # a snapshot replays


def test_a_bad_unit_stores_nothing(world, frozen):
    ent = hierarchy(world)["enterprise"]
    for substances, people in ([{"name": "氨", "quantity": "-5"}], 10), ([{"cas": "7664-41-8", "quantity": "5"}], 10), \
            ([{"name": "不存在的物质", "quantity": "5"}], 10), ([{"name": "氨", "quantity": "5"}], -1):
        with pytest.raises(ServiceError):
            services.register_source(ent, {**AMMONIA_TANK, "substances": substances, "people_500m": people},
                                     actor=world.enterprise_user)
    assert not MajorHazardSource.objects.exists() and not MajorHazardComputation.objects.exists()


def test_task_cycle_is_checked(world, frozen):
    measure = hierarchy(world)["measure"]
    for cycle, unit in ((0, "day"), (400, "day"), ("x", "week"), (1, "year")):
        with pytest.raises(ServiceError):
            services.create_task(measure, {"cycle": cycle, "cycle_unit": unit}, actor=world.enterprise_user)


def test_scale_edits_are_admin_only_new_editions_and_old_assessments_still_replay(world, frozen):
    event = hierarchy(world)["event"]
    with pytest.raises(PermissionDenied):
        services.set_scale(province="43", method="LEC", scales={}, bands=[], source="x", actor=world.county_user)
    scale = services.set_scale(
        province="43", method="LEC", scales={"L": [10, 6, 3, 1, 0.5, 0.2, 0.1], "E": [10, 6, 3, 2, 1, 0.5],
                                             "C": [100, 40, 15, 7, 3, 1]},
        bands=[{"color": "red", "op": ">", "value": 240}, {"color": "orange", "op": ">", "value": 160},
               {"color": "yellow", "op": ">", "value": 70}, {"color": "blue", "op": ">=", "value": 0}],
        source="湖南省某文件(示例)", actor=world.admin)
    assert scale.edition == 1 and scale.province == "43"
    services.assess(event, {"method": "LEC", "L": 6, "E": 6, "C": 7}, actor=world.enterprise_user,
                    version=event.version)
    old, new = event.assessments.order_by("id")
    assert (old.color, new.color) == ("orange", "red")  # 252 under the Hunan edition is red
    assert services.replay_assessment(old) == (old.score, "orange")
    assert AuditEvent.objects.filter(action="risk_scale_set").exists()


def test_assessment_date_cannot_be_in_the_future(world, frozen):
    event = hierarchy(world)["event"]
    with pytest.raises(ServiceError) as exc:
        services.assess(event, {"method": "LS", "L": 1, "S": 1, "assessed_on": frozen.day + datetime.timedelta(days=1)},
                        actor=world.enterprise_user, version=event.version)
    assert exc.value.field == "assessed_on"
