"""Enterprise list API at 200,000 rows over HTTP (GET /api/v1/enterprises/), beside the raw SQL alone.

On the cached city database (bench_registry_city), gunicorn on loopback, token auth, for a
town office (one town, ~1,600 enterprises) and a county office (one county, ~20,000): N
requests of the first page (50 rows, default ordering). Beside it: the SQL the view runs
(the paginator's count and the page query, captured once) replayed N times on a cursor,
and the query plans, printed as '#' lines.
"""

import json
import threading
import time

from bench import common
from bench.bench_registry_city import city_database

NAME = "registry_list"
PATH = "/api/v1/enterprises/"
SCENARIOS = [("town_office", "431102001_town"), ("county_office", "431102_county")]
WARMUP = 5
TIME_BUDGET = 40  # seconds per phase: stop early rather than overrun (figures then use fewer samples)


def run(args):
    requests = getattr(args, "requests", 300)
    threads = getattr(args, "threads", 2)
    workers = getattr(args, "workers", 2)
    with city_database() as db:
        from safegrid.registry.management.commands.generate_city import CITY_PASSWORD

        with common.live_server(db.env, workers=workers) as port:
            for scenario, username in SCENARIOS:
                token = common.api_token(port, username, CITY_PASSWORD)
                latencies, count = http_load(port, {"Authorization": f"Token {token}"}, requests, threads)
                sql = sql_timings(username, requests)
                meta = {"db": db.kind, "scenario": scenario, "requests": len(latencies), "sql_runs": len(sql),
                        "threads": threads, "workers": workers, "count": count}
                common.emit(NAME, "http_p50_ms", common.percentile(latencies, 50), "ms", **meta)
                common.emit(NAME, "http_p95_ms", common.percentile(latencies, 95), "ms", **meta)
                common.emit(NAME, "sql_p50_ms", common.percentile(sql, 50), "ms", **meta)
                common.emit(NAME, "sql_p95_ms", common.percentile(sql, 95), "ms", **meta)


def http_load(port, headers, requests, threads):
    status, body = common.call(port, "GET", PATH, headers)
    if status != 200:
        raise RuntimeError(f"{PATH} answered {status}: {body[:300]!r}")
    count = json.loads(body)["count"]
    for _ in range(WARMUP):
        common.call(port, "GET", PATH, headers)
    latencies, lock = [], threading.Lock()
    deadline = time.monotonic() + TIME_BUDGET

    def worker(n):
        for _ in range(n):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            status, _body = common.call(port, "GET", PATH, headers)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{PATH} answered {status}")
            with lock:
                latencies.append(elapsed)

    pool = [threading.Thread(target=worker, args=(requests // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, count


def sql_timings(username, repeat):
    """Replay the count and page SQL of the list view; print their plans once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safegrid.accounts.models import User
    from safegrid.registry.api import EnterpriseViewSet

    user = User.objects.get(username=username)
    user.scope_paths()
    queryset = EnterpriseViewSet.queryset.all().restrict(user, "view")
    with CaptureQueriesContext(connection) as captured:
        queryset.count()
        list(queryset[:50])
    statements = [q["sql"] for q in captured.captured_queries]
    explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(explain + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            print(f"# {NAME} plan {username}: {sql[:90]}… => {plan[:600]}", flush=True)
        samples, deadline = [], time.monotonic() + TIME_BUDGET
        for _ in range(repeat):
            if samples and time.monotonic() > deadline:
                break
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return samples
