"""基础数据: safety categories and hazard types; used rows keep their names (new row instead)."""

import pytest
from rest_framework.test import APIClient

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import HazardType
from safegrid.hazards.testing import enterprise, report
from safegrid.registry import services
from safegrid.registry.forms import category_choices
from safegrid.registry.models import ResponsibilityRule, SafetyCategory

pytestmark = pytest.mark.django_db


def test_new_business_form_gets_a_category_and_a_lead_department(world):
    category = services.create_category(actor=world.admin, code="charging_station", name="电动汽车充电站",
                                        group="新业态", source="地方规定", lead_department=world.department)
    rule = ResponsibilityRule.objects.get(category=category)
    assert rule.lead_department == world.department and rule.region_code == "430903"
    assert ("charging_station", "电动汽车充电站") in category_choices()
    assert AuditEvent.objects.filter(action="category_create", object_id=str(category.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.create_category(actor=world.county_user, code="cold_chain", name="冷链仓储")


def test_used_category_keeps_its_name_and_can_be_retired(world):
    ent = enterprise(world)
    with pytest.raises(ServiceError) as exc:
        services.update_category(ent.category, actor=world.admin, name="改名")
    assert exc.value.code == "category.in_use"
    services.update_category(ent.category, actor=world.admin, active=False)
    assert not SafetyCategory.objects.get(pk=ent.category_id).active
    assert ent.category.code not in dict(category_choices())


def test_used_hazard_type_keeps_its_name(world):
    hazard = report(world)
    with pytest.raises(ServiceError) as exc:
        hazard_services.update_hazard_type(hazard.hazard_type, actor=world.admin, name="电气")
    assert exc.value.code == "hazard_type.in_use"
    new = hazard_services.create_hazard_type(actor=world.admin, code="energy_storage", name="储能设施")
    hazard_services.update_hazard_type(new, actor=world.admin, name="储能电站设施")
    assert HazardType.objects.get(pk=new.pk).name == "储能电站设施"
    with pytest.raises(PermissionDenied):
        hazard_services.create_hazard_type(actor=world.county_user, code="x1", name="x")


def test_pages_and_api(world):
    assert world.client(world.admin).post("/manage/reference/categories/new/", {
        "code": "cold_chain", "name": "冷链仓储", "group": "新业态"}).status_code == 302
    assert world.client(world.county_user).post("/manage/reference/categories/new/", {
        "code": "energy_storage", "name": "储能电站"}).status_code == 403
    assert world.client().get("/manage/reference/").status_code == 302
    api = APIClient()
    api.force_authenticate(world.county_user)
    assert api.post("/api/v1/manage/hazard-types/", {"code": "y", "name": "y"}, format="json").status_code == 403
    api.force_authenticate(world.admin)
    response = api.post("/api/v1/manage/safety-categories/", {"code": "express_delivery_hub", "name": "快递分拨中心",
                                                              "lead_department": world.department.pk}, format="json")
    assert response.status_code == 201
