"""四不两直: a planned inspection is invisible to the enterprise's users through every page and API
until the inspectors start it on site; staff in scope see it, staff out of scope get 404."""

import datetime

from django.urls import reverse

from safegrid.inspections import draw
from safegrid.inspections import testing as t
from safegrid.notifications.models import Notification


def _urls(inspection, item):
    pk = inspection.pk
    return {
        "page": reverse("inspections:detail", args=[pk]),
        "pdf": reverse("inspections:pdf", args=[pk]),
        "sign": reverse("inspections:sign", args=[pk]),
        "api": f"/api/v1/inspections/{pk}/",
    }, {
        "list": reverse("inspections:list"),
        "list_filtered": reverse("inspections:list") + f"?enterprise={inspection.enterprise_id}",
        "api_list": "/api/v1/inspections/",
        "api_list_filtered": f"/api/v1/inspections/?enterprise={inspection.enterprise_id}",
        "public": reverse("public_draws:index"),
        "home": reverse("home"),
        "notifications": "/api/v1/notifications/",
    }


def _names(inspection):
    return [inspection.enterprise.name, f"/inspections/{inspection.pk}/"]


def test_enterprise_cannot_see_a_planned_inspection_anywhere(world):
    t.setup(world)
    # A team of 3 from a directory of 3: world.dept_user (the only inspector with a login) is on it.
    created = draw.create_draw(actor=world.county_user, region_code="430903", name="四不两直抽查", ratios={"*": 1},
                               scheduled_from=datetime.date(2026, 4, 1), scheduled_to=datetime.date(2026, 4, 30),
                               team_size=3)
    draw.publish(created, actor=world.county_user)
    inspection = created.inspections.get()
    item = inspection.checklist.items.first()
    detail_urls, list_urls = _urls(inspection, item)
    ent = world.client(world.enterprise_user)
    for name, url in detail_urls.items():
        assert ent.get(url).status_code in (403, 404), name
    for name, url in list_urls.items():
        response = ent.get(url)
        assert response.status_code in (200, 403), name
        body = response.content.decode()
        assert f'"id":{inspection.pk},' not in body.replace(" ", ""), name
        assert f"/inspections/{inspection.pk}/" not in body, name
    assert ent.post(reverse("inspections:start", args=[inspection.pk]), {"version": 1}).status_code in (403, 404)
    assert ent.post(f"/api/v1/inspections/{inspection.pk}/start/", {"version": 1}).status_code in (403, 404)
    assert not Notification.objects.filter(user=world.enterprise_user).exists()
    # The inspector sees it from the start.
    staff = world.client(world.dept_user)
    assert staff.get(detail_urls["page"]).status_code == 200
    assert staff.get(detail_urls["api"]).status_code == 200
    assert Notification.objects.filter(user=world.dept_user).exists()
    # On site: now the enterprise sees it, page and API.
    response = staff.post(reverse("inspections:start", args=[inspection.pk]), {"version": inspection.version})
    assert response.status_code == 302
    assert ent.get(detail_urls["page"]).status_code == 200
    assert ent.get(detail_urls["api"]).json()["state"] == "in_progress"
    assert ent.get(detail_urls["pdf"]).status_code == 200
    assert inspection.enterprise.name in ent.get(list_urls["list"]).content.decode()
    # The public page still shows nothing: only signed inspections are published.
    assert inspection.enterprise.name not in world.client().get(
        reverse("public_draws:detail", args=[created.pk])).content.decode()
    t.fill(world, inspection)
    t.signed(world, inspection)
    assert inspection.enterprise.name in world.client().get(
        reverse("public_draws:detail", args=[created.pk])).content.decode()
