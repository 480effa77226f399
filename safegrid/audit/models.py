from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from safegrid.core.roles import Role
from safegrid.core.scope import RestrictedQuerySet


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """One state-changing service call. Append-only (also enforced by database triggers)."""

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="操作人",
    )
    # Kept as text too, so the trail reads the same after a user is renamed.
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    # Filters match these exactly: plain indexes only (db_index would add PostgreSQL LIKE twins that
    # every write maintains and no query reads); object_type leads the (object_type, object_id) index.
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("变更后", null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.CharField("原因", max_length=500, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    client_ip = models.GenericIPAddressField("客户端IP", null=True, blank=True)
    region_code = models.CharField("区县代码", max_length=6, blank=True)

    objects = AuditEventQuerySet.as_manager()
    role_actions = {"view": {Role.ADMIN, Role.COUNTY_OFFICE}, "export": {Role.ADMIN, Role.COUNTY_OFFICE}}

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["request_id"], name="audit_request_id"),
            models.Index(fields=["region_code"], name="audit_region_code"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    @classmethod
    def scope_q(cls, user, action):
        """A county office reads the trail of its own counties."""
        counties = {p.split("/")[2] for p in user.scope_paths() if p.count("/") >= 2}
        return Q(region_code__in=counties)
