"""The append-only guard lets exactly one kind of DELETE through on PostgreSQL: `manage.py
apply_retention` removing events older than the six-month floor of 等保, inside a transaction that set
`safegrid.audit_purge` (safegrid.ops.retention). UPDATE stays refused, and so does any other DELETE.
CREATE OR REPLACE FUNCTION takes no lock on the table: no maintenance window."""

from django.db import migrations

GUARDED = """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('safegrid.audit_purge', true) = 'on'
     AND OLD.created_at < now() - interval '183 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END; $$ LANGUAGE plpgsql;"""
STRICT = """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDED)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STRICT)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_lean_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
