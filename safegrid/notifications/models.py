"""The in-app inbox and the log of deliveries to outside channels (DingTalk, WeCom, SMS)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from safegrid.core.roles import ALL_ROLES, Role
from safegrid.core.scope import RestrictedManager


class Notification(models.Model):
    """One message in one user's inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name="接收人")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = RestrictedManager()
    role_actions = {"view": ALL_ROLES, "export": ALL_ROLES, "change": ALL_ROLES | {Role.LEADER}}

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, user, action):
        return Q(user=user)  # an inbox is private, administrators included


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "失败待重试"
    GAVE_UP = "gave_up", "已放弃"


class Delivery(models.Model):
    """One message to one outside channel; failures are retried with backoff."""

    channel = models.CharField("渠道", max_length=50)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="deliveries")
    recipient = models.CharField("接收方", max_length=100, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    next_try_at = models.DateTimeField("下次尝试", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "外部推送"
        verbose_name_plural = "外部推送"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self):
        return f"{self.channel} {self.title} {self.get_status_display()}"
