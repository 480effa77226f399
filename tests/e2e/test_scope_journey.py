"""A town officer sees only the own town on the tree and the map; a county officer sees all towns."""

import pytest

from safegrid.testing import PASSWORD, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POLYGONS = "#sg-map path.leaflet-interactive"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def open_map(page, base_url, expected_polygons):
    page.goto(f"{base_url}/regions/")
    page.wait_for_function(
        f"document.querySelectorAll('{POLYGONS}').length === {expected_polygons}", timeout=10_000)
    return page


def tree_names(page):
    return page.locator("#sg-tree .sg-tree-link").all_inner_texts()


def test_town_and_county_officers_see_their_own_jurisdiction(live_server, new_page, screenshot):
    World.build()
    base = live_server.url

    page = new_page()
    log_in(page, base, "town_a")
    open_map(page, base, expected_polygons=2)
    assert [n.strip() for n in tree_names(page)] == ["会龙山街道", "会龙山社区"]
    assert page.locator(POLYGONS).count() == 2
    screenshot(page, "e2e_town_map_desktop")

    # A wrong password is answered next to the field, in Chinese.
    other = new_page(width=390, height=844)
    other.goto(f"{base}/login/")
    other.fill("#id_username", "county")
    other.fill("#id_password", "wrong")
    other.click("main button[type=submit]")
    assert "再失败 4 次账户将被锁定" in other.locator("#id_password_error").inner_text()

    # The county officer, on a phone: the tree stacks above the map and holds both towns.
    other.fill("#id_username", "county")
    other.fill("#id_password", PASSWORD)
    other.click("main button[type=submit]")
    other.wait_for_url(f"{base}/")
    open_map(other, base, expected_polygons=3)
    names = [n.strip() for n in tree_names(other)]
    assert {"会龙山街道", "八字哨镇"} <= set(names) and "汽车路街道" not in names
    tree_box = other.locator("#sg-tree").bounding_box()
    map_box = other.locator("#sg-map").bounding_box()
    assert tree_box["y"] + tree_box["height"] <= map_box["y"]
    screenshot(other, "e2e_county_map_phone")

    # Clicking a town in the tree narrows the map to that town and shows the breadcrumbs.
    other.click("#sg-tree .sg-tree-link[data-code='430903101000']")
    other.wait_for_function(f"document.querySelectorAll('{POLYGONS}').length === 1", timeout=10_000)
    assert "八字哨镇" in other.locator("#sg-map-crumbs").inner_text()
    other.locator(POLYGONS).first.click(force=True)
    popup = other.locator(".leaflet-popup-content")
    popup.wait_for()
    other.wait_for_timeout(300)  # let the popup finish panning into view
    assert "八字哨第一网格" in popup.inner_text() and "BZS-01" in popup.inner_text()
    screenshot(other, "e2e_county_town_b_phone")

    # The hamburger opens the navigation at phone width.
    other.click(".navbar-toggler")
    other.locator("#sg-nav.show:not(.collapsing)").wait_for()
    # The audit trail sits in the 系统 menu of the navigation.
    other.locator("#sg-menu-system").click()
    audit_link = other.locator("#sg-nav .dropdown-item", has_text="审计日志")
    audit_link.wait_for(state="visible")
    assert audit_link.get_attribute("href") == "/audit/"
    screenshot(other, "e2e_county_menu_phone")
