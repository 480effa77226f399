"""Health endpoints (answered by ops.middleware, no login) and the operator page (administrators)."""

import hmac
import ipaddress
import platform

import django
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from safegrid.accounts.views import role_required

from . import backup, health, metrics, periodic, version
from .models import JobRun

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def is_local(request):
    """Straight from this machine: a loopback address and no proxy header (nginx on the same host
    connects from 127.0.0.1 too, but always adds X-Forwarded-For and X-Real-IP)."""
    try:
        loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
    return loopback and not any(request.META.get(h) for h in PROXY_HEADERS)


def has_monitoring_token(request):
    token = settings.SAFEGRID_MONITORING_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def may_see_detail(request):
    return is_local(request) or has_monitoring_token(request)


def _json(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # a probe every few seconds: no "Service Unavailable" log line each
    return response


def _only_get(request):
    return None if request.method in ("GET", "HEAD") else HttpResponseNotAllowed(["GET", "HEAD"])


def healthz(request):
    """The process answers. No database, cache or disk is touched."""
    if refused := _only_get(request):
        return refused
    data = {"status": "ok"}
    if may_see_detail(request):
        data.update(version=version.version(), revision=version.revision())
    return _json(data)


def readyz(request):
    """503 when a dependency fails or a periodic job is late; details only for insiders."""
    if refused := _only_get(request):
        return refused
    result = health.readiness()
    data = {"status": "ok" if result["ok"] else "unavailable"}
    if may_see_detail(request):
        data.update(result, version=version.version())
    return _json(data, 200 if result["ok"] else 503)


def metrics_endpoint(request):
    """Prometheus text format, for the monitoring token or local callers only."""
    if refused := _only_get(request):
        return refused
    if not may_see_detail(request):
        return _json({"status": "forbidden"}, 403)
    response = HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


STATE_LABELS = {
    "ok": ("正常", "success"),
    "unchecked": ("不检查时限", "secondary"),
    "failing": ("最近一次失败", "warning"),
    "late": ("超时未成功", "danger"),
    "never": ("从未成功运行", "danger"),
}
CHECK_LABELS = {"database": "数据库", "cache": "缓存", "media": "附件存储可写", "migrations": "数据库迁移",
                "jobs": "定时任务"}


@never_cache
@role_required("view", JobRun)
def index(request):
    """运行状态: readiness, periodic jobs, queues, requests, backups, retention, version."""
    ready = health.readiness()
    jobs = [{"status": s, "label": STATE_LABELS[s.state], "window": periodic.window_text(s.window)}
            for s in periodic.statuses()]
    return render(request, "ops/index.html", {
        "ready": ready,
        "checks": [(CHECK_LABELS[name], result) for name, result in ready["checks"].items()],
        "jobs": jobs,
        "queues": queue_figures(),
        "requests": metrics.request_summary(),
        "backups": [{"b": b, "rows": sum(b.manifest["counts"].values())} for b in backup.backups()[:7]],
        "backup_dir": settings.SAFEGRID_BACKUP_DIR,
        "keep": (settings.SAFEGRID_BACKUP_KEEP_DAILY, settings.SAFEGRID_BACKUP_KEEP_WEEKLY,
                 settings.SAFEGRID_BACKUP_KEEP_MONTHLY),
        "retention": {"audit": settings.SAFEGRID_AUDIT_RETENTION_DAYS,
                      "identity": settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS,
                      "deliveries": settings.SAFEGRID_DELIVERY_RETENTION_DAYS},
        "version": {"version": version.version(), "revision": version.revision(),
                    "database": database_version(),
                    "python": platform.python_version(), "django": django.get_version()},
    })


def database_version():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def queue_figures():
    families = {f.name: f for f in metrics.database_families()}
    value = lambda name: families[name].samples[0].value  # noqa: E731
    deliveries = {s.labels["status"]: int(s.value) for s in families["safegrid_notification_deliveries"].samples}
    return {
        "regrade": int(value("safegrid_regrade_queue_length")),
        "regrade_oldest": value("safegrid_regrade_queue_oldest_seconds"),
        "deliveries": deliveries,
    }
