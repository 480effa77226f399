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
from urllib.parse import urlencode

from bench import common, listload
from bench.bench_hazards_city import COUNT, hazards_database

NAME = "hazards_list"
PATH = "/api/v1/hazards/"
SCENARIOS = [("town_office", "431102001_town"), ("county_office", "431102_county")]


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
        from safegrid.hazards.api import HazardViewSet
        from safegrid.registry.management.commands.generate_city import CITY_PASSWORD

        paths = {name: PATH + ("?" + urlencode(params) if params else "")
                 for name, params in filters(clock.today()).items()}
        with common.live_server(db.env, workers=workers) as port:
            for scenario, username in SCENARIOS:
                token = common.api_token(port, username, CITY_PASSWORD)
                headers = {"Authorization": f"Token {token}"}
                counts = {name: listload.count(port, path, headers) for name, path in paths.items()}
                http = listload.http_load(port, headers, paths, requests, threads)
                sql = listload.sql_timings(NAME, HazardViewSet, "hazards_hazard", username, paths,
                                           max(20, requests // len(paths)))
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
