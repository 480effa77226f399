"""The record of periodic command runs: one row per job, updated by every run (ops.periodic)."""

from django.db import models

from safegrid.core.roles import Role


class JobRun(models.Model):
    """The latest runs of one periodic job (a management command run from a timer or cron)."""

    job = models.CharField("任务", max_length=50, primary_key=True)
    last_started_at = models.DateTimeField("最近开始", null=True, blank=True)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True)
    last_failure_at = models.DateTimeField("最近失败", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    last_seconds = models.FloatField("最近用时(秒)", null=True, blank=True)
    last_output = models.CharField("最近输出", max_length=500, blank=True)
    successes = models.PositiveIntegerField("成功次数", default=0)
    failures = models.PositiveIntegerField("失败次数", default=0)

    # The operator page is for system administrators only (role_may lets ADMIN through).
    role_actions = {"view": frozenset({Role.ADMIN}), "export": frozenset(), "change": frozenset()}

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["job"]

    def __str__(self):
        return self.job
