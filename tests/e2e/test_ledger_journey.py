"""A county officer imports a ledger: two bad rows shown by row and column, fixed, confirmed, on the map."""

import random

import pytest
from openpyxl import Workbook

from safegrid.registry import ledger
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import make_credit_code
from safegrid.testing import PASSWORD, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def ledger_file(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ledger.SHEET_TITLE
    sheet.append(ledger.LEDGER_HEADERS)
    for values in rows:
        sheet.append([values.get(field) for _, field in ledger.LEDGER_COLUMNS])
    workbook.save(path)
    return str(path)


def rows(fixed):
    rng = random.Random(3)
    good = [{"credit_code": make_credit_code(rng), "name": f"赫山区示范企业{i}号", "category": "危险化学品",
             "scale": "小微", "status": "在营", "operating_region": "会龙山街道/会龙山社区",
             "address": f"工业园路 {i} 号", "lon": 112.301 + i * 0.002, "lat": 28.505} for i in range(3)]
    bad_mobile = {**good[1], "legal_representative_mobile": "1380737" if not fixed else "13807371234"}
    bad_category = {**good[2], "category": "化工厂" if not fixed else "危险化学品"}
    return [good[0], bad_mobile, bad_category]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_county_officer_fixes_and_imports_a_ledger(live_server, new_page, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    World.build()
    base = live_server.url
    page = new_page()
    log_in(page, base, "county")

    page.goto(f"{base}/registry/ledger/import/")
    page.set_input_files("#id_file", ledger_file(tmp_path / "台账.xlsx", rows(fixed=False)))
    page.click("#sg-ledger-upload button[type=submit]")
    page.locator("#sg-ledger-errors").wait_for()
    found = {(r.get_attribute("data-row"), r.get_attribute("data-column"))
             for r in page.locator("#sg-ledger-errors tbody tr").all()}
    assert found == {("3", "法定代表人手机"), ("4", "安全监管类别")}
    assert "第 3 行" in page.locator("#sg-ledger-errors").inner_text()
    assert page.locator("#sg-ledger-confirm").count() == 0
    screenshot(page, "e2e_ledger_preview_errors")
    assert Enterprise.objects.count() == 0

    page.click("a.btn:has-text('重新上传')")
    page.wait_for_url(f"{base}/registry/ledger/import/")
    page.set_input_files("#id_file", ledger_file(tmp_path / "台账-改正.xlsx", rows(fixed=True)))
    page.click("#sg-ledger-upload button[type=submit]")
    page.locator("#sg-ledger-valid").wait_for()
    screenshot(page, "e2e_ledger_preview_valid")
    page.click("#sg-ledger-confirm")
    page.wait_for_url(f"{base}/registry/ledger/import/?done=1")
    assert "新增 3 家" in page.locator(".alert-success").inner_text()
    assert Enterprise.objects.count() == 3

    page.goto(f"{base}/registry/enterprises/?q=示范企业")
    for i in range(3):
        assert page.get_by_text(f"赫山区示范企业{i}号").first.is_visible()

    phone = new_page(width=390, height=844)
    log_in(phone, base, "county")
    phone.goto(f"{base}/registry/ledger/import/")
    assert phone.locator("#id_file").is_visible()
    screenshot(phone, "e2e_ledger_import_phone")
    phone.goto(f"{base}/registry/map/")
    phone.wait_for_function("document.querySelector('#enterprise-map').dataset.count === '3'", timeout=10_000)
    screenshot(phone, "e2e_ledger_map_phone")
