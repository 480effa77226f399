"""Readiness checks for /readyz, `manage.py readiness` and the operator page.

Each check returns (ok, detail); the detail is shown only to administrators, local callers and
holders of the monitoring token (views.may_see_detail).
"""

import time
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from safegrid.hazards.models import attachment_storage

from . import periodic

_migrations_done = False  # once none are pending, this process's code and its database agree


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_cache():
    key, token = "safegrid:readyz", uuid.uuid4().hex
    cache.set(key, token, 30)
    ok = cache.get(key) == token
    return ok, "" if ok else "缓存写入后读不回"


def check_media():
    """Write and delete a small file where photos are stored."""
    storage = attachment_storage()
    name = storage.save(f".readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    storage.delete(name)
    return True, ""


def check_migrations():
    global _migrations_done
    if not _migrations_done:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
            return False, f"{len(plan)} 个迁移未执行({names})"
        _migrations_done = True
    return True, ""


def check_jobs(now=None):
    late = [s for s in periodic.statuses(now) if s.late]
    if late:
        return False, "超时未运行：" + ", ".join(f"{s.job.name}({s.job.label})" for s in late)
    return True, ""


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "media": check_media,
    "migrations": check_migrations,
    "jobs": check_jobs,
}
# Without the database the later checks would only repeat its error.
NEEDS_DATABASE = ("migrations", "jobs")


def readiness(now=None):
    """{"ok": bool, "checks": {name: {"ok", "detail", "ms"}}}, every check run and timed."""
    results = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and not results["database"]["ok"]:
            results[name] = {"ok": False, "detail": "数据库不可用", "ms": 0.0}
            continue
        started = time.perf_counter()
        try:
            ok, detail = check(now) if name == "jobs" else check()
        except Exception as exc:  # noqa: BLE001 - any failure makes the check fail, never the endpoint
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
        results[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": all(r["ok"] for r in results.values()), "checks": results,
            "time": (now or timezone.now()).isoformat()}
