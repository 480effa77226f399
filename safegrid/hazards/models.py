"""Hidden hazards and their closed loop (隐患排查治理闭环): reference data, the hazard, its
timeline, photos, the five-step close-out of major hazards, follow-ups and escalation notices.

Time-derived facts (overdue, due soon, supervised listing) are never stored: see queries.py.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimelineEvent, TimeStampedModel, VoidableModel
from safegrid.core.roles import ALL_ROLES, STAFF_ROLES, Role
from safegrid.core.scope import NOTHING, RestrictedManager, tenant_path_q
from safegrid.regions.models import Department, Grid, Region
from safegrid.registry.models import Enterprise, department_categories


class HazardType(models.Model):
    """Dictionary of hazard types (电气线路, 消防设施 …); administrators may add rows."""

    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    sort = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "隐患类型"
        verbose_name_plural = "隐患类型"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class MajorHazardCriterion(models.Model):
    """One item of a sector's 重大事故隐患判定标准, versioned by edition (see data/README.md)."""

    sector = models.CharField("行业领域", max_length=40, db_index=True)
    sector_name = models.CharField("行业领域名称", max_length=50)
    standard = models.CharField("判定标准", max_length=200)
    document = models.CharField("文号", max_length=100, blank=True)
    edition = models.CharField("版本", max_length=20)
    article = models.CharField("条", max_length=20)
    item = models.CharField("款/项", max_length=20, blank=True)
    subject = models.CharField("适用对象", max_length=100, blank=True)
    text = models.TextField("内容")
    # False where the text was not yet compared with a public transcription (data/README.md).
    checked = models.BooleanField("已核对原文", default=True)
    active = models.BooleanField("现行有效", default=True)

    class Meta:
        verbose_name = "重大事故隐患判定标准条目"
        verbose_name_plural = "重大事故隐患判定标准条目"
        ordering = ["sector", "-edition", "id"]
        constraints = [models.UniqueConstraint(fields=["sector", "edition", "article", "item"],
                                               name="criterion_unique_item")]

    def __str__(self):
        return f"{self.standard}（{self.edition}）{self.article}{self.item}"


class Source(models.TextChoices):
    GRID_PATROL = "grid_patrol", "网格巡查"
    SELF_INSPECTION = "self_inspection", "企业自查"
    DEPARTMENT_INSPECTION = "department_inspection", "部门检查"
    PUBLIC_REPORT = "public_report", "群众举报"
    SENSOR_ALARM = "sensor_alarm", "监测报警"
    HIGHER_SUPERVISION = "higher_supervision", "上级督办"
    ACCIDENT_INVESTIGATION = "accident_investigation", "事故调查"


class Grade(models.TextChoices):
    GENERAL = "general", "一般隐患"
    MAJOR = "major", "重大隐患"


class Handling(models.TextChoices):
    ON_SPOT = "on_spot", "即查即改"
    BY_DEADLINE = "by_deadline", "限期整改"


class State(models.TextChoices):
    REPORTED = "reported", "待核实"
    CONFIRMED = "confirmed", "已确认待交办"
    REJECTED = "rejected", "不属于隐患"
    MERGED = "merged", "已合并(重复)"
    ASSIGNED = "assigned", "已交办"
    RECTIFYING = "rectifying", "整改中"
    SUBMITTED = "submitted", "待验收"
    CLOSED = "closed", "已验收销号"
    VOIDED = "voided", "已作废"


OPEN_STATES = (State.REPORTED, State.CONFIRMED, State.ASSIGNED, State.RECTIFYING, State.SUBMITTED)
# States where a deadline runs against the rectifying party and the acceptor.
DEADLINE_STATES = (State.ASSIGNED, State.RECTIFYING, State.SUBMITTED)


class DeadlineBasis(models.TextChoices):
    OFFICIAL = "official", "官方工作日历"
    WEEKDAYS = "weekdays", "按法定节假日推算(未含调休)"
    DATE = "date", "指定日期"


class Hazard(TimeStampedModel, VoidableModel, TenantModel):
    """A hidden hazard at an enterprise, or at a place (grid + location) no enterprise owns."""

    # Indexes a report writes are kept to those a query reads (migration 0007): the county code, the
    # enterprise and the town lead composite indexes (Meta), criteria and approvers are never searched.
    region_code = models.CharField("区县代码", max_length=6)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="hazards", verbose_name="生产经营单位", db_index=False)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards",
                             verbose_name="网格")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="乡镇(街道)",
                             db_index=False)
    scope_path = models.CharField(max_length=120)  # indexed with the list order, see Meta
    location = models.CharField("位置描述", max_length=300, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    source = models.CharField("来源", max_length=30, choices=Source.choices)
    hazard_type = models.ForeignKey(HazardType, on_delete=models.PROTECT, verbose_name="隐患类型")
    description = models.TextField("隐患描述")
    grade = models.CharField("等级", max_length=10, choices=Grade.choices, default=Grade.GENERAL)
    criterion = models.ForeignKey(MajorHazardCriterion, null=True, blank=True, on_delete=models.PROTECT,
                                  verbose_name="判定依据条目", db_index=False)
    handling = models.CharField("治理方式", max_length=12, choices=Handling.choices, default=Handling.BY_DEADLINE)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.REPORTED)
    version = models.PositiveIntegerField(default=1)
    # Responsibility resolved from the enterprise's category (三管三必须) at report time.
    lead_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="牵头部门")
    cooperating_departments = models.ManyToManyField(Department, blank=True, related_name="+",
                                                     verbose_name="配合部门")
    territorial_fallback = models.BooleanField("属地兜底", default=False)
    # Assignment: a department, or the town office itself (属地兜底) when department is empty.
    assigned_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="assigned_hazards", verbose_name="责任部门")
    assigned_by_role = models.CharField("交办单位类型", max_length=20, blank=True)
    # Rectification plan 五定.
    responsible_person = models.CharField("整改责任人", max_length=50, blank=True)
    measures = models.TextField("整改措施", blank=True)
    funds = models.DecimalField("整改资金(元)", max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True, db_index=True)
    deadline_basis = models.CharField("时限计算依据", max_length=10, choices=DeadlineBasis.choices, blank=True)
    deadline_note = models.CharField("时限说明", max_length=100, blank=True)
    contingency_plan = models.TextField("整改期间应急预案", blank=True)
    original_deadline = models.DateField("原整改时限", null=True, blank=True)
    extension_reason = models.CharField("延期原因", max_length=500, blank=True)
    extension_approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+", verbose_name="延期批准人",
                                           db_index=False)
    rectification_description = models.TextField("整改情况说明", blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reported_hazards", verbose_name="上报人")
    reported_at = models.DateTimeField("上报时间", db_index=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True, db_index=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="duplicates", verbose_name="合并至")
    recurrence_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="recurrences", verbose_name="复发自")

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": STAFF_ROLES, "change": ALL_ROLES - {Role.LEADER}}

    class Meta:
        verbose_name = "隐患"
        verbose_name_plural = "隐患"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "state", "deadline"]),
            # The list's default order within a county (scope_q tests a county by its code) and within
            # a town or grid subtree (pattern ops serve the path prefix; the order columns let the
            # page and the capped count be read from the index alone instead of 20,000 table rows).
            models.Index(fields=["region_code", "reported_at", "id"], name="hazard_county_reported"),
            models.Index(fields=["region_code", "grade", "reported_at", "id"], name="hazard_county_grade"),
            models.Index(fields=["scope_path", "reported_at", "id"], name="hazard_scope_reported",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops", "int8_ops"]),
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["town", "state"]),
            models.Index(fields=["enterprise", "hazard_type", "reported_at"]),
            # Open / overdue / due-soon or major hazards within a jurisdiction (lists, daily report): the
            # state or grade, then the scope subtree; pattern ops so PostgreSQL serves the path prefix
            # LIKE from it. Without them a county's list scans its 200,000 hazards spread over the table.
            models.Index(fields=["state", "scope_path"], name="hazard_state_scope",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
            models.Index(fields=["grade", "scope_path"], name="hazard_grade_scope",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"隐患 #{self.pk} {self.description[:20]}"

    @property
    def is_major(self):
        return self.grade == Grade.MAJOR

    @classmethod
    def scope_q(cls, user, action):
        role = user.effective_role
        if role == Role.ENTERPRISE:
            return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else NOTHING
        q = tenant_path_q("scope_path", user.scope_paths())
        if role == Role.DEPARTMENT:
            dept = user.department_id
            cooperating = cls.cooperating_departments.through.objects.filter(department_id=dept).values("hazard_id")
            q &= (Q(assigned_department_id=dept) | Q(lead_department_id=dept) | Q(pk__in=cooperating)
                  | Q(enterprise__category__in=department_categories(dept)))
        return q


class HazardEvent(TimelineEvent):
    """The hazard's timeline: who did what, when, why, with which evidence."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    reason = models.TextField("说明", blank=True)

    class Meta(TimelineEvent.Meta):
        verbose_name = "隐患处理记录"
        verbose_name_plural = "隐患处理记录"

    def __str__(self):
        return f"{self.hazard_id} {self.action}"


def attachment_storage():
    """Local disk by default; settings.SAFEGRID_ATTACHMENT_STORAGE names another STORAGES alias (S3 …)."""
    return storages[getattr(settings, "SAFEGRID_ATTACHMENT_STORAGE", "default")]


class PhotoKind(models.TextChoices):
    BEFORE = "before", "整改前"
    AFTER = "after", "整改后"
    EVIDENCE = "evidence", "过程材料"


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField("类别", max_length=10, choices=PhotoKind.choices)
    file = models.FileField(upload_to="hazards/%Y/%m/", storage=attachment_storage, max_length=200)
    thumbnail = models.FileField(upload_to="hazards/thumbs/%Y/%m/", storage=attachment_storage, max_length=200,
                                 blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField("拍摄时间(EXIF)", null=True, blank=True)
    gps_lon = models.FloatField("拍摄经度(EXIF)", null=True, blank=True)
    gps_lat = models.FloatField("拍摄纬度(EXIF)", null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "隐患照片"
        verbose_name_plural = "隐患照片"
        ordering = ["id"]

    def __str__(self):
        return self.original_name or self.file.name


class CloseOutStep(models.TextChoices):
    SELF_RECTIFICATION = "self_rectification", "企业自查自改"
    EXPERT_VERIFICATION = "expert_verification", "专家核查"
    GOVERNMENT_SUPERVISION = "government_supervision", "政府督办"
    ACCEPTANCE = "acceptance", "验收销号"
    ACCOUNTABILITY_REVIEW = "accountability_review", "追责问效"


# 销号五步法: the first three must be on record before a major hazard can be accepted.
STEPS_BEFORE_ACCEPTANCE = (CloseOutStep.SELF_RECTIFICATION, CloseOutStep.EXPERT_VERIFICATION,
                           CloseOutStep.GOVERNMENT_SUPERVISION)


class CloseOutRecord(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="closeout_steps")
    step = models.CharField("步骤", max_length=30, choices=CloseOutStep.choices)
    note = models.TextField("情况", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "重大隐患销号步骤"
        verbose_name_plural = "重大隐患销号步骤"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["hazard", "step"], name="closeout_step_once")]

    def __str__(self):
        return f"{self.hazard_id} {self.get_step_display()}"


class FollowUpRun(models.Model):
    """One draw of closed hazards for re-check (回头看); the seed makes it reproducible."""

    region_code = models.CharField(max_length=6, blank=True)
    seed = models.BigIntegerField()
    share = models.FloatField()
    days = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()
    drawn_at = models.DateTimeField(auto_now_add=True)
    drawn_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "回头看抽取"
        verbose_name_plural = "回头看抽取"

    def __str__(self):
        return f"回头看 {self.drawn_at:%Y-%m-%d} seed={self.seed}"


class FollowUpResult(models.TextChoices):
    PENDING = "pending", "待复查"
    PASSED = "passed", "整改有效"
    FAILED = "failed", "问题反弹"


class FollowUp(models.Model):
    run = models.ForeignKey(FollowUpRun, on_delete=models.PROTECT, related_name="follow_ups")
    hazard = models.OneToOneField(Hazard, on_delete=models.PROTECT, related_name="follow_up")
    result = models.CharField(max_length=10, choices=FollowUpResult.choices, default=FollowUpResult.PENDING)
    note = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "回头看"
        verbose_name_plural = "回头看"

    def __str__(self):
        return f"{self.hazard_id} {self.get_result_display()}"


class EscalationNotice(models.Model):
    """A supervised-listing notice sent once per hazard and deadline (the key is unique)."""

    key = models.CharField(max_length=100, unique=True)
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="escalations")
    supervising_unit = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "挂牌督办通知"
        verbose_name_plural = "挂牌督办通知"

    def __str__(self):
        return self.key
