"""A supervisory inspection on a phone (390 px): the inspector starts the unannounced inspection on
site, goes through the checklist, fails an item, both sides sign on the canvas with the mouse, the
hazard appears on the town's desk and the PDF record opens with the enterprise's name in it."""

import importlib
import shutil
import subprocess

import pytest
from django.apps import apps
from test_scope_journey import log_in  # tests/e2e is on sys.path (rootdir-relative import)

from safegrid.hazards.models import Hazard
from safegrid.inspections import testing as t
from safegrid.inspections.models import Inspection, InspectionState
from safegrid.testing import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_reference_data():
    """Transactional tests flush migration-seeded tables: seed them again (ours last, it needs theirs)."""
    for app in ("registry", "hazards", "risk", "inspections"):
        migration = importlib.import_module(f"safegrid.{app}.migrations.0002_seed_reference_data")
        (getattr(migration, "seed", None) or migration.load)(apps, None)


def sign_on(page, pad):
    """Draw a scribble on one signature canvas with mouse moves."""
    canvas = pad.locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 90)
    page.mouse.down()
    for dx, dy in ((60, 30), (100, 100), (150, 40), (200, 95), (260, 50)):
        page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def test_field_inspection_on_a_phone(live_server, new_page, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_reference_data()
    world = t.setup(World.build())
    inspection = t.scheduled(world)
    base = live_server.url

    page = new_page(width=390, height=844)
    log_in(page, base, "dept")
    page.goto(f"{base}/inspections/{inspection.pk}/")
    page.click("#sg-start")
    page.locator(".alert-success").wait_for()
    assert Inspection.objects.get(pk=inspection.pk).state == InspectionState.IN_PROGRESS
    for item in inspection.checklist.items.all():
        card = page.locator(f"#item-{item.pk}")
        if item.no == 2:
            card.locator("label", has_text="不符合").click()
            card.locator("input[name=note]").fill("两名电工无特种作业操作证上岗")
        else:
            card.locator("label", has_text="符合").first.click()
        card.locator("button", has_text="保存").click()
        page.locator(f"#item-{item.pk} .badge").first.wait_for()
    assert page.locator(f"#item-{inspection.checklist.items.get(no=2).pk}").get_by_text("隐患 #").is_visible()
    screenshot(page, "inspection-390-checklist")

    page.click("#sg-sign")
    pads = page.locator(".sg-pad")
    assert pads.count() == 3  # two inspectors and the enterprise representative
    page.click("#sg-sign-submit")  # nothing drawn yet: refused, nothing written
    page.locator("#sg-sign-error").wait_for()
    assert "签名" in page.locator("#sg-sign-error").inner_text()
    for n in range(pads.count()):
        sign_on(page, pads.nth(n))
    page.fill("#f-rep", "张伟")
    screenshot(page, "inspection-390-sign")
    page.click("#sg-sign-submit")
    page.locator(".alert-success").wait_for()
    done = Inspection.objects.get(pk=inspection.pk)
    assert done.state == InspectionState.SIGNED and done.representative_signature

    response = page.request.get(f"{base}/inspections/{inspection.pk}/record.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "record.pdf"
        path.write_bytes(response.body())
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert world.ent.name in text.replace("\n", "")

    hazard = Hazard.objects.get()
    town = new_page(width=390, height=844)
    log_in(town, base, "town_a")
    town.goto(f"{base}/hazards/")
    assert town.get_by_text("两名电工无特种作业操作证上岗").first.is_visible()
    town.goto(f"{base}/hazards/{hazard.pk}/")
    assert "部门检查" in town.content()
    screenshot(town, "inspection-390-town-desk")

    # The county office at a desk: a draw and the annual plan.
    from safegrid.inspections import draw, plan

    created = draw.create_draw(actor=world.county_user, region_code="430903", name="二季度双随机抽查",
                               ratios={"*": 1}, scheduled_from=done.scheduled_on, scheduled_to=done.scheduled_on)
    yearly = plan.generate_plan(actor=world.county_user, region_code="430903", year=2026)
    county = new_page(width=1366, height=800)
    log_in(county, base, "county")
    county.goto(f"{base}/inspections/draws/{created.pk}/")
    county.click("#sg-replay")
    county.locator("#sg-replay-result.alert-success").wait_for()
    screenshot(county, "inspection-1366-draw")
    county.goto(f"{base}/inspections/plans/{yearly.pk}/")
    screenshot(county, "inspection-1366-plan")
