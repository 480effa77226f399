"""The jurisdiction tree: regions (GB/T 2260 and statistics codes), grids, departments, officers."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimeStampedModel, VoidableModel
from safegrid.core.roles import ALL_ROLES, Role
from safegrid.core.scope import RestrictedManager, path_q

# Who may create or change the tree itself.
TREE_EDITORS = frozenset({Role.ADMIN, Role.COUNTY_OFFICE})
TREE_ROLE_ACTIONS = {"view": ALL_ROLES - {Role.ENTERPRISE}, "export": ALL_ROLES - {Role.ENTERPRISE},
                     "change": TREE_EDITORS}


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "区县"
    TOWN = 4, "乡镇/街道"
    VILLAGE = 5, "村/社区"


# Significant digits of the code at each level: 43 / 4309 / 430903 / 430903001 / 430903001001.
KEY_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(TimeStampedModel, VoidableModel):
    """An administrative unit. Codes: 6 digits (GB/T 2260) to county, 12 (statistics) below."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name="上级",
    )
    # Materialised path of significant code prefixes, e.g. "43/4309/430903/430903001".
    path = models.CharField("路径", max_length=80, unique=True)
    # County-level code for county and below; empty above (province, city are shared).
    region_code = models.CharField("区县代码", max_length=6, blank=True, db_index=True)
    polygon = models.JSONField("边界(GeoJSON)", null=True, blank=True)

    objects = RestrictedManager()
    role_actions = TREE_ROLE_ACTIONS

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def key(self):
        return self.code[: KEY_LENGTH[self.level]]

    @classmethod
    def scope_q(cls, user, action):
        return path_q("path", user.scope_paths())


class Department(TimeStampedModel, VoidableModel, TenantModel):
    """An industry department (行业主管部门) of a county."""

    name = models.CharField("部门名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments",
                               verbose_name="所属区县")
    committee_member = models.BooleanField("安委会成员单位", default=False)

    objects = RestrictedManager()
    role_actions = TREE_ROLE_ACTIONS

    class Meta:
        verbose_name = "行业主管部门"
        verbose_name_plural = "行业主管部门"
        ordering = ["region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "name"], name="department_unique_name"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return path_q("county__path", _county_paths(user.scope_paths()))


def _county_paths(paths):
    """Departments belong to a county: a town officer sees the departments of the county."""
    return {"/".join(p.split("/")[:3]) for p in paths if len(p.split("/")) >= 3}


class Grid(TimeStampedModel, VoidableModel, TenantModel):
    """The leaf of the jurisdiction tree: a patrolled area with a polygon and officers."""

    code = models.CharField("网格编码", max_length=32)
    name = models.CharField("网格名称", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids",
                               verbose_name="所属村(社区)")
    path = models.CharField("路径", max_length=120, unique=True)
    polygon = models.JSONField("边界(GeoJSON)")
    # Bounding box, indexed, so map windows and point look-ups skip most grids in SQL.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    # Accountable people of the grid: 安全监管责任人 and 联系负责人, with their accounts where they have one.
    responsible_person = models.CharField("安全监管责任人", max_length=50, blank=True)
    responsible_phone = models.CharField("责任人电话", max_length=20, blank=True)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="安全监管责任人账号")
    liaison_person = models.CharField("联系负责人", max_length=50, blank=True)
    liaison_phone = models.CharField("联系负责人电话", max_length=20, blank=True)
    liaison_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="联系负责人账号")

    objects = RestrictedManager()
    role_actions = TREE_ROLE_ACTIONS

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "code"], name="grid_unique_code"),
        ]
        indexes = [models.Index(fields=["min_lon", "min_lat", "max_lon", "max_lat"])]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return path_q("path", user.scope_paths())

    def feature(self):
        """The grid as a GeoJSON feature for the maps; needs `officer_count` (with_officer_counts)."""
        return {"type": "Feature", "id": self.pk, "geometry": self.polygon,
                "properties": {"code": self.code, "name": self.name, "region": self.region.name,
                               "officers": self.officer_count, "responsible": self.responsible_person}}


def with_officer_counts(grids):
    """Annotate `officer_count`: the grid's officers that are not voided."""
    return grids.annotate(officer_count=models.Count("officers", filter=Q(officers__voided_at__isnull=True)))


def staffed_grid_ids():
    """Ids of grids with at least one officer that is not voided (a subquery)."""
    return GridOfficer.grids.through.objects.filter(gridofficer__voided_at__isnull=True).values("grid_id")


class GridOfficer(TimeStampedModel, VoidableModel, TenantModel):
    """A user on grid duty (full-time 专职 or part-time 兼职); trained before duty."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="grid_officer", verbose_name="用户")
    grids = models.ManyToManyField(Grid, related_name="officers", blank=True, verbose_name="负责网格")
    full_time = models.BooleanField("专职", default=True)
    trained_on = models.DateField("岗前培训日期", null=True, blank=True)

    objects = RestrictedManager()
    role_actions = TREE_ROLE_ACTIONS

    class Meta:
        verbose_name = "网格员"
        verbose_name_plural = "网格员"

    def __str__(self):
        return self.user.display_name

    @property
    def on_duty_allowed(self):
        """先培训再上岗: a passed pre-duty training (trained_on is its date, kept by record_training)."""
        return self.trained_on is not None and not self.is_voided

    @classmethod
    def scope_q(cls, user, action):
        grids = Grid.objects.filter(path_q("path", user.scope_paths())).values("pk")
        links = cls.grids.through.objects.filter(grid__in=grids).values("gridofficer_id")
        return Q(pk__in=links) | Q(user=user)


class SpecialCommittee(TimeStampedModel, VoidableModel, TenantModel):
    """A specialised committee (专委会) of the county's safety committee (安委会), with its lead unit."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所属区县")
    name = models.CharField("专委会名称", max_length=100)
    lead_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="led_committees",
                                        verbose_name="牵头单位")
    members = models.ManyToManyField(Department, blank=True, related_name="committees", verbose_name="成员单位")

    objects = RestrictedManager()
    role_actions = TREE_ROLE_ACTIONS

    class Meta:
        verbose_name = "安委会专业委员会"
        verbose_name_plural = "安委会专业委员会"
        ordering = ["region_code", "name"]
        constraints = [models.UniqueConstraint(fields=["region_code", "name"], condition=Q(voided_at__isnull=True),
                                               name="special_committee_name")]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return path_q("county__path", _county_paths(user.scope_paths()))


class TrainingResult(models.TextChoices):
    PASSED = "passed", "合格"
    FAILED = "failed", "不合格"


class TrainingRecord(TimeStampedModel, VoidableModel, TenantModel):
    """One training of a grid officer: course, date, hours, result. A passed pre-duty training
    (岗前培训) is what 先培训再上岗 requires."""

    officer = models.ForeignKey(GridOfficer, on_delete=models.PROTECT, related_name="trainings",
                                verbose_name="网格员")
    course = models.CharField("课程", max_length=100)
    pre_duty = models.BooleanField("岗前培训", default=True)
    date = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    result = models.CharField("结果", max_length=8, choices=TrainingResult.choices)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = "网格员培训记录"
        verbose_name_plural = "网格员培训记录"
        ordering = ["officer", "-date", "-id"]

    def __str__(self):
        return f"{self.course} {self.date} {self.get_result_display()}"
