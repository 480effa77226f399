"""Inspection test helpers: a department that leads hazardous chemicals, its inspectors (one linked
to world.dept_user), an enterprise, a drawn or scheduled inspection, and PNG signatures."""

import base64
import datetime
import io

from PIL import Image, ImageDraw

from safegrid.hazards.testing import enterprise
from safegrid.registry import services as registry_services
from safegrid.registry.models import SafetyCategory

from . import directory, services

SIGNATURE_SIZE = (300, 120)


def signature_png(blank=False):
    """A PNG data URL: a scribble on a transparent canvas (or nothing on it)."""
    image = Image.new("RGBA", SIGNATURE_SIZE, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(20, 80), (80, 30), (140, 90), (220, 40), (280, 70)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def setup(world):
    """world.department leads hazardous chemicals; three inspectors, the first is world.dept_user."""
    category = SafetyCategory.objects.get(code="hazardous_chemicals")
    registry_services.set_responsibility_rule(county=world.county, category=category,
                                              lead_department=world.department, actor=None)
    world.ent = enterprise(world)
    world.inspectors = [
        directory.save_inspector({"name": "刘执法", "unit": world.department.name, "department": world.department,
                                  "certificate_no": "43090301001", "user": world.dept_user}, actor=world.county_user),
        directory.save_inspector({"name": "陈执法", "unit": world.department.name, "department": world.department,
                                  "certificate_no": "43090301002"}, actor=world.county_user),
        directory.save_inspector({"name": "周专家", "unit": "益阳市安全生产专家库", "kind": "expert",
                                  "region_code": "430903"}, actor=world.county_user),
    ]
    return world


def scheduled(world, kind="unannounced", inspectors=None, actor=None):
    return services.schedule(enterprise=world.ent, actor=actor or world.county_user, kind=kind,
                             scheduled_on=datetime.date(2026, 3, 10),
                             inspectors=inspectors or world.inspectors[:2], department=world.department)


def started(world, **kw):
    inspection = scheduled(world, **kw)
    return services.start(inspection, actor=world.dept_user, version=inspection.version)


def fill(world, inspection, fail_item_no=None, actor=None):
    """Record every item: pass, except `fail_item_no` which fails."""
    findings = []
    for item in inspection.checklist.items.all():
        failing = item.no == fail_item_no
        findings.append(services.record_result(inspection, actor=actor or world.dept_user, item=item,
                                               result="fail" if failing else "pass",
                                               note="现场发现问题" if failing else ""))
    return findings


def signed(world, inspection):
    inspection.refresh_from_db()
    return services.sign(inspection, actor=world.dept_user, version=inspection.version,
                         member_signatures={str(m.pk): signature_png() for m in inspection.members.all()},
                         representative="张伟", representative_signature=signature_png())
