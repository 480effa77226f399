"""GB 18218-2018: table integrity and hand-computed units."""

from decimal import Decimal

import pytest
from stdnum import casrn

from safegrid.core.errors import ServiceError
from safegrid.risk import gb18218
from safegrid.risk.models import HazardClass, NamedChemical, Standard, ToxicGas

pytestmark = pytest.mark.django_db
SYMBOLS = ["J1", "J2", "J3", "J4", "J5", "W1.1", "W1.2", "W1.3", "W2", "W3", "W4", "W5.1", "W5.2", "W5.3", "W5.4",
           "W6.1", "W6.2", "W7.1", "W7.2", "W8", "W9.1", "W9.2", "W10", "W11"]


def unit(*substances, people=0, unit_type="storage"):
    return gb18218.compute({"unit_type": unit_type, "people_500m": people, "substances": list(substances)})


def test_table_1_has_the_85_named_rows_with_valid_cas_and_positive_q():
    rows = list(NamedChemical.objects.filter(standard__code="GB 18218-2018").order_by("no"))
    assert [r.no for r in rows] == list(range(1, 86))
    numbers = [c for r in rows for c in r.cas_list()]
    assert len(numbers) >= 80 and all(casrn.is_valid(c) for c in numbers)
    assert all(r.critical_quantity > 0 for r in rows)
    named = {r.name: r.critical_quantity for r in rows}
    for name, q in {"氨": 10, "氯": 5, "硫化氢": 5, "氯化氢(无水)": 20, "二氧化硫": 20, "碳酰氯": "0.3", "氟化氢": 1,
                    "氰化氢": 1, "环氧乙烷": 10, "甲醇": 500, "苯": 50, "甲苯": 500, "汽油(乙醇汽油、甲醇汽油)": 200,
                    "液化石油气(含丙烷、丁烷及其混合物)": 50, "甲烷,天然气": 50, "氢": 5, "乙炔": 1, "乙醇": 500,
                    "丙酮": 500, "乙酸乙酯": 500}.items():
        assert named[name] == Decimal(str(q)), name


def test_tables_2_to_5_are_complete():
    classes = {c.symbol: c for c in HazardClass.objects.filter(standard__code="GB 18218-2018")}
    assert sorted(classes) == sorted(SYMBOLS)
    assert all(c.critical_quantity > 0 and c.beta > 0 for c in classes.values())
    assert (classes["J1"].beta, classes["W2"].beta, classes["W5.1"].beta, classes["W10"].beta) == (4, Decimal("1.5"),
                                                                                                Decimal("1.5"), 1)
    gases = {g.name: g.beta for g in ToxicGas.objects.all()}
    assert len(gases) == 14 and all(casrn.is_valid(g.cas) for g in ToxicGas.objects.all())
    assert (gases["氯"], gases["碳酰氯"], gases["异氰酸甲酯"], gases["氰化氢"]) == (4, 20, 20, 10)
    params = Standard.objects.get(code="GB 18218-2018").params
    assert [a["alpha"] for a in params["alpha"]] == [2.0, 1.5, 1.2, 1.0, 0.5]
    assert "4.2.3" in params["rules"]


def test_one_substance_at_exactly_its_critical_quantity_is_a_major_hazard_source():
    result = unit({"name": "氨", "quantity": "10"})
    assert result["is_major"] and result["ratio_sum"] == "1"
    # β = 2 (table 3), α = 0.5 (nobody within 500 m): R = 0.5 × 2 × 1 = 1, level 4.
    assert (result["rows"][0]["beta"], result["alpha"], result["r"], result["level"]) == ("2", "0.5", "1", 4)
    assert any("≥ 1，构成" in s for s in result["steps"]) and "四级" in result["steps"][-1]


def test_several_substances_just_under_and_just_over_one():
    methanol = {"name": "甲醇", "categories": "W5.3", "quantity": "250"}  # 0.5
    under = unit(methanol, {"cas": "71-43-2", "categories": "W5.3", "quantity": "24.9"}, people=120)  # benzene 0.498
    assert not under["is_major"] and under["ratio_sum"] == "0.998" and under["level"] is None
    over = unit(methanol, {"name": "苯", "categories": "W5.3", "quantity": "25.05"}, people=120)  # 0.501
    assert over["is_major"] and over["ratio_sum"] == "1.001"
    assert (over["alpha"], over["r"], over["level"]) == ("2", "2.002", 4)


def test_a_toxic_gas_takes_its_own_beta():
    result = unit({"name": "液氯", "quantity": "50"}, people=100)  # alias of 氯: q/Q = 10, β = 4, α = 2
    row = result["rows"][0]
    assert (row["Q"], row["beta"], row["beta_source"]) == ("5", "4", "表3 氯")
    assert (result["r"], result["level"]) == ("80", 2)
    carbon_monoxide = unit({"name": "一氧化碳", "categories": "W2,J3", "quantity": "10"})
    row = carbon_monoxide["rows"][0]
    assert (row["Q"], row["Q_source"], row["beta"]) == ("10", "表2 W2", "2")  # lowest Q of two categories (4.1.2 b)


@pytest.mark.parametrize("people, alpha", [(0, "0.5"), (1, "1"), (29, "1"), (30, "1.2"), (49, "1.2"), (50, "1.5"),
                                           (99, "1.5"), (100, "2"), (5000, "2")])
def test_each_alpha_band(people, alpha):
    assert unit({"name": "氨", "quantity": "10"}, people=people)["alpha"] == alpha


@pytest.mark.parametrize("quantity, r, level", [("125", "100", 1), ("124.99", "99.992", 2), ("62.5", "50", 2),
                                                ("62.49", "49.992", 3), ("12.5", "10", 3), ("12.49", "9.992", 4),
                                                ("5", "4", 4)])
def test_each_level_boundary(quantity, r, level):
    # Unnamed J1 gas: Q = 5, β = 4, α = 1 (10 people) so R = 0.8 q.
    result = unit({"name": "某剧毒气体", "categories": "J1", "quantity": quantity}, people=10)
    assert (result["r"], result["level"]) == (r, level)


def test_mixtures_follow_clause_4_2_3():
    same = unit({"name": "甲醇", "categories": "W5.3", "quantity": "500", "is_mixture": True})
    assert same["rows"][0]["Q"] == "500" and "视为纯物质" in same["steps"][1]
    other = unit({"name": "甲醇", "mixture_category": "W5.4", "quantity": "500"})
    assert other["rows"][0]["Q"] == "5000" and other["rows"][0]["Q_source"] == "表2 W5.4"
    assert "新危险类别" in other["steps"][1]


@pytest.mark.parametrize("entry, people, code, field", [
    ({"name": "氨", "quantity": "-1"}, 0, "quantity.not_positive", "substances[0].quantity"),
    ({"name": "氨", "quantity": "0"}, 0, "quantity.not_positive", "substances[0].quantity"),
    ({"name": "氨", "quantity": "2000000"}, 0, "quantity.absurd", "substances[0].quantity"),
    ({"name": "氨", "quantity": "十吨"}, 0, "quantity.format", "substances[0].quantity"),
    ({"name": "未知物", "quantity": "1"}, 0, "substance.unknown", "substances[0].categories"),
    ({"cas": "7664-41-8", "quantity": "1"}, 0, "cas.invalid", "substances[0].cas"),
    ({"cas": "9004-70-0", "quantity": "1"}, 0, "cas.ambiguous", "substances[0].name"),
    ({"name": "甲醇", "quantity": "1"}, 0, "category.required_for_beta", "substances[0].categories"),
    ({"name": "x", "categories": "W99", "quantity": "1"}, 0, "category.unknown", "substances[0].categories"),
    ({"name": "氨", "quantity": "1"}, -3, "people_500m.negative", "people_500m"),
])
def test_bad_input_names_the_field(entry, people, code, field):
    with pytest.raises(ServiceError) as exc:
        unit(entry, people=people)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.message and not exc.value.message.isascii()
