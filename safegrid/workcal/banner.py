"""The banner staff see while a year's official arrangement is missing: from 1 November for the
next year (the State Council publishes it in late autumn), and all year for the current one."""

import datetime

from django.urls import reverse

from safegrid.core.roles import STAFF_ROLES

from .models import Holiday
from .services import can_edit

BANNER_FROM = (11, 1)  # month, day


def years_to_warn(today):
    years = [today.year]
    if (today.month, today.day) >= BANNER_FROM:
        years.append(today.year + 1)
    return [y for y in years if not Holiday.objects.filter(date__year=y).exists()]


def banner(user, today=None):
    if not user.is_authenticated or user.effective_role not in STAFF_ROLES:
        return None
    years = years_to_warn(today or datetime.date.today())
    if not years:
        return None
    return {"years": "、".join(str(y) for y in years), "may_edit": can_edit(user),
            "url": reverse("workcal:index")}
