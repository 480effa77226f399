"""Field checks shared by the enterprise form, the API and the Excel import.

Each raises ``FieldError(code, message)`` with a Chinese message that names what is wrong.
"""

import re

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

MOBILE = re.compile(r"^1[3-9]\d{9}$")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class FieldError(ValueError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def credit_code(value):
    """Validate a unified social credit code (GB 32100-2015) with python-stdnum; return it compacted."""
    number = uscc.compact(value or "")
    try:
        return uscc.validate(number)
    except InvalidLength as exc:
        raise FieldError("credit_code.length", f"统一社会信用代码应为 18 位，当前为 {len(number)} 位。") from exc
    except InvalidFormat as exc:
        raise FieldError("credit_code.format", _format_problem(number)) from exc
    except InvalidChecksum as exc:
        expected = uscc.calc_check_digit(number)
        raise FieldError("credit_code.checksum",
                         f"统一社会信用代码校验位错误：第 18 位应为“{expected}”，实为“{number[-1]}”。") from exc


def _format_problem(number):
    for index, char in enumerate(number, start=1):
        if index <= 8 and not char.isdigit():
            return f"统一社会信用代码第 {index} 位“{char}”应为数字(前 8 位为登记管理部门、机构类别和行政区划码)。"
        if index > 8 and char not in _USCC_CHARS:
            return f"统一社会信用代码第 {index} 位“{char}”不是有效字符(不使用 I、O、S、V、Z)。"
    return "统一社会信用代码格式错误。"


def mobile(value, label):
    value = (value or "").strip()
    if value and not MOBILE.match(value):
        raise FieldError("mobile.format", f"{label}应为 11 位手机号码。")
    return value


def coordinates(lon, lat):
    """Both or neither; WGS-84/CGCS2000 degrees inside China's range."""
    if lon in (None, "") and lat in (None, ""):
        return None, None
    if lon in (None, "") or lat in (None, ""):
        raise FieldError("coordinates.incomplete", "经度和纬度须同时填写。")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise FieldError("coordinates.format", "经纬度应为数字(十进制度)。") from exc
    if not (73.0 <= lon <= 136.0 and 3.0 <= lat <= 54.0):
        raise FieldError("coordinates.range", "经纬度超出我国范围(请检查是否把经度、纬度填反)。")
    return round(lon, 7), round(lat, 7)


def headcount(value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise FieldError("headcount.format", "从业人数应为整数。") from exc
    if number < 0 or number > 1_000_000:
        raise FieldError("headcount.range", "从业人数应在 0 到 1000000 之间。")
    return number
