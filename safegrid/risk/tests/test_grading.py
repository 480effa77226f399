"""The safety code: reasons, direct red, snapshots only on change, supervision by colour, the regrade command."""

import datetime

import pytest
from django.core.management import call_command

from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import MajorHazardCriterion
from safegrid.hazards.testing import enterprise, report, walk
from safegrid.risk import grading, services
from safegrid.risk.models import EnterpriseGrade, GradeSnapshot
from safegrid.risk.testing import other_enterprise

pytestmark = pytest.mark.django_db
D = datetime.date


def grade_of(ent):
    return EnterpriseGrade.objects.get(enterprise=ent)


def keys(grade):
    return {r["key"] for r in grade.reasons}


def test_inherent_grade_lists_each_rule(world, frozen):
    ent = enterprise(world)  # hazardous chemicals, 86 people
    grading.regrade()
    grade = grade_of(ent)
    assert (grade.color, str(grade.score)) == ("blue", "90.0")
    assert grade.reasons[0]["text"] == "行业类别：危险化学品，-10分"
    assert "尚未接入" in grade.reasons[-1]["text"] and "事故" in grade.reasons[-1]["text"]
    snapshot = GradeSnapshot.objects.get(enterprise=ent)
    assert grading.replay(snapshot) == (snapshot.score, snapshot.color, snapshot.reasons)


def test_reasons_change_when_a_hazard_goes_overdue(world, frozen):
    ent = enterprise(world)
    walk(world, report(world, ent), "rectifying", deadline="2026-03-05")
    grading.regrade()
    before = grade_of(ent)
    assert keys(before) >= {"category", "open_hazards"} and "overdue_hazards" not in keys(before)
    frozen.set(D(2026, 3, 6))  # the deadline has passed; nothing else happened
    stats = grading.regrade()
    after = grade_of(ent)
    assert "overdue_hazards" in keys(after) and str(after.score) == "86.0"
    assert "超期未整改隐患 1 项" in next(r["text"] for r in after.reasons if r["key"] == "overdue_hazards")
    assert stats["changed"] == 1 and GradeSnapshot.objects.filter(enterprise=ent).count() == 2


def test_overdue_major_hazard_is_direct_red(world, frozen):
    ent = enterprise(world)
    criterion = MajorHazardCriterion.objects.filter(sector="hazardous_chemicals").first()
    hazard = walk(world, report(world, ent, grade="major", criterion=criterion.pk), "assigned")
    hazard_services.plan(hazard, actor=world.county_user, version=hazard.version, data={
        "responsible_person": "张伟", "measures": "x", "funds": "1", "deadline": "2026-03-03", "contingency_plan": "x"})
    frozen.set(D(2026, 3, 4))
    grading.regrade()
    grade = grade_of(ent)
    assert grade.color == "red" and grade.reasons[0]["text"] == "直接判红：重大隐患逾期未整改"


def test_second_run_without_changes_writes_nothing(world, frozen):
    enterprise(world)
    other_enterprise(world)
    assert grading.regrade()["changed"] == 2
    assert grading.regrade()["changed"] == 0
    assert GradeSnapshot.objects.count() == 2


def test_hazard_transitions_regrade_after_commit(world, frozen, django_capture_on_commit_callbacks):
    ent = enterprise(world)
    with django_capture_on_commit_callbacks(execute=True):
        report(world, ent)
    assert "open_hazards" in keys(grade_of(ent))
    assert GradeSnapshot.objects.filter(enterprise=ent, trigger="hazard_report").exists()


def test_profile_bonus_and_major_hazard_level(world, frozen, django_capture_on_commit_callbacks):
    ent = enterprise(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_profile(ent, {"standardisation_level": "2", "hazardous_process": True},
                             actor=world.enterprise_user)
        services.register_source(ent, {"name": "液氯库", "unit_type": "storage", "people_500m": 120,
                                       "substances": [{"name": "氯", "quantity": "100"}]}, actor=world.enterprise_user)
    grade = grade_of(ent)
    # 100 - 10 (category) - 20 (level 1: R = 2 × 4 × 20 = 160) - 5 (process) + 5 (standardisation 2) = 70
    assert (str(grade.score), grade.color, grade.major_hazard_level) == ("70.0", "orange", 1)
    assert {"major_hazard_level", "hazardous_process", "standardisation_level"} <= keys(grade)


@pytest.mark.parametrize("color, per_year, kind", [("red", 12, "resident"), ("orange", 2, "full"),
                                                   ("yellow", 4, "random"), ("blue", 1, "random")])
def test_required_inspections_follow_the_colour(world, frozen, color, per_year, kind):
    ent = other_enterprise(world)  # building materials: no category minimum
    grading.regrade()
    EnterpriseGrade.objects.filter(enterprise=ent).update(color=color)
    found = services.required_inspections(ent)
    assert found[:2] == (per_year, kind) and found[2]


def test_category_minimum_raises_blue_inspections(world, frozen):
    ent = enterprise(world)
    grading.regrade()
    per_year, kind, reason = services.required_inspections(ent)
    assert (per_year, kind) == (2, "random") and "危险化学品类单位每年不少于 2 次" in reason


def test_county_rules_override_the_default(world, frozen):
    ent = enterprise(world)
    rules = grading.RuleSets().for_region("*").rules
    strict = {**rules, "bands": [{"color": "blue", "min": 95}, {"color": "yellow", "min": 85},
                                 {"color": "orange", "min": 70}, {"color": "red", "min": None}]}
    services.set_rule_set(region="430903", rules=strict, source="赫山区安全码办法(示例)", actor=world.admin)
    grading.regrade()
    assert grade_of(ent).color == "yellow" and grade_of(ent).rule_set.region == "430903"


def test_regrade_command(world, frozen, capsys):
    enterprise(world)
    call_command("regrade")
    assert "1" in capsys.readouterr().out and EnterpriseGrade.objects.count() == 1


def test_bulk_path_writes_new_and_changed_grades(world, frozen, monkeypatch):
    """The COPY path (PostgreSQL, large runs) gives the same rows as the INSERT path."""
    monkeypatch.setattr(grading, "COPY_THRESHOLD", 0)
    ent, other = enterprise(world), other_enterprise(world)
    grading.regrade()
    walk(world, report(world, ent), "rectifying", deadline="2026-03-05")
    assert grading.regrade()["changed"] == 1
    assert "open_hazards" in keys(grade_of(ent)) and grade_of(other).color == "blue"
    assert GradeSnapshot.objects.filter(enterprise=ent).count() == 2
    latest = GradeSnapshot.objects.filter(enterprise=ent).first()
    assert grading.replay(latest) == (latest.score, latest.color, latest.reasons)
