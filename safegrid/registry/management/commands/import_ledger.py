"""manage.py import_ledger FILE --user USERNAME [--dry-run]: the Excel ledger import, as that user."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from safegrid.core.errors import ServiceError
from safegrid.registry import ledger


class Command(BaseCommand):
    help = "Import an enterprise ledger (.xlsx, template layout) with the rights and scope of --user."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username whose jurisdiction applies")
        parser.add_argument("--dry-run", action="store_true", help="check only; print the preview as JSON")

    def handle(self, *args, file, user, dry_run, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        if not ledger.may_import(actor):
            raise CommandError(f"user {user!r} may not import ledgers (role {actor.effective_role})")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            plan = ledger.run_import(path, actor, filename=path.name, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        preview = plan.preview()
        if not plan.valid:
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=1))
            raise CommandError(f"{len(plan.errors)} error(s); nothing written")
        if dry_run:
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=1))
            return
        self.stdout.write(self.style.SUCCESS(
            f"imported {plan.rows} rows: created {len(plan.creates)}, updated {len(plan.updates)}, "
            f"unchanged {plan.unchanged}, empty rows skipped {plan.empty}"))
