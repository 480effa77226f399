import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.hazards import services
from safegrid.hazards.models import (
    CloseOutStep,
    Hazard,
    HazardEvent,
    HazardPhoto,
    MajorHazardCriterion,
    State,
)
from safegrid.hazards.testing import enterprise, jpeg, report, walk
from safegrid.regions.models import Grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def ent(world):
    return enterprise(world)


def criterion():
    return MajorHazardCriterion.objects.get(sector="hazardous_chemicals", article="二")


class TestReport:
    def test_enterprise_hazard_resolves_place_and_responsibility(self, world, ent, frozen):
        hazard = report(world, ent, before_photos=[jpeg()])
        assert hazard.state == State.REPORTED and hazard.version == 1
        assert hazard.town == world.town_a and hazard.grid == world.grid_a1
        assert hazard.scope_path == world.grid_a1.path and hazard.region_code == "430903"
        assert hazard.territorial_fallback is True  # no responsibility rule for the category
        assert HazardEvent.objects.filter(hazard=hazard, action="report").exists()
        assert AuditEvent.objects.filter(action="hazard_report", object_id=str(hazard.pk)).exists()

    def test_unowned_place_needs_grid_and_location(self, world):
        hazard = report(world)
        assert hazard.enterprise is None and hazard.grid == world.grid_a1
        with pytest.raises(ServiceError) as exc:
            report(world, location="")
        assert exc.value.field == "location"

    def test_grid_must_be_in_scope_and_in_service(self, world):
        """The grid look-up is cached per role and jurisdiction (services.grid_in_scope)."""
        assert report(world).grid == world.grid_a1
        assert report(world, actor=world.county_user, grid="BZS-01").grid == world.grid_b1
        for actor, code in ((world.officer_user, "BZS-01"), (world.town_user, "QCL-01"),
                            (world.officer_user, "NOPE-99")):
            with pytest.raises(ServiceError) as exc:
                report(world, actor=actor, grid=code)
            assert exc.value.code == "grid.required"
        Grid.objects.filter(pk=world.grid_a1.pk).update(voided_at=timezone.now())  # bulk: no signals
        with pytest.raises(ServiceError) as exc:
            report(world)
        assert exc.value.code == "grid.required"

    def test_photo_exif_kept_with_thumbnail(self, world, ent):
        hazard = report(world, ent, before_photos=[jpeg()])
        photo = HazardPhoto.objects.get(hazard=hazard)
        assert photo.content_type == "image/jpeg" and photo.thumbnail.name
        assert timezone.localtime(photo.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"
        assert photo.gps_lon == pytest.approx(112.305, abs=1e-4)
        assert photo.gps_lat == pytest.approx(28.505, abs=1e-4)

    def test_jpg_that_is_not_an_image_refused(self, world, ent):
        fake = SimpleUploadedFile("现场.jpg", b"GIF89a not really" * 10, content_type="image/jpeg")
        with pytest.raises(ServiceError) as exc:
            report(world, ent, before_photos=[jpeg(), fake])
        assert exc.value.code == "photo.not_image"
        assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()

    def test_11_mb_photo_refused(self, world, ent):
        big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), content_type="image/jpeg")
        with pytest.raises(ServiceError) as exc:
            report(world, ent, before_photos=[big])
        assert exc.value.code == "photo.too_large"
        assert not Hazard.objects.exists()

    def test_photo_count_configurable(self, world, ent, settings):
        settings.SAFEGRID_HAZARD_PHOTO_MAX_COUNT = 2
        with pytest.raises(ServiceError) as exc:
            report(world, ent, before_photos=[jpeg(), jpeg(), jpeg()])
        assert exc.value.code == "photo.too_many"

    def test_major_needs_criterion(self, world, ent):
        with pytest.raises(ServiceError) as exc:
            report(world, ent, grade="major")
        assert exc.value.code == "criterion.required"
        hazard = report(world, ent, grade="major", criterion=criterion().pk)
        assert hazard.criterion.text.startswith("特种作业人员")

    def test_leader_cannot_report(self, world, ent):
        with pytest.raises(PermissionDenied):
            report(world, ent, actor=world.leader)

    def test_enterprise_reports_only_its_own(self, world, ent):
        hazard = report(world, None, actor=world.enterprise_user, enterprise=None, source="")
        assert hazard.enterprise == ent and hazard.source == "self_inspection"

    def test_recurrence_within_window(self, world, ent, frozen):
        first = walk(world, report(world, ent), "closed", deadline="2026-03-10")
        again = report(world, ent)
        assert again.recurrence_of == first
        other_type = report(world, ent, hazard_type="fire_facilities")
        assert other_type.recurrence_of is None

    def test_recurrence_window_configurable(self, world, ent, frozen, settings):
        walk(world, report(world, ent), "closed", deadline="2026-03-10")
        settings.SAFEGRID_RECURRENCE_WINDOW_DAYS = 0
        Hazard.objects.update(closed_at=Hazard.objects.get().closed_at - datetime.timedelta(days=2))
        assert report(world, ent).recurrence_of is None


class TestOnTheSpot:
    def test_goes_to_acceptance_and_town_accepts(self, world, ent):
        hazard = report(world, ent, handling="on_spot", after_photos=[jpeg()], rectification_description="当场加锁")
        assert hazard.state == State.SUBMITTED
        with pytest.raises(PermissionDenied):
            services.accept(hazard, actor=world.officer_user, version=hazard.version)
        with pytest.raises(PermissionDenied):
            services.accept(hazard, actor=world.dept_user, version=hazard.version)
        hazard = services.accept(hazard, actor=world.town_user, version=hazard.version)
        assert hazard.state == State.CLOSED and hazard.closed_at

    def test_needs_after_photo(self, world, ent):
        with pytest.raises(ServiceError) as exc:
            report(world, ent, handling="on_spot")
        assert exc.value.code == "photos.after_required"

    def test_major_cannot_be_on_spot(self, world, ent):
        with pytest.raises(ServiceError) as exc:
            report(world, ent, handling="on_spot", grade="major", criterion=criterion().pk, after_photos=[jpeg()])
        assert exc.value.code == "handling.major_on_spot"


# (transition, allowed roles, denied roles) — every transition allowed and denied per role.
MATRIX = [
    ("confirm", ["county_user", "town_user", "admin"], ["officer_user", "enterprise_user", "leader"]),
    ("reject", ["county_user", "town_user", "admin"], ["officer_user", "enterprise_user", "leader"]),
    ("assign", ["county_user", "town_user", "admin"], ["officer_user", "enterprise_user", "dept_user", "leader"]),
    ("plan", ["county_user", "town_user", "enterprise_user", "admin"], ["officer_user", "leader"]),
    ("submit", ["county_user", "town_user", "enterprise_user", "officer_user", "admin"], ["leader"]),
    ("accept", ["county_user", "town_user", "admin"], ["officer_user", "enterprise_user", "leader"]),
    ("send_back", ["county_user", "town_user", "admin"], ["officer_user", "enterprise_user", "leader"]),
    ("extend", ["county_user", "admin"], ["officer_user", "enterprise_user", "dept_user", "leader"]),
    ("void", ["admin"], ["county_user", "town_user", "officer_user", "enterprise_user", "dept_user", "leader"]),
]
START = {"confirm": "reported", "reject": "reported", "assign": "confirmed", "plan": "assigned",
         "submit": "rectifying", "accept": "submitted", "send_back": "submitted", "extend": "rectifying",
         "void": "reported"}


def run(name, hazard, actor):
    v = hazard.version
    calls = {
        "confirm": lambda: services.confirm(hazard, actor=actor, version=v),
        "reject": lambda: services.reject(hazard, actor=actor, version=v, reason="不属于安全生产隐患"),
        "assign": lambda: services.assign(hazard, actor=actor, version=v),
        "plan": lambda: services.plan(hazard, actor=actor, version=v, data={
            "responsible_person": "张伟", "measures": "更换", "working_days": 5}),
        "submit": lambda: services.submit(hazard, actor=actor, version=v, description="完成", after_photos=[jpeg()]),
        "accept": lambda: services.accept(hazard, actor=actor, version=v),
        "send_back": lambda: services.send_back(hazard, actor=actor, version=v, reason="照片不清"),
        "extend": lambda: services.extend(hazard, actor=actor, version=v, data={"deadline": "2026-04-30"},
                                          reason="设备到货延迟"),
        "void": lambda: services.void_hazard(hazard, actor=actor, version=v, reason="重复录入"),
    }
    return calls[name]()


def at(world, ent, state):
    hazard = report(world, ent)
    return hazard if state == "reported" else walk(world, hazard, state)


@pytest.mark.parametrize("name,allowed,denied", MATRIX)
def test_transition_roles(world, ent, frozen, name, allowed, denied):
    for role in denied:
        hazard = at(world, ent, START[name])
        with pytest.raises(PermissionDenied):
            run(name, hazard, getattr(world, role))
        assert Hazard.objects.get(pk=hazard.pk).version == hazard.version  # nothing written
    for role in allowed:
        hazard = at(world, ent, START[name])
        after = run(name, hazard, getattr(world, role))
        assert after.version == hazard.version + 1, role


def test_department_acts_only_when_assigned(world, ent, frozen):
    hazard = walk(world, report(world, ent), "assigned")  # assigned to the town (属地兜底)
    with pytest.raises(PermissionDenied):
        run("plan", hazard, world.dept_user)
    hazard = walk(world, report(world, ent), "assigned", department=world.department)
    assert run("plan", hazard, world.dept_user).state == State.RECTIFYING


def test_wrong_state_is_conflict_with_current(world, ent, frozen):
    hazard = report(world, ent)
    with pytest.raises(Conflict) as exc:
        services.accept(hazard, actor=world.county_user, version=hazard.version)
    assert exc.value.status == 409 and exc.value.current["state"] == "reported"


def test_stale_version_is_conflict(world, ent, frozen):
    hazard = walk(world, report(world, ent), "submitted")
    stale = Hazard.objects.get(pk=hazard.pk)
    services.send_back(hazard, actor=world.town_user, version=hazard.version, reason="照片不清")
    with pytest.raises(Conflict) as exc:
        services.accept(stale, actor=world.county_user, version=stale.version)
    assert exc.value.current["state"] == "rectifying"
    # Accept read the row afresh: even with the old state in hand, nothing was half-written.
    assert Hazard.objects.get(pk=hazard.pk).closed_at is None
    stale_version_only = Hazard.objects.get(pk=hazard.pk)
    with pytest.raises(Conflict):
        services.submit(stale_version_only, actor=world.county_user, version=stale_version_only.version - 1,
                        description="x", after_photos=[jpeg()])


class TestPlan:
    def test_deadline_in_past_refused(self, world, ent, frozen):
        hazard = walk(world, report(world, ent), "assigned")
        with pytest.raises(ServiceError) as exc:
            services.plan(hazard, actor=world.county_user, version=hazard.version,
                          data={"responsible_person": "张伟", "measures": "更换", "deadline": "2026-03-01"})
        assert exc.value.code == "deadline.past"
        assert Hazard.objects.get(pk=hazard.pk).state == State.ASSIGNED

    def test_major_requires_all_five(self, world, ent, frozen):
        hazard = walk(world, report(world, ent, grade="major", criterion=criterion().pk), "assigned")
        with pytest.raises(ServiceError) as exc:
            services.plan(hazard, actor=world.county_user, version=hazard.version,
                          data={"responsible_person": "张伟", "measures": "更换", "deadline": "2026-03-20"})
        assert {e["field"] for e in exc.value.errors} == {"funds", "contingency_plan"}
        assert Hazard.objects.get(pk=hazard.pk).state == State.ASSIGNED

    def test_working_days_deadline_2027_flagged(self, world, ent):
        hazard = walk(world, report(world, ent), "assigned")
        hazard = services.plan(hazard, actor=world.county_user, version=hazard.version, today=datetime.date(2026, 12, 30),
                               data={"responsible_person": "张伟", "measures": "更换", "working_days": 5})
        assert hazard.deadline == datetime.date(2027, 1, 7)  # 元旦 (Fri 1 Jan) is a statutory holiday
        assert hazard.deadline_basis == "weekdays" and "2027年官方节假日安排未录入" in hazard.deadline_note


class TestExtend:
    def test_once_with_reason(self, world, ent, frozen):
        hazard = walk(world, report(world, ent), "rectifying")
        with pytest.raises(ServiceError):
            services.extend(hazard, actor=world.county_user, version=hazard.version, data={"deadline": "2026-04-30"},
                            reason="")
        hazard = services.extend(hazard, actor=world.county_user, version=hazard.version,
                                 data={"deadline": "2026-04-30"}, reason="设备到货延迟")
        assert hazard.original_deadline == datetime.date(2026, 3, 20) and hazard.extension_approver == world.county_user
        with pytest.raises(ServiceError) as exc:
            services.extend(hazard, actor=world.county_user, version=hazard.version,
                            data={"deadline": "2026-05-30"}, reason="再延")
        assert exc.value.code == "extend.once"

    def test_town_approves_only_what_it_assigned(self, world, ent, frozen):
        hazard = walk(world, report(world, ent), "rectifying")  # assigned by the county
        with pytest.raises(PermissionDenied):
            services.extend(hazard, actor=world.town_user, version=hazard.version, data={"deadline": "2026-04-30"},
                            reason="延期")
        hazard = report(world, ent)
        hazard = services.confirm(hazard, actor=world.town_user, version=hazard.version)
        hazard = services.assign(hazard, actor=world.town_user, version=hazard.version)
        hazard = services.plan(hazard, actor=world.town_user, version=hazard.version,
                               data={"responsible_person": "张伟", "measures": "更换", "deadline": "2026-03-20"})
        assert services.extend(hazard, actor=world.town_user, version=hazard.version,
                               data={"deadline": "2026-04-30"}, reason="延期").deadline == datetime.date(2026, 4, 30)


class TestMajorCloseOut:
    def test_five_steps_before_acceptance(self, world, ent, frozen):
        hazard = report(world, ent, grade="major", criterion=criterion().pk)
        hazard = walk(world, hazard, "assigned")
        hazard = services.plan(hazard, actor=world.county_user, version=hazard.version, data={
            "responsible_person": "张伟", "measures": "培训取证", "funds": "8000", "deadline": "2026-04-01",
            "contingency_plan": "无证人员停岗"})
        hazard = services.submit(hazard, actor=world.enterprise_user, version=hazard.version, description="已取证",
                                 after_photos=[jpeg()])
        with pytest.raises(ServiceError) as exc:
            services.accept(hazard, actor=world.county_user, version=hazard.version)
        assert exc.value.code == "closeout.steps_missing"
        services.record_closeout_step(hazard, actor=world.enterprise_user, step="self_rectification", note="已自改")
        with pytest.raises(PermissionDenied):
            services.record_closeout_step(hazard, actor=world.enterprise_user, step="expert_verification", note="x")
        services.record_closeout_step(hazard, actor=world.county_user, step="expert_verification", note="专家核查")
        services.record_closeout_step(hazard, actor=world.county_user, step="government_supervision", note="督办")
        hazard = services.accept(hazard, actor=world.county_user, version=hazard.version)
        assert hazard.state == State.CLOSED
        with pytest.raises(PermissionDenied):
            services.record_closeout_step(hazard, actor=world.town_user, step="accountability_review", note="x")
        services.record_closeout_step(hazard, actor=world.county_user, step="accountability_review", note="已问责")
        assert list(hazard.closeout_steps.values_list("step", flat=True)) == [s.value for s in CloseOutStep]


class TestMerge:
    def test_merge_into_duplicate(self, world, ent, frozen):
        first, second = report(world, ent), report(world, ent)
        merged = services.merge(second, actor=world.town_user, version=second.version, target=first)
        assert merged.state == State.MERGED and merged.merged_into == first
        with pytest.raises(ServiceError):
            services.merge(first, actor=world.town_user, version=first.version, target=first)


@pytest.mark.django_db(transaction=True)  # seeds return after the flush (conftest)
def test_notification_failure_does_not_block_or_undo(world, settings, frozen):
    settings.SAFEGRID_NOTIFICATION_CHANNELS = {"robot": {"backend": "safegrid.notifications.testing.FakeChannel",
                                                          "fail": True}}
    from safegrid.notifications.models import Delivery, Notification

    ent = enterprise(world)
    hazard = report(world, ent)
    hazard = services.confirm(hazard, actor=world.town_user, version=hazard.version)
    assert Hazard.objects.get(pk=hazard.pk).state == State.CONFIRMED
    assert Notification.objects.filter(user=world.town_user).exists()
    assert Delivery.objects.filter(status="failed").count() >= 2


@pytest.mark.django_db(transaction=True)  # seeds return after the flush (conftest)
def test_notice_exception_is_swallowed(world, monkeypatch, frozen):
    from safegrid.hazards import notices

    def boom(*args, **kwargs):
        raise RuntimeError("inbox down")

    monkeypatch.setattr(notices, "notify", boom)
    ent = enterprise(world)
    hazard = report(world, ent)
    assert Hazard.objects.get(pk=hazard.pk).state == State.REPORTED
