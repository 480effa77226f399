import pytest

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import Conflict, ServiceError
from safegrid.inspections import plan
from safegrid.inspections import testing as t
from safegrid.inspections.models import InspectionKind, PlanItem
from safegrid.registry import testing as registry_testing
from safegrid.registry.models import Enterprise
from safegrid.risk.services import required_inspections


def _mix(world):
    t.setup(world)
    registry_testing.create(world, seed=21, name="城区加油站", category="hazardous_chemicals", headcount=1200)
    registry_testing.create(world, seed=22, name="八字哨木器厂", category="trade_light_industry",
                            operating_region="430903101201", lon=112.405, lat=28.605, headcount=30)
    registry_testing.create(world, seed=23, name="会龙山小餐馆", category="small_venues", headcount=5)
    registry_testing.create(world, seed=24, name="已关闭的砖厂", category="trade_building_materials", status="closed")


def test_plan_meets_each_enterprises_frequency_and_cap(world):
    _mix(world)
    created = plan.generate_plan(actor=world.county_user, region_code="430903", year=2026, max_per_year=3)
    items = {i.enterprise_id: i for i in PlanItem.objects.filter(plan=created)}
    operating = Enterprise.objects.filter(region_code="430903", status="operating")
    assert set(items) == set(operating.values_list("pk", flat=True))
    for enterprise in operating:
        required, kind, _reason = required_inspections(enterprise)
        item = items[enterprise.pk]
        assert item.required == required
        assert item.planned == min(required, 3)
        assert item.kind == plan.KIND[kind]
        assert item.random_count <= item.planned
    totals = created.summary["totals"]
    assert totals["share_met"] and totals["random_share"] >= 0.7
    assert {r["name"] for r in created.summary["by_town"]} == {"会龙山街道", "八字哨镇"}
    assert AuditEvent.objects.filter(action="plan_generate").count() == 1


def test_category_rules_and_random_share_are_configurable(world):
    _mix(world)
    created = plan.generate_plan(actor=world.county_user, region_code="430903", year=2026, random_share="0.9",
                                 category_rules={"small_venues": {"min": 2}})
    venue = PlanItem.objects.get(plan=created, enterprise__name="会龙山小餐馆")
    assert venue.planned == 2 and "不少于 2 次" in venue.reason
    assert created.summary["totals"]["random_share"] >= 0.9 or not created.summary["totals"]["share_met"]


def test_key_inspections_keep_one_full_inspection(world):
    items = [PlanItem(enterprise_id=1, planned=2, kind=InspectionKind.FULL, random_count=1),
             PlanItem(enterprise_id=2, planned=1, kind=InspectionKind.RANDOM, random_count=1)]
    plan._top_up(items, 1)
    assert items[0].random_count == 1  # the last full inspection stays a full one


def test_edits_need_a_reason_are_audited_and_compare_and_set(world):
    _mix(world)
    created = plan.generate_plan(actor=world.county_user, region_code="430903", year=2026)
    item = PlanItem.objects.get(plan=created, enterprise=world.ent)
    with pytest.raises(ServiceError) as exc:
        plan.remove_item(item, actor=world.county_user, version=created.version, reason="")
    assert exc.value.code == "reason.required"
    plan.move_item(item, actor=world.county_user, version=created.version, reason="调到二季度", quarter=2)
    item.refresh_from_db()
    assert item.quarter == 2
    with pytest.raises(Conflict):
        plan.remove_item(item, actor=world.county_user, version=1, reason="旧版本")
    created.refresh_from_db()
    plan.remove_item(item, actor=world.county_user, version=created.version, reason="已搬迁")
    created.refresh_from_db()
    assert created.summary["totals"]["enterprises"] == 3
    new = registry_testing.create(world, seed=31, name="新开业化工公司")
    plan.add_item(created, enterprise=new, planned=2, actor=world.county_user, version=created.version,
                  reason="新开业")
    closed = Enterprise.objects.get(name="已关闭的砖厂")
    created.refresh_from_db()
    with pytest.raises(ServiceError) as exc:
        plan.add_item(created, enterprise=closed, planned=1, actor=world.county_user, version=created.version,
                      reason="补充")
    assert exc.value.code == "enterprise.closed"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"plan_item_move", "plan_item_remove", "plan_item_add"} <= actions


def test_only_the_county_office_plans(world):
    _mix(world)
    for user in (world.dept_user, world.town_user, world.leader, world.enterprise_user):
        with pytest.raises(ServiceError) as exc:
            plan.generate_plan(actor=user, region_code="430903", year=2026)
        assert exc.value.status == 403
    with pytest.raises(ServiceError):
        plan.generate_plan(actor=world.other_county_user, region_code="430903", year=2026)
    plan.generate_plan(actor=world.county_user, region_code="430903", year=2026)
    with pytest.raises(ServiceError) as exc:
        plan.generate_plan(actor=world.county_user, region_code="430903", year=2026)
    assert exc.value.code == "plan.exists"
