"""The official working-day calendar: holidays and adjusted workdays (调休), per date.

A year counts as known once any row of it exists; for other years deadlines fall back to
Monday–Friday and say so (see `calendar.add_working_days`).
"""

from django.db import models

from safegrid.core.roles import ALL_ROLES, Role
from safegrid.core.scope import RestrictedManager, path_q


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


class Resolution(models.TextChoices):
    RECOMPUTED = "recomputed", "已按官方安排重算"
    UNCHANGED = "unchanged", "重算后日期不变"
    SUPERSEDED = "superseded", "期限已另行变更或事项已办结"


class EstimatedDeadline(models.Model):
    """A deadline counted with the fallback (a year's official arrangement missing): listed while
    open and recomputed by `estimates.recompute` once the missing years are entered."""

    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.PositiveBigIntegerField("对象编号")
    object_repr = models.CharField("对象", max_length=200, blank=True)
    link = models.CharField("链接", max_length=200, blank=True)
    region_code = models.CharField("区县代码", max_length=6, db_index=True)
    scope_path = models.CharField(max_length=120)
    start = models.DateField("起算日")
    working_days = models.PositiveSmallIntegerField("工作日数")
    estimated_date = models.DateField("推算期限")
    unknown_years = models.JSONField("未录入年份", default=list)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution = models.CharField("处理结果", max_length=12, choices=Resolution.choices, blank=True)
    official_date = models.DateField("重算后期限", null=True, blank=True)

    objects = RestrictedManager()
    role_actions = {"view": {Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE, Role.DEPARTMENT},
                    "export": {Role.ADMIN, Role.COUNTY_OFFICE}, "change": {Role.ADMIN}}

    class Meta:
        verbose_name = "推算期限"
        verbose_name_plural = "推算期限"
        ordering = ["estimated_date", "id"]
        indexes = [models.Index(fields=["resolved_at", "estimated_date"], name="estimate_open"),
                   models.Index(fields=["object_type", "object_id"], name="estimate_object")]

    def __str__(self):
        return f"{self.object_repr} {self.estimated_date}"

    @classmethod
    def scope_q(cls, user, action):
        return path_q("scope_path", user.scope_paths())
