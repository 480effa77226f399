"""The city with 2,000,000 hazards over three years: generated once a day, cached, shared by bench_hazards_*.

A private copy of the registry benchmarks' cached city (bench_registry_city) plus
`safegrid.hazards.generator.generate_hazards` (the code of `manage.py generate_hazards`), so
the hazards never change the registry figures. Reused while the marker (seed, count, generator
version, business date) matches; the business date is today because the server under test
computes overdue and "new today" from the real clock:
- SQLite: data/bench/city-<seed>-v<city version>-hazards-<count>-<date>-v<version>.sqlite3
  (built under a temporary name, renamed when complete; older copies are deleted);
- PostgreSQL: database `safegrid_bench_hazards` (CREATE DATABASE … TEMPLATE safegrid_bench_city),
  its COMMENT holds the marker. Drop it or delete the file to regenerate.
Figure: `generate_hazards_s` when this run generated them. Also adds the city-wide account
`431100_city` (county-office role, scope 永州市) the daily report for all towns is measured with.
"""

import contextlib
import os
import shutil
import time
from urllib.parse import urlsplit, urlunsplit

from bench import bench_registry_city as city
from bench import common

NAME = "hazards_city"
COUNT = 2_000_000
VERSION = 1  # bump when the generator changes what it writes
PG_DATABASE = "safegrid_bench_hazards"
CITY_USER = "431100_city"
_state = {}


def add_arguments(group):
    group.add_argument("--hazards", type=int, default=COUNT, help="hazards in the cached data set (hazards_*)")


def marker(count, day):
    return f"{city.marker()} hazards={count} date={day.isoformat()} v={VERSION}"


def sqlite_path(count, day):
    return city.sqlite_path().with_name(f"{city.sqlite_path().stem}-hazards-{count}-{day.isoformat()}-v{VERSION}.sqlite3")


def _maintenance(url):
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _pg_ready(url, wanted):
    import psycopg

    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [PG_DATABASE]).fetchone()
        return bool(row) and row[0] == wanted


def _pg_mark(url, wanted):
    import psycopg

    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{PG_DATABASE}\" IS '{wanted}'")


@contextlib.contextmanager
def hazards_database(count=COUNT):
    """Django set up on the cached city-with-hazards copy (built first if needed); yields a common.Database
    whose env points the server at the copy. One database per process."""
    if "db" in _state:
        yield _state["db"]
        return
    with city.city_database() as base:  # sets Django up on the city (generated first if needed)
        pass
    from django.db import connections

    from safegrid.hazards import clock

    day = clock.today()
    wanted, url = marker(count, day), os.environ.get("DATABASE_URL", "")
    connections.close_all()
    settings = connections["default"].settings_dict
    env = dict(base.env)
    if url:
        ready = _pg_ready(url, wanted)
        if not ready:
            city.clone_pg(url, PG_DATABASE)
        settings["NAME"] = PG_DATABASE
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + PG_DATABASE))
    else:
        final = sqlite_path(count, day)
        ready = final.exists()
        target = final if ready else final.with_suffix(".building")
        if not ready:
            for stale in city.DATA_DIR.glob(f"{city.sqlite_path().stem}-hazards-*"):
                stale.unlink()
            shutil.copyfile(city.sqlite_path(), target)
        settings["NAME"] = env["SAFEGRID_SQLITE_PATH"] = str(target)
    os.environ.update(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not ready:
        _build(count, day, url, wanted, settings, env)
    _state["db"] = common.Database(base.kind, env)
    yield _state["db"]


def _build(count, day, url, wanted, settings, env):
    from django.db import connection

    from safegrid.hazards.generator import generate_hazards

    started = time.perf_counter()
    _state["counts"] = generate_hazards(count, seed=city.SEED, today=day)
    _state["generated_s"] = time.perf_counter() - started
    _city_user()
    if url:
        _pg_mark(url, wanted)
        return
    connection.close()
    building = settings["NAME"]
    final = str(sqlite_path(count, day))
    os.rename(building, final)
    settings["NAME"] = final
    env["SAFEGRID_SQLITE_PATH"] = final
    os.environ.update(env)


def _city_user():
    """A county-office account whose scope is the whole city: the daily report for all 120 towns."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from safegrid.accounts.models import ScopeGrant, User
    from safegrid.core.roles import Role
    from safegrid.regions.models import Region
    from safegrid.registry.management.commands.generate_city import CITY, CITY_PASSWORD

    region = Region.objects.get(code=CITY[0])
    user = User.objects.create(username=CITY_USER, name=f"{region.name}安委办", role=Role.COUNTY_OFFICE,
                               password=make_password(CITY_PASSWORD), password_changed_at=timezone.now())
    ScopeGrant.objects.create(user=user, region=region, path=region.path)


def run(args):
    count = getattr(args, "hazards", COUNT)
    with hazards_database(count) as db:
        from safegrid.hazards.models import Hazard

        meta = {"db": db.kind, "seed": city.SEED, "hazards": Hazard.objects.count()}
        if "generated_s" in _state:
            common.emit(NAME, "generate_hazards_s", _state["generated_s"], "s", **meta,
                        **{k: v for k, v in _state["counts"].items() if k != "created"})
        else:
            print(f"# {NAME}: cached data set reused ({', '.join(f'{k}={v}' for k, v in meta.items())})", flush=True)
