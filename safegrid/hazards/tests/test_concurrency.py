"""Accept and send-back at the same moment: exactly one wins, nothing half-written."""

import threading

import pytest
from django.db import connection, connections

from safegrid.core.errors import Conflict
from safegrid.hazards import services
from safegrid.hazards.models import Hazard, HazardEvent, State
from safegrid.hazards.testing import enterprise, report, walk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # seeds return after the flush (conftest)
def test_accept_and_send_back_race(world):
    if connection.vendor != "postgresql":
        pytest.skip("thread race needs PostgreSQL (SQLite serialises writers; its CAS is tested with a stale version)")
    hazard = walk(world, report(world, enterprise(world)), "submitted", deadline="2099-01-01")
    version = hazard.version
    barrier, outcomes = threading.Barrier(2), []

    def act(func, actor, **kwargs):
        try:
            barrier.wait()
            func(Hazard.objects.get(pk=hazard.pk), actor=actor, version=version, **kwargs)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(services.accept, world.county_user)),
               threading.Thread(target=act, args=(services.send_back, world.town_user), kwargs={"reason": "不合格"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "won"]
    final = Hazard.objects.get(pk=hazard.pk)
    assert final.version == version + 1
    assert final.state in (State.CLOSED, State.RECTIFYING)
    assert (final.closed_at is not None) == (final.state == State.CLOSED)
    assert HazardEvent.objects.filter(hazard=hazard, action__in=["accept", "send_back"]).count() == 1
