"""Signatures drawn on a <canvas>, submitted as PNG data URLs, checked with Pillow: a real PNG,
of a sensible size, with ink on it (a blank canvas is not a signature)."""

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from safegrid.core.errors import ServiceError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 512 * 1024
# At least this many non-background pixels: a dot or a stray tap is not a signature.
MIN_INK_PIXELS = 50


def decode(data_url, field, label):
    """PNG bytes from a data URL, or ServiceError naming whose signature is missing or bad."""
    if not data_url or not str(data_url).startswith(PREFIX):
        raise ServiceError("signature.required", f"缺少{label}的签名，请在签名框内手写签名。", field=field)
    try:
        raw = base64.b64decode(str(data_url)[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ServiceError("signature.invalid", f"{label}的签名数据无效，请重新签名。", field=field) from exc
    if len(raw) > MAX_BYTES:
        raise ServiceError("signature.too_large", f"{label}的签名图片过大。", field=field)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ServiceError("signature.invalid", f"{label}的签名不是有效的 PNG 图片，请重新签名。", field=field) from exc
    if image.format != "PNG" or not (20 <= image.width <= 4000 and 20 <= image.height <= 4000):
        raise ServiceError("signature.invalid", f"{label}的签名不是有效的 PNG 图片，请重新签名。", field=field)
    if ink_pixels(image) < MIN_INK_PIXELS:
        raise ServiceError("signature.empty", f"{label}的签名为空白，请在签名框内手写签名。", field=field)
    return raw


def ink_pixels(image):
    """Pixels that differ from the background: opaque ones on a transparent canvas, dark ones otherwise."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] < 255:  # transparent background: count what was painted
        return sum(alpha.point(lambda a: 255 if a > 32 else 0).histogram()[255:])
    gray = rgba.convert("L")
    return sum(gray.point(lambda v: 255 if v < 160 else 0).histogram()[255:])
