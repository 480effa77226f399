import time

from django.test import override_settings
from rest_framework.test import APIClient

from safegrid.accounts.middleware import IdleTimeoutMiddleware


@override_settings(SAFEGRID_IDLE_TIMEOUT_MINUTES=30)
def test_idle_session_is_logged_out(world):
    client = APIClient()
    client.force_login(world.town_user)
    assert client.get("/api/v1/me/").status_code == 200
    session = client.session
    session[IdleTimeoutMiddleware.KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert client.session.get("idle_timeout") is True


@override_settings(SAFEGRID_IDLE_TIMEOUT_MINUTES=30)
def test_active_session_stays(world):
    client = APIClient()
    client.force_login(world.town_user)
    client.get("/api/v1/me/")
    session = client.session
    session[IdleTimeoutMiddleware.KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/api/v1/me/").status_code == 200


def test_request_id_is_echoed_and_recorded(world):
    from safegrid.audit.models import AuditEvent

    client = APIClient()
    client.force_authenticate(world.county_user)
    response = client.patch(f"/api/v1/regions/{world.town_a.code}/", {"name": "会龙山街道"}, format="json",
                            HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    event = AuditEvent.objects.get(action="region_update")
    assert event.request_id == "req-12345678"
    assert event.client_ip == "127.0.0.1"
