"""/healthz, /readyz and `manage.py readiness`: JSON, no login, details only for insiders."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from safegrid.ops import periodic

T0 = timezone.make_aware(datetime(2026, 12, 1, 8, 0))
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
PROXIED = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_REAL_IP": "203.0.113.9"}


def run_every_job(at):
    """Record a success of every periodic job at `at` (their real commands where cheap)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        for job in periodic.JOBS:
            with periodic.recording(job.name):
                pass


def readyz(at, **extra):
    with mock.patch("django.utils.timezone.now", return_value=at):
        response = Client().get("/readyz", **extra)
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthz_answers_without_login_database_or_allowed_host(settings):
    settings.ALLOWED_HOSTS = ["safegrid.example.gov.cn"]
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor",
                    side_effect=OperationalError("down")):
        response = Client().get("/healthz", HTTP_HOST="10.0.0.5:8000", **OUTSIDE)
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert Client().post("/healthz", **OUTSIDE).status_code == 405


@pytest.mark.django_db
def test_readyz_turns_unhealthy_when_a_job_misses_its_window_and_healthy_after_it_runs():
    run_every_job(T0)
    assert readyz(T0 + timedelta(minutes=5), **LOCAL)[0] == 200
    status, body = readyz(T0 + timedelta(minutes=11), **LOCAL)  # regrade --pending: window 10 min
    assert status == 503 and body["status"] == "unavailable"
    assert not body["checks"]["jobs"]["ok"] and "regrade_pending" in body["checks"]["jobs"]["detail"]
    assert body["checks"]["database"]["ok"]
    with mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(minutes=12)):
        call_command("regrade", "--pending", stdout=StringIO())
    assert readyz(T0 + timedelta(minutes=13), **LOCAL)[0] == 200


@pytest.mark.django_db
def test_readyz_turns_unhealthy_while_the_database_is_unreachable():
    run_every_job(T0)
    assert readyz(T0, **LOCAL)[0] == 200
    with mock.patch("safegrid.ops.health.connection.cursor", side_effect=OperationalError("connection refused")):
        status, body = readyz(T0, **LOCAL)
    assert status == 503
    assert not body["checks"]["database"]["ok"] and "connection refused" in body["checks"]["database"]["detail"]
    assert body["checks"]["jobs"]["detail"] == "数据库不可用"
    assert readyz(T0, **LOCAL)[0] == 200  # back once the database answers


@pytest.mark.django_db
def test_readyz_without_any_recorded_run_is_unavailable():
    status, body = readyz(T0, **LOCAL)
    assert status == 503 and "escalate" in body["checks"]["jobs"]["detail"]


@pytest.mark.django_db
def test_outsiders_and_proxied_callers_get_only_the_status(settings):
    run_every_job(T0)
    for extra in (OUTSIDE, PROXIED):
        status, body = readyz(T0, **extra)
        assert (status, body) == (200, {"status": "ok"})
        body = json.loads(Client().get("/healthz", **extra).content)
        assert body == {"status": "ok"}
    with mock.patch("safegrid.ops.health.connection.cursor", side_effect=OperationalError("secret host db-7")):
        status, body = readyz(T0, **OUTSIDE)
    assert (status, body) == (503, {"status": "unavailable"})
    settings.SAFEGRID_MONITORING_TOKEN = "s3cret-token-for-monitoring"
    status, body = readyz(T0, HTTP_AUTHORIZATION="Bearer s3cret-token-for-monitoring", **OUTSIDE)
    assert status == 200 and body["checks"]["database"]["ok"] and body["version"]
    assert readyz(T0, HTTP_AUTHORIZATION="Bearer wrong", **OUTSIDE)[1] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_a_media_folder_that_cannot_be_written(settings, tmp_path):
    run_every_job(T0)
    blocked = tmp_path / "media"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocked)
    status, body = readyz(T0, **LOCAL)
    assert status == 503 and not body["checks"]["media"]["ok"]


def test_readiness_command_exits_1_when_the_database_is_unreachable(settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL="postgres://safegrid@127.0.0.1:1/safegrid", SAFEGRID_DEBUG="1")
    done = subprocess.run([sys.executable, "manage.py", "readiness"], capture_output=True, text=True, env=env,
                          cwd=settings.BASE_DIR,
                          timeout=120)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["ok"] is False and result["checks"]["database"]["ok"] is False
    assert "database" in done.stderr
