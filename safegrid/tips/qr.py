"""The tracking link as a QR code, drawn server-side as inline SVG (segno: pure Python, no network)."""

import segno
from django.utils.safestring import mark_safe


def svg(text, title="查询链接二维码"):
    code = segno.make(text, error="m")
    return mark_safe(code.svg_inline(scale=4, border=2, title=title))  # noqa: S308 (segno escapes the title)
