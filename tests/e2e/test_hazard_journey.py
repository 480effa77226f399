"""The hazard closed loop in the browser: a grid officer reports from a phone (GPS, camera photo
compressed in the browser, nearby enterprise), the town confirms and bulk-assigns, the
enterprise plans and submits evidence, the department accepts, and the audit trail shows it."""

import io
import re
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from safegrid.hazards.models import Hazard, HazardPhoto, State
from safegrid.hazards.testing import enterprise
from safegrid.testing import PASSWORD, SLOW_MACHINE_TIMEOUT_MS, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # as in conftest.py
SPOT = {"longitude": 112.3052, "latitude": 28.5052}  # inside grid HLS-01, near the enterprise


def camera_jpeg(size=(2400, 1800)):
    out = io.BytesIO()
    Image.new("RGB", size, (180, 90, 40)).save(out, "JPEG", quality=95)
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def log_in(browser, base, username, width=1366, **context):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844 if width < 600 else 800},
                              **context)
    ctx.set_default_timeout(SLOW_MACHINE_TIMEOUT_MS)
    page = ctx.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return ctx, page


def run_action(page, name, fill=None):
    button = page.locator(f"#sg-actions [data-action='{name}']")
    label = button.inner_text().strip()
    # The buttons toggle Bootstrap collapse panels and the page may open one already: click only a
    # closed one, then wait until it has finished opening (a click on the submit button while the
    # panel still animates can miss it, which left an action unanswered in CI).
    if "show" not in (page.locator(f"#sg-panel-{name}").get_attribute("class") or "").split():
        button.click()
    page.locator(f"#sg-panel-{name}.show:not(.collapsing)").wait_for()
    form = page.locator(f"#sg-form-{name}")
    form.wait_for(state="visible")
    if fill:
        fill(form)
    form.locator("[data-sg-submit]").click()
    # The redirected detail page confirms this very action (a slow machine may take a while).
    done = page.locator(".alert-success", has_text=f"已完成“{label}”")
    refused = page.locator(".alert-danger, .invalid-feedback")
    try:
        done.or_(refused).first.wait_for(timeout=60_000)
    except PlaywrightTimeout:
        pytest.fail(f"{label}: no answer within 60 s; {_diagnosis(page, name)}")
    assert done.count() == 1, f"{label}: " + " | ".join(refused.all_inner_texts())


def _diagnosis(page, name):
    """What a hang looked like: the page, the hazards' states and any database lock waits."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e_hazard_{name}_timeout.png"), full_page=True)
    waits = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT state, wait_event_type, left(query, 200) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            waits = cursor.fetchall()
    states = list(Hazard.objects.values_list("pk", "state", "version"))
    return f"url={page.url} hazards={states} sessions={waits}"


def test_hazard_closed_loop(live_server, browser, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = World.build()
    ent = enterprise(world)
    base = live_server.url

    # 1. The grid officer reports on a phone: photo, GPS, nearest enterprise, type, description.
    ctx, page = log_in(browser, base, "officer", width=390, geolocation=SPOT, permissions=["geolocation"])
    assert page.locator("#sg-hazard-cards").is_visible()
    page.goto(f"{base}/hazards/report/")
    page.locator("#id_before_photos").set_input_files(camera_jpeg())
    page.locator(".sg-preview img").wait_for()
    page.wait_for_function("document.getElementById('id_lon').value !== ''")
    assert "已定位" in page.locator("#sg-geo-status").inner_text()
    screenshot(page, "e2e_hazard_report_step1_phone")
    page.click("section[data-step='1'] .sg-next")
    page.locator(f"#sg-nearby input[value='{ent.pk}']").wait_for()
    assert page.locator("#sg-nearby .sg-distance").first.inner_text().endswith("米")
    page.check(f"#sg-nearby input[value='{ent.pk}']")
    page.select_option("#id_hazard_type", "electrical")
    screenshot(page, "e2e_hazard_report_step2_phone")
    page.click("section[data-step='2'] .sg-next[data-go='3']")
    page.fill("#id_description", "配电箱未加锁，线路老化裸露")
    assert "益阳市赫山区恒安化工有限公司" in page.locator("#sg-summary").inner_text()
    screenshot(page, "e2e_hazard_report_step3_phone")
    page.click("#sg-submit")
    page.wait_for_url(re.compile(r".*/hazards/\d+/$"))
    hazard = Hazard.objects.get()
    assert hazard.enterprise_id == ent.pk and hazard.state == State.REPORTED
    assert abs(hazard.lon - SPOT["longitude"]) < 1e-4
    photo = HazardPhoto.objects.get(hazard=hazard)
    assert max(photo.width, photo.height) == 1600  # compressed in the browser before upload
    assert page.locator("#sg-photos img").count() == 1
    screenshot(page, "e2e_hazard_reported_phone")
    ctx.close()

    # 2. The town office confirms on the detail page, then bulk-assigns from the desk.
    ctx, page = log_in(browser, base, "town_a")
    assert page.locator("#sg-card-confirm").inner_text() == "1"
    page.goto(f"{base}/hazards/{hazard.pk}/")
    run_action(page, "confirm")
    assert page.locator("#sg-state").inner_text() == "已确认待交办"
    page.goto(f"{base}/hazards/?state=confirmed")
    page.check(f"#sg-bulk input[name=hazard][value='{hazard.pk}']")
    page.select_option("#sg-bulk select[name=department]", str(world.department.pk))
    screenshot(page, "e2e_hazard_desk")
    page.click("#sg-bulk-submit")
    page.get_by_text("已将 1 条隐患交办给区住房和城乡建设局").wait_for(timeout=60_000)
    ctx.close()

    # 3. The enterprise, on a phone: the five-fixes plan, then the evidence.
    ctx, page = log_in(browser, base, "enterprise", width=390)
    page.goto(f"{base}/hazards/")
    page.click(f".sg-desc-cell a[href='/hazards/{hazard.pk}/']")
    page.wait_for_url(f"{base}/hazards/{hazard.pk}/")

    def plan(form):
        form.locator("[name=responsible_person]").fill("王五")
        form.locator("[name=measures]").fill("更换老化线路，配电箱加锁")
        form.locator("[name=working_days]").fill("5")

    run_action(page, "plan", plan)
    assert page.locator("#sg-state").inner_text() == "整改中"
    assert page.locator("#sg-deadline").inner_text().strip() != "—"

    def evidence(form):
        form.locator("[name=description]").fill("已更换线路并加锁")
        form.locator("#id_after_photos").set_input_files(camera_jpeg((1200, 900)))
        page.locator("#sg-form-submit .sg-preview img").wait_for()

    run_action(page, "submit", evidence)
    assert page.locator("#sg-state").inner_text() == "待验收"
    screenshot(page, "e2e_hazard_submitted_phone")
    ctx.close()

    # 4. The department accepts; the hazard is closed out.
    ctx, page = log_in(browser, base, "dept")
    page.goto(f"{base}/hazards/{hazard.pk}/")
    run_action(page, "accept")
    assert page.locator("#sg-state").inner_text() == "已验收销号"
    timeline = page.locator("#sg-timeline").inner_text()
    for label in ("上报隐患", "核实确认", "交办", "制定整改方案(五定)", "提交验收", "验收销号"):
        assert label in timeline
    screenshot(page, "e2e_hazard_closed")
    ctx.close()

    # 5. The county office reads every step in the audit trail.
    ctx, page = log_in(browser, base, "county")
    page.goto(f"{base}/audit/?object_type=hazards.hazard&object_id={hazard.pk}")
    text = page.locator("main").inner_text()
    from safegrid.audit.views import action_label

    for action in ("hazard_report", "hazard_confirm", "hazard_assign", "hazard_plan", "hazard_submit",
                   "hazard_accept"):
        assert action_label(action) in text, action  # shown by its Chinese name
    assert "共 6 条记录" in text
    screenshot(page, "e2e_hazard_audit")
    ctx.close()
