from django.db import migrations, models


class Migration(migrations.Migration):
    """Open / overdue / due-soon or major hazards within a jurisdiction: the lists and the daily report."""

    dependencies = [("hazards", "0002_seed_reference_data")]

    operations = [
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["state", "scope_path"], name="hazard_state_scope",
                               opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["grade", "scope_path"], name="hazard_grade_scope",
                               opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
        ),
        # SQLite plans from sqlite_stat1: without a row for the new index it would pick it for any
        # state condition (e.g. state = 'closed', most of the table) instead of the closed_at index.
        migrations.RunSQL("ANALYZE hazards_hazard", migrations.RunSQL.noop),
    ]
