from django.core.management.base import BaseCommand

from safegrid.notifications.services import retry_due


class Command(BaseCommand):
    help = "Send pending and retry failed outside deliveries whose backoff has passed (run from cron)."

    def handle(self, *args, **options):
        counts = retry_due()
        self.stdout.write(f"sent {counts['sent']}, failed {counts['failed']}, gave up {counts['gave_up']}")
