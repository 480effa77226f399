"""Shared pieces for benchmarks: figure output, a private database, a live server, HTTP calls.

Every benchmark works on its own database: a temporary SQLite file by default, or, when
DATABASE_URL is set, a PostgreSQL database named `safegrid_bench` on the same server
(dropped and created afresh on each run, so the figures start from the same state).
"""

import base64
import contextlib
import datetime
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# SAFEGRID_BENCH_DB_NAME lets people sharing one PostgreSQL server run benchmarks side by side.
BENCH_DB_NAME = os.environ.get("SAFEGRID_BENCH_DB_NAME", "safegrid_bench")
LOOPBACK = "127.0.0.1"


# --- figures --------------------------------------------------------------------------


def emit(bench, figure, value, unit, **meta):
    """One JSON line per figure (grep '^{'), then a human-readable line starting with '#'."""
    row = {"bench": bench, "figure": figure, "value": round(value, 3), "unit": unit,
           "date": datetime.date.today().isoformat(), **meta}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    context = ", ".join(f"{k}={v}" for k, v in meta.items())
    print(f"# {bench} {figure} = {value:.2f} {unit} ({context})", flush=True)


def percentile(samples, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


# --- database -------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    env: dict  # environment for processes (server) that must use the same database


def _bench_postgres_url(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + BENCH_DB_NAME))


def _recreate_postgres_database(url):
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB_NAME}"')


def _database_env(workdir):
    env = {
        "DJANGO_SETTINGS_MODULE": "safegrid.settings",
        "SAFEGRID_DEBUG": "0",  # production settings: no query log, no debug pages
        "SAFEGRID_SECRET_KEY": secrets.token_urlsafe(40),
        "SAFEGRID_TIP_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # a Fernet key
        "SAFEGRID_ALLOWED_HOSTS": LOOPBACK,
        "SAFEGRID_DATA_DIR": str(workdir),
        "SAFEGRID_LOG_LEVEL": "WARNING",
        "SAFEGRID_TESTING": "0",
    }
    url = os.environ.get("DATABASE_URL", "")
    if url:
        env["DATABASE_URL"] = _bench_postgres_url(url)
        _recreate_postgres_database(url)
        return Database("postgresql", env)
    env["SAFEGRID_SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    return Database("sqlite", env)


@contextlib.contextmanager
def bench_database():
    """Point Django (in this process) at a fresh bench database and migrate it.

    Django can be set up once per process, so one process runs one database.
    """
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError("Django is already set up in this process; run one database per process")
    with tempfile.TemporaryDirectory(prefix="safegrid-bench-") as workdir:
        db = _database_env(workdir)
        os.environ.update(db.env)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield db


# --- live server ------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(env, workers=2, timeout=30, threads=1, info=None):
    """gunicorn on 127.0.0.1 with an ephemeral port; yields the port.

    threads > 1 runs the gthread worker class (each worker serves that many requests at once);
    `info`, a dict, receives the server's process id ("pid")."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "safegrid.wsgi:application", "--bind", f"{LOOPBACK}:{port}",
               "--workers", str(workers), "--log-level", "warning", "--chdir", str(ROOT)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        if info is not None:
            info["pid"] = server.pid
        try:
            _wait_until_up(server, port, timeout, log)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server, port, timeout, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {server.returncode}:\n{log.read().decode(errors='replace')}")
        with contextlib.suppress(OSError):
            call(port, "GET", "/api/v1/me/")
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer on port {port} within {timeout} s")


def call(port, method, path, headers=None, body=None, timeout=30):
    """One HTTP request on a fresh loopback connection; returns (status, body bytes)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def api_token(port, username, password):
    status, body = call(port, "POST", "/api/v1/auth/token/", body={"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login of {username} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def sustained(port, seconds, threads, send, expect=201, name="bench"):
    """Requests from `threads` client threads for `seconds`, each thread on one connection (http.client
    opens it again when the server closes it: sync workers close after every answer).

    `send(conn, rng)` issues one request on the connection (conn.request(...)); an answer other than
    `expect` or a connection error counts as an error (the first three are printed). Returns
    {latencies (ms, successful requests), count, errors, seconds}.
    """
    import random

    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                send(conn, rng)
                response = conn.getresponse()
                payload, ok = response.read(), response.status == expect
            except (OSError, http.client.HTTPException) as exc:
                payload, ok = repr(exc).encode(), False
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
                    if errors[0] <= 3:
                        print(f"# {name} error: {payload[:300]!r}", flush=True)
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"latencies": latencies, "count": len(latencies), "errors": errors[0],
            "seconds": time.perf_counter() - started}


# --- CPU accounting ----------------------------------------------------------------------


def _cpu_of(pid):
    """User + system CPU seconds of one process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _descendants(pid):
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
    return found


class CpuMeter:
    """CPU seconds used while measuring by the server (gunicorn master and workers), by the
    PostgreSQL backends of the bench database (none on SQLite) and by this process (the client
    threads). Sampled twice a second, so a backend that exits (CONN_MAX_AGE) is not lost."""

    def __init__(self, server_pid, db):
        self.server_pid, self.db = server_pid, db
        self.first, self.last = {}, {}
        self.stopped = threading.Event()

    def _backends(self):
        if self.conn is None:
            return []
        return [row[0] for row in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]

    def _sample(self, initial=False):
        parts = [("server", p) for p in _descendants(self.server_pid)] + [("database", p) for p in self._backends()]
        for key in parts:
            used = _cpu_of(key[1])
            self.first.setdefault(key, used if initial else 0.0)
            self.last[key] = max(used, self.last.get(key, 0.0))

    def _run(self):
        while not self.stopped.wait(0.5):
            self._sample()

    def __enter__(self):
        self.conn = None
        if self.db.kind == "postgresql":
            import psycopg

            self.conn = psycopg.connect(self.db.env["DATABASE_URL"], autocommit=True)
        self._sample(initial=True)
        self.client = time.process_time()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.client = time.process_time() - self.client
        self.stopped.set()
        self.thread.join()
        self._sample()
        if self.conn is not None:
            self.conn.close()
        return False

    def per_request_ms(self, count):
        used = {"server": 0.0, "database": 0.0}
        for key, last in self.last.items():
            used[key[0]] += last - self.first[key]
        used["client"] = self.client
        return {f"{part}_cpu_ms_per_req": 1000 * seconds / max(count, 1) for part, seconds in used.items()}


def measured_load(name, port, server_pid, db, send, *, seconds, threads, warmup=3.0):
    """`sustained` load after `warmup` seconds of the same load (workers started, caches filled),
    with a CpuMeter over the measured part. Returns (warm-up result, measured result, meter)."""
    warm = sustained(port, warmup, threads, send, name=name)
    with CpuMeter(server_pid, db) as meter:
        result = sustained(port, seconds, threads, send, name=name)
    return warm, result, meter


def emit_load(bench, verb, result, meter, **meta):
    """rps, p50, p95, errors and CPU per request (server, database, client) of a measured load."""
    emit(bench, f"{verb}_rps", result["count"] / result["seconds"], "req/s", **meta)
    emit(bench, f"{verb}_p50_ms", percentile(result["latencies"], 50), "ms", **meta)
    emit(bench, f"{verb}_p95_ms", percentile(result["latencies"], 95), "ms", **meta)
    emit(bench, "errors", result["errors"], "count", **meta)
    for figure, value in meter.per_request_ms(result["count"]).items():
        emit(bench, figure, value, "ms", **meta)
