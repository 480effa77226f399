"""List benchmarks over HTTP beside the SQL the view runs (bench_registry_list, bench_hazards_list).

`http_load` requests the paths in turn from several client threads (new connection each time);
`sql_timings` captures the statements one in-process call of the same view runs on the listed
table (capped count, page ids, page rows: the shared paginator's path) and replays them.
"""

import itertools
import json
import threading
import time

from bench import common

WARMUP = 8
TIME_BUDGET = 60  # seconds per phase: stop early rather than overrun (figures then use fewer samples)


def count(port, path, headers):
    status, body = common.call(port, "GET", path, headers)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
    data = json.loads(body)
    return f"{data['count']}+" if data.get("count_capped") else data["count"]


def http_load(port, headers, paths, requests, threads):
    """{filter: [ms, …]}: the filters in turn, `threads` clients, new connection per request."""
    for path in itertools.islice(itertools.cycle(paths.values()), WARMUP):
        common.call(port, "GET", path, headers)
    latencies, lock = {name: [] for name in paths}, threading.Lock()
    deadline = time.monotonic() + TIME_BUDGET
    turns = itertools.cycle(paths.items())

    def worker(n):
        for _ in range(n):
            if time.monotonic() > deadline:
                return
            with lock:
                name, path = next(turns)
            started = time.perf_counter()
            status, _body = common.call(port, "GET", path, headers)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            with lock:
                latencies[name].append(elapsed)

    pool = [threading.Thread(target=worker, args=(requests // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies


def captured_sql(viewset, table, username, path):
    """The statements on `table` of one in-process call of the list view: count, page ids, page rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from safegrid.accounts.models import User

    user = User.objects.get(username=username)
    request = APIRequestFactory().get(path, HTTP_HOST=common.LOOPBACK)
    force_authenticate(request, user=user)
    with CaptureQueriesContext(connection) as captured:
        response = viewset.as_view({"get": "list"})(request)
    if response.status_code != 200:
        raise RuntimeError(f"in-process {path} answered {response.status_code}")
    return [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]


def sql_timings(bench, viewset, table, username, paths, repeat):
    """{filter: [ms, …]}: the captured statements replayed `repeat` times; plans printed once."""
    from django.db import connection

    explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    timings = {}
    with connection.cursor() as cursor:
        for name, path in paths.items():
            statements = captured_sql(viewset, table, username, path)
            for sql in statements:
                cursor.execute(explain + sql)
                plan = " | ".join(str(row[-1]).strip() for row in cursor.fetchall())
                print(f"# {bench} plan {username} {name}: {sql[:80]}… => {plan[:900]}", flush=True)
            samples, deadline = [], time.monotonic() + TIME_BUDGET / len(paths)
            for _ in range(repeat):
                if samples and time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            timings[name] = samples
    return timings
