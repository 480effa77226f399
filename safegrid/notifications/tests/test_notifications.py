import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from safegrid.notifications import services
from safegrid.notifications.models import Delivery, DeliveryStatus, Notification
from safegrid.notifications.testing import SENT

FAKE = "safegrid.notifications.testing.FakeChannel"


@pytest.fixture
def fake_ok(settings):
    SENT.clear()
    settings.SAFEGRID_NOTIFICATION_CHANNELS = {"robot": {"backend": FAKE}}


@pytest.fixture
def fake_down(settings):
    settings.SAFEGRID_NOTIFICATION_CHANNELS = {"robot": {"backend": FAKE, "fail": True}}


def api(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)  # seeds return after the flush (conftest)
def test_delivered_after_commit(world, fake_ok):
    services.notify([world.town_user], "新隐患", "内容")
    assert SENT == [("robot", "新隐患")]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)  # seeds return after the flush (conftest)
def test_failure_recorded_and_retried_with_backoff(world, fake_down, settings):
    services.notify([world.town_user], "新隐患")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "fake channel is down" in delivery.last_error
    assert services.retry_due(now=timezone.now())[DeliveryStatus.FAILED] == 0  # backoff not yet over
    settings.SAFEGRID_NOTIFICATION_CHANNELS = {"robot": {"backend": FAKE}}
    later = delivery.next_try_at + datetime.timedelta(seconds=1)
    assert services.retry_due(now=later)[DeliveryStatus.SENT] == 1
    assert Delivery.objects.get().attempts == 2


@pytest.mark.django_db
def test_sms_per_user(world, settings, caplog):
    settings.SAFEGRID_NOTIFICATION_CHANNELS = {"sms": {"backend": "safegrid.notifications.channels.LoggingSMS"}}
    world.town_user.mobile = "13807370001"
    world.town_user.save()
    services.notify([world.town_user, world.county_user], "短信")
    assert list(Delivery.objects.values_list("recipient", flat=True)) == ["13807370001"]


@pytest.mark.django_db
class TestInboxApi:
    def test_own_inbox_only(self, world):
        mine = services.notify([world.town_user], "给乡镇")[0]
        other = services.notify([world.county_user], "给区县")[0]
        body = api(world.town_user).get("/api/v1/notifications/").json()
        assert [r["title"] for r in body["results"]] == ["给乡镇"]
        assert api(world.town_user).get(f"/api/v1/notifications/{other.pk}/").status_code == 404
        assert api(world.admin).get(f"/api/v1/notifications/{mine.pk}/").status_code == 404
        assert api().get("/api/v1/notifications/").status_code == 401

    def test_mark_read(self, world):
        mine = services.notify([world.town_user], "给乡镇")[0]
        other = services.notify([world.county_user], "给区县")[0]
        assert api(world.county_user).post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404
        response = api(world.town_user).post(f"/api/v1/notifications/{mine.pk}/read/")
        assert response.status_code == 200 and response.json()["read_at"]
        assert api(world.town_user).get("/api/v1/notifications/?unread=1").json()["count"] == 0
        assert api(world.county_user).post("/api/v1/notifications/read-all/").json() == {"marked": 1}
        assert Notification.objects.get(pk=other.pk).read_at is not None
        assert api().post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 401
