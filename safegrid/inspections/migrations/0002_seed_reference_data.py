from django.db import migrations

from safegrid.inspections.data.checklists import seed


def load(apps, schema_editor):
    seed(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("hazards", "0002_seed_reference_data"),
        ("registry", "0002_seed_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
