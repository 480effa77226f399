
from safegrid.hazards.escalation import escalate
from safegrid.ops.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Send 挂牌督办 notices for overdue major hazards (idempotent; run daily from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"sent {escalate()} supervised-listing notices")
