from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from safegrid.tips import rewards

RULE = {"rate": "0.15", "minimum": "3000", "maximum": "300000"}
fines = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False)


@given(fines)
def test_reward_within_bounds(fine):
    amount = rewards.compute(fine, RULE)
    assert Decimal("3000") <= amount <= Decimal("300000")
    assert amount == amount.quantize(Decimal("0.01"))


@given(fines)
def test_fifteen_percent_between_the_bounds(fine):
    amount = rewards.compute(fine, RULE)
    exact = fine * Decimal("0.15")
    if Decimal("3000") <= exact <= Decimal("300000"):
        assert abs(amount - exact) <= Decimal("0.005")


@given(fines, fines)
def test_monotonic(a, b):
    low, high = sorted((a, b))
    assert rewards.compute(low, RULE) <= rewards.compute(high, RULE)


def test_examples():
    assert rewards.compute(Decimal("0"), RULE) == Decimal("3000.00")
    assert rewards.compute(Decimal("100000"), RULE) == Decimal("15000.00")
    assert rewards.compute(Decimal("10000000"), RULE) == Decimal("300000.00")
    assert rewards.compute(Decimal("33333.33"), RULE) == Decimal("5000.00")
