"""Supervisory inspections (监督检查): inspector directory with conflicts of interest, checklists
as data, the annual plan, the random draw (双随机), inspections with item results, photos and
signatures, first-inspector links, leaders' quotas and enforcement (orders, penalties).

Scoping: an inspection copies its enterprise's `scope_path`; an enterprise user sees an
inspection only once it has started (四不两直: unannounced until the inspectors are on site).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimeStampedModel, VoidableModel
from safegrid.core.roles import ALL_ROLES, STAFF_ROLES, Role
from safegrid.core.scope import NOTHING, RestrictedManager, path_q
from safegrid.hazards.models import Hazard, HazardType, MajorHazardCriterion, attachment_storage
from safegrid.regions.models import Department, Region
from safegrid.registry.models import Enterprise, SafetyCategory, department_categories, user_counties

MANAGERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.DEPARTMENT})
INSPECTING = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.DEPARTMENT, Role.TOWN_OFFICE})


def county_q(user, field="region_code"):
    return Q(**{f"{field}__in": user_counties(user)})


def department_q(user):
    """A department reaches its own rows and the county's shared ones (no department)."""
    if user.effective_role != Role.DEPARTMENT:
        return Q()
    return Q(department_id=user.department_id) | Q(department__isnull=True)


# --- directories ------------------------------------------------------------------------------


class InspectorKind(models.TextChoices):
    STAFF = "staff", "执法人员"
    EXPERT = "expert", "专家"
    INSURER = "insurer", "安责险机构"
    SERVICE_ORG = "service_org", "第三方服务机构"


class Inspector(TimeStampedModel, VoidableModel, TenantModel):
    """One entry of the inspector directory (检查人员名录库) of a county."""

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=12, choices=InspectorKind.choices, default=InspectorKind.STAFF)
    unit = models.CharField("所在单位", max_length=100)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="inspectors", verbose_name="所属部门")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="inspector", verbose_name="平台账号")
    certificate_no = models.CharField("执法证号", max_length=40, blank=True)
    active = models.BooleanField("可参加抽取", default=True)

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": MANAGERS}

    class Meta:
        verbose_name = "检查人员"
        verbose_name_plural = "检查人员"
        ordering = ["region_code", "unit", "name", "id"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @classmethod
    def scope_q(cls, user, action):
        q = county_q(user)
        return q & department_q(user) if action != "view" else q


class ConflictKind(models.TextChoices):
    OWN = "own", "本人任职或持股单位"
    RELATIVE = "relative", "近亲属任职或持股单位"
    FORMER_EMPLOYER = "former_employer", "曾任职单位"
    OTHER = "other", "其他利害关系"


class InspectorConflict(TimeStampedModel, VoidableModel, TenantModel):
    """A declared conflict of interest: the inspector is never drawn for this enterprise (回避)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="conflicts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name="回避单位")
    kind = models.CharField("回避类型", max_length=20, choices=ConflictKind.choices)
    note = models.CharField("说明", max_length=300, blank=True)

    objects = RestrictedManager()
    role_actions = Inspector.role_actions

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        constraints = [models.UniqueConstraint(fields=["inspector", "enterprise"], condition=Q(voided_at__isnull=True),
                                               name="inspector_conflict_once")]

    def __str__(self):
        return f"{self.inspector.name} 回避 {self.enterprise.name}"

    @classmethod
    def scope_q(cls, user, action):
        return county_q(user)


class DirectoryCounter(models.Model):
    """Change counter of a county's inspector directory; part of the version a draw records."""

    region_code = models.CharField(max_length=6, unique=True)
    counter = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.region_code}: {self.counter}"


# --- checklists -------------------------------------------------------------------------------


class Checklist(models.Model):
    """A sector checklist (检查表), reference data with its basis; items are rows."""

    code = models.CharField("代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    categories = models.ManyToManyField(SafetyCategory, blank=True, related_name="checklists",
                                        verbose_name="适用行业类别")
    basis = models.CharField("依据", max_length=300)
    # Editions are immutable once used: a change makes a new edition and retires the old one, so
    # every inspection keeps the checklist (and items) it was carried out with.
    edition = models.CharField("版本", max_length=20, default="1")
    general = models.BooleanField("通用(无专用检查表时使用)", default=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, null=True)

    class Meta:
        verbose_name = "检查表"
        verbose_name_plural = "检查表"
        ordering = ["code", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "edition"], name="checklist_code_edition"),
            models.UniqueConstraint(fields=["code"], condition=Q(active=True), name="checklist_one_active_edition"),
        ]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    no = models.PositiveSmallIntegerField("序号")
    text = models.CharField("检查内容", max_length=300)
    basis = models.CharField("依据条款", max_length=200)
    hazard_type = models.ForeignKey(HazardType, on_delete=models.PROTECT, verbose_name="对应隐患类型")
    # Failing an item that matches a criterion proposes a major hazard with that criterion.
    criterion = models.ForeignKey(MajorHazardCriterion, null=True, blank=True, on_delete=models.PROTECT,
                                  verbose_name="重大事故隐患判定条目")

    class Meta:
        verbose_name = "检查项"
        verbose_name_plural = "检查项"
        ordering = ["checklist", "no"]
        constraints = [models.UniqueConstraint(fields=["checklist", "no"], name="checklist_item_no")]

    def __str__(self):
        return f"{self.no}. {self.text}"


# --- annual plan ------------------------------------------------------------------------------


class InspectionKind(models.TextChoices):
    RANDOM = "random", "双随机抽查"
    UNANNOUNCED = "unannounced", "四不两直"
    FULL = "full", "全面检查"
    RESIDENT = "resident", "驻厂/盯守检查"
    SPECIAL = "special", "专项检查"


RANDOM_KINDS = (InspectionKind.RANDOM, InspectionKind.UNANNOUNCED)


class InspectionPlan(TimeStampedModel, TenantModel):
    """The annual inspection plan (年度监督检查计划, 安全生产法 art. 62) of a county."""

    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=100)
    random_share = models.DecimalField("随机抽查占比下限", max_digits=4, decimal_places=3)
    max_per_year = models.PositiveSmallIntegerField("每家单位每年检查上限", null=True, blank=True)
    category_rules = models.JSONField("行业类别规则", default=dict, blank=True)
    summary = models.JSONField("汇总", default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": {Role.ADMIN, Role.COUNTY_OFFICE}}

    class Meta:
        verbose_name = "年度检查计划"
        verbose_name_plural = "年度检查计划"
        ordering = ["-year", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="plan_one_per_year")]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return county_q(user)


class PlanItem(TenantModel):
    """One enterprise in the plan: how many inspections, how many of them random, by whom."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="items")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="检查部门")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="乡镇(街道)")
    color = models.CharField("安全码", max_length=8, blank=True)
    kind = models.CharField("检查方式", max_length=12, choices=InspectionKind.choices)
    required = models.PositiveSmallIntegerField("要求次数")
    planned = models.PositiveSmallIntegerField("计划次数")
    random_count = models.PositiveSmallIntegerField("其中随机抽查")
    quarter = models.PositiveSmallIntegerField("首次检查季度", default=1)
    reason = models.CharField("依据", max_length=300)
    removed_reason = models.CharField("移除原因", max_length=300, blank=True)
    removed = models.BooleanField("已移除", default=False)

    objects = RestrictedManager()
    role_actions = InspectionPlan.role_actions

    class Meta:
        verbose_name = "计划检查单位"
        verbose_name_plural = "计划检查单位"
        ordering = ["plan", "town", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["plan", "enterprise"], name="plan_item_once")]
        indexes = [models.Index(fields=["plan", "department"]), models.Index(fields=["plan", "town"])]

    @classmethod
    def scope_q(cls, user, action):
        return county_q(user)


# --- random draw ------------------------------------------------------------------------------


class RandomDraw(TimeStampedModel, TenantModel):
    """A 双随机 draw. Seed and directory versions are kept so anyone can replay it."""

    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="组织部门")
    name = models.CharField("名称", max_length=100)
    seed = models.CharField("随机种子", max_length=64)
    ratios = models.JSONField("抽取比例")
    team_size = models.PositiveSmallIntegerField("每家检查人数", default=2)
    scheduled_from = models.DateField("检查开始日期")
    scheduled_to = models.DateField("检查截止日期")
    entity_version = models.JSONField("检查对象名录版本")
    inspector_version = models.JSONField("检查人员名录版本")
    summary = models.JSONField("抽取结果汇总", default=dict)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": MANAGERS}

    class Meta:
        verbose_name = "双随机抽取"
        verbose_name_plural = "双随机抽取"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, user, action):
        return county_q(user) & department_q(user)


# --- inspections ------------------------------------------------------------------------------


class InspectionState(models.TextChoices):
    PLANNED = "planned", "待检查"
    IN_PROGRESS = "in_progress", "检查中"
    SIGNED = "signed", "已签字归档"
    VOIDED = "voided", "已作废"


class Outcome(models.TextChoices):
    NO_PROBLEM = "no_problem", "未发现问题"
    HAZARDS_FOUND = "hazards_found", "发现隐患"


class Inspection(TimeStampedModel, VoidableModel, TenantModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="inspections",
                                   verbose_name="被检查单位")
    scope_path = models.CharField(max_length=120, db_index=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="检查部门")
    kind = models.CharField("检查方式", max_length=12, choices=InspectionKind.choices)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+", verbose_name="检查表")
    draw = models.ForeignKey(RandomDraw, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inspections")
    plan_item = models.ForeignKey(PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scheduled_on = models.DateField("计划检查日期")
    state = models.CharField("状态", max_length=12, choices=InspectionState.choices,
                             default=InspectionState.PLANNED, db_index=True)
    started_at = models.DateTimeField("到达现场时间", null=True, blank=True)
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    outcome = models.CharField("检查结果", max_length=15, choices=Outcome.choices, blank=True)
    representative = models.CharField("被检查单位签字人", max_length=50, blank=True)
    representative_signature = models.FileField(upload_to="inspections/signatures/%Y/%m/", storage=attachment_storage,
                                                blank=True, max_length=200)
    summary_note = models.TextField("检查情况", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES, "change": INSPECTING}

    class Meta:
        verbose_name = "监督检查"
        verbose_name_plural = "监督检查"
        ordering = ["-scheduled_on", "-id"]
        indexes = [models.Index(fields=["region_code", "state", "scheduled_on"]),
                   models.Index(fields=["enterprise", "state"])]

    def __str__(self):
        return f"{self.enterprise.name} {self.scheduled_on}"

    @property
    def started(self):
        return self.started_at is not None

    @classmethod
    def scope_q(cls, user, action):
        role = user.effective_role
        if role == Role.ENTERPRISE:
            # 四不两直: invisible to the inspected enterprise until the inspectors start on site.
            if not user.enterprise_id:
                return NOTHING
            return Q(enterprise_id=user.enterprise_id, started_at__isnull=False)
        q = path_q("scope_path", user.scope_paths())
        if role == Role.DEPARTMENT:
            dept = user.department_id
            q &= Q(department_id=dept) | Q(enterprise__category__in=department_categories(dept))
        return q


class InspectionMember(models.Model):
    """An inspector on the team; `signature` is the PNG drawn at sign-off."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    lead = models.BooleanField("组长", default=False)
    signature = models.FileField(upload_to="inspections/signatures/%Y/%m/", storage=attachment_storage,
                                 blank=True, max_length=200)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "检查组成员"
        verbose_name_plural = "检查组成员"
        ordering = ["inspection", "-lead", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "inspector"], name="member_once")]

    def __str__(self):
        return self.inspector.name


class ItemResult(models.TextChoices):
    PASS = "pass", "符合"
    FAIL = "fail", "不符合"
    NOT_APPLICABLE = "na", "不适用"


class Finding(models.Model):
    """The result of one checklist item in one inspection. A failed item becomes a hazard, or,
    when another department found the same problem first, links to that finding (首查负责制)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField("结果", max_length=4, choices=ItemResult.choices)
    note = models.CharField("情况说明", max_length=500, blank=True)
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_finding = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="followers", verbose_name="首查发现")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "检查发现"
        verbose_name_plural = "检查发现"
        ordering = ["inspection", "item__no"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="finding_once")]

    def __str__(self):
        return f"{self.item} {self.get_result_display()}"


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="inspections/%Y/%m/", storage=attachment_storage, max_length=200)
    thumbnail = models.FileField(upload_to="inspections/thumbs/%Y/%m/", storage=attachment_storage, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.file.name


# --- leaders' quotas --------------------------------------------------------------------------


class PostKind(models.TextChoices):
    COUNTY_HEAD = "county_head", "县级党政主要负责人"
    COUNTY_LEADER = "county_leader", "其他县级领导"
    DEPARTMENT_HEAD = "department_head", "部门主要负责人"
    TOWN_HEAD = "town_head", "乡镇(街道)主要负责人"
    DEPARTMENT_DEPUTY = "department_deputy", "部门分管负责人"
    TOWN_DEPUTY = "town_deputy", "乡镇(街道)分管负责人"


class Period(models.TextChoices):
    YEAR = "year", "每年"
    QUARTER = "quarter", "每季度"
    MONTH = "month", "每月"


COUNTY_POSTS = (PostKind.COUNTY_HEAD, PostKind.COUNTY_LEADER)
TOWN_POSTS = (PostKind.TOWN_HEAD, PostKind.TOWN_DEPUTY)
DEPARTMENT_POSTS = (PostKind.DEPARTMENT_HEAD, PostKind.DEPARTMENT_DEPUTY)


class LeaderPost(TimeStampedModel, TenantModel):
    """A leader's post: who, which kind, for which region (county or town) or department; the duty
    list (党政同责、一岗双责) and, for county and town leaders, the key enterprise they liaise with."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leader_posts",
                             verbose_name="领导")
    kind = models.CharField("职务类别", max_length=20, choices=PostKind.choices)
    title = models.CharField("职务", max_length=100, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="所在区县/乡镇")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="所在部门")
    duties = models.TextField("安全生产责任清单", blank=True, help_text="每行一项(党政同责、一岗双责)")
    liaison_enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="liaison_leaders", verbose_name="对口联系企业")
    active = models.BooleanField("在任", default=True)

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": {Role.ADMIN, Role.COUNTY_OFFICE}}

    class Meta:
        verbose_name = "领导职务"
        verbose_name_plural = "领导职务"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], condition=Q(active=True),
                                               name="leader_post_once")]

    @property
    def duty_list(self):
        return [line.strip() for line in self.duties.splitlines() if line.strip()]

    def __str__(self):
        return f"{self.user} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, user, action):
        return county_q(user)


class Quota(models.Model):
    """Leaders' inspection quota per post kind ('*' = default, or a county code overrides), valid from
    a date. Rows are never changed: a new quota is a new row, so a past period is judged by the
    quota that applied to it."""

    region = models.CharField("适用区划", max_length=6, default="*")
    kind = models.CharField("职务类别", max_length=20, choices=PostKind.choices)
    period = models.CharField("周期", max_length=8, choices=Period.choices)
    minimum = models.PositiveSmallIntegerField("最少次数")
    source = models.CharField("依据", max_length=200)
    valid_from = models.DateField("执行日期", default=datetime.date(2000, 1, 1))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "领导带队检查定额"
        verbose_name_plural = "领导带队检查定额"
        ordering = ["region", "kind", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "valid_from"], name="quota_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_period_display()}≥{self.minimum}"


class LeaderParticipation(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="leader_participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on = models.DateField("带队日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "user"], name="participation_once")]

    def __str__(self):
        return f"{self.user_id} {self.on}"


# --- enforcement ------------------------------------------------------------------------------


class OrderKind(models.TextChoices):
    RECTIFY = "rectify", "责令限期整改"
    STOP_PRODUCTION = "stop_production", "责令停产停业整顿"
    STOP_USE = "stop_use", "责令暂时停止使用相关设施设备"


class EnforcementRecord(TimeStampedModel, VoidableModel, TenantModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=120, db_index=True)
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document_no = models.CharField("文书编号", max_length=60, blank=True)
    legal_basis = models.CharField("法律依据", max_length=300)
    content = models.TextField("内容")
    decided_on = models.DateField("决定日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES, "change": MANAGERS}

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, user, action):
        if user.effective_role == Role.ENTERPRISE:
            return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else NOTHING
        return path_q("scope_path", user.scope_paths())


class EnforcementOrder(EnforcementRecord):
    kind = models.CharField("文书类型", max_length=20, choices=OrderKind.choices)
    deadline = models.DateField("期限", null=True, blank=True)

    class Meta:
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"
        ordering = ["-decided_on", "-id"]


class Penalty(EnforcementRecord):
    amount = models.DecimalField("罚款金额(元)", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "行政处罚"
        verbose_name_plural = "行政处罚"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "decided_on"])]
