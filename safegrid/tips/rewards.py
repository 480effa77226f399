"""举报奖励 amounts. Rule from settings (default: the 2018 national reward rules for a major hazard
or violation: 15 % of the fine, at least 3,000 and at most 300,000 yuan). Decimal throughout."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

from safegrid.core.errors import ServiceError

CENT = Decimal("0.01")


def rule():
    configured = settings.SAFEGRID_TIP_REWARD_RULE
    return {key: str(Decimal(str(configured[key]))) for key in ("rate", "minimum", "maximum")}


def parse_fine(value):
    try:
        fine = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError("fine.format", "罚款金额应为数字(元)。", field="fine") from exc
    if not fine.is_finite() or fine < 0 or fine >= Decimal("1e12"):
        raise ServiceError("fine.range", "罚款金额应在 0 到 1 万亿元之间。", field="fine")
    return fine


def compute(fine, applied=None):
    """Reward for `fine` yuan under `applied` (a rule() dict), rounded to the fen."""
    applied = applied or rule()
    rate, low, high = (Decimal(applied[k]) for k in ("rate", "minimum", "maximum"))
    amount = (Decimal(fine) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(amount, low), high)
