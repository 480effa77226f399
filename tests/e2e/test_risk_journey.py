"""An enterprise user enters a risk unit and an LEC-assessed event and sees its colour; the county
officer then finds the enterprise on the risk map in that colour."""

import importlib

import pytest
from django.apps import apps
from test_scope_journey import log_in  # tests/e2e is on sys.path (rootdir-relative import)

from safegrid.hazards.testing import enterprise
from safegrid.risk import grading
from safegrid.testing import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_reference_data():
    """Transactional tests flush migration-seeded tables: seed registry, hazards and risk data again."""
    for app in ("registry", "hazards", "risk"):
        migration = importlib.import_module(f"safegrid.{app}.migrations.0002_seed_reference_data")
        migration.seed(apps, None)


def test_enterprise_assesses_an_event_and_the_county_sees_it_on_the_map(live_server, new_page, screenshot):
    seed_reference_data()
    world = World.build()
    ent = enterprise(world)
    base = live_server.url

    page = new_page(width=390, height=844)  # an enterprise safety officer on a phone
    log_in(page, base, "enterprise")
    page.goto(f"{base}/risk/")
    page.wait_for_url(f"{base}/risk/enterprises/{ent.pk}/")
    form = page.locator("#sg-unit-form")
    form.locator("#id_new_object").fill("液氨储罐区")
    form.locator("#id_name").fill("1号液氨储罐")
    form.locator("#id_department").fill("储运部")
    form.locator("button").click()
    page.locator(".alert-success").wait_for()

    event = page.locator("#sg-event-form")
    event.locator("#id_name").fill("液氨泄漏中毒")
    event.locator("#id_method").select_option("LEC")
    event.locator("#id_L").select_option("6")
    event.locator("#id_E").select_option("6")
    event.locator("#id_C").select_option("40")
    event.locator("button").click()
    page.locator(".sg-event").first.wait_for()
    card = page.locator(".sg-event", has_text="液氨泄漏中毒")
    # D = 6 × 6 × 40 = 1440 > 320: red.
    assert "风险值 1440.00" in card.inner_text()
    assert card.locator(".sg-risk-red").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "e2e_risk_enterprise_phone")

    grading.regrade()  # the daily job (hazard events regrade at once; an assessment does not change the code)
    county = new_page()
    log_in(county, base, "county")
    county.goto(f"{base}/risk/map/")
    county.wait_for_function("document.querySelector('#risk-map').dataset.count === '1' "
                             "&& !document.querySelector('#risk-map').dataset.loading", timeout=15_000)
    point = county.locator("#risk-map path.risk-point")
    assert point.count() == 1 and "risk-point-blue" in point.get_attribute("class")  # 90 points: blue
    point.click(force=True)
    popup = county.locator(".leaflet-popup-content")
    popup.wait_for()
    assert ent.name in popup.inner_text() and "蓝" in popup.inner_text()
    screenshot(county, "e2e_risk_map_desktop")
    county.select_option("#sg-map-color", "red")
    county.wait_for_function("document.querySelector('#risk-map').dataset.count === '0' "
                             "&& !document.querySelector('#risk-map').dataset.loading", timeout=15_000)
