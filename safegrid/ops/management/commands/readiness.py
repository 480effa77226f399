import json

from django.core.management.base import BaseCommand, CommandError

from safegrid.ops import health


class Command(BaseCommand):
    help = "检查就绪状态(与 /readyz 相同)，输出 JSON；未就绪时退出码为 1 / readiness checks as JSON, exit 1 when not ready"
    requires_system_checks = []

    def handle(self, *args, **options):
        result = health.readiness()
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        if not result["ok"]:
            raise CommandError("未就绪 not ready: " + ", ".join(n for n, r in result["checks"].items() if not r["ok"]))
