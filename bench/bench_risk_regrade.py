"""Safety-code regrade (manage.py regrade) over a city: 200,000 enterprises with 2,000,000 hazards.

Data: the registry benchmarks' cached city (bench_registry_city: generate_city, 200,000 enterprises),
copied to a private database so the hazards written here do not change the other benchmarks'
figures: on PostgreSQL `CREATE DATABASE safegrid_bench_risk TEMPLATE safegrid_bench_city`, on
SQLite a copy of the cached file. Hazards are generated in bulk inside the database (one
INSERT … SELECT from generate_series on PostgreSQL, batched executemany on SQLite): per
hazard an enterprise, a state (70 % closed, 30 % open), 3 % major, a deadline within ±60 days
of the benchmark date, and one in 50 a recurrence.
Figures: `hazards_generate_s`, `regrade_first_s` (every enterprise graded: 200,000 grades and
snapshots written), `regrade_again_s` (nothing changed: nothing written), `regrade_changed`
after 1 % of the open hazards are closed (`regrade_after_events_s`).
"""

import datetime
import os
import random
import shutil
import time
from urllib.parse import urlsplit, urlunsplit

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
        _clone(url)
        connections["default"].settings_dict["NAME"] = PG_DATABASE
        return "postgresql"
    copy = city.DATA_DIR / "risk-bench.sqlite3"
    shutil.copyfile(city.sqlite_path(), copy)
    connections["default"].settings_dict["NAME"] = str(copy)
    return "sqlite"


def _clone(url, attempts=10):
    """CREATE DATABASE … TEMPLATE needs the template idle: retry while another benchmark reads it."""
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        for attempt in range(attempts):
            try:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}" TEMPLATE "{city.PG_DATABASE}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(3)


PG_INSERT = """
INSERT INTO hazards_hazard (created_at, updated_at, region_code, void_reason, scope_path, location, source,
    description, grade, handling, state, version, territorial_fallback, assigned_by_role, responsible_person,
    measures, deadline_basis, deadline_note, contingency_plan, extension_reason, rectification_description,
    reported_at, closed_at, deadline, enterprise_id, town_id, hazard_type_id)
SELECT now(), now(), e.region_code, '', e.scope_path, '', 'grid_patrol', '基准测试隐患',
    CASE WHEN g %% 33 = 0 THEN 'major' ELSE 'general' END, 'by_deadline',
    (ARRAY['closed','closed','closed','closed','closed','closed','closed','rectifying','assigned','submitted'])[g %% 10 + 1],
    1, false, '', '', '', '', '', '', '', '',
    %(today)s::timestamptz - (g %% 365) * interval '1 day',
    CASE WHEN g %% 10 < 7 THEN %(today)s::timestamptz - (g %% 30) * interval '1 day' END,
    %(today)s::date + ((g * 7919) %% 121 - 60)::int, e.id, COALESCE(r.parent_id, r.id), %(type)s
FROM generate_series(1::bigint, %(n)s::bigint) AS g
JOIN (SELECT id, region_code, scope_path, operating_region_id, row_number() OVER (ORDER BY id) - 1 AS k
      FROM registry_enterprise) e ON e.k = (g * 104729) %% %(enterprises)s
JOIN regions_region r ON r.id = e.operating_region_id
"""


def _generate(kind, n):
    from django.db import connection

    from safegrid.hazards.models import HazardType
    from safegrid.registry.models import Enterprise

    type_id = HazardType.objects.values_list("pk", flat=True).first()
    enterprises = Enterprise.objects.count()
    with connection.cursor() as cursor:
        if kind == "postgresql":
            cursor.execute(PG_INSERT, {"today": TODAY.isoformat(), "type": type_id, "n": n, "enterprises": enterprises})
        else:
            _generate_python(n, type_id)
        cursor.execute("UPDATE hazards_hazard SET recurrence_of_id = id - 1 WHERE id % 50 = 0")
        cursor.execute("ANALYZE hazards_hazard" if kind == "postgresql" else "ANALYZE")


def _generate_python(n, type_id, batch=20_000):
    """SQLite path: the same distribution written with bulk_create in batches."""
    from django.utils import timezone

    from safegrid.hazards.models import Hazard
    from safegrid.registry.models import Enterprise

    rng = random.Random(2026)
    rows = list(Enterprise.objects.values_list("pk", "region_code", "scope_path", "operating_region__parent_id",
                                               "operating_region_id"))
    states = ["closed"] * 7 + ["rectifying", "assigned", "submitted"]
    now = timezone.now()
    for start in range(0, n, batch):
        objs = []
        for g in range(start, min(n, start + batch)):
            pk, region_code, path, parent, region = rows[rng.randrange(len(rows))]
            state = states[g % 10]
            objs.append(Hazard(
                created_at=now, updated_at=now, region_code=region_code, scope_path=path, source="grid_patrol",
                description="基准测试隐患", grade="major" if g % 33 == 0 else "general", state=state,
                reported_at=now - datetime.timedelta(days=g % 365), enterprise_id=pk, town_id=parent or region,
                closed_at=now if state == "closed" else None, hazard_type_id=type_id,
                deadline=TODAY + datetime.timedelta(days=(g * 7919) % 121 - 60)))
        Hazard.objects.bulk_create(objs)


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
    _generate(kind, args.risk_hazards)
    meta = {"db": kind, "enterprises": Enterprise.objects.count(), "hazards": Hazard.objects.count()}
    common.emit(NAME, "hazards_generate_s", time.perf_counter() - started, "s", **meta)

    for figure in ("regrade_first_s", "regrade_again_s"):
        stats = grading.regrade()
        common.emit(NAME, figure, stats["seconds"], "s", changed=stats["changed"], **meta)

    open_ids = list(Hazard.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)[::100])
    Hazard.objects.filter(pk__in=open_ids).update(state="closed")
    stats = grading.regrade()
    common.emit(NAME, "regrade_after_events_s", stats["seconds"], "s", changed=stats["changed"],
                closed=len(open_ids), **meta)
