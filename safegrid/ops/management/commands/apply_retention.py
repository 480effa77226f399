"""manage.py apply_retention: the data-retention rules of safegrid.ops.retention (run daily)."""

from django.core.management.base import CommandError

from safegrid.ops import retention
from safegrid.ops.periodic import PeriodicCommand

LABELS = {"audit_events": "审计日志(已归档)", "tip_identities": "举报人身份", "reward_payments": "奖励收款信息",
          "deliveries": "外部推送记录", "sessions": "过期会话"}


class Command(PeriodicCommand):
    help = "按保留期限删除过期的审计日志(先归档)、举报人身份、推送记录和会话 / apply the data-retention rules"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def job_name(self, options):
        return None if options.get("dry_run") else "apply_retention"

    def handle(self, *args, dry_run=False, **options):
        try:
            counts = retention.apply(dry_run=dry_run)
        except retention.RetentionError as exc:
            raise CommandError(str(exc)) from exc
        verb = "将删除 would remove" if dry_run else "已删除 removed"
        self.stdout.write(f"{verb}: " + "，".join(f"{LABELS[k]} {v}" for k, v in counts.items()))
