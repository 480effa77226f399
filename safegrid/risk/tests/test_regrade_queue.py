"""The regrade queue (risk.hooks): hazard changes queue their enterprise in their transaction and
the queue is graded in bulk after the request, on commit outside a request, or by the command."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from safegrid.hazards.models import Hazard
from safegrid.hazards.testing import enterprise, report
from safegrid.risk import grading, hooks
from safegrid.risk.models import EnterpriseGrade, GradeSnapshot, RegradeQueue
from safegrid.risk.testing import other_enterprise

pytestmark = pytest.mark.django_db


def open_hazards(ent):
    return {r["key"]: r["text"] for r in EnterpriseGrade.objects.get(enterprise=ent).reasons}.get("open_hazards")


def queued():
    return set(RegradeQueue.objects.values_list("enterprise_id", flat=True))


def post(world, ent):
    client = APIClient()
    client.force_authenticate(world.county_user)
    answer = client.post("/api/v1/hazards/", {"enterprise": ent.pk, "hazard_type": "electrical",
                                              "description": "配电箱未加锁"}, format="json")
    assert answer.status_code == 201, answer.content


def test_the_change_queues_its_enterprise_in_its_transaction(world, frozen):
    ent = enterprise(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        report(world, ent)
        assert queued() == {ent.pk}
        raise RuntimeError("rolled back")
    assert queued() == set() and not Hazard.objects.exists()
    report(world, ent)  # outside a request the drain waits for the commit, which the test never does
    assert queued() == {ent.pk}


def test_drain_grades_and_empties_the_queue(world, frozen):
    ent, other = enterprise(world), other_enterprise(world)
    report(world, ent)
    report(world, ent)
    report(world, other, actor=world.county_user)
    assert grading.drain() == 2
    assert queued() == set()
    assert "2 项" in open_hazards(ent) and "1 项" in open_hazards(other)
    assert GradeSnapshot.objects.filter(enterprise=ent, trigger="hazard_report").count() == 1
    assert grading.drain() == 0


def test_on_commit_outside_a_request_grades_at_once(world, frozen, django_capture_on_commit_callbacks):
    ent = enterprise(world)
    with django_capture_on_commit_callbacks(execute=True):
        report(world, ent)
    assert queued() == set() and "1 项" in open_hazards(ent)


def test_the_delay_is_respected(world, frozen):
    ent = enterprise(world)
    report(world, ent)
    assert grading.drain(delay=60) == 0 and queued() == {ent.pk}
    RegradeQueue.objects.update(queued_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=61))
    assert grading.drain(delay=60) == 1 and queued() == set()


def test_a_request_drains_on_commit_without_delay(world, frozen, settings, django_capture_on_commit_callbacks):
    ent = enterprise(world)
    with django_capture_on_commit_callbacks(execute=True):
        post(world, ent)
    assert queued() == set() and "1 项" in open_hazards(ent)


def test_a_delayed_request_leaves_the_row_for_a_later_drain(world, frozen, settings, monkeypatch):
    settings.SAFEGRID_REGRADE_DELAY_SECONDS = 30
    monkeypatch.setattr(hooks, "_next_check", [0.0])
    ent = enterprise(world)
    post(world, ent)
    assert queued() == {ent.pk} and not EnterpriseGrade.objects.filter(enterprise=ent).exists()
    RegradeQueue.objects.update(queued_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=31))
    monkeypatch.setattr(hooks, "_next_check", [0.0])  # as if the delay had passed in this process
    post(world, other_enterprise(world))
    assert queued() == set() and "2 项" not in open_hazards(ent) and "1 项" in open_hazards(ent)


def test_a_failing_drain_keeps_the_change_and_the_row(world, frozen, monkeypatch, caplog,
                                                      django_capture_on_commit_callbacks):
    ent = enterprise(world)

    def broken(*args, **kwargs):
        raise RuntimeError("grading broke")

    monkeypatch.setattr(grading, "regrade", broken)
    with django_capture_on_commit_callbacks(execute=True):
        post(world, ent)
    assert Hazard.objects.filter(enterprise=ent).count() == 1 and queued() == {ent.pk}
    assert "stay queued" in caplog.text
    monkeypatch.undo()
    assert grading.drain() == 1 and "1 项" in open_hazards(ent)


def test_the_command_drains_pending_and_the_daily_run_empties_the_queue(world, frozen):
    ent = enterprise(world)
    report(world, ent)
    call_command("regrade", "--pending")
    assert queued() == set() and "1 项" in open_hazards(ent)
    report(world, ent)
    call_command("regrade")
    assert queued() == set() and "2 项" in open_hazards(ent)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SKIP LOCKED: PostgreSQL only")
def test_concurrent_drainers_grade_each_enterprise_once(world, frozen, monkeypatch):
    from safegrid.registry import testing as registry_testing

    ents = [registry_testing.create(world, seed=i, name=f"并发测试企业{i}有限公司") for i in range(6)]
    now = datetime.datetime.now(datetime.UTC)  # queued by a request, not drained yet
    RegradeQueue.objects.bulk_create(RegradeQueue(enterprise=e, trigger="hazard_report", queued_at=now) for e in ents)
    graded, both_inside, real = [], threading.Barrier(2), grading.regrade

    def regrade(enterprises, **kwargs):
        graded.extend(enterprises.values_list("pk", flat=True))
        both_inside.wait(timeout=20)  # each drainer holds its rows while the other takes the rest
        return real(enterprises, **kwargs)

    monkeypatch.setattr(grading, "regrade", regrade)
    counts = []

    def drainer():
        try:
            counts.append(grading.drain(limit=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [3, 3] and sorted(graded) == sorted(e.pk for e in ents)
    assert queued() == set() and EnterpriseGrade.objects.filter(enterprise__in=ents).count() == 6
