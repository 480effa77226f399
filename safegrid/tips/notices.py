"""Who hears about a tip: the town office and department it is routed to (or the county office).

Notices carry the public id, the category and the town only: no reporter, no text (outside
channels such as group robots would carry them further).
"""

import logging

from django.db import transaction

from safegrid.core.roles import Role
from safegrid.hazards.notices import department_users, users_over
from safegrid.notifications.services import notify

logger = logging.getLogger("safegrid.tips")
TITLES = {"submit": "新举报待受理", "reassign": "举报改派给您办理"}


def handlers(tip):
    people = department_users(tip.department_id) + users_over(tip, Role.TOWN_OFFICE)
    return people or users_over(tip, Role.COUNTY_OFFICE)


def after_commit(tip_id, action):
    if action in TITLES:
        transaction.on_commit(lambda: send(tip_id, action))


def send(tip_id, action):
    from .models import Tip

    try:
        tip = Tip.objects.select_related("category", "town").get(pk=tip_id)
        where = tip.town.name if tip.town_id else "区县"
        what = tip.category.name if tip.category_id else "其他"
        notify(handlers(tip), f"{TITLES[action]}：{tip.public_id}", f"{what} · {where} · 答复期限 {tip.deadline}",
               link=f"/tips/{tip.pk}/")
    except Exception:  # noqa: BLE001 (a failing notice never undoes the tip)
        logger.exception("notifying %s of tip %s failed", action, tip_id)
