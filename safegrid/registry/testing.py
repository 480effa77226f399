"""Registry test helpers: valid credit codes and a few enterprises in the test world."""

import random

from stdnum.cn import uscc

from safegrid.regions.models import Region
from safegrid.registry import services
from safegrid.registry.models import SafetyCategory

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(rng=None, county="430903"):
    """A valid 18-character USCC: 9 (市场监管) 1 (企业) + county + 9-char org code + check."""
    rng = rng or random.Random()
    body = "91" + county + "".join(rng.choice(_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def enterprise_data(**overrides):
    data = {
        "credit_code": make_credit_code(random.Random(overrides.pop("seed", 1))),
        "name": "益阳市赫山区恒安化工有限公司",
        "legal_representative": "张伟",
        "legal_representative_mobile": "13807371234",
        "principal_person": "张伟",
        "safety_manager": "李强",
        "safety_manager_mobile": "13907375678",
        "category": "hazardous_chemicals",
        "industry": "26",
        "scale": "above",
        "status": "operating",
        "headcount": 86,
        "operating_region": "430903001001",
        "address": "会龙山街道工业园路 8 号",
        "lon": 112.305,
        "lat": 28.505,
    }
    data.update(overrides)
    return data


def create(world, actor=None, **overrides):
    actor = actor or world.county_user
    return services.create_enterprise(
        enterprise_data(**overrides), actor=actor, operating_regions=Region.objects.restrict(actor, "view")
    )


def category(code):
    return SafetyCategory.objects.get(code=code)
