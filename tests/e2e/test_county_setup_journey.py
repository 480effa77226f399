"""A new county set up in the browser from an empty database with only a superuser: the county from
its division code, towns and villages from a code table, grids from GeoJSON, two departments, a
town office account, a trained grid officer and an untrained one (refused), an enterprise with its
account, and a leader post; then the trained officer reports a hazard and the enterprise sees it.
No shell command beyond `migrate` and `createsuperuser` (here: create_superuser)."""

import json
import random
import re

import pytest

from safegrid.accounts.models import User
from safegrid.hazards.models import Hazard
from safegrid.inspections.models import LeaderPost
from safegrid.regions.models import Department, Grid, GridOfficer, Region
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import make_credit_code
from safegrid.testing import square

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT_PASSWORD = "Root-Pass-2026"
NEW_PASSWORD = "Mine-Pass-2026"
TOWNS_CSV = ("统计用区划代码,名称\n430903001000,会龙山街道\n430903001001,会龙山社区\n"
             "430903101000,八字哨镇\n430903101201,八字哨村\n")
SPOT = {"longitude": 112.3052, "latitude": 28.5052}  # inside grid HLS-01


def grids_geojson():
    features = [("HLS-01", "会龙山第一网格", "430903001001", square(112.30, 28.50)),
                ("HLS-02", "会龙山第二网格", "430903001001", square(112.31, 28.50)),
                ("BZS-01", "八字哨第一网格", "430903101201", square(112.40, 28.60))]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name, "village_code": village}}
        for code, name, village, geometry in features]}, ensure_ascii=False).encode()


def new_page(browser, width=1280, **context):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844 if width < 600 else 900},
                              **context)
    ctx.set_default_timeout(60_000)
    return ctx, ctx.new_page()


def log_in(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def first_log_in(browser, base, username, password, width=1280, **context):
    """A password given by an administrator must be changed before anything else."""
    ctx, page = new_page(browser, width, **context)
    log_in(page, base, username, password)
    page.wait_for_url(f"{base}/password/")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return ctx, page


def one_time_password(page):
    page.locator("#sg-one-time-password").wait_for()
    return page.locator("#sg-password").inner_text().strip()


def test_new_county_from_an_empty_database(live_server, browser, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert not Region.objects.exists() and not User.objects.exists()
    User.objects.create_superuser("root", "", ROOT_PASSWORD)
    base = live_server.url
    ctx, page = new_page(browser)
    log_in(page, base, "root", ROOT_PASSWORD)

    # 1. The county from its division code; names from the GB/T 2260 table.
    page.click("#sg-menu-system")
    page.click("a.dropdown-item:has-text('系统管理')")
    page.click("#sg-section-setup")
    page.fill("#id_code", "430903")
    page.click("button:has-text('先查询名称')")
    assert "湖南省 › 益阳市 › 赫山区" in page.locator("#sg-lookup").inner_text()
    page.click("#sg-county-create")
    page.wait_for_url(f"{base}/manage/setup/430903/")
    screenshot(page, "e2e_setup_county")

    # 2. Towns and villages from the statistics bureau's code table.
    (tmp_path / "towns.csv").write_text(TOWNS_CSV, encoding="utf-8")
    page.set_input_files("#id_towns_file", str(tmp_path / "towns.csv"))
    page.click("#sg-towns-upload button[type=submit]")
    page.locator("#sg-towns-valid").wait_for()
    page.click("#sg-towns-confirm")
    page.wait_for_url(f"{base}/manage/setup/430903/")
    assert page.locator("#sg-town-count").inner_text() == "2"

    # 3. Grids from GeoJSON (the existing import).
    page.click("#sg-step-grids")
    (tmp_path / "grids.geojson").write_bytes(grids_geojson())
    page.set_input_files("#id_file", str(tmp_path / "grids.geojson"))
    page.click("#sg-grid-import button[value=import]")
    page.locator("#sg-grid-import-ok").wait_for()
    assert Grid.objects.count() == 3

    # 4. Two departments.
    page.goto(f"{base}/manage/departments/")
    for name in ("区应急管理局", "区住房和城乡建设局"):
        page.fill("#id_name", name)
        page.check("#id_committee_member")
        page.click("#sg-department-form button[type=submit]")
        page.locator(".alert-success", has_text=name).wait_for()
    assert Department.objects.filter(committee_member=True).count() == 2

    # 5. A town office account for 会龙山街道.
    page.goto(f"{base}/manage/users/new/")
    page.fill("#id_username", "town_hls")
    page.fill("#id_name", "曾建华")
    page.select_option("#id_role", "town_office")
    page.select_option("#id_regions", label="会龙山街道（乡镇/街道 430903001000）")
    page.click("#sg-user-form button[type=submit]")
    town_password = one_time_password(page)
    screenshot(page, "e2e_setup_password_once")

    # 6. A leader account and post.
    page.goto(f"{base}/manage/users/new/")
    page.fill("#id_username", "leader_luo")
    page.fill("#id_name", "罗建国")
    page.select_option("#id_role", "leader")
    page.select_option("#id_regions", label="赫山区（区县 430903）")
    page.click("#sg-user-form button[type=submit]")
    one_time_password(page)
    page.goto(f"{base}/manage/leaders/new/")
    page.select_option("#id_user", label="罗建国")
    page.select_option("#id_kind", "county_leader")
    page.fill("#id_title", "副区长")
    page.select_option("#id_region", label="赫山区")
    page.fill("#id_duties", "分管应急管理和安全生产工作\n每季度带队检查不少于一次")
    page.click("#sg-leader-form button[type=submit]")
    page.locator(".alert-success", has_text="罗建国").wait_for()
    assert LeaderPost.objects.get().duty_list[1] == "每季度带队检查不少于一次"
    ctx.close()

    # 7. The town office appoints two officers: one trained (full-time), one not yet (part-time).
    ctx, page = first_log_in(browser, base, "town_hls", town_password)
    officers = {}
    for username, name, grid in (("wgy_trained", "李红", "HLS-01"), ("wgy_new", "赵新", "HLS-02")):
        page.goto(f"{base}/manage/officers/new/")
        page.fill("#id_username", username)
        page.fill("#id_name", name)
        page.select_option("#id_grids", label=f"会龙山社区 · {Grid.objects.get(code=grid).name}（{grid}）")
        page.select_option("#id_full_time", "0")
        page.click("#sg-officer-form button[type=submit]")
        officers[username] = one_time_password(page)
    assert [o.code for o in Grid.objects.filter(officers__isnull=False).order_by("code")] == ["HLS-01", "HLS-02"]
    # Full-time without the pre-duty training is refused; after a passed training it is accepted.
    officer = GridOfficer.objects.get(user__username="wgy_trained")
    page.goto(f"{base}/manage/officers/{officer.pk}/edit/")
    page.select_option("#id_full_time", "1")
    page.click("#sg-officer-form button[type=submit]")
    assert "先培训再上岗" in page.locator("#sg-officer-form").inner_text()
    page.goto(f"{base}/manage/officers/{officer.pk}/")
    page.fill("#id_date", "2026-11-20")
    page.select_option("#id_result", "passed")
    page.click("#sg-training-form button[type=submit]")
    page.locator("#sg-officer-duty", has_text="可上岗").wait_for()
    page.goto(f"{base}/manage/officers/{officer.pk}/edit/")
    page.select_option("#id_full_time", "1")
    page.click("#sg-officer-form button[type=submit]")
    page.locator(".alert-success").wait_for()
    assert GridOfficer.objects.get(pk=officer.pk).full_time
    # The town office cannot give a county-level role.
    page.goto(f"{base}/manage/users/new/")
    assert page.locator("#id_role option").all_inner_texts() == ["网格员"]
    ctx.close()

    # 8. The enterprise, registered by the administrator, gets its account in one click.
    ctx, page = new_page(browser)
    log_in(page, base, "root", ROOT_PASSWORD)
    page.goto(f"{base}/registry/enterprises/new/")
    page.fill("#id_name", "益阳市赫山区恒安化工有限公司")
    page.fill("#id_credit_code", make_credit_code(random.Random(13)))
    page.select_option("#id_category", "hazardous_chemicals")
    page.fill("#id_safety_manager", "周丽")
    page.fill("#id_safety_manager_mobile", "13807370099")
    page.select_option("#id_operating_region", "430903001001")
    page.fill("#id_address", "会龙山街道工业园路 8 号")
    page.fill("#id_lon", "112.305")
    page.fill("#id_lat", "28.505")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/registry/enterprises/\d+/$"))
    page.locator("#sg-open-account").wait_for()
    company = Enterprise.objects.get()
    assert company.grid.code == "HLS-01"
    page.click("#sg-open-account")
    enterprise_password = one_time_password(page)
    assert page.locator("#sg-new-username").inner_text() == company.credit_code
    ctx.close()

    # 9. The untrained officer is refused; the trained one reports a hazard from a phone.
    ctx, page = first_log_in(browser, base, "wgy_new", officers["wgy_new"], width=390)
    page.goto(f"{base}/hazards/report/")
    assert "先培训再上岗" in page.locator("main").inner_text()
    screenshot(page, "e2e_setup_untrained_refused_phone")
    ctx.close()
    ctx, page = first_log_in(browser, base, "wgy_trained", officers["wgy_trained"], width=390,
                             geolocation=SPOT, permissions=["geolocation"])
    page.goto(f"{base}/hazards/report/")
    page.wait_for_function("document.getElementById('id_lon').value !== ''")
    page.click("section[data-step='1'] .sg-next")
    page.locator(f"#sg-nearby input[value='{company.pk}']").wait_for()
    page.check(f"#sg-nearby input[value='{company.pk}']")
    page.select_option("#id_hazard_type", "electrical")
    page.click("section[data-step='2'] .sg-next[data-go='3']")
    page.fill("#id_description", "配电箱未加锁，线路老化裸露")
    page.click("#sg-submit")
    page.wait_for_url(re.compile(r".*/hazards/\d+/$"))
    hazard = Hazard.objects.get()
    assert hazard.enterprise_id == company.pk and hazard.reporter.username == "wgy_trained"
    ctx.close()

    # 10. The enterprise sees it.
    ctx, page = first_log_in(browser, base, company.credit_code, enterprise_password)
    page.goto(f"{base}/hazards/")
    page.locator(f"a[href='/hazards/{hazard.pk}/']").first.wait_for()
    assert "配电箱未加锁" in page.locator("main").inner_text()
    screenshot(page, "e2e_setup_enterprise_sees_hazard")
    ctx.close()
