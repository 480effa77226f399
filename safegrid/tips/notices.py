"""Who hears about a tip: the town office and department it is routed to (or the county office).

Notices carry the public id, the category and the town only: no reporter, no text (outside
channels such as group robots would carry them further).
"""

import logging

from safegrid.core.roles import Role
from safegrid.hazards.notices import department_users, users_over
from safegrid.notifications.services import notify, quietly

logger = logging.getLogger("safegrid.tips")
TITLES = {"submit": "新举报待受理", "reassign": "举报改派给您办理",
          "deadline_recompute": "举报答复期限已按官方节假日安排重新计算"}


def handlers(tip):
    people = department_users(tip.department_id) + users_over(tip, Role.TOWN_OFFICE)
    return people or users_over(tip, Role.COUNTY_OFFICE)


def after_change(tip, action):
    """Inbox rows with the change, in a savepoint: a failing notice is logged and undone alone,
    never the tip's change; outside channels go after commit (notifications.notify)."""
    if action not in TITLES:
        return
    with quietly(logger, f"notifying {action} of tip {tip.pk}"):
        where = tip.town.name if tip.town_id else "区县"
        what = tip.category.name if tip.category_id else "其他"
        notify(handlers(tip), f"{TITLES[action]}：{tip.public_id}", f"{what} · {where} · 答复期限 {tip.deadline}",
               link=f"/tips/{tip.pk}/")
