"""City-scale data set (manage.py generate_city): generated once, cached, shared by the registry benchmarks.

The other bench_registry_* modules run on this database. It is generated on first use and
reused while the seed and DATASET_VERSION match:
- SQLite: data/bench/city-<seed>-v<version>.sqlite3 (written under a temporary name, renamed
  when complete, so an interrupted run leaves nothing half-built);
- PostgreSQL (DATABASE_URL set): database `safegrid_bench_city` on the same server, its
  COMMENT records the seed and version. Delete the file or drop the database to regenerate.
Figure: `generate_city_s` when this run generated it.
"""

import contextlib
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet

from bench import common

NAME = "registry_city"
SEED = 2026
DATASET_VERSION = 1  # bump when the generator changes what it writes
PG_DATABASE = "safegrid_bench_city"
DATA_DIR = common.ROOT / "data" / "bench"
_state = {}


def marker():
    return f"safegrid city seed={SEED} v={DATASET_VERSION}"


def sqlite_path():
    return DATA_DIR / f"city-{SEED}-v{DATASET_VERSION}.sqlite3"


def _env():
    env = {"DJANGO_SETTINGS_MODULE": "safegrid.settings", "SAFEGRID_DEBUG": "0",
           "SAFEGRID_SECRET_KEY": secrets.token_urlsafe(40), "SAFEGRID_ALLOWED_HOSTS": common.LOOPBACK,
           "SAFEGRID_DATA_DIR": str(DATA_DIR), "SAFEGRID_LOG_LEVEL": "WARNING", "SAFEGRID_TESTING": "0",
           "SAFEGRID_TIP_KEYS": os.environ.get("SAFEGRID_TIP_KEYS") or Fernet.generate_key().decode()}
    url = os.environ.get("DATABASE_URL", "")
    if url:
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + PG_DATABASE))
    return env


def _pg_ready(url):
    """True when the cached database exists with our marker; otherwise (re)create it empty."""
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [PG_DATABASE]).fetchone()
        if row and row[0] == marker():
            return True
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        return False


def _pg_mark(url):
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{PG_DATABASE}\" IS '{marker()}'")


def clone_pg(url, name, attempts=20):
    """A private copy `name` of the cached city database (CREATE DATABASE … TEMPLATE): dropped first;
    the template must be idle, so retry while another benchmark reads it."""
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(attempts):
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{PG_DATABASE}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(3)


@contextlib.contextmanager
def city_database():
    """Django set up on the cached city database (generated first if needed).

    Yields a common.Database. One database per process, like common.bench_database.
    """
    if "db" in _state:
        yield _state["db"]
        return
    import django

    env = _env()
    url = os.environ.get("DATABASE_URL", "")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if url:
        ready, kind = _pg_ready(url), "postgresql"
    else:
        final = sqlite_path()
        ready, kind = final.exists(), "sqlite"
        building = final.with_suffix(".building")
        env["SAFEGRID_SQLITE_PATH"] = str(final if ready else building)
        if not ready:
            for stale in DATA_DIR.glob(building.name + "*"):
                stale.unlink()
    os.environ.update(env)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    db = common.Database(kind, env)
    if not ready:
        started = time.perf_counter()
        call_command("generate_city", seed=SEED, stdout=open(os.devnull, "w"))  # noqa: SIM115
        _state["generated_s"] = time.perf_counter() - started
        if url:
            _pg_mark(url)
        else:
            connection.close()
            Path(env["SAFEGRID_SQLITE_PATH"]).rename(sqlite_path())
            env["SAFEGRID_SQLITE_PATH"] = str(sqlite_path())
            os.environ.update(env)
            connection.settings_dict["NAME"] = str(sqlite_path())
    _state["db"] = db
    yield db


def run(args):
    with city_database() as db:
        from safegrid.regions.models import Grid
        from safegrid.registry.models import Enterprise

        meta = {"db": db.kind, "seed": SEED, "grids": Grid.objects.count(), "enterprises": Enterprise.objects.count()}
        if "generated_s" in _state:
            common.emit(NAME, "generate_city_s", _state["generated_s"], "s", **meta)
        else:
            print(f"# {NAME}: cached data set reused ({', '.join(f'{k}={v}' for k, v in meta.items())})", flush=True)
