"""Load the reference data of data/ into the tables (used by migration 0002 and by tests)."""

import csv
import json
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_json(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def seed(apps, schema_editor=None):
    Standard = apps.get_model("risk", "Standard")
    NamedChemical = apps.get_model("risk", "NamedChemical")
    HazardClass = apps.get_model("risk", "HazardClass")
    ToxicGas = apps.get_model("risk", "ToxicGas")
    AssessmentScale = apps.get_model("risk", "AssessmentScale")
    GradeRuleSet = apps.get_model("risk", "GradeRuleSet")
    params = load_json("gb18218_2018.json")
    standard, created = Standard.objects.get_or_create(
        code=params["code"], defaults={"title": params["title"], "source": params["source"], "params": params})
    if created:
        NamedChemical.objects.bulk_create(NamedChemical(
            standard=standard, no=int(r["no"]), name=r["name"], aliases=r["aliases"], cas=r["cas"],
            critical_quantity=Decimal(r["critical_quantity_t"])) for r in rows("gb18218_2018_table1.csv"))
        HazardClass.objects.bulk_create(HazardClass(
            standard=standard, symbol=r["symbol"], hazard=r["hazard"], description=r["description"],
            critical_quantity=Decimal(r["critical_quantity_t"]), beta=Decimal(r["beta"]), note=r["note"])
            for r in rows("gb18218_2018_table2_4.csv"))
        ToxicGas.objects.bulk_create(ToxicGas(standard=standard, name=r["name"], cas=r["cas"], beta=Decimal(r["beta"]))
                                     for r in rows("gb18218_2018_table3.csv"))
    for scale in load_json("assessment_scales.json"):
        AssessmentScale.objects.get_or_create(
            province=scale["province"], method=scale["method"], edition=1,
            defaults={"scales": scale["scales"], "bands": scale["bands"], "source": scale["source"]})
    rules = load_json("grade_rules.json")
    GradeRuleSet.objects.get_or_create(region=rules["region"], edition=1,
                                       defaults={"rules": rules, "source": rules["source"]})
