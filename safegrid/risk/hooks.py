"""Called by other apps so the safety code follows events.

hazards.services calls `hazard_changed` for every hazard transition: the enterprise is queued
(risk.RegradeQueue) in the transaction of the change, so a rolled-back change queues nothing,
and the queue is graded in bulk by `grading.drain`:
- with SAFEGRID_REGRADE_DELAY_SECONDS = 0 (the default) and outside requests: on commit, before
  the answer goes (the page that follows shows the new grade);
- with a delay: after a web request (Django's request_finished: the answer has gone, so it costs
  no latency) once the oldest row has waited that long, so concurrent changes share one bulk run;
- by `manage.py regrade --pending` (cron) and the daily `manage.py regrade`.
A failing drain never undoes the change: it is logged and the rows stay queued for the next one.
"""

import contextvars
import logging
import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger("safegrid.risk")

# Inside a web request: {"queued": bool}; None outside (commands, tests, shell).
_request = contextvars.ContextVar("risk_regrade_request", default=None)
# Per process, wall-clock time before which a delayed drain need not look at the queue.
_next_check = [0.0]

UPSERT = ("INSERT INTO risk_regradequeue (enterprise_id, trigger, queued_at) VALUES (%s, %s, %s) "
          # DO UPDATE (not DO NOTHING) locks the row, so a change waits for a drainer holding it and
          # then queues again: its hazard row was not yet visible to that drain.
          "ON CONFLICT (enterprise_id) DO UPDATE SET trigger = risk_regradequeue.trigger")


def regrade_quietly(enterprise_id, trigger):
    from .grading import regrade_one

    try:
        regrade_one(enterprise_id, trigger)
    except Exception:  # a grade can always be recomputed later by `manage.py regrade`
        logger.exception("regrade of enterprise %s after %s failed", enterprise_id, trigger)


def drain_quietly(delay=0):
    """Drain the queue; a failure is logged and its rows stay queued. Returns the count drained."""
    from .grading import drain

    try:
        return drain(delay=delay)
    except Exception:
        logger.exception("regrade of the queued enterprises failed; they stay queued")
        return 0


def enqueue(enterprise_id, trigger):
    """Queue the enterprise for regrade in the caller's transaction."""
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(UPSERT, [enterprise_id, trigger[:30], now])
    state = _request.get()
    if state is not None and settings.SAFEGRID_REGRADE_DELAY_SECONDS > 0:
        state["queued"] = True
    else:  # right after the commit, before the answer goes: the grade is current when the page shows
        transaction.on_commit(drain_quietly)


def hazard_changed(enterprise_id, action):
    if enterprise_id:
        enqueue(enterprise_id, f"hazard_{action}")


def _started(**kwargs):
    _request.set({"queued": False})


def _finished(**kwargs):
    state, delay = _request.get(), settings.SAFEGRID_REGRADE_DELAY_SECONDS
    _request.set(None)
    queued = bool(state and state["queued"])
    if delay <= 0:  # drained on commit (enqueue)
        return
    # Delayed: each process looks at the queue at most once per delay (so rows other processes
    # queued are seen too) and one delay after it queued: a row waits between one and two delays.
    now = time.time()
    if queued:
        _next_check[0] = min(_next_check[0], now + delay)
    if now >= _next_check[0]:
        _next_check[0] = now + delay
        drain_quietly(delay)


request_started.connect(_started, dispatch_uid="safegrid.risk.hooks.started")
request_finished.connect(_finished, dispatch_uid="safegrid.risk.hooks.finished")
