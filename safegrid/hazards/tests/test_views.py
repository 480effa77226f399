"""Hazard pages: permission matrix for every page, actions shown only when allowed, conflicts,
the report form, bulk assign, daily-report drill-downs and the photo files."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from safegrid.hazards.models import Hazard, HazardPhoto, State
from safegrid.hazards.testing import enterprise, jpeg, report, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(frozen):
    """Every test runs on Monday 2026-03-02 (the walk helper's deadlines lie ahead of it)."""
    return frozen


@pytest.fixture
def ent(world):
    return enterprise(world)


@pytest.fixture
def hazard(world, ent):
    return report(world, ent, before_photos=[jpeg()])


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def url(name, *args, **query):
    base = reverse(f"hazards:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def assert_login_redirect(response):
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def action_names(response):
    return [a["name"] for a in response.context["actions"]]


class TestMatrix:
    def test_detail(self, world, hazard):
        target = url("detail", hazard.pk)
        for user in (world.county_user, world.town_user, world.officer_user, world.enterprise_user, world.leader,
                     world.admin):
            assert client(user).get(target).status_code == 200, user
        for user in (world.town_b_user, world.other_county_user, world.dept_user):
            assert client(user).get(target).status_code == 404, user
        assert_login_redirect(client().get(target))

    def test_list_and_tasks_are_scoped(self, world, hazard):
        for name in ("list", "tasks"):
            assert_login_redirect(client().get(url(name)))
        assert [h.pk for h in client(world.town_user).get(url("list")).context["page"]] == [hazard.pk]
        assert list(client(world.town_b_user).get(url("list")).context["page"]) == []
        assert [h.pk for h in client(world.enterprise_user).get(url("list")).context["page"]] == [hazard.pk]
        assert [h.pk for h in client(world.town_user).get(url("tasks")).context["rows"]] == [hazard.pk]
        assert client(world.town_b_user).get(url("tasks")).context["rows"] == []

    @pytest.mark.parametrize("name", ["daily", "supervised", "credit", "dishonest"])
    def test_staff_pages(self, world, hazard, name):
        assert client(world.county_user).get(url(name)).status_code == 200
        assert client(world.leader).get(url(name)).status_code == 200
        assert client(world.enterprise_user).get(url(name)).status_code == 403
        assert_login_redirect(client().get(url(name)))

    def test_credit_detail(self, world, ent, hazard):
        target = url("credit-detail", ent.pk)
        response = client(world.town_user).get(target)
        assert response.status_code == 200 and response.context["record"].hazards_total == 1
        assert client(world.other_county_user).get(target).status_code == 404
        assert client(world.town_b_user).get(target).status_code == 404
        assert client(world.enterprise_user).get(target).status_code == 403
        assert_login_redirect(client().get(target))

    def test_credit_list_scoped(self, world, ent, hazard):
        assert [e.pk for e in client(world.county_user).get(url("credit")).context["page"]] == [ent.pk]
        assert list(client(world.other_county_user).get(url("credit")).context["page"]) == []

    def test_report_page(self, world):
        for user in (world.officer_user, world.town_user, world.enterprise_user):
            assert client(user).get(url("report")).status_code == 200, user
        assert client(world.leader).get(url("report")).status_code == 403
        assert_login_redirect(client().get(url("report")))

    def test_photo_files(self, world, hazard):
        photo = HazardPhoto.objects.get(hazard=hazard)
        for name in ("photo", "photo-thumb"):
            response = client(world.officer_user).get(url(name, photo.pk))
            assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
            assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
            assert client(world.town_b_user).get(url(name, photo.pk)).status_code == 404
            assert_login_redirect(client().get(url(name, photo.pk)))


class TestActions:
    def test_actions_follow_role_and_state(self, world, hazard):
        target = url("detail", hazard.pk)
        assert set(action_names(client(world.town_user).get(target))) == {"confirm", "reject", "merge", "photos"}
        assert action_names(client(world.officer_user).get(target)) == ["photos"]
        assert action_names(client(world.leader).get(target)) == []
        assert action_names(client(world.enterprise_user).get(target)) == ["photos"]
        walk(world, hazard, "assigned", department=world.department)
        assert "plan" in action_names(client(world.enterprise_user).get(target))
        assert "plan" in action_names(client(world.dept_user).get(target))
        assert "assign" in action_names(client(world.county_user).get(target))
        assert "confirm" not in action_names(client(world.town_user).get(target))

    def test_forms_only_for_allowed_actions(self, world, hazard):
        html = client(world.officer_user).get(url("detail", hazard.pk)).content.decode()
        assert 'id="sg-form-confirm"' not in html and 'id="sg-form-photos"' in html
        html = client(world.town_user).get(url("detail", hazard.pk)).content.decode()
        assert 'id="sg-form-confirm"' in html and 'id="sg-form-plan"' not in html

    def test_confirm_by_town(self, world, hazard):
        response = client(world.town_user).post(url("action", hazard.pk, "confirm"), {"version": hazard.version})
        assert response.status_code == 302
        hazard.refresh_from_db()
        assert hazard.state == State.CONFIRMED

    def test_post_matrix(self, world, hazard):
        target = url("action", hazard.pk, "confirm")
        assert client(world.town_b_user).post(target, {"version": 1}).status_code == 404
        assert client(world.leader).post(target, {"version": 1}).status_code == 403
        assert client(world.officer_user).post(target, {"version": 1}).status_code == 403
        assert_login_redirect(client().post(target, {"version": 1}))
        assert client(world.town_user).get(target).status_code == 405
        hazard.refresh_from_db()
        assert hazard.state == State.REPORTED and hazard.version == 1

    def test_wrong_state_is_a_conflict_and_changes_nothing(self, world, hazard):
        hazard = walk(world, hazard, "confirmed")
        response = client(world.town_user).post(url("action", hazard.pk, "confirm"), {"version": hazard.version})
        assert response.status_code == 409
        text = response.content.decode()
        assert "已确认待交办" in text and url("detail", hazard.pk) in text
        fresh = Hazard.objects.get(pk=hazard.pk)
        assert (fresh.state, fresh.version) == (State.CONFIRMED, hazard.version)

    def test_stale_version_is_a_conflict(self, world, hazard):
        response = client(world.town_user).post(url("action", hazard.pk, "reject"),
                                                {"version": hazard.version - 1 or 99, "reason": "重复"})
        assert response.status_code == 409 and "已被他人处理" in response.content.decode()
        assert Hazard.objects.get(pk=hazard.pk).state == State.REPORTED

    def test_required_reason_stays_on_the_page(self, world, hazard):
        response = client(world.town_user).post(url("action", hazard.pk, "reject"), {"version": hazard.version})
        assert response.status_code == 400
        assert "必须填写原因" in response.content.decode() and response.context["open_action"] == "reject"
        assert Hazard.objects.get(pk=hazard.pk).state == State.REPORTED

    def test_enterprise_plans_and_submits_evidence(self, world, hazard):
        hazard = walk(world, hazard, "assigned", department=world.department)
        c = client(world.enterprise_user)
        response = c.post(url("action", hazard.pk, "plan"), {"version": hazard.version, "responsible_person": "王五"})
        assert response.status_code == 400 and "整改措施不能为空" in response.content.decode()
        assert Hazard.objects.get(pk=hazard.pk).state == State.ASSIGNED
        response = c.post(url("action", hazard.pk, "plan"), {
            "version": hazard.version, "responsible_person": "王五", "measures": "更换线路", "working_days": "5"})
        assert response.status_code == 302
        hazard.refresh_from_db()
        assert hazard.state == State.RECTIFYING and hazard.deadline is not None
        response = c.post(url("action", hazard.pk, "submit"), {"version": hazard.version, "description": "已更换"})
        assert response.status_code == 400 and "整改后照片" in response.content.decode()
        response = c.post(url("action", hazard.pk, "submit"), {
            "version": hazard.version, "description": "已更换", "after_photos": [jpeg("after.jpg")]})
        assert response.status_code == 302
        hazard.refresh_from_db()
        assert hazard.state == State.SUBMITTED and hazard.photos.filter(kind="after").count() == 1

    def test_department_accepts(self, world, hazard):
        hazard = walk(world, hazard, "submitted", department=world.department)
        assert "accept" in action_names(client(world.dept_user).get(url("detail", hazard.pk)))
        response = client(world.dept_user).post(url("action", hazard.pk, "accept"), {"version": hazard.version})
        assert response.status_code == 302 and Hazard.objects.get(pk=hazard.pk).state == State.CLOSED

    def test_detail_shows_timeline_deadline_note_and_supervised_badge(self, world, hazard, frozen):
        hazard = walk(world, hazard, "rectifying", deadline="2026-03-10", today=frozen)
        Hazard.objects.filter(pk=hazard.pk).update(grade="major", deadline="2026-02-27",
                                                   deadline_note="按周一至周五推算（2027年官方节假日安排未录入）")
        response = client(world.county_user).get(url("detail", hazard.pk))
        text = response.content.decode()
        assert 'id="sg-supervised"' in text and "益阳市" in text
        assert "按周一至周五推算" in text and "已超期" in text
        assert [e.label for e in response.context["events"]] == ["上报隐患", "核实确认", "交办", "制定整改方案(五定)"]


class TestBulkAssign:
    def test_assigns_all(self, world, ent):
        a, b = (walk(world, report(world, ent), "confirmed") for _ in range(2))
        response = client(world.town_user).post(url("bulk-assign"), {
            "hazard": [a.pk, b.pk], f"v{a.pk}": a.version, f"v{b.pk}": b.version, "department": world.department.pk})
        assert response.status_code == 302
        assert set(Hazard.objects.values_list("state", "assigned_department")) == {("assigned", world.department.pk)}

    def test_all_or_nothing(self, world, ent):
        a = walk(world, report(world, ent), "confirmed")
        b = report(world, ent)  # still reported: cannot be assigned
        response = client(world.town_user).post(url("bulk-assign"), {
            "hazard": [a.pk, b.pk], "department": world.department.pk}, follow=True)
        assert "批量交办未执行" in response.content.decode()
        assert Hazard.objects.get(pk=a.pk).state == State.CONFIRMED

    def test_matrix(self, world, ent):
        a = walk(world, report(world, ent), "confirmed")
        data = {"hazard": [a.pk], "department": world.department.pk}
        assert client(world.town_b_user).post(url("bulk-assign"), data).status_code == 404
        assert client(world.dept_user).post(url("bulk-assign"), data).status_code == 403
        assert client(world.leader).post(url("bulk-assign"), data).status_code == 403
        assert_login_redirect(client().post(url("bulk-assign"), data))
        assert Hazard.objects.get(pk=a.pk).state == State.CONFIRMED


class TestReport:
    def test_no_owner_place_with_photo(self, world):
        response = client(world.officer_user).post(url("report"), {
            "enterprise": "", "grid": "HLS-01", "location": "公园东门", "lon": "112.305", "lat": "28.505",
            "hazard_type": "electrical", "grade": "general", "handling": "by_deadline",
            "description": "路灯配电箱门缺失", "before_photos": [jpeg()]})
        hazard = Hazard.objects.get()
        assert response.status_code == 302 and response["Location"] == url("detail", hazard.pk)
        assert hazard.grid.code == "HLS-01" and hazard.photos.count() == 1 and hazard.reporter == world.officer_user

    def test_on_the_spot_needs_after_photo_and_writes_nothing(self, world, ent):
        response = client(world.officer_user).post(url("report"), {
            "enterprise": ent.pk, "hazard_type": "electrical", "grade": "general", "handling": "on_spot",
            "description": "灭火器过期"})
        assert response.status_code == 400 and "即查即改须上传整改后照片" in response.content.decode()
        assert response.context["step"] == 2 and not Hazard.objects.exists()

    def test_major_needs_criterion(self, world, ent):
        response = client(world.officer_user).post(url("report"), {
            "enterprise": ent.pk, "hazard_type": "electrical", "grade": "major", "handling": "by_deadline",
            "description": "储罐区无防火堤"})
        assert response.status_code == 400 and "判定标准条目" in response.content.decode()
        assert not Hazard.objects.exists()

    def test_enterprise_outside_scope_refused(self, world):
        from safegrid.registry.testing import create, make_credit_code

        far = create(world, actor=world.other_county_user, name="汽车路加油站", operating_region="430902001001",
                     lon=112.205, lat=28.555, credit_code=make_credit_code(county="430902"))
        response = client(world.officer_user).post(url("report"), {
            "enterprise": far.pk, "hazard_type": "electrical", "description": "x"})
        assert response.status_code == 400 and not Hazard.objects.exists()


class TestNearby:
    def test_sorted_by_distance_in_scope(self, world, ent):
        from safegrid.registry.testing import create

        farther = create(world, name="会龙山加油站", seed=5, lon=112.309, lat=28.505)
        response = client(world.officer_user).get(url("nearby", lon="112.3051", lat="28.5051"))
        assert response.status_code == 200
        assert [e.pk for e, _ in response.context["rows"]] == [ent.pk, farther.pk]
        assert response.context["grid"].code == "HLS-01"
        assert client(world.town_b_user).get(url("nearby", lon="112.3051", lat="28.5051")).context["rows"] == []
        assert client(world.leader).get(url("nearby")).status_code == 403
        assert_login_redirect(client().get(url("nearby")))

    def test_search_by_name(self, world, ent):
        rows = client(world.officer_user).get(url("nearby", q="恒安")).context["rows"]
        assert [e.pk for e, _ in rows] == [ent.pk]


class TestDaily:
    def test_drilldowns_list_what_the_cells_count(self, world, ent):
        report(world, ent)
        closed = walk(world, report(world, ent), "closed")
        assert closed.state == State.CLOSED
        response = client(world.county_user).get(url("daily"))
        c = client(world.county_user)
        for row in response.context["rows"]:
            for n, link in row["cells"]:
                listed = c.get(link).context["page"].paginator.count
                assert listed == n, link
        assert [n for n, _ in response.context["totals"]] == [2, 1, 0, 0, 1]


class TestHome:
    def test_cards(self, world, hazard):
        response = client(world.town_user).get("/")
        text = response.content.decode()
        assert re.search(r'id="sg-card-tasks">1<', text) and re.search(r'id="sg-card-confirm">1<', text)
        response = client(world.enterprise_user).get("/")
        assert 'id="sg-card-confirm"' not in response.content.decode()

    def test_nav(self, world):
        text = client(world.officer_user).get("/").content.decode()
        assert reverse("hazards:tasks") in text and reverse("hazards:list") in text

