"""挂牌督办 notices: idempotent by a unique key per hazard and deadline."""

from django.db import IntegrityError, transaction

from safegrid.core.roles import Role
from safegrid.notifications.services import notify

from . import clock
from .models import EscalationNotice, Hazard
from .notices import users_over
from .queries import live, supervised_q, supervising_unit


def escalate(today=None):
    """Send one notice per overdue major hazard (and deadline); re-running sends nothing new."""
    today = today or clock.today()
    sent = 0
    for hazard in live(Hazard.objects.filter(supervised_q(today))).select_related("enterprise").order_by("pk"):
        key = f"supervised:{hazard.pk}:{hazard.deadline.isoformat()}"
        if EscalationNotice.objects.filter(key=key).exists():
            continue
        unit = supervising_unit(hazard)
        recipients = users_over(hazard, Role.COUNTY_OFFICE) + users_over(hazard, Role.LEADER)
        try:
            with transaction.atomic():
                EscalationNotice.objects.create(key=key, hazard=hazard, supervising_unit=unit,
                                                recipients=len(recipients))
                place = hazard.enterprise.name if hazard.enterprise_id else hazard.location
                notify(recipients, f"重大隐患超期，挂牌督办：{place}",
                       f"整改时限 {hazard.deadline}，督办单位：{unit.name if unit else '上级'}。{hazard.description[:100]}",
                       link=f"/hazards/{hazard.pk}/")
        except IntegrityError:  # a concurrent run sent it first
            continue
        sent += 1
    return sent
