"""Trigram indexes for the text search (`q`: LIKE '%…%') on PostgreSQL; SQLite has none and scans.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it cannot be
created the migration leaves a warning and the search keeps working, only slower.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger("safegrid.hazards")
COLUMNS = ("description", "location")


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning("pg_trgm not available, hazard text search stays a scan: %s", exc)
            return
        for column in COLUMNS:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS hazard_{column}_trgm ON hazards_hazard "
                           f"USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS hazard_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("hazards", "0003_hazard_scope_indexes")]
    operations = [migrations.RunPython(create, drop)]
