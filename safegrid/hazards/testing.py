"""Hazard test helpers: images, an enterprise with a user, and hazards walked to a state."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safegrid.accounts.models import User
from safegrid.registry import testing as registry_testing

from . import services


def jpeg(name="photo.jpg", exif_time="2026:03:02 09:30:00", gps=(112.305, 28.505), size=(64, 48)):
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    if exif_time:
        exif.get_ifd(0x8769)[0x9003] = exif_time
    if gps:
        lon, lat = gps
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _dms(value):
    d = int(value)
    m = int((value - d) * 60)
    s = round((value - d - m / 60) * 3600, 4)
    return (float(d), float(m), s)


def enterprise(world, **overrides):
    """An enterprise in grid HLS-01 (town 会龙山街道) linked to world.enterprise_user."""
    ent = registry_testing.create(world, **overrides)
    User.objects.filter(pk=world.enterprise_user.pk).update(enterprise=ent)
    world.enterprise_user.refresh_from_db()
    return ent


def report(world, ent=None, actor=None, **data):
    values = {"enterprise": ent.pk if ent else None, "hazard_type": "electrical",
              "description": "配电箱未加锁，线路老化裸露", "source": "grid_patrol"}
    if ent is None:
        values.update(grid="HLS-01", location="会龙山公园东门")
    values.update(data)
    return services.report_hazard(values, actor=actor or world.officer_user, **_photos(values))


def _photos(values):
    out = {}
    for key in ("before_photos", "after_photos"):
        if key in values:
            out[key] = values.pop(key)
    return out


def walk(world, hazard, to, department=None, deadline="2026-03-20", today=None):
    """Move a reported hazard along the normal path up to state `to`."""
    steps = ["confirmed", "assigned", "rectifying", "submitted", "closed"]
    county = world.county_user
    for step in steps[: steps.index(to) + 1]:
        v = hazard.version
        if step == "confirmed":
            hazard = services.confirm(hazard, actor=county, version=v)
        elif step == "assigned":
            hazard = services.assign(hazard, actor=county, version=v, department=department)
        elif step == "rectifying":
            plan = {"responsible_person": "张伟", "measures": "更换线路并加锁", "funds": "1200",
                    "deadline": deadline, "contingency_plan": "停用该配电箱，设置警戒"}
            hazard = services.plan(hazard, actor=county, version=v, data=plan, today=today)
        elif step == "submitted":
            hazard = services.submit(hazard, actor=county, version=v, description="已更换", after_photos=[jpeg()])
        elif step == "closed":
            hazard = services.accept(hazard, actor=county, version=v)
    return hazard
