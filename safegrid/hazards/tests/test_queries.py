import datetime

import pytest
from django.core.management import call_command

from safegrid.hazards import escalation, followups, queries, services
from safegrid.hazards.lists import hazard_list_queryset
from safegrid.hazards.models import EscalationNotice, FollowUp, Hazard, MajorHazardCriterion
from safegrid.hazards.testing import enterprise, report, walk
from safegrid.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ent(world):
    return enterprise(world)


def annotated(pk, today):
    return queries.annotate_deadlines(Hazard.objects.filter(pk=pk), today).get()


def test_overdue_and_due_soon_follow_the_clock(world, ent, frozen):
    hazard = walk(world, report(world, ent), "rectifying", deadline="2026-03-05")
    assert (annotated(hazard.pk, D(2026, 3, 2)).is_due_soon, annotated(hazard.pk, D(2026, 3, 2)).is_overdue) == \
        (True, False)
    assert annotated(hazard.pk, D(2026, 2, 20)).is_due_soon is False
    assert annotated(hazard.pk, D(2026, 3, 6)).is_overdue is True
    closed = walk(world, report(world, ent), "closed", deadline="2026-03-05")
    assert annotated(closed.pk, D(2026, 3, 6)).is_overdue is False


def test_due_soon_counts_working_days_over_the_holiday(world, ent):
    hazard = walk(world, report(world, ent), "rectifying", deadline="2026-02-25", today=D(2026, 2, 10))
    # 13 Feb (Fri) + 3 working days = 25 Feb across 春节; 12 Feb + 3 = 24 Feb.
    assert annotated(hazard.pk, D(2026, 2, 13)).is_due_soon is True
    assert annotated(hazard.pk, D(2026, 2, 12)).is_due_soon is False


def test_daily_report_counts(world, ent, frozen):
    walk(world, report(world, ent), "rectifying", deadline="2026-03-03")
    overdue = walk(world, report(world, ent), "rectifying", deadline="2026-03-03")
    Hazard.objects.filter(pk=overdue.pk).update(deadline=D(2026, 2, 27))
    walk(world, report(world, ent), "closed", deadline="2026-03-03")
    report(world)
    body = queries.daily_report(world.county_user)
    row = next(r for r in body["rows"] if r["town"] == "会龙山街道")
    assert row == {**row, "new_today": 4, "open": 3, "due_soon": 1, "overdue": 1, "closed_today": 1}
    assert queries.daily_drilldown(world.county_user, "overdue").get().pk == overdue.pk


def test_date_filters_use_local_calendar_days(world, ent):
    """reported_after/before mean Beijing calendar days (the filters compare times, not a cast date)."""
    from django.utils import timezone

    late, early = report(world, ent), report(world, ent)
    Hazard.objects.filter(pk=late.pk).update(reported_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 30)))
    Hazard.objects.filter(pk=early.pk).update(reported_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 0, 10)))

    def ids(**params):
        return set(hazard_list_queryset(world.county_user, params).values_list("pk", flat=True))

    assert ids(reported_before="2026-03-01") == {late.pk}
    assert ids(reported_after="2026-03-02") == {early.pk}
    assert ids(reported_after="2026-03-01", reported_before="2026-03-02") == {late.pk, early.pk}
    assert ids(closed_after="2026-03-01") == set()


def test_text_search_matches_description_location_or_enterprise_name(world, ent):
    by_name, by_text, by_place, other = (report(world, ent) for _ in range(4))
    Hazard.objects.filter(pk=by_text.pk).update(description="灭火器压力不足")
    Hazard.objects.filter(pk=by_place.pk).update(location="农贸市场旁灭火器箱")
    Hazard.objects.filter(pk__in=[by_text.pk, by_place.pk, other.pk]).update(enterprise=None)
    name = ent.name[-4:]

    def ids(value):
        return set(hazard_list_queryset(world.county_user, {"q": value}).values_list("pk", flat=True))

    assert ids("灭火器") == {by_text.pk, by_place.pk}
    assert ids(name) == {by_name.pk}
    assert ids("不存在的字样") == set()


def test_supervised_listing_and_idempotent_escalation(world, ent, frozen):
    criterion = MajorHazardCriterion.objects.filter(sector="hazardous_chemicals").first()
    hazard = walk(world, report(world, ent, grade="major", criterion=criterion.pk), "assigned")
    hazard = services.plan(hazard, actor=world.county_user, version=hazard.version, data={
        "responsible_person": "张伟", "measures": "x", "funds": "1", "deadline": "2026-03-03",
        "contingency_plan": "x"})
    assert not queries.supervised(world.county_user).exists()
    later = D(2026, 3, 10)
    assert list(queries.supervised(world.county_user, later)) == [hazard]
    assert queries.supervising_unit(hazard) == world.city
    assert escalation.escalate(later) == 1
    assert escalation.escalate(later) == 0
    assert EscalationNotice.objects.count() == 1
    assert Notification.objects.filter(user=world.county_user, title__contains="挂牌督办").count() == 1
    call_command("escalate")  # today (frozen) nothing is overdue


def test_followup_draw_is_reproducible(world, ent, frozen):
    for _ in range(6):
        walk(world, report(world, ent), "closed", deadline="2026-03-05")
    run, picked = followups.draw(share=0.5, days=30, seed=42)
    assert len(picked) == 3 and run.seed == 42 and run.population == 6
    FollowUp.objects.all().delete()
    run.delete()
    assert followups.draw(share=0.5, days=30, seed=42)[1] == picked
    again = followups.draw(share=0.5, days=30, seed=42)[1]
    assert len(again) == 2 and not set(again) & set(picked)  # sampled hazards are not drawn again


def test_credit_record_and_dishonesty(world, ent, frozen, settings):
    settings.SAFEGRID_DISHONESTY_RECURRENCES = 2
    for _ in range(3):
        walk(world, report(world, ent), "closed", deadline="2026-03-05")
    record = queries.credit_records(world.county_user).get()
    assert (record.hazards_total, record.recurrences) == (3, 2)
    assert list(queries.dishonesty_list(world.county_user)) == [ent]
    settings.SAFEGRID_DISHONESTY_RECURRENCES = 3
    assert not queries.dishonesty_list(world.county_user).exists()


def test_hazard_list_queryset_for_the_five_lists(world, ent):
    report(world, ent)
    report(world, ent, grade="major", criterion=MajorHazardCriterion.objects.first().pk)
    assert hazard_list_queryset(world.county_user, {"grade": "major"}).count() == 1
    assert hazard_list_queryset(world.town_b_user, {}).count() == 0
