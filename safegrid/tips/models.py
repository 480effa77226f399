"""Public reports (举报, 吹哨人): the tip, its timeline, photos, rewards, Open311 partners and the
grants that let a user reveal a reporter's identity.

The reporter's identity and payment details are stored only as Fernet tokens (crypto.py); the
tracking code only as an HMAC (codes.py). Neither appears in any list, export or audit event.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.models import TenantModel, TimelineEvent, TimeStampedModel
from safegrid.core.roles import STAFF_ROLES, Role
from safegrid.core.scope import NOTHING, RestrictedManager, path_q
from safegrid.hazards.models import attachment_storage
from safegrid.regions.models import Department, Grid, Region
from safegrid.registry.models import Enterprise, SafetyCategory

HANDLERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE, Role.DEPARTMENT})


class State(models.TextChoices):
    RECEIVED = "received", "待受理"
    ACCEPTED = "accepted", "已受理"
    VERIFIED = "verified", "查证属实"
    UNFOUNDED = "unfounded", "查证不实"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.VERIFIED, State.UNFOUNDED)
# States a reply to the reporter ends: the case counts as answered (办结) for the closure rate.
DONE_STATES = (State.CLOSED, State.REJECTED)


class Channel(models.TextChoices):
    WEB = "web", "网上举报"
    OPEN311 = "open311", "对接平台(Open311)"


class Partner(TimeStampedModel):
    """An Open311 client (12345/12350 hotline, civic app). Only a hash of its api_key is kept."""

    name = models.CharField("名称", max_length=100, unique=True)
    api_key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "举报对接平台"
        verbose_name_plural = "举报对接平台"

    def __str__(self):
        return self.name


class Tip(TimeStampedModel, TenantModel):
    """One public report. A merged tip keeps its reporter and code and follows its case (`case`)."""

    public_id = models.CharField("公开编号", max_length=16, unique=True)
    tracking_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.WEB)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, verbose_name="对接平台")
    description = models.TextField("举报内容")
    address = models.CharField("地点描述", max_length=300, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    occurred_at = models.DateTimeField("发现时间", null=True, blank=True)
    enterprise_name = models.CharField("被举报单位", max_length=200, blank=True)
    # Normalised name for the duplicate look-up (no spaces or punctuation, upper case).
    enterprise_key = models.CharField(max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="匹配的生产经营单位")
    category = models.ForeignKey(SafetyCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name="举报类别")
    media_url = models.URLField("材料链接(Open311)", max_length=500, blank=True)
    anonymous = models.BooleanField("匿名", default=True)
    # Fernet token of {"name", "mobile", ...}; empty when anonymous. Never shown, exported or audited.
    identity_token = models.TextField(blank=True)
    # Routing: the grid of the place, the town office that owns it, the department of the category.
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="网格")
    town = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="乡镇(街道)")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="tips", verbose_name="责任部门")
    territorial_fallback = models.BooleanField("属地兜底", default=False)
    scope_path = models.CharField(max_length=120, db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    deadline = models.DateField("答复期限", db_index=True)
    deadline_note = models.CharField("期限说明", max_length=100, blank=True)
    duplicate_candidates = models.JSONField("疑似重复", default=list, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_tips", verbose_name="合并至")
    major = models.BooleanField("重大隐患或违法行为", default=False)
    fine = models.DecimalField("罚款金额(元)", max_digits=14, decimal_places=2, null=True, blank=True)
    hazard = models.ForeignKey("hazards.Hazard", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="关联隐患")
    no_hazard_reason = models.CharField("未建隐患原因", max_length=500, blank=True)
    outcome = models.TextField("处理结果", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)

    objects = RestrictedManager()
    role_actions = {"view": STAFF_ROLES, "export": STAFF_ROLES, "change": HANDLERS}

    class Meta:
        verbose_name = "举报"
        verbose_name_plural = "举报"
        ordering = ["-created_at", "-id"]
        indexes = [
            # Duplicate look-up: bounding box on lon/lat, then the 30-day window.
            models.Index(fields=["region_code", "lon", "lat", "created_at"], name="tip_place_time"),
            models.Index(fields=["region_code", "enterprise_key", "created_at"], name="tip_enterprise_time"),
            models.Index(fields=["region_code", "state", "deadline"], name="tip_state_deadline"),
        ]

    def __str__(self):
        return f"举报 {self.public_id}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @classmethod
    def scope_q(cls, user, action):
        role = user.effective_role
        if role == Role.ENTERPRISE:
            return NOTHING  # never reaches here (role_actions), kept as a second lock
        q = path_q("scope_path", user.scope_paths())
        if role == Role.DEPARTMENT:
            q &= Q(department_id=user.department_id)
        return q


class TipEvent(TimelineEvent):
    """The timeline. `note` is internal; only `public_text` of public events reaches the reporter."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="events")
    note = models.TextField("内部说明", blank=True)
    public_text = models.TextField("答复举报人", blank=True)

    class Meta(TimelineEvent.Meta):
        verbose_name = "举报处理记录"
        verbose_name_plural = "举报处理记录"

    def __str__(self):
        return f"{self.tip_id} {self.action}"


class TipPhoto(models.Model):
    """A photo re-encoded without its metadata (EXIF may name the phone); time and GPS kept apart."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="tips/%Y/%m/", storage=attachment_storage, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField("拍摄时间(EXIF)", null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    gps_lat = models.FloatField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "举报照片"
        verbose_name_plural = "举报照片"
        ordering = ["id"]

    def __str__(self):
        return self.file.name


class IdentityAccessGrant(models.Model):
    """A user allowed to reveal reporters' identities (and reward payment details), with the reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identity_grants",
                             verbose_name="被授权人")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="授权人")
    reason = models.CharField("授权依据", max_length=300)
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "举报人身份查看授权"
        verbose_name_plural = "举报人身份查看授权"
        constraints = [models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True),
                                               name="identity_grant_one_active")]

    def __str__(self):
        return f"{self.user} ({self.reason})"


class RewardState(models.TextChoices):
    COMPUTED = "computed", "待审批"
    APPROVED = "approved", "已批准待申领"
    CLAIMED = "claimed", "已申领待发放"
    PAID = "paid", "已发放"


class Reward(TimeStampedModel, TenantModel):
    """举报奖励 of a case, computed by the configured rule; paid to the case's first reporter."""

    tip = models.OneToOneField(Tip, on_delete=models.PROTECT, related_name="reward")
    fine = models.DecimalField("罚款金额(元)", max_digits=14, decimal_places=2)
    amount = models.DecimalField("奖励金额(元)", max_digits=12, decimal_places=2)
    rule = models.JSONField("计算规则", default=dict)
    state = models.CharField("状态", max_length=10, choices=RewardState.choices, default=RewardState.COMPUTED)
    version = models.PositiveIntegerField(default=1)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    # Fernet token of the payment details the reporter gave when claiming.
    payment_token = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField("发放凭证号", max_length=100, blank=True)

    class Meta:
        verbose_name = "举报奖励"
        verbose_name_plural = "举报奖励"

    def __str__(self):
        return f"奖励 {self.amount} 元"
