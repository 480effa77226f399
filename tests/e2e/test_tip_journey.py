"""A phone at 390 px: submit an anonymous tip on the map, track it, the town office reassigns and
replies, and the tracking page shows the reply (never the internal note)."""

import pytest

from safegrid.testing import PASSWORD, World
from safegrid.tips.testing import solve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_anonymous_tip_is_routed_replied_and_tracked(live_server, new_page, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = World.build()
    base = live_server.url

    phone = new_page(width=390, height=844)
    phone.goto(f"{base}/report/")
    phone.wait_for_function("document.getElementById('sg-tip-map').dataset.ready === '1'", timeout=10_000)
    phone.fill("#id_description", "<b>加油站</b>后院违规存放液化气钢瓶")
    box = phone.locator("#sg-tip-map").bounding_box()
    point = phone.evaluate("document.getElementById('sg-tip-map').sgMap.latLngToContainerPoint([28.505, 112.305])")
    phone.mouse.click(box["x"] + point["x"], box["y"] + point["y"])  # a tap inside grid HLS-01
    assert phone.locator("#id_lon").input_value().startswith("112.30")
    assert phone.locator("#id_lat").input_value().startswith("28.50")  # inside grid HLS-01
    phone.fill("#id_address", "会龙山公园东门")
    phone.fill("#id_challenge_answer", str(solve(phone.locator("#sg-question").inner_text())))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "e2e_tip_report_390")
    phone.click("#sg-submit")
    phone.locator("#sg-tracking-code, #sg-tip-error").first.wait_for(timeout=60_000)
    assert phone.locator("#sg-tip-error").count() == 0, phone.locator("#sg-tip-error").inner_text()
    code = phone.locator("#sg-tracking-code").inner_text().strip()
    assert len(code) == 19 and phone.locator("#sg-qr svg").count() == 1
    screenshot(phone, "e2e_tip_done_390")

    phone.click("#sg-track-link")  # the code travels after '#', the page posts it
    phone.wait_for_selector("#sg-track-state")
    assert phone.locator("#sg-track-state").inner_text() == "已提交，待受理"

    from safegrid.tips.models import Tip

    tip = Tip.objects.get()
    assert tip.town == world.town_a
    desk = new_page(width=390, height=844)
    log_in(desk, base, "town_a")
    desk.goto(f"{base}/tips/")
    desk.click(f"text={tip.public_id}")
    assert "<b>加油站</b>" in desk.locator("#sg-tip-description").inner_text()  # shown escaped, as typed
    desk.select_option("#id_department", str(world.department.pk))
    desk.fill("#sg-form-reassign input[name=reason]", "液化气归住建局牵头")
    desk.click("#sg-form-reassign button")
    assert "区住房和城乡建设局" in desk.locator("#sg-route-department").inner_text()
    desk.fill("#sg-form-accept input[name=note]", "内部：请网格员先去看")
    desk.click("#sg-form-accept button")
    desk.fill("#id_public_reply", "已受理，工作人员将于三日内到现场核查。")
    desk.click("#sg-form-reply button")
    assert desk.locator(".alert-success").count() == 1
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(desk, "e2e_tip_detail_390")

    phone.goto(f"{base}/report/track/")
    phone.fill("#id_code", code.lower())
    phone.click("#sg-track-submit")
    timeline = phone.locator("#sg-timeline").inner_text()
    assert "已受理，工作人员将于三日内到现场核查。" in timeline and "内部" not in timeline
    screenshot(phone, "e2e_tip_track_390")
