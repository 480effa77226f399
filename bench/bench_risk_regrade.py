"""Safety-code regrade (manage.py regrade) over a city: 200,000 enterprises with 2,000,000 hazards.

Data: the registry benchmarks' cached city (bench_registry_city: generate_city, 200,000 enterprises),
copied to a private database so the hazards written here do not change the other benchmarks'
figures: on PostgreSQL `CREATE DATABASE safegrid_bench_risk TEMPLATE safegrid_bench_city`, on
SQLite a copy of the cached file. Hazards come from safegrid.hazards.generator (the code of
`manage.py generate_hazards`; COPY on PostgreSQL, executemany on SQLite): three years of reports
up to the benchmark date, about 2 % open on that date (some overdue), 3 % major, recurrences
by the service's rule.
Figures: `hazards_generate_s`, `regrade_first_s` (every enterprise graded: 200,000 grades and
snapshots written), `regrade_again_s` (nothing changed: nothing written), `regrade_changed`
after 1 % of the open hazards are closed (`regrade_after_events_s`).
"""

import datetime
import os
import shutil
import time

from bench import bench_registry_city as city
from bench import common

NAME = "risk_regrade"
PG_DATABASE = "safegrid_bench_risk"
TODAY = datetime.date(2026, 3, 2)


def add_arguments(group):
    group.add_argument("--risk-hazards", type=int, default=2_000_000, help="hazards to generate (risk_regrade)")


def _prepare():
    """Point this process at a private copy of the cached city database."""
    url = os.environ.get("DATABASE_URL", "")
    with city.city_database():  # generates the city on first use, then closes nothing: reuse its env
        pass
    from django.db import connections

    connections.close_all()
    if url:
        city.clone_pg(url, PG_DATABASE, attempts=10)
        connections["default"].settings_dict["NAME"] = PG_DATABASE
        return "postgresql"
    copy = city.DATA_DIR / "risk-bench.sqlite3"
    shutil.copyfile(city.sqlite_path(), copy)
    connections["default"].settings_dict["NAME"] = str(copy)
    return "sqlite"


def _generate(n):
    """The hazards of manage.py generate_hazards: three years up to TODAY, about 2 % open on TODAY."""
    from safegrid.hazards.generator import generate_hazards

    return generate_hazards(n, seed=city.SEED, today=TODAY)


def run(args):
    kind = _prepare()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from safegrid.hazards import clock
    from safegrid.hazards.models import OPEN_STATES, Hazard
    from safegrid.registry.models import Enterprise
    from safegrid.risk import grading

    clock.today = lambda: TODAY  # a fixed date, so overdue counts are the same on every run
    started = time.perf_counter()
    counts = _generate(args.risk_hazards)
    meta = {"db": kind, "enterprises": Enterprise.objects.count(), "hazards": Hazard.objects.count(),
            "open": sum(v for k, v in counts.items() if k.removeprefix("state_") in OPEN_STATES),
            "recurrences": counts["recurrences"]}
    common.emit(NAME, "hazards_generate_s", time.perf_counter() - started, "s", **meta)

    for figure in ("regrade_first_s", "regrade_again_s"):
        stats = grading.regrade()
        common.emit(NAME, figure, stats["seconds"], "s", changed=stats["changed"], **meta)

    open_ids = list(Hazard.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)[::100])
    Hazard.objects.filter(pk__in=open_ids).update(state="closed")
    stats = grading.regrade()
    common.emit(NAME, "regrade_after_events_s", stats["seconds"], "s", changed=stats["changed"],
                closed=len(open_ids), **meta)
