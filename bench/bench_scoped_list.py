"""Scoped list over HTTP (GET /api/v1/grids/?within=<town>) against the same query alone in the database.

Builds the demo county into a private database, starts gunicorn on loopback, logs in over
the API as a town officer and as a county officer, and for each issues N requests from a few
threads. Then it times, N times in this process, the ORM work the view does against the
database (scope grants, restrict, the `within` filter, the paginator's count and one page of
model instances, polygons decoded). The ratio HTTP p50 / ORM p50 shows what the rest of the
stack adds: token auth, permission checks, serialisation, WSGI, HTTP, and queueing.
"""

import json
import threading
import time
from dataclasses import dataclass

from bench import common

NAME = "scoped_list"
TOWN_CODE = "430903001000"  # 会龙山街道
TIME_BUDGET = 40  # seconds per scenario and phase; the run stops early rather than overrun
WARMUP = 10


@dataclass(frozen=True)
class Scenario:
    name: str
    username: str


SCENARIOS = [Scenario("town_office", "town_hls"), Scenario("county_office", "county_office")]


def add_arguments(group):
    group.add_argument("--requests", type=int, default=300, help="requests (and SQL repetitions) per scenario")
    group.add_argument("--threads", type=int, default=2, help="client threads")
    group.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")


def run(args):
    with common.bench_database() as db:
        from safegrid.demo import builder

        started = time.perf_counter()
        builder.build_demo()
        meta = {"db": db.kind, "requests": args.requests, "threads": args.threads, "workers": args.workers}
        common.emit(NAME, "build_demo_s", time.perf_counter() - started, "s", db=db.kind)
        with common.live_server(db.env, workers=args.workers) as port:
            for scenario in SCENARIOS:
                measure(port, scenario, args, meta)


def measure(port, scenario, args, meta):
    from safegrid.accounts.models import User
    from safegrid.demo.builder import PASSWORD

    token = common.api_token(port, scenario.username, PASSWORD)
    path = f"/api/v1/grids/?within={TOWN_CODE}"
    http = http_load(port, path, {"Authorization": f"Token {token}"}, args.requests, args.threads)
    orm = orm_timings(User.objects.get(username=scenario.username), args.requests)
    meta = {**meta, "scenario": scenario.name, "rows": http.rows, "bytes": http.size}
    for figure, value, unit in [
        ("http_p50_ms", common.percentile(http.latencies, 50), "ms"),
        ("http_p95_ms", common.percentile(http.latencies, 95), "ms"),
        ("http_rps", len(http.latencies) / http.seconds, "req/s"),
        ("orm_p50_ms", common.percentile(orm, 50), "ms"),
        ("orm_p95_ms", common.percentile(orm, 95), "ms"),
        ("http_orm_ratio_p50", common.percentile(http.latencies, 50) / common.percentile(orm, 50), "x"),
    ]:
        common.emit(NAME, figure, value, unit, **meta)


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class HttpRun:
    latencies: list  # ms
    seconds: float  # wall time of the measured requests
    rows: int  # items on the page
    size: int  # bytes of one response


def http_load(port, path, headers, count, threads):
    """`count` GETs from `threads` threads after a warm-up; every answer must be 200."""
    first = _get(port, path, headers)
    for _ in range(WARMUP):
        _get(port, path, headers)
    latencies, lock, deadline = [], threading.Lock(), time.monotonic() + TIME_BUDGET
    remaining = iter(range(count))

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            _get(port, path, headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return HttpRun(latencies, time.perf_counter() - started, len(json.loads(first)["results"]), len(first))


def _get(port, path, headers):
    status, body = common.call(port, "GET", path, headers=headers)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    return body


# --- the query alone, in this process --------------------------------------------------


def restricted_page(user, town_code, page_size):
    """What GridViewSet.list asks the database: scope, restrict, filter, count, one page."""
    from safegrid.regions.api import GridViewSet
    from safegrid.regions.filters import GridFilter

    user.__dict__.pop("_scope_paths", None)  # the view reads the grants on every request
    queryset = GridViewSet.queryset.all().restrict(user, "view")
    queryset = GridFilter(data={"within": town_code}, queryset=queryset).qs
    return queryset.count(), list(queryset[:page_size])


def orm_timings(user, count):
    from django.conf import settings

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    restricted_page(user, TOWN_CODE, page_size)  # warm-up
    timings, deadline = [], time.monotonic() + TIME_BUDGET
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        restricted_page(user, TOWN_CODE, page_size)
        timings.append((time.perf_counter() - started) * 1000)
    return timings
