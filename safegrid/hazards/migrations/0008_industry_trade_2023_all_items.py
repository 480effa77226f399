"""Reload the major-hazard criteria: the 工贸 2023 edition now holds all 64 items of 应急管理部令
第10号 (第八条（六）（七） added; six texts corrected, see data/README.md). Existing rows are updated
in place by their (sector, edition, article, item) key, so hazards keep their criterion."""

import importlib

from django.db import migrations


def reload_criteria(apps, schema_editor):
    seed = importlib.import_module("safegrid.hazards.migrations.0002_seed_reference_data")
    seed.load_criteria(apps.get_model("hazards", "MajorHazardCriterion"))


class Migration(migrations.Migration):
    dependencies = [("hazards", "0007_hazard_lean_indexes")]
    operations = [migrations.RunPython(reload_criteria, migrations.RunPython.noop)]
