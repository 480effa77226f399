from django.core.management.base import BaseCommand

from safegrid.tips import services


class Command(BaseCommand):
    help = ("Re-encrypt reporter identities and reward payment details under the first key of "
            "SAFEGRID_TIP_KEYS (put the new key first, run this, then drop the old key).")

    def handle(self, *args, **options):
        count = services.rotate_keys()
        self.stdout.write(f"re-encrypted {count} rows under the first key of SAFEGRID_TIP_KEYS")
