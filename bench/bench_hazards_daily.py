"""Daily report (日报送) for all towns over 2,000,000 hazards: GET /api/v1/hazards/daily-report/.

On the cached city with hazards (bench_hazards_city), for the city-wide account 431100_city
(120 towns) and a county office (431102_county, 12 towns): `queries.daily_report(user)` in
this process (the report's SQL, its plan printed as '#' lines) and the API over HTTP under
gunicorn (token auth), RUNS times each after one warm-up; p50 and max.
"""

import json
import statistics
import time

from bench import common
from bench.bench_hazards_city import CITY_USER, COUNT, hazards_database

NAME = "hazards_daily"
PATH = "/api/v1/hazards/daily-report/"
SCENARIOS = [("city", CITY_USER), ("county_office", "431102_county")]
RUNS = 7


def run(args):
    with hazards_database(getattr(args, "hazards", COUNT)) as db:
        from safegrid.registry.management.commands.generate_city import CITY_PASSWORD

        with common.live_server(db.env, workers=getattr(args, "workers", 2)) as port:
            for scenario, username in SCENARIOS:
                token = common.api_token(port, username, CITY_PASSWORD)
                http, report = http_timings(port, {"Authorization": f"Token {token}"})
                query = query_timings(username)
                meta = {"db": db.kind, "scenario": scenario, "runs": RUNS, "towns": len(report["rows"]),
                        **{k: v for k, v in report["totals"].items()}}
                for figure, samples in (("query", query), ("http", http)):
                    common.emit(NAME, f"{figure}_p50_s", statistics.median(samples), "s", **meta)
                    common.emit(NAME, f"{figure}_max_s", max(samples), "s", **meta)


def http_timings(port, headers):
    samples, body = [], b""
    for i in range(RUNS + 1):
        started = time.perf_counter()
        status, body = common.call(port, "GET", PATH, headers, timeout=120)
        if status != 200:
            raise RuntimeError(f"{PATH} answered {status}: {body[:300]!r}")
        if i:
            samples.append(time.perf_counter() - started)
    return samples, json.loads(body)


def query_timings(username):
    """queries.daily_report in this process; the plan of its statements on the hazards table once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safegrid.accounts.models import User
    from safegrid.hazards import queries

    user = User.objects.get(username=username)
    with CaptureQueriesContext(connection) as captured:
        queries.daily_report(user)
    explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured.captured_queries if '"hazards_hazard"' in q["sql"]):
            cursor.execute(explain + sql)
            plan = " | ".join(str(row[-1]).strip() for row in cursor.fetchall())
            print(f"# {NAME} plan {username}: {sql[:100]}… => {plan[:1500]}", flush=True)
    samples = []
    for _ in range(RUNS):
        user = User.objects.get(username=username)  # fresh: scope paths are cached on the instance
        started = time.perf_counter()
        queries.daily_report(user)
        samples.append(time.perf_counter() - started)
    return samples
