"""Enterprise list API at 200,000 rows over HTTP (GET /api/v1/enterprises/), beside the raw SQL alone.

On the cached city database (bench_registry_city), gunicorn on loopback, token auth, for a
town office (one town, ~1,600 enterprises) and a county office (one county, ~20,000): N
requests of the first page (50 rows, default ordering). Beside it: the SQL the view runs
(the paginator's count and the page query, captured once) replayed N times on a cursor,
and the query plans, printed as '#' lines (bench/listload.py: the statements one in-process call of
the view runs, i.e. the paginator's capped count, page ids and page rows).
"""

from bench import common, listload
from bench.bench_registry_city import city_database

NAME = "registry_list"
PATH = "/api/v1/enterprises/"
SCENARIOS = [("town_office", "431102001_town"), ("county_office", "431102_county")]


def run(args):
    requests = getattr(args, "requests", 300)
    threads = getattr(args, "threads", 2)
    workers = getattr(args, "workers", 2)
    with city_database() as db:
        from safegrid.registry.api import EnterpriseViewSet
        from safegrid.registry.management.commands.generate_city import CITY_PASSWORD

        paths = {"none": PATH}
        with common.live_server(db.env, workers=workers) as port:
            for scenario, username in SCENARIOS:
                token = common.api_token(port, username, CITY_PASSWORD)
                headers = {"Authorization": f"Token {token}"}
                count = listload.count(port, PATH, headers)
                latencies = listload.http_load(port, headers, paths, requests, threads)["none"]
                sql = listload.sql_timings(NAME, EnterpriseViewSet, "registry_enterprise", username, paths,
                                           requests)["none"]
                meta = {"db": db.kind, "scenario": scenario, "requests": len(latencies), "sql_runs": len(sql),
                        "threads": threads, "workers": workers, "count": count}
                common.emit(NAME, "http_p50_ms", common.percentile(latencies, 50), "ms", **meta)
                common.emit(NAME, "http_p95_ms", common.percentile(latencies, 95), "ms", **meta)
                common.emit(NAME, "sql_p50_ms", common.percentile(sql, 50), "ms", **meta)
                common.emit(NAME, "sql_p95_ms", common.percentile(sql, 95), "ms", **meta)
