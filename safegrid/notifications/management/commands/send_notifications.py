
from safegrid.notifications.services import retry_due
from safegrid.ops.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Send pending and retry failed outside deliveries whose backoff has passed (run from cron)."

    def handle(self, *args, **options):
        counts = retry_due()
        self.stdout.write(f"sent {counts['sent']}, failed {counts['failed']}, gave up {counts['gave_up']}")
