"""An administrator opens 系统 › 运行状态 after a night's jobs and a backup, on a desktop and on a phone."""

from io import StringIO

import pytest
from django.core.management import call_command

from safegrid.testing import PASSWORD, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_administrator_reads_the_operator_page(live_server, new_page, screenshot, settings, tmp_path):
    World.build()
    settings.SAFEGRID_BACKUP_DIR = tmp_path / "backups"
    for args in (["regrade", "--pending"], ["send_notifications"], ["escalate"], ["backup"]):
        call_command(*args, stdout=StringIO())
    base = live_server.url

    page = new_page()
    log_in(page, base, "admin")
    page.click("nav >> text=系统")
    page.click("nav >> text=运行状态")
    page.wait_for_url(f"{base}/ops/")
    jobs = page.locator("#sg-ops-jobs")
    assert "正常" in jobs.locator("tr[data-job=regrade_pending]").inner_text()
    assert "从未成功运行" in jobs.locator("tr[data-job=sample_followups]").inner_text()
    assert page.locator("#sg-ops-ready").inner_text() == "未就绪"  # the monthly and nightly jobs never ran
    assert page.locator("#sg-ops-backups tbody tr").count() == 1
    screenshot(page, "e2e_ops_desktop")

    phone = new_page(width=390, height=844)
    log_in(phone, base, "admin")
    phone.goto(f"{base}/ops/")
    assert phone.locator("#sg-ops-checks li").count() == 5
    screenshot(phone, "e2e_ops_phone")

    county = new_page()
    log_in(county, base, "county")
    assert county.goto(f"{base}/ops/").status == 403
