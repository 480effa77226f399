"""Hazard list API with filters over 2,000,000 hazards (GET /api/v1/hazards/?…), beside its raw SQL.

On the cached city with hazards (bench_hazards_city), gunicorn on loopback, token auth, for a
town office (431102001_town, one town) and a county office (431102_county, one county of ten):
N requests of the first page (50 rows), the filters taken in turn (FILTERS: open, major,
overdue, due soon, a 30-day report window, a text search, a state + type combination, none).
Beside it: for each filter, the SQL the view runs on the hazards table (the capped count and
the page, captured from one in-process call of the same view) replayed on a cursor, and the
plans, printed as '#' lines. Figures per scenario over all filters, then p95 per filter.
"""

import datetime
import itertools
import json
import threading
import time
from urllib.parse import urlencode

from bench import common
from bench.bench_hazards_city import COUNT, hazards_database

NAME = "hazards_list"
PATH = "/api/v1/hazards/"
SCENARIOS = [("town_office", "431102001_town"), ("county_office", "431102_county")]
WARMUP = 8
TIME_BUDGET = 60  # seconds per phase: stop early rather than overrun (figures then use fewer samples)


def filters(today):
    month_ago = (today - datetime.timedelta(days=30)).isoformat()
    return {
        "none": {},
        "open": {"open": "true"},
        "major": {"grade": "major"},
        "overdue": {"overdue": "true"},
        "due_soon": {"due_soon": "true"},
        "reported_30d": {"reported_after": month_ago, "reported_before": today.isoformat()},
        "text": {"q": "灭火器"},
        "state_type": {"state": "rectifying", "hazard_type": "electrical"},
    }


def run(args):
    requests = getattr(args, "requests", 300)
    threads = getattr(args, "threads", 2)
    workers = getattr(args, "workers", 2)
    with hazards_database(getattr(args, "hazards", COUNT)) as db:
        from safegrid.hazards import clock
        from safegrid.registry.management.commands.generate_city import CITY_PASSWORD

        paths = {name: PATH + ("?" + urlencode(params) if params else "")
                 for name, params in filters(clock.today()).items()}
        with common.live_server(db.env, workers=workers) as port:
            for scenario, username in SCENARIOS:
                token = common.api_token(port, username, CITY_PASSWORD)
                headers = {"Authorization": f"Token {token}"}
                counts = {name: _count(port, path, headers) for name, path in paths.items()}
                http = http_load(port, headers, paths, requests, threads)
                sql = sql_timings(username, paths, max(20, requests // len(paths)))
                _emit(db, scenario, http, sql, counts, threads, workers)


def _emit(db, scenario, http, sql, counts, threads, workers):
    every_http = [v for values in http.values() for v in values]
    every_sql = [v for values in sql.values() for v in values]
    meta = {"db": db.kind, "scenario": scenario, "requests": len(every_http), "sql_runs": len(every_sql),
            "threads": threads, "workers": workers}
    for figure, samples in (("http", every_http), ("sql", every_sql)):
        common.emit(NAME, f"{figure}_p50_ms", common.percentile(samples, 50), "ms", **meta)
        common.emit(NAME, f"{figure}_p95_ms", common.percentile(samples, 95), "ms", **meta)
    for name in http:
        common.emit(NAME, "http_p95_ms", common.percentile(http[name], 95), "ms", db=db.kind, scenario=scenario,
                    filter=name, requests=len(http[name]), count=counts[name],
                    sql_p95_ms=round(common.percentile(sql[name], 95), 2))


def _count(port, path, headers):
    status, body = common.call(port, "GET", path, headers)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
    data = json.loads(body)
    return f"{data['count']}+" if data.get("count_capped") else data["count"]


def http_load(port, headers, paths, requests, threads):
    """{filter: [ms, …]}: the filters in turn, `threads` clients, new connection per request."""
    for path in itertools.islice(itertools.cycle(paths.values()), WARMUP):
        common.call(port, "GET", path, headers)
    latencies, lock = {name: [] for name in paths}, threading.Lock()
    deadline = time.monotonic() + TIME_BUDGET
    turns = itertools.cycle(paths.items())

    def worker(n):
        for _ in range(n):
            if time.monotonic() > deadline:
                return
            with lock:
                name, path = next(turns)
            started = time.perf_counter()
            status, _body = common.call(port, "GET", path, headers)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            with lock:
                latencies[name].append(elapsed)

    pool = [threading.Thread(target=worker, args=(requests // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies


def captured_sql(username, path):
    """The statements on the hazards table of one in-process call of the list view (count and page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from safegrid.accounts.models import User
    from safegrid.hazards.api import HazardViewSet

    user = User.objects.get(username=username)
    request = APIRequestFactory().get(path, HTTP_HOST=common.LOOPBACK)
    force_authenticate(request, user=user)
    with CaptureQueriesContext(connection) as captured:
        response = HazardViewSet.as_view({"get": "list"})(request)
    if response.status_code != 200:
        raise RuntimeError(f"in-process {path} answered {response.status_code}")
    return [q["sql"] for q in captured.captured_queries if '"hazards_hazard"' in q["sql"]]


def sql_timings(username, paths, repeat):
    """{filter: [ms, …]}: the captured statements replayed `repeat` times; plans printed once."""
    from django.db import connection

    explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    timings = {}
    with connection.cursor() as cursor:
        for name, path in paths.items():
            statements = captured_sql(username, path)
            for sql in statements:
                cursor.execute(explain + sql)
                plan = " | ".join(str(row[-1]).strip() for row in cursor.fetchall())
                print(f"# {NAME} plan {username} {name}: {sql[:80]}… => {plan[:900]}", flush=True)
            samples, deadline = [], time.monotonic() + TIME_BUDGET / len(paths)
            for _ in range(repeat):
                if samples and time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            timings[name] = samples
    return timings
