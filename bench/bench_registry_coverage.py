"""Coverage report (监管盲区) at city scale, in process: admin (whole city), a county office and a town office.

Times coverage.report(user), the aggregate queries and the workload statistics, N times
each on the cached city database (bench_registry_city); p50 and max. Also one Excel
export of the report (all gap sheets) for the county office.
"""

import time

from bench import common
from bench.bench_registry_city import city_database

NAME = "registry_coverage"
REPEAT = 5


def run(args):
    with city_database() as db:
        from safegrid.accounts.models import User
        from safegrid.registry import coverage

        admin = User(username="bench-admin", is_superuser=True, is_active=True)
        admin.scope_paths = lambda: []
        users = [("admin_city", admin), ("county_office", User.objects.get(username="431102_county")),
                 ("town_office", User.objects.filter(role="town_office").order_by("username").first())]
        for scenario, user in users:
            samples = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                report = coverage.report(user)
                samples.append(time.perf_counter() - started)
            meta = {"db": db.kind, "scenario": scenario, "repeat": REPEAT,
                    "enterprises": report.summary["enterprises"], "grids": report.summary["grids"]}
            common.emit(NAME, "report_p50_s", common.percentile(samples, 50), "s", **meta)
            common.emit(NAME, "report_max_s", max(samples), "s", **meta)
        export_seconds(db, users[1][1])


def export_seconds(db, user):
    from django.test import RequestFactory

    from safegrid.registry.views_coverage import export

    request = RequestFactory().get("/registry/coverage/export/")
    request.user = user
    started = time.perf_counter()
    response = export(request)
    size = len(b"".join(response.streaming_content))
    common.emit(NAME, "export_xlsx_s", time.perf_counter() - started, "s", db=db.kind, scenario="county_office",
                bytes=size)
