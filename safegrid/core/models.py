"""Abstract bases shared by the domain apps."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class TenantModel(models.Model):
    """A row owned by a jurisdiction: the county-level code, copied at write time.

    It is the distribution key for a later Citus deployment; unique constraints include it.
    """

    region_code = models.CharField("区县代码", max_length=6, db_index=True)

    class Meta:
        abstract = True


class VoidableModel(models.Model):
    """Nothing users create is hard-deleted: it is voided with a reason."""

    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="作废人",
    )
    void_reason = models.CharField("作废原因", max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self):
        return self.voided_at is not None


class TimelineEvent(models.Model):
    """One step of a case's timeline (hazard, tip): who did what, from which state to which, when.

    Appended by the services beside the audit event; the subclass adds the case's foreign key
    (related_name "events") and its own text fields.
    """

    action = models.CharField("动作", max_length=30)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

