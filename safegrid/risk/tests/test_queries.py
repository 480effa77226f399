"""Read side: overdue check tasks derived from cycle and last record, town counts, the month's colour changes."""

import datetime

import pytest

from safegrid.risk import grading, queries, services
from safegrid.risk.models import ControlCheckTask, EnterpriseGrade, GradeSnapshot
from safegrid.risk.testing import hierarchy, other_enterprise

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_task_is_overdue_one_cycle_after_its_last_check(world, frozen):
    h = hierarchy(world)  # daily task starting 2026-03-02 10:00

    def task():
        return queries.tasks_with_due(ControlCheckTask.objects.filter(pk=h["task"].pk))[0]

    assert not task().is_overdue
    frozen.set(D(2026, 3, 4))
    assert task().is_overdue and [t.pk for t in queries.overdue_tasks(world.enterprise_user)] == [h["task"].pk]
    services.record_check(h["task"], {"result": "ok"}, actor=world.enterprise_user)
    assert not task().is_overdue and task().last_checked_at is not None
    assert [t.pk for t in queries.overdue_tasks(world.enterprise_user)] == []


def test_monthly_cycles_clamp_to_the_month_end():
    start = datetime.datetime(2026, 1, 31, 9, 0)
    assert queries.add_cycle(start, 1, "month") == datetime.datetime(2026, 2, 28, 9, 0)
    assert queries.add_cycle(start, 12, "month") == datetime.datetime(2027, 1, 31, 9, 0)


def test_counts_by_town_and_colour_changes_since_last_month(world, frozen):
    ent = hierarchy(world)["enterprise"]
    other_enterprise(world)
    frozen.set(D(2026, 1, 15))
    grading.regrade()
    frozen.set(D(2026, 3, 2))
    EnterpriseGrade.objects.filter(enterprise=ent).update(digest="stale")  # force a new snapshot
    GradeSnapshot.objects.filter(enterprise=ent).update(color="yellow")  # January's colour was yellow
    grading.regrade()
    rows = {r["town"]: r for r in queries.counts_by_town(queries.risk_enterprises(world.county_user))}
    assert rows["会龙山街道"]["blue"] == 1 and rows["八字哨镇"]["blue"] == 1
    changes = list(queries.changed_since(world.county_user))
    assert [(g.enterprise_id, g.previous_color, g.color) for g in changes] == [(ent.pk, "yellow", "blue")]
    assert list(queries.changed_since(world.town_b_user)) == []
