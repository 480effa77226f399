"""A county officer opens the enterprise map, sees the points, filters by a town and opens one."""

import importlib

import pytest
from django.apps import apps
from test_scope_journey import log_in  # tests/e2e is on sys.path (rootdir-relative import)

from safegrid.registry.testing import create
from safegrid.testing import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POINTS = "#enterprise-map path.enterprise-point"


def seed_reference_data():
    """Transactional tests flush the tables, migration-seeded categories included: seed them again."""
    migration = importlib.import_module("safegrid.registry.migrations.0002_seed_reference_data")
    migration.seed(apps, None)


def wait_for_count(page, count):
    page.wait_for_function(
        f"document.querySelector('#enterprise-map').dataset.count === '{count}' "
        f"&& !document.querySelector('#enterprise-map').dataset.loading", timeout=30_000)  # generous: the live server shares the machine


def test_county_officer_filters_the_map_and_opens_a_point(live_server, new_page, screenshot):
    seed_reference_data()
    world = World.build()
    create(world, name="会龙山化工厂", seed=1)
    create(world, name="会龙山建材厂", seed=2, category="trade_building_materials", lon=112.315, lat=28.505)
    target = create(world, name="八字哨烟花店", seed=3, category="fireworks", operating_region="430903101201",
                    lon=112.405, lat=28.605)
    base = live_server.url

    page = new_page()
    log_in(page, base, "county")
    page.goto(f"{base}/registry/map/")
    wait_for_count(page, 3)
    assert "危险化学品" in page.locator(".sg-category-legend").inner_text()
    screenshot(page, "e2e_registry_map_desktop")

    # Narrow to 八字哨镇: one point, and that town's grid outline appears.
    page.select_option("#sg-map-town", "430903101000")
    wait_for_count(page, 1)
    page.locator(POINTS).first.wait_for()
    assert page.locator(POINTS).count() == 1
    assert page.locator(".leaflet-grids-pane path").count() == 1
    assert "region=430903101000" in page.url

    page.locator(POINTS).first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "八字哨烟花店" in popup.inner_text() and "烟花爆竹" in popup.inner_text()
    popup.locator("a").click()
    page.wait_for_url(f"{base}/registry/enterprises/{target.pk}/")
    assert page.locator("h1").inner_text().startswith("八字哨烟花店")


    # A town officer on a phone: the controls stack above a map that still fills the screen.
    phone = new_page(width=390, height=844)
    log_in(phone, base, "town_a")
    phone.goto(f"{base}/registry/map/")
    wait_for_count(phone, 2)
    box = phone.locator("#enterprise-map").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 300
    assert phone.locator("#sg-map-town").bounding_box()["y"] < box["y"]
    screenshot(phone, "e2e_registry_map_phone")
