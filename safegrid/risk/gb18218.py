"""GB 18218-2018 unit calculator: is a production or storage unit a major hazard source, and of which level.

Tables come from the database (loaded from data/ by migration 0002, one row set per edition).
Arithmetic is Decimal so a snapshot replays to the same result on any machine. Every step is
written out in Chinese with the clause it applies.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from stdnum import casrn

from safegrid.core.errors import ServiceError

from .models import Standard, UnitType

CURRENT = "GB 18218-2018"
MAX_QUANTITY_T = Decimal("1000000")  # more than a million tonnes in one unit is a typing error
MAX_PEOPLE = 10_000_000
FOUR = Decimal("0.0001")


@dataclass
class Tables:
    standard: Standard
    named: list
    classes: dict
    toxic: list

    def find_named(self, text):
        text = text.strip()
        for row in self.named:
            if text in (row.name, str(row.no)) or text in row.alias_list():
                return row
        return None

    def named_by_cas(self, cas):
        return [row for row in self.named if cas in row.cas_list()]

    def toxic_beta(self, name="", cas=""):
        for gas in self.toxic:
            if (cas and gas.cas == cas) or (name and gas.name == name):
                return gas
        return None


def load(code=CURRENT):
    standard = Standard.objects.filter(code=code).first()
    if standard is None:
        raise ServiceError("standard.unknown", f"未找到辨识标准“{code}”。", field="standard")
    return Tables(standard, list(standard.chemicals.all()), {c.symbol: c for c in standard.classes.all()},
                  list(standard.toxic_gases.all()))


def fmt(value):
    """Plain decimal text without trailing zeros: 0.3 not 0.300, 12 not 12.000."""
    text = format(value.normalize(), "f")
    return text


def _err(code, message, field):
    return {"code": code, "field": field, "message": message}


def _quantity(raw, field, errors):
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors.append(_err("quantity.format", "设计最大量应为数字(吨)。", field))
        return None
    if not value.is_finite() or value <= 0:
        errors.append(_err("quantity.not_positive", "设计最大量须大于 0 吨。", field))
        return None
    if value > MAX_QUANTITY_T:
        errors.append(_err("quantity.absurd", "设计最大量超过 100 万吨，数值不合理，请核对单位(吨)。", field))
        return None
    return value


def _people(raw, errors):
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors.append(_err("people_500m.format", "500 m 范围内常住人口应为整数。", "people_500m"))
        return None
    if value < 0:
        errors.append(_err("people_500m.negative", "500 m 范围内常住人口不能为负数。", "people_500m"))
        return None
    if value > MAX_PEOPLE:
        errors.append(_err("people_500m.absurd", "500 m 范围内常住人口数值不合理。", "people_500m"))
        return None
    return value


def _categories(raw):
    if isinstance(raw, (list, tuple)):
        items = raw
    else:
        items = str(raw or "").replace("，", ",").replace("、", ",").split(",")
    return [s.strip().upper() for s in items if s and s.strip()]


def _resolve(entry, index, tables, errors):
    """One substance -> a computed row dict, or None with errors appended."""
    field = f"substances[{index}]"
    name = str(entry.get("name") or "").strip()
    cas = str(entry.get("cas") or "").strip()
    symbols = _categories(entry.get("categories") or entry.get("category"))
    mixture = _categories(entry.get("mixture_category"))
    quantity = _quantity(entry.get("quantity"), f"{field}.quantity", errors)
    if cas and not casrn.is_valid(cas):
        errors.append(_err("cas.invalid", f"CAS 号“{cas}”格式或校验位错误。", f"{field}.cas"))
        return None
    unknown = [s for s in symbols + mixture if s not in tables.classes]
    if unknown:
        errors.append(_err("category.unknown", f"危险性类别“{'、'.join(unknown)}”不在表2中(应为 J1~J5、W1.1~W11)。",
                           f"{field}.categories"))
        return None
    named = tables.find_named(name) if name else None
    if named is None and cas:
        matches = tables.named_by_cas(cas)
        if len(matches) > 1:
            errors.append(_err("cas.ambiguous", f"CAS 号 {cas} 对应表1中多个条目(序号 "
                               f"{'、'.join(str(m.no) for m in matches)})，请按名称或序号选择。", f"{field}.name"))
            return None
        named = matches[0] if matches else None
    label = named.name if named else (name or cas)
    if not label and not symbols:
        errors.append(_err("substance.required", "请填写危险化学品名称、CAS 号或危险性类别。", f"{field}.name"))
        return None
    if named is None and not symbols:
        errors.append(_err("substance.unknown", f"“{name or cas}”不在表1中，须填写其危险性类别(表2)以确定临界量。",
                           f"{field}.categories"))
        return None
    if quantity is None:
        return None
    steps = []
    if mixture:
        # 4.2.3: a mixture of another hazard category than its pure substance takes the new category's Q.
        cls = min((tables.classes[s] for s in mixture), key=lambda c: c.critical_quantity)
        q_crit, q_source = cls.critical_quantity, f"表2 {cls.symbol}"
        steps.append(f"混合物与其纯物质不属于相同危险类别，按新危险类别 {cls.symbol} 确定临界量(4.2.3)")
        beta_cls = cls
    elif named is not None:
        q_crit, q_source = named.critical_quantity, f"表1 序号{named.no}"
        beta_cls = min((tables.classes[s] for s in symbols), key=lambda c: c.critical_quantity) if symbols else None
        if entry.get("is_mixture"):
            steps.append("混合物与其纯物质属于相同危险类别，视为纯物质按整体计算(4.2.3)")
    else:
        cls = min((tables.classes[s] for s in symbols), key=lambda c: c.critical_quantity)
        q_crit, q_source = cls.critical_quantity, f"表2 {cls.symbol}"
        if len(symbols) > 1:
            steps.append(f"具有多种危险性({'、'.join(symbols)})，按最低临界量 {cls.symbol} 确定(4.1.2 b)")
        beta_cls = cls
    gas = None if mixture else _toxic_gas(tables, named, name, cas)
    if gas is not None:
        beta, beta_source = gas.beta, f"表3 {gas.name}"
    elif beta_cls is not None:
        beta, beta_source = beta_cls.beta, f"表4 {beta_cls.symbol}"
    else:
        errors.append(_err("category.required_for_beta", f"“{label}”不在表3中，须填写其危险性类别(表4)以确定校正系数 β。",
                           f"{field}.categories"))
        return None
    ratio = quantity / q_crit
    return {"label": label, "q": fmt(quantity), "Q": fmt(q_crit), "Q_source": q_source, "ratio": ratio,
            "beta": fmt(beta), "beta_source": beta_source, "weighted": beta * ratio, "notes": steps}


def _toxic_gas(tables, named, name, cas):
    """Table 3 entry by CAS (named rows carry several) or by name, e.g. 一氧化碳 outside table 1."""
    for number in [cas] + (named.cas_list() if named else []):
        if number and (gas := tables.toxic_beta(cas=number)):
            return gas
    return tables.toxic_beta(name=named.name if named else name)


def _alpha(people, params):
    for band in params["alpha"]:
        if people >= band["min_people"]:
            return Decimal(str(band["alpha"])), band["label"]
    raise ServiceError("people_500m.negative", "500 m 范围内常住人口不能为负数。", field="people_500m")


def _level(r, params):
    for band in params["levels"]:
        if band["min_r"] is None or r >= Decimal(str(band["min_r"])):
            return band["level"], band["label"], band["rule"]
    raise AssertionError("levels table must end with an open band")


def clean_inputs(inputs):
    """The canonical inputs stored in a snapshot (so a replay reads exactly what was computed)."""
    unit_type = str(inputs.get("unit_type") or "").strip()
    rows = []
    for entry in inputs.get("substances") or []:
        keep = {k: entry.get(k) for k in ("name", "cas", "categories", "mixture_category", "is_mixture", "quantity")
                if entry.get(k) not in (None, "", [], False)}
        rows.append({k: (str(v) if k == "quantity" else v) for k, v in keep.items()})
    return {"unit_type": unit_type, "people_500m": inputs.get("people_500m"), "substances": rows}


def compute(inputs, code=CURRENT, tables=None):
    """Result dict (JSON-safe) for one unit; ServiceError listing every bad field otherwise."""
    tables = tables or load(code)
    params = tables.standard.params
    errors = []
    if inputs.get("unit_type") not in UnitType.values:
        errors.append(_err("unit_type.invalid", "单元类型应为生产单元或储存单元。", "unit_type"))
    people = _people(inputs.get("people_500m"), errors)
    substances = inputs.get("substances") or []
    if not substances:
        errors.append(_err("substances.required", "请至少填写一种危险化学品及其设计最大量。", "substances"))
    rows = [_resolve(entry, i, tables, errors) for i, entry in enumerate(substances)]
    if errors:
        raise ServiceError(errors[0]["code"], errors[0]["message"], field=errors[0]["field"], errors=errors)
    ratio_sum = sum((r["ratio"] for r in rows), Decimal(0))
    weighted_sum = sum((r["weighted"] for r in rows), Decimal(0))
    alpha, alpha_label = _alpha(people, params)
    r_value = alpha * weighted_sum
    is_major = ratio_sum >= 1
    steps = [f"依据 {tables.standard.code}，单元类型：{UnitType(inputs['unit_type']).label}；"
             "实际存在量按设计最大量确定(4.2.2)。"]
    for i, row in enumerate(rows, start=1):
        notes = "；".join(row["notes"])
        steps.append(f"{i}. {row['label']}：q = {row['q']} t，Q = {row['Q']} t({row['Q_source']})，"
                     f"q/Q = {fmt(row['ratio'].quantize(FOUR))}；β = {row['beta']}({row['beta_source']})"
                     + (f"；{notes}" if notes else ""))
    steps.append(f"S = Σq/Q = {fmt(ratio_sum.quantize(FOUR))}，{'≥ 1，构成' if is_major else '< 1，不构成'}"
                 "危险化学品重大危险源(4.2.1)。")
    steps.append(f"厂外 500 m 范围内常住人口 {people} 人，α = {fmt(alpha)}(表5：{alpha_label})。")
    steps.append(f"R = α × Σ(β·q/Q) = {fmt(alpha)} × {fmt(weighted_sum.quantize(FOUR))} = {fmt(r_value.quantize(FOUR))}。")
    level = label = None
    if is_major:
        level, label, rule = _level(r_value, params)
        steps.append(f"按表6，{rule}，定为{label}重大危险源。")
    else:
        steps.append("未构成重大危险源，不分级。")
    return {
        "standard": tables.standard.code, "unit_type": inputs["unit_type"], "people_500m": people,
        "rows": [{**r, "ratio": fmt(r["ratio"].quantize(FOUR)), "weighted": fmt(r["weighted"].quantize(FOUR))}
                 for r in rows],
        "ratio_sum": fmt(ratio_sum.quantize(FOUR)), "ratio_sum_exact": str(ratio_sum),
        "is_major": is_major, "alpha": fmt(alpha), "alpha_band": alpha_label,
        "r": fmt(r_value.quantize(FOUR)), "r_exact": str(r_value), "level": level, "level_label": label or "",
        "steps": steps,
    }
