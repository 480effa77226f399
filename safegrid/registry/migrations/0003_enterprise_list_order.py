from django.db import migrations, models


class Migration(migrations.Migration):
    """Index for the default enterprise list order (region_code, name, id); see docs/coverage-and-scale.md."""

    dependencies = [("registry", "0002_seed_reference_data")]

    operations = [
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["region_code", "name", "id"], name="enterprise_list_order"),
        ),
    ]
