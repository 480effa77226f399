"""Risk grading and the dual prevention mechanism (风险分级管控).

- Standards as data: GB 18218-2018 tables, LEC/LS scales per province, the safety-code rule set.
- The enterprise's dual-prevention hierarchy (national exchange format, see docs/risk.md):
  RiskObject > RiskUnit > RiskEvent > ControlMeasure > ControlCheckTask > ControlCheckRecord.
- Immutable snapshots: RiskAssessment, MajorHazardComputation, GradeSnapshot (never updated).
- EnterpriseGrade: the current safety code (安全码) of each enterprise, one small row each.
Overdue check tasks are derived from the cycle and the last record (queries.py), never stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimeStampedModel, VoidableModel
from safegrid.core.roles import ALL_ROLES, STAFF_ROLES, Role
from safegrid.core.scope import NOTHING, RestrictedManager
from safegrid.registry.models import Enterprise


class RiskColor(models.TextChoices):
    RED = "red", "红(重大风险)"
    ORANGE = "orange", "橙(较大风险)"
    YELLOW = "yellow", "黄(一般风险)"
    BLUE = "blue", "蓝(低风险)"


COLOR_ORDER = [RiskColor.RED, RiskColor.ORANGE, RiskColor.YELLOW, RiskColor.BLUE]
COLOR_SHORT = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}


class Method(models.TextChoices):
    LEC = "LEC", "LEC(作业条件危险性评价法)"
    LS = "LS", "LS(风险矩阵法)"


# --- standards as data ------------------------------------------------------------------


class Standard(models.Model):
    """An edition of GB 18218 with its alpha table, levels and rule texts (data/gb18218_2018.json)."""

    code = models.CharField("标准编号", max_length=40, unique=True)
    title = models.CharField("名称", max_length=100)
    source = models.TextField("来源")
    params = models.JSONField("分级参数")

    class Meta:
        verbose_name = "重大危险源辨识标准"
        verbose_name_plural = "重大危险源辨识标准"

    def __str__(self):
        return self.code


class NamedChemical(models.Model):
    """GB 18218 table 1: a named hazardous chemical and its critical quantity Q (t)."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="chemicals")
    no = models.PositiveSmallIntegerField("序号")
    name = models.CharField("名称和说明", max_length=120)
    aliases = models.CharField("别名", max_length=200, blank=True)  # ';'-separated
    cas = models.CharField("CAS号", max_length=80, blank=True)  # ';'-separated
    critical_quantity = models.DecimalField("临界量(t)", max_digits=10, decimal_places=3)

    class Meta:
        verbose_name = "危险化学品临界量(表1)"
        verbose_name_plural = "危险化学品临界量(表1)"
        ordering = ["standard", "no"]
        constraints = [models.UniqueConstraint(fields=["standard", "no"], name="named_chemical_unique_no")]

    def __str__(self):
        return f"{self.no} {self.name}"

    def cas_list(self):
        return [c for c in self.cas.split(";") if c]

    def alias_list(self):
        return [a for a in self.aliases.split(";") if a]


class HazardClass(models.Model):
    """GB 18218 tables 2 and 4: a hazard category (J1…W11), its critical quantity and beta."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="classes")
    symbol = models.CharField("符号", max_length=10)
    hazard = models.CharField("类别", max_length=40)
    description = models.CharField("危险性分类及说明", max_length=200)
    critical_quantity = models.DecimalField("临界量(t)", max_digits=10, decimal_places=3)
    beta = models.DecimalField("校正系数β(表4)", max_digits=5, decimal_places=2)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "危险类别临界量与β(表2、表4)"
        verbose_name_plural = "危险类别临界量与β(表2、表4)"
        ordering = ["standard", "id"]
        constraints = [models.UniqueConstraint(fields=["standard", "symbol"], name="hazard_class_unique_symbol")]

    def __str__(self):
        return f"{self.symbol} {self.hazard}"


class ToxicGas(models.Model):
    """GB 18218 table 3: a named toxic gas and its beta."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="toxic_gases")
    name = models.CharField("名称", max_length=40)
    cas = models.CharField("CAS号", max_length=20)
    beta = models.DecimalField("校正系数β", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "毒性气体校正系数β(表3)"
        verbose_name_plural = "毒性气体校正系数β(表3)"
        ordering = ["standard", "id"]

    def __str__(self):
        return f"{self.name} β={self.beta}"


class AssessmentScale(models.Model):
    """LEC or LS scales and colour bands for a province ('*' = default). Each edit adds an edition."""

    province = models.CharField("省级区划代码", max_length=2, default="*", help_text="两位省代码，* 为默认")
    method = models.CharField("评估方法", max_length=3, choices=Method.choices)
    edition = models.PositiveIntegerField("版次", default=1)
    scales = models.JSONField("取值表")
    bands = models.JSONField("颜色分界")
    source = models.TextField("依据")
    active = models.BooleanField("现行", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "风险评估取值与分级表"
        verbose_name_plural = "风险评估取值与分级表"
        ordering = ["method", "province", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["province", "method", "edition"], name="scale_unique_edition"),
            models.UniqueConstraint(fields=["province", "method"], condition=Q(active=True),
                                    name="scale_one_active"),
        ]

    def __str__(self):
        return f"{self.method} {self.province} 第{self.edition}版"


class GradeRuleSet(models.Model):
    """Safety-code rules for a county (6 digits), a province (2) or the default '*'; editions."""

    region = models.CharField("适用区划", max_length=6, default="*")
    edition = models.PositiveIntegerField("版次", default=1)
    rules = models.JSONField("规则")
    source = models.TextField("依据")
    active = models.BooleanField("现行", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "安全码赋码规则"
        verbose_name_plural = "安全码赋码规则"
        ordering = ["region", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["region", "edition"], name="grade_rules_unique_edition"),
            models.UniqueConstraint(fields=["region"], condition=Q(active=True), name="grade_rules_one_active"),
        ]

    def __str__(self):
        return f"安全码规则 {self.region} 第{self.edition}版"


# --- scoping: every enterprise-owned risk row -----------------------------------------------

RISK_EDITORS = frozenset({Role.ENTERPRISE, Role.ADMIN})
OWNED_ROLE_ACTIONS = {"view": ALL_ROLES, "export": ALL_ROLES, "change": RISK_EDITORS}


def enterprise_scope_q(user, field="enterprise"):
    """Rows of enterprises the user may see: the enterprise user its own, staff their jurisdiction."""
    if user.effective_role == Role.ENTERPRISE:
        return Q(**{f"{field}_id": user.enterprise_id}) if user.enterprise_id else NOTHING
    visible = Enterprise.objects.filter(Enterprise.scope_q(user, "view")).values("pk")
    return Q(**{f"{field}__in": visible})


class EnterpriseOwned(TimeStampedModel, VoidableModel, TenantModel):
    """A risk row of one enterprise; `region_code` copied from it at write time."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name="生产经营单位")

    objects = RestrictedManager()
    role_actions = OWNED_ROLE_ACTIONS

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


class RiskObject(EnterpriseOwned):
    """风险分析对象 (exchange format: hazardCode), e.g. a tank farm, a workshop."""

    code = models.CharField("对象编码", max_length=40, blank=True)
    name = models.CharField("风险分析对象", max_length=100)

    class Meta:
        verbose_name = "风险分析对象"
        verbose_name_plural = "风险分析对象"
        ordering = ["enterprise", "name", "id"]

    def __str__(self):
        return self.name


class RiskUnit(EnterpriseOwned):
    """风险分析单元 (riskUnitName, hazardDep, hazardLiablePerson)."""

    risk_object = models.ForeignKey(RiskObject, on_delete=models.PROTECT, related_name="units",
                                    verbose_name="风险分析对象")
    name = models.CharField("风险分析单元", max_length=100)
    department = models.CharField("责任部门", max_length=50, blank=True)
    liable_person = models.CharField("责任人", max_length=50, blank=True)

    class Meta:
        verbose_name = "风险分析单元"
        verbose_name_plural = "风险分析单元"
        ordering = ["risk_object", "name", "id"]

    def __str__(self):
        return self.name


class RiskEvent(EnterpriseOwned):
    """风险事件 (riskEventName) with its current assessment; history in RiskAssessment."""

    unit = models.ForeignKey(RiskUnit, on_delete=models.PROTECT, related_name="events", verbose_name="风险分析单元")
    name = models.CharField("风险事件", max_length=200)
    method = models.CharField("评估方法", max_length=3, choices=Method.choices, blank=True)
    score = models.DecimalField("风险值", max_digits=10, decimal_places=2, null=True, blank=True)
    color = models.CharField("风险等级", max_length=6, choices=RiskColor.choices, blank=True, db_index=True)
    assessed_on = models.DateField("评估日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "风险事件"
        verbose_name_plural = "风险事件"
        ordering = ["unit", "name", "id"]

    def __str__(self):
        return self.name


class RiskAssessment(TenantModel):
    """One LEC/LS assessment of an event, immutable: inputs, scale edition, result."""

    event = models.ForeignKey(RiskEvent, on_delete=models.PROTECT, related_name="assessments")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    method = models.CharField("评估方法", max_length=3, choices=Method.choices)
    inputs = models.JSONField("取值")
    scale = models.ForeignKey(AssessmentScale, on_delete=models.PROTECT, related_name="+")
    scale_data = models.JSONField("所用取值表和分界(副本)")
    score = models.DecimalField("风险值", max_digits=10, decimal_places=2)
    color = models.CharField("风险等级", max_length=6, choices=RiskColor.choices)
    assessor = models.CharField("评估人", max_length=50)
    assessed_on = models.DateField("评估日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    role_actions = OWNED_ROLE_ACTIONS

    class Meta:
        verbose_name = "风险评估记录"
        verbose_name_plural = "风险评估记录"
        ordering = ["-created_at", "-id"]

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


class ControlLevel(models.TextChoices):
    COMPANY = "company", "公司级"
    WORKSHOP = "workshop", "车间级"
    TEAM = "team", "班组级"
    POST = "post", "岗位级"


class ControlMeasure(EnterpriseOwned):
    """管控措施 (riskMeasureDesc, troubleshootContent, classify1, dataSrc)."""

    event = models.ForeignKey(RiskEvent, on_delete=models.PROTECT, related_name="measures", verbose_name="风险事件")
    description = models.CharField("管控措施", max_length=500)
    check_content = models.CharField("隐患排查内容", max_length=500, blank=True)
    classification = models.CharField("措施分类", max_length=30, blank=True,
                                      help_text="工程技术、维护保养、操作行为、应急措施等")
    level = models.CharField("管控层级", max_length=10, choices=ControlLevel.choices, default=ControlLevel.POST)

    class Meta:
        verbose_name = "管控措施"
        verbose_name_plural = "管控措施"
        ordering = ["event", "id"]

    def __str__(self):
        return self.description[:40]


class CycleUnit(models.TextChoices):
    HOUR = "hour", "小时"
    DAY = "day", "天"
    WEEK = "week", "周"
    MONTH = "month", "月"


class ControlCheckTask(EnterpriseOwned):
    """隐患排查任务 of the exchange format (checkCycle + checkCycleUnit, troubleshootContent).

    Named ControlCheckTask so it does not clash with the supervisory Inspection app.
    """

    measure = models.ForeignKey(ControlMeasure, on_delete=models.PROTECT, related_name="tasks",
                                verbose_name="管控措施")
    content = models.CharField("排查内容", max_length=500)
    cycle = models.PositiveIntegerField("排查周期")
    cycle_unit = models.CharField("周期单位", max_length=6, choices=CycleUnit.choices)
    starts_at = models.DateTimeField("任务开始时间")

    class Meta:
        verbose_name = "排查任务"
        verbose_name_plural = "排查任务"
        ordering = ["measure", "id"]

    def __str__(self):
        return f"{self.content[:30]}（每{self.cycle}{self.get_cycle_unit_display()}）"


class CheckResult(models.TextChoices):
    OK = "ok", "正常"
    FAILED = "failed", "管控措施失效"


class ControlCheckRecord(TenantModel):
    """隐患排查记录 (checkTaskId, checkTime). A failed check creates a hazard, linked here."""

    task = models.ForeignKey(ControlCheckTask, on_delete=models.PROTECT, related_name="records")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("排查时间", db_index=True)
    result = models.CharField("排查结果", max_length=6, choices=CheckResult.choices)
    note = models.CharField("情况说明", max_length=500, blank=True)
    checker = models.CharField("排查人", max_length=50)
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="发现的隐患")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    role_actions = OWNED_ROLE_ACTIONS

    class Meta:
        verbose_name = "排查记录"
        verbose_name_plural = "排查记录"
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["task", "checked_at"])]

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


# --- major hazard sources (GB 18218) ----------------------------------------------------------


class UnitType(models.TextChoices):
    PRODUCTION = "production", "生产单元"
    STORAGE = "storage", "储存单元"


class MajorHazardSource(EnterpriseOwned):
    """A registered unit with its latest GB 18218 computation (history: MajorHazardComputation)."""

    name = models.CharField("单元名称", max_length=100)
    unit_type = models.CharField("单元类型", max_length=10, choices=UnitType.choices)
    people_500m = models.PositiveIntegerField("厂外500 m内常住人口")
    substances = models.JSONField("危险化学品及设计最大量")
    standard = models.CharField("辨识标准", max_length=40)
    ratio_sum = models.DecimalField("Σq/Q", max_digits=14, decimal_places=4)
    r_value = models.DecimalField("R值", max_digits=14, decimal_places=4)
    is_major = models.BooleanField("构成重大危险源")
    level = models.PositiveSmallIntegerField("级别", null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "重大危险源"
        verbose_name_plural = "重大危险源"
        ordering = ["enterprise", "name", "id"]

    def __str__(self):
        return self.name


class MajorHazardComputation(models.Model):
    """One GB 18218 computation, immutable: inputs, standard edition, result with its steps."""

    source = models.ForeignKey(MajorHazardSource, on_delete=models.PROTECT, related_name="computations")
    standard = models.CharField("辨识标准", max_length=40)
    inputs = models.JSONField()
    result = models.JSONField()
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "重大危险源辨识计算记录"
        verbose_name_plural = "重大危险源辨识计算记录"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.source_id} {self.standard} {self.created_at:%Y-%m-%d}"


# --- safety code (安全码) ----------------------------------------------------------------------


class RiskProfile(TimeStampedModel, TenantModel):
    """Inputs of the safety code that the registry does not hold (declared, verified by staff)."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.PROTECT, related_name="risk_profile")
    hazardous_process = models.BooleanField("涉及危险化工工艺", default=False)
    standardisation_level = models.PositiveSmallIntegerField("安全生产标准化等级", null=True, blank=True,
                                                             help_text="1、2、3 级；空为未达标")
    emergency_team = models.BooleanField("有自有应急救援队伍", default=False)

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES,
                    "change": {Role.ADMIN, Role.COUNTY_OFFICE, Role.ENTERPRISE}}

    class Meta:
        verbose_name = "企业风险基础信息"
        verbose_name_plural = "企业风险基础信息"

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


class EnterpriseGrade(TenantModel):
    """The current safety code of an enterprise: one small row, rewritten only when it changes."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="grade")
    color = models.CharField("安全码", max_length=6, choices=RiskColor.choices, db_index=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=1)
    reasons = models.JSONField("赋码理由")
    # No database constraint or index on the rule set: a few rows, never deleted (PROTECT in the ORM), and
    # the check would cost regrade seconds per 200,000 rows.
    rule_set = models.ForeignKey(GradeRuleSet, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    major_hazard_level = models.PositiveSmallIntegerField("重大危险源级别", null=True, blank=True)
    # Hash of (colour, score, reasons) and the rule set: regrade rewrites the row only when it differs.
    digest = models.CharField(max_length=40)
    graded_at = models.DateTimeField("赋码时间")

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES, "change": frozenset({Role.ADMIN})}

    class Meta:
        verbose_name = "企业安全码"
        verbose_name_plural = "企业安全码"

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


class GradeSnapshot(TenantModel):
    """A grade as computed (inputs, rule edition, result), kept whenever the grade changes."""

    # Append-only history written in bulk by regrade: no per-row foreign-key checks (the enterprise and the
    # rule set are never deleted); the (enterprise, created_at) index serves look-ups by enterprise.
    enterprise = models.ForeignKey(Enterprise, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                   db_index=False)
    color = models.CharField(max_length=6, choices=RiskColor.choices)
    score = models.DecimalField(max_digits=6, decimal_places=1)
    inputs = models.JSONField()
    reasons = models.JSONField()
    rule_set = models.ForeignKey(GradeRuleSet, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    trigger = models.CharField("触发", max_length=30)
    created_at = models.DateTimeField(db_index=True)

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES, "change": frozenset({Role.ADMIN})}

    class Meta:
        verbose_name = "安全码历史"
        verbose_name_plural = "安全码历史"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "created_at"])]

    @classmethod
    def scope_q(cls, user, action):
        return enterprise_scope_q(user)


class RegradeQueue(models.Model):
    """Enterprises whose safety code waits for a regrade (risk.hooks): one row per enterprise,
    upserted in the transaction of the change, deleted by the drain that grades it."""

    # No foreign-key check: the row lives seconds and the enterprise is never deleted.
    enterprise = models.OneToOneField(Enterprise, on_delete=models.DO_NOTHING, related_name="+",
                                      db_constraint=False, primary_key=True)
    trigger = models.CharField(max_length=30)
    queued_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "待重算安全码"
        verbose_name_plural = "待重算安全码"

    def __str__(self):
        return f"{self.enterprise_id} ({self.trigger})"
