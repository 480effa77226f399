"""Prometheus metrics (multiprocess under gunicorn), JSON logs with the request id, the operator page."""

import json
import logging
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.test import Client

from safegrid.core import context
from safegrid.ops.logs import RequestIdFilter

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.mark.django_db
def test_metrics_are_for_local_callers_and_the_monitoring_token_only(settings):
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    proxied = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403
    settings.SAFEGRID_MONITORING_TOKEN = "token-of-the-prometheus-server"
    ok = Client().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer token-of-the-prometheus-server")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_carry_requests_queues_and_job_runs(world):
    from safegrid.notifications.models import Delivery, DeliveryStatus

    Delivery.objects.create(channel="sms", recipient="13800000000", title="督办", status=DeliveryStatus.FAILED)
    client = world.client(world.county_user)
    client.get("/hazards/")
    client.get("/no-such-page/")
    text = Client().get("/metrics", **LOCAL).content.decode()
    assert 'safegrid_http_requests_total{method="GET",status="200",view="hazards:list"}' in text
    assert 'status="404",view="unresolved"' in text
    assert 'safegrid_http_request_duration_seconds_bucket{le="0.005",method="GET",view="hazards:list"}' in text
    assert "safegrid_database_up 1.0" in text
    assert "safegrid_regrade_queue_length 0.0" in text
    assert 'safegrid_notification_deliveries{status="failed"} 1.0' in text
    assert 'safegrid_job_late{job="escalate"} 1.0' in text  # never ran
    assert 'safegrid_job_runs_total{job="backup",outcome="success"} 0.0' in text
    assert 'safegrid_build_info{' in text


COUNT_REQUESTS = """
import django, sys
django.setup()
from safegrid.ops import metrics
for _ in range(int(sys.argv[1])):
    metrics.REQUESTS.labels("GET", "hazards:list", "200").inc()
    metrics.LATENCY.labels("GET", "hazards:list").observe(0.05)
"""
SUMMARY = """
import django, json
django.setup()
from safegrid.ops import metrics
print(json.dumps(metrics.request_summary()))
"""


def test_gunicorn_workers_are_summed_in_multiprocess_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(tmp_path), SAFEGRID_DEBUG="1", DJANGO_SETTINGS_MODULE="safegrid.settings")

    def python(code, *args):
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    python(COUNT_REQUESTS, "3")  # two workers, each with its own process and file
    python(COUNT_REQUESTS, "4")
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    summary = json.loads(python(SUMMARY))
    assert summary["multiprocess"] and summary["requests"] == 7 and summary["mean_ms"] == 50.0


def test_json_logs_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    out = StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(**options))
    logger = logging.getLogger("safegrid.test.json")
    logger.addHandler(handler)
    try:
        token = context.set_current(context.RequestContext(request_id="req-4f2a9c1b"))
        try:
            logger.warning("导出失败 %s", "台账")
        finally:
            context.reset(token)
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["request_id"] == "req-4f2a9c1b" and first["message"] == "导出失败 台账"
    assert first["level"] == "WARNING" and first["logger"] == "safegrid.test.json" and "time" in first
    assert second["request_id"] == "-"


@pytest.mark.django_db
def test_operator_page_is_for_administrators(world):
    page = world.client(world.admin).get("/ops/")
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("运行状态", "就绪检查", "定时任务", "安全码待重算", "推送失败待重试", "数据备份", "regrade --pending"):
        assert label in text
    assert 'href="/ops/"' in text  # in the system menu
    assert world.client(world.county_user).get("/ops/").status_code == 403
    assert 'href="/ops/"' not in world.client(world.county_user).get("/").content.decode()
    anonymous = Client().get("/ops/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
