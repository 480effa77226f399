"""The official working-day calendar: holidays and adjusted workdays (调休), per date.

A year counts as known once any row of it exists; for other years deadlines fall back to
Monday–Friday and say so (see `calendar.add_working_days`).
"""

from django.db import models

from safegrid.core.roles import ALL_ROLES, Role
from safegrid.core.scope import RestrictedManager


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日(休)"
    WORKDAY = "workday", "调休上班"


class Holiday(models.Model):
    """A date that differs from the Monday–Friday rule: a weekday off or a weekend workday."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日", max_length=50, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": ALL_ROLES, "change": {Role.ADMIN}}

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    @classmethod
    def scope_q(cls, user, action):
        return models.Q()  # reference data: everyone who may view sees all of it
