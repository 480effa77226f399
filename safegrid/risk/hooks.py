"""Called by other apps after their changes commit, so the safety code follows events.

hazards.services calls `hazard_changed` for every hazard transition; the regrade runs after
commit and never undoes or fails the hazard change (errors are logged).
"""

import logging

from django.db import transaction

logger = logging.getLogger("safegrid.risk")


def regrade_quietly(enterprise_id, trigger):
    from .grading import regrade_one

    try:
        regrade_one(enterprise_id, trigger)
    except Exception:  # a grade can always be recomputed later by `manage.py regrade`
        logger.exception("regrade of enterprise %s after %s failed", enterprise_id, trigger)


def hazard_changed(enterprise_id, action):
    if enterprise_id:
        transaction.on_commit(lambda: regrade_quietly(enterprise_id, f"hazard_{action}"))
