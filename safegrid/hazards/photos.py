"""Photo checks and storage: content decides (not the file name), size and count limits from
settings, EXIF time and GPS read and kept (the original file is stored untouched)."""

import datetime
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from safegrid.core.errors import ServiceError

from .models import HazardPhoto

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_SIZE = (320, 320)
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME = 0x9003, 0x0132


def max_bytes():
    return getattr(settings, "SAFEGRID_HAZARD_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_count():
    return getattr(settings, "SAFEGRID_HAZARD_PHOTO_MAX_COUNT", 9)


def inspect(upload):
    """Validate one uploaded file; return (content bytes, Pillow facts). Raises ServiceError."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise _too_big()
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise _too_big()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ServiceError("photo.not_image", f"“{upload.name}”不是有效的图片文件(仅支持 JPEG、PNG、WEBP)。",
                           field="photos") from exc
    if image.format not in FORMATS:
        raise ServiceError("photo.format", f"“{upload.name}”的图片格式 {image.format} 不受支持(仅支持 JPEG、PNG、WEBP)。",
                           field="photos")
    return data, image


def _too_big():
    return ServiceError("photo.too_large", f"单张照片不能超过 {max_bytes() // (1024 * 1024)} MB。", field="photos")


def exif_facts(image):
    """(taken_at, lon, lat) from EXIF, each None when absent or unreadable."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 (broken EXIF must not reject a photo)
        return None, None, None
    taken = _exif_time(exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME))
    lon, lat = _gps(exif.get_ifd(GPS_IFD))
    return taken, lon, lat


def _exif_time(value):
    try:
        naive = datetime.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    # EXIF has no zone; cameras here run on Beijing time (the platform's TIME_ZONE).
    return timezone.make_aware(naive)


def _gps(gps):
    try:
        lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    return round(lon, 7), round(lat, 7)


def _degrees(dms):
    d, m, s = (float(x) for x in dms)
    return d + m / 60 + s / 3600


def _thumbnail(image):
    thumb = ImageOps.exif_transpose(image).convert("RGB")
    thumb.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def check_count(hazard, kind, adding):
    existing = HazardPhoto.objects.filter(hazard=hazard, kind=kind).count()
    if existing + adding > max_count():
        raise ServiceError("photo.too_many", f"每类照片最多 {max_count()} 张。", field="photos")


def validate_all(uploads):
    """Check every upload before anything is written (all-or-nothing)."""
    return [(upload, *inspect(upload)) for upload in uploads]


def store(hazard, kind, checked, actor):
    """Write already-validated photos; returns the rows."""
    rows = []
    for upload, data, image in checked:
        taken, lon, lat = exif_facts(image)
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image.format]
        photo = HazardPhoto(hazard=hazard, kind=kind, original_name=(upload.name or "")[:200],
                            content_type=FORMATS[image.format], size=len(data), width=image.width,
                            height=image.height, taken_at=taken, gps_lon=lon, gps_lat=lat, uploaded_by=actor)
        photo.file.save(f"h{hazard.pk}.{ext}", ContentFile(data), save=False)
        photo.thumbnail.save(f"h{hazard.pk}_t.jpg", ContentFile(_thumbnail(image)), save=False)
        photo.save()
        rows.append(photo)
    return rows
