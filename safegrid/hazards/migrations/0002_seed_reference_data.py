"""Seed hazard types and the major-hazard criteria (data/major_hazard_criteria.json, see data/README.md)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def seed(apps, schema_editor):
    from safegrid.hazards.data.hazard_types import HAZARD_TYPES

    HazardType = apps.get_model("hazards", "HazardType")
    for sort, (code, name) in enumerate(HAZARD_TYPES, start=1):
        HazardType.objects.update_or_create(code=code, defaults={"name": name, "sort": sort})
    load_criteria(apps.get_model("hazards", "MajorHazardCriterion"))


def load_criteria(Criterion):
    """Idempotent: an edition's items are keyed by (sector, edition, article, item)."""
    data = json.loads((DATA / "major_hazard_criteria.json").read_text(encoding="utf-8"))
    for standard in data["standards"]:
        for row in standard["items"]:
            Criterion.objects.update_or_create(
                sector=standard["sector"], edition=standard["edition"], article=row["article"], item=row["item"],
                defaults={"sector_name": standard["sector_name"], "standard": standard["standard"],
                          "document": standard["document"], "subject": row.get("subject", ""),
                          "text": row["text"], "checked": row["checked"], "active": True})


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
