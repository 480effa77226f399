"""The enterprise registry (底数清): safety categories, responsibility rules, enterprises, key areas."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimeStampedModel, VoidableModel
from safegrid.core.roles import ALL_ROLES, STAFF_ROLES, Role
from safegrid.core.scope import NOTHING, RestrictedManager, path_q
from safegrid.regions.models import Department, Grid, Region


class IndustryLevel(models.TextChoices):
    SECTION = "section", "门类"
    DIVISION = "division", "大类"
    GROUP = "group", "中类"
    CLASS = "class", "小类"


class IndustryCode(models.Model):
    """GB/T 4754-2017 national industry classification (reference data, see registry/data)."""

    code = models.CharField("行业代码", max_length=5, unique=True)
    name = models.CharField("行业名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")

    class Meta:
        verbose_name = "国民经济行业分类"
        verbose_name_plural = "国民经济行业分类"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def section(self):
        node = self
        while node.parent_id:
            node = node.parent
        return node


class SafetyCategory(models.Model):
    """A safety supervision category (行业类别) such as 危险化学品 or 九小场所. Reference data."""

    code = models.CharField("类别代码", max_length=40, unique=True)
    name = models.CharField("类别名称", max_length=50, unique=True)
    group = models.CharField("大类", max_length=30, blank=True)
    # Categories that no department claims in most counties (装饰装修, 蜘蛛人, 快递).
    usually_unclaimed = models.BooleanField("常见监管空白", default=False)
    sort = models.PositiveSmallIntegerField(default=0)
    source = models.CharField("依据", max_length=200, blank=True)
    # A retired category stays on the records that carry it; new records cannot choose it.
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "安全监管行业类别"
        verbose_name_plural = "安全监管行业类别"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


RULE_EDITORS = frozenset({Role.ADMIN, Role.COUNTY_OFFICE})


class ResponsibilityRule(TimeStampedModel, TenantModel):
    """三管三必须: in one county, a safety category's lead and cooperating departments.

    A category without a rule (or without a lead department) falls to the town/street
    office of the place (属地兜底) and is reported as a blank area.
    """

    category = models.ForeignKey(SafetyCategory, on_delete=models.PROTECT, related_name="rules",
                                 verbose_name="行业类别")
    lead_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="lead_rules", verbose_name="牵头部门")
    cooperating_departments = models.ManyToManyField(Department, blank=True, related_name="cooperating_rules",
                                                     verbose_name="配合部门")
    note = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": RULE_EDITORS}

    class Meta:
        verbose_name = "监管责任规则"
        verbose_name_plural = "监管责任规则"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "category"], name="rule_unique_category"),
        ]

    def __str__(self):
        return f"{self.category} → {self.lead_department or '属地兜底'}"

    @classmethod
    def scope_q(cls, user, action):
        return Q(region_code__in=user_counties(user))


def user_counties(user):
    """County codes (6 digits) touched by the user's jurisdiction."""
    return sorted({p.split("/")[2] for p in user.scope_paths() if p.count("/") >= 2})


class Scale(models.TextChoices):
    ABOVE = "above", "规上"
    SMALL = "small", "小微"


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", "在营"
    SUSPENDED = "suspended", "停产"
    CLOSED = "closed", "关闭"


class Enterprise(TimeStampedModel, VoidableModel, TenantModel):
    """A supervised object (生产经营单位). `region_code` is the operating county, which supervises."""

    # Every index is rewritten when a bulk grid assignment moves 200,000 rows (grid and scope path
    # change, so no update is HOT): the indexes are the ones queries use, declared in Meta, and
    # no `_like` twins of exact-match codes. The composite indexes below lead with region_code.
    region_code = models.CharField("区县代码", max_length=6)

    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    no_credit_code_reason = models.CharField("无信用代码原因", max_length=200, blank=True)
    name = models.CharField("单位名称", max_length=200)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    legal_representative_mobile = models.CharField("法定代表人手机", max_length=11, blank=True)
    principal_person = models.CharField("主要负责人", max_length=50, blank=True)
    principal_mobile = models.CharField("主要负责人手机", max_length=11, blank=True)
    safety_manager = models.CharField("安全管理人员", max_length=50, blank=True)
    safety_manager_mobile = models.CharField("安全管理人员手机", max_length=11, blank=True)
    industry = models.ForeignKey(IndustryCode, null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name="国民经济行业")
    category = models.ForeignKey(SafetyCategory, on_delete=models.PROTECT, verbose_name="安全监管类别")
    scale = models.CharField("规模", max_length=10, choices=Scale.choices, default=Scale.SMALL)
    status = models.CharField("经营状态", max_length=10, choices=EnterpriseStatus.choices,
                              default=EnterpriseStatus.OPERATING)
    status_since = models.DateField("状态起始日期", null=True, blank=True)
    headcount = models.PositiveIntegerField("从业人数", null=True, blank=True)
    registered_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                          verbose_name="注册地")
    registered_region_code = models.CharField("注册地区县代码", max_length=6)
    registered_path = models.CharField(max_length=80)
    operating_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                         verbose_name="经营地")
    # Path of the operating region (or of the grid when assigned): the scoping key.
    scope_path = models.CharField(max_length=120)
    address = models.CharField("经营地址", max_length=300, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="enterprises", verbose_name="网格")
    grid_override_reason = models.CharField("人工指定网格原因", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES,
                    "change": {Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE, Role.DEPARTMENT}}

    class Meta:
        verbose_name = "生产经营单位"
        verbose_name_plural = "生产经营单位"
        ordering = ["region_code", "name", "id"]
        constraints = [
            # A voided row keeps its code but no longer holds it: the unit can be registered again.
            models.UniqueConstraint(fields=["region_code", "credit_code"],
                                    condition=~Q(credit_code="") & Q(voided_at__isnull=True),
                                    name="enterprise_unique_credit_code"),
        ]
        indexes = [
            models.Index(fields=["region_code", "status", "category"]),
            models.Index(fields=["lon", "lat"]),
            # The default list order: a page of 50 is read in index order instead of sorting a county.
            models.Index(fields=["region_code", "name", "id"], name="enterprise_list_order"),
            models.Index(fields=["registered_region_code"], name="enterprise_registered_county"),
            # Subtree filters: LIKE 'path/%' on PostgreSQL (pattern ops also serve '='), a byte
            # range on SQLite (where opclasses are ignored and this is a plain index).
            models.Index(fields=["scope_path"], opclasses=["varchar_pattern_ops"], name="enterprise_scope_path"),
            models.Index(fields=["registered_path"], opclasses=["varchar_pattern_ops"],
                         name="enterprise_registered_path"),
        ]

    def __str__(self):
        return self.name

    @property
    def operating_elsewhere(self):
        return self.registered_region_code != self.region_code

    @property
    def grid_overridden(self):
        return bool(self.grid_override_reason)

    @classmethod
    def scope_q(cls, user, action):
        role = user.effective_role
        if role == Role.ENTERPRISE:
            return Q(pk=user.enterprise_id) if user.enterprise_id else NOTHING
        q = path_q("scope_path", user.scope_paths())
        if role == Role.DEPARTMENT:
            q &= Q(category__in=department_categories(user.department_id))
        if action == "view" and role not in (Role.GRID_OFFICER, Role.DEPARTMENT):
            # The registering jurisdiction sees enterprises operating elsewhere, read-only.
            q |= path_q("registered_path", user.scope_paths())
        return q


def department_categories(department_id):
    """Categories a department leads or cooperates on (三管三必须)."""
    if department_id is None:
        return SafetyCategory.objects.none().values("pk")
    return ResponsibilityRule.objects.filter(
        Q(lead_department_id=department_id) | Q(cooperating_departments__id=department_id)
    ).values("category_id")


class KeyArea(TimeStampedModel, VoidableModel, TenantModel):
    """A key area (重点区域): a named set of grids or a drawn polygon, with the reason."""

    name = models.CharField("区域名称", max_length=100)
    reason = models.CharField("列为重点的原因", max_length=500)
    grids = models.ManyToManyField(Grid, blank=True, related_name="key_areas", verbose_name="网格")
    polygon = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区县")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": RULE_EDITORS | {Role.TOWN_OFFICE}}

    class Meta:
        verbose_name = "重点区域"
        verbose_name_plural = "重点区域"
        ordering = ["region_code", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return Q(region_code__in=user_counties(user))
