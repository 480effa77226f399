"""LEC and LS assessment: validate the inputs against the province's scale, score, colour.

The scale (values and colour bands) is data: AssessmentScale rows, one active per province
and method, '*' the default. An assessment keeps a copy of the scale it used, so it replays.
"""

from decimal import Decimal, InvalidOperation

from safegrid.core.errors import ServiceError

from .models import AssessmentScale, Method

FACTORS = {
    Method.LEC: [("L", "L(事故发生的可能性)"), ("E", "E(暴露于危险环境的频繁程度)"), ("C", "C(发生事故可能造成的后果)")],
    Method.LS: [("L", "L(事故发生的可能性)"), ("S", "S(事故后果严重性)")],
}
OPS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def active_scale(method, region_code=""):
    """The province's active scale, else the default '*'."""
    province = (region_code or "")[:2]
    scales = AssessmentScale.objects.filter(method=method, active=True, province__in=[province, "*"])
    found = {s.province: s for s in scales}
    scale = found.get(province) or found.get("*")
    if scale is None:
        raise ServiceError("scale.missing", f"未配置{method}评估取值表。", field="method")
    return scale


def scale_data(scale):
    return {"id": scale.pk, "province": scale.province, "edition": scale.edition, "scales": scale.scales,
            "bands": scale.bands}


def _number(raw, field, label):
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{field}.format", f"{label}应为数字。", field=field) from None
    if not value.is_finite():
        raise ServiceError(f"{field}.format", f"{label}应为数字。", field=field)
    return value


def clean(method, inputs, data):
    """{factor: Decimal} with every value on the scale; ServiceError naming the field otherwise."""
    if method not in FACTORS:
        raise ServiceError("method.invalid", "评估方法应为 LEC 或 LS。", field="method")
    errors, values = [], {}
    for key, label in FACTORS[method]:
        allowed = [Decimal(str(v)) for v in data["scales"][key]]
        try:
            value = _number(inputs.get(key), key, label)
        except ServiceError as exc:
            errors.append({"code": exc.code, "field": key, "message": exc.message})
            continue
        if value not in allowed:
            choices = "、".join(format(v.normalize(), "f") for v in allowed)
            message = (f"{label}应为 1~5 的整数。" if method == Method.LS
                       else f"{label}取值 {format(value.normalize(), 'f')} 不在 LEC 取值表中，可选：{choices}。")
            errors.append({"code": f"{key}.not_on_scale", "field": key, "message": message})
            continue
        values[key] = value
    if errors:
        raise ServiceError(errors[0]["code"], errors[0]["message"], field=errors[0]["field"], errors=errors)
    return values


def color_for(score, bands):
    """The first band the score satisfies (bands are ordered from red down)."""
    for band in bands:
        if OPS[band["op"]](score, Decimal(str(band["value"]))):
            return band["color"]
    raise ServiceError("score.out_of_bands", "风险值不在分级表范围内。", field="score")


def evaluate(method, inputs, data):
    """(score, colour, cleaned inputs as text) for `inputs` under scale `data`."""
    values = clean(method, inputs, data)
    score = Decimal(1)
    for value in values.values():
        score *= value
    score = score.quantize(Decimal("0.01"))
    return score, color_for(score, data["bands"]), {k: format(v.normalize(), "f") for k, v in values.items()}
