from django.core.management.base import BaseCommand, CommandError

from safegrid.core.errors import ServiceError
from safegrid.tips import services


class Command(BaseCommand):
    help = "Register an Open311 partner (12345 hotline, civic app) and print its api_key once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, **options):
        try:
            partner, key = services.create_partner(options["name"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"partner {partner.name} (id {partner.pk}) api_key: {key}")
        self.stdout.write("The key is stored only as a hash: hand it over now, it cannot be shown again.")
