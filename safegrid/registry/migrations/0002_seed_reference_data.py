"""Seed the safety categories and GB/T 4754-2017 sections and divisions (registry/data/)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def seed(apps, schema_editor):
    from safegrid.registry.data.categories import CATEGORIES, SOURCE

    SafetyCategory = apps.get_model("registry", "SafetyCategory")
    for sort, (code, name, group, unclaimed, _lead, _coop) in enumerate(CATEGORIES, start=1):
        SafetyCategory.objects.update_or_create(
            code=code, defaults={"name": name, "group": group, "usually_unclaimed": unclaimed,
                                 "sort": sort, "source": SOURCE})
    IndustryCode = apps.get_model("registry", "IndustryCode")
    with open(DATA / "gbt4754_2017.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_code = {}
    for row in rows:  # sections precede their divisions in the file
        by_code[row["code"]] = IndustryCode.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "level": row["level"],
                                        "parent": by_code.get(row["parent"])})[0]


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
