"""系统管理 › 领导职务与定额 and checklists as reference data: scope, versions kept, audit."""

import datetime

import pytest
from rest_framework.test import APIClient

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.hazards.models import HazardType
from safegrid.inspections import leaders, services
from safegrid.inspections import testing as t
from safegrid.inspections.models import Checklist, LeaderPost, PostKind
from safegrid.regions import services as rs

pytestmark = pytest.mark.django_db
D = datetime.date


class TestLeaderPosts:
    def test_post_with_duties_and_liaison(self, world):
        t.setup(world)
        post = services.save_leader_post(actor=world.county_user, user=world.leader, kind=PostKind.COUNTY_LEADER,
                                         title="副区长", region=world.county, liaison_enterprise=world.ent,
                                         duties="分管应急管理\n\n每季度带队检查")
        assert post.duty_list == ["分管应急管理", "每季度带队检查"] and post.region_code == "430903"
        assert AuditEvent.objects.filter(action="leader_post_save", object_id=str(post.pk)).exists()
        services.end_leader_post(post, actor=world.county_user, reason="换届")
        assert not LeaderPost.objects.get(pk=post.pk).active

    def test_place_must_fit_the_kind(self, world):
        t.setup(world)
        cases = [({"kind": PostKind.TOWN_HEAD, "region": world.county}, "post.region"),
                 ({"kind": PostKind.DEPARTMENT_HEAD}, "post.department"),
                 ({"kind": PostKind.TOWN_HEAD, "region": world.town_b, "liaison_enterprise": world.ent},
                  "post.liaison_place")]  # the enterprise lies in 会龙山街道
        for kwargs, code in cases:
            with pytest.raises(ServiceError) as exc:
                services.save_leader_post(actor=world.county_user, user=world.leader, **kwargs)
            assert exc.value.code == code

    def test_scope(self, world):
        for actor in (world.town_user, world.other_county_user, world.leader):
            with pytest.raises(PermissionDenied):
                services.save_leader_post(actor=actor, user=world.leader, kind=PostKind.COUNTY_HEAD,
                                          region=world.county)
        assert not LeaderPost.objects.exists()
        assert world.client(world.town_user).get("/manage/leaders/").status_code == 403
        assert world.client().get("/manage/leaders/").status_code == 302
        assert world.client(world.county_user).get("/manage/leaders/").status_code == 200

    def test_api(self, world):
        api = APIClient()
        api.force_authenticate(world.county_user)
        response = api.post("/api/v1/manage/leader-posts/", {
            "username": "leader", "kind": "county_head", "region": "430903", "duties": ["全面负责安全生产"]},
            format="json")
        assert response.status_code == 201 and response.data["duties"] == ["全面负责安全生产"]
        api.force_authenticate(world.town_user)
        assert api.get("/api/v1/manage/leader-posts/").status_code == 403


class TestQuotas:
    def test_a_new_quota_leaves_earlier_periods_alone(self, world):
        LeaderPost.objects.create(user=world.leader, kind=PostKind.COUNTY_LEADER, region_code="430903",
                                  region=world.county)
        assert leaders.quota_for(PostKind.COUNTY_LEADER, "430903", D(2026, 5, 1)).minimum == 1
        services.set_quota(actor=world.county_user, county=world.county, kind=PostKind.COUNTY_LEADER,
                           period="quarter", minimum=3, valid_from=D(2026, 7, 1), source="区委办〔2026〕12号")
        assert leaders.quota_for(PostKind.COUNTY_LEADER, "430903", D(2026, 5, 1)).minimum == 1
        assert leaders.quota_for(PostKind.COUNTY_LEADER, "430903", D(2026, 8, 1)).minimum == 3
        assert leaders.quota_for(PostKind.COUNTY_LEADER, "430902", D(2026, 8, 1)).minimum == 1  # other county
        second = {r["post"].user_id: r for r in leaders.fulfilment(LeaderPost.objects.all(), D(2026, 5, 20))}
        third = {r["post"].user_id: r for r in leaders.fulfilment(LeaderPost.objects.all(), D(2026, 8, 20))}
        assert second[world.leader.pk]["quota"].minimum == 1 and third[world.leader.pk]["quota"].minimum == 3
        with pytest.raises(ServiceError):
            services.set_quota(actor=world.county_user, county=world.county, kind=PostKind.COUNTY_LEADER,
                               period="quarter", minimum=2, valid_from=D(2026, 6, 1), source="x")
        with pytest.raises(PermissionDenied):
            services.set_quota(actor=world.other_county_user, county=world.county, kind=PostKind.COUNTY_LEADER,
                               period="year", minimum=2, valid_from=D(2027, 1, 1), source="x")


class TestChecklistEditions:
    def test_an_edit_is_a_new_edition_and_inspections_keep_theirs(self, world):
        t.setup(world)
        inspection = t.started(world)
        old = inspection.checklist
        items = [services.ItemInput(i.text, i.basis, i.hazard_type, i.criterion) for i in old.items.all()]
        items.append(services.ItemInput("新增：储罐区视频监控正常", "地方规定", HazardType.objects.get(code="electrical")))
        new = services.new_checklist_edition(actor=world.admin, code=old.code, name=old.name, basis=old.basis,
                                             items=items, categories=old.categories.all())
        assert new.edition == str(int(old.edition) + 1) and new.items.count() == old.items.count() + 1
        assert not Checklist.objects.get(pk=old.pk).active
        inspection.refresh_from_db()
        assert inspection.checklist_id == old.pk  # the inspection keeps the edition it was done with
        assert t.scheduled(world).checklist_id == new.pk  # a new one uses the current edition
        with pytest.raises(PermissionDenied):
            services.new_checklist_edition(actor=world.county_user, code=old.code, name="x", basis="x", items=items)

    def test_reference_pages(self, world):
        assert world.client(world.county_user).get("/manage/reference/?tab=checklists").status_code == 200
        assert world.client(world.county_user).get("/manage/reference/checklists/new/").status_code == 403
        assert world.client(world.admin).get("/manage/reference/checklists/new/").status_code == 200
        assert world.client(world.town_user).get("/manage/reference/").status_code == 403


def test_department_for_leader_post(world):
    department = rs.create_department(name="区应急管理局", county=world.county, actor=world.county_user)
    post = services.save_leader_post(actor=world.county_user, user=world.dept_user, kind=PostKind.DEPARTMENT_HEAD,
                                     department=department)
    assert post.region == world.county and post.department == department
