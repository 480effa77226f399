"""GB 18218-2018 tables, default LEC/LS scales and the default safety-code rules (data/)."""

from django.db import migrations


def seed(apps, schema_editor):
    from safegrid.risk.seed import seed as load

    load(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
