"""Tip submission over HTTP: Open311 POST /open311/v2/requests.json under gunicorn, sustained.

Builds the small test jurisdiction (safegrid.testing.World: two towns, four grids), registers an
Open311 partner; a fifth of the tips fall in two grids, the rest spread over 0.3° x 0.3° of the
county (the test world has no grids there: routed to the county office). It
starts gunicorn on loopback with the bench client's address exempt from the
rate limits (SAFEGRID_TIP_RATE_EXEMPT_IPS=127.0.0.1, set for this server only), then submits tips
from several threads for a fixed time. Every submission runs the full service: validation, grid
location, routing, deadline, encryption of the identity, duplicate look-up, timeline, audit event
and the notice to the town office. A warm-up of a few seconds precedes the measured part. Any
non-201 answer makes the run crash, and so does a stored count that differs from the submitted one.
"""

import urllib.parse

from bench import common

NAME = "tips_submit"


def add_arguments(group):
    group.add_argument("--tip-seconds", type=float, default=60, help="measured submission time (s)")
    group.add_argument("--tip-threads", type=int, default=8, help="client threads")
    group.add_argument("--tip-workers", type=int, default=4, help="gunicorn workers")
    group.add_argument("--tip-worker-threads", type=int, default=1,
                       help="threads per gunicorn worker (more than 1: the gthread worker class)")


def run(args):
    with common.bench_database() as db:
        from safegrid.testing import World
        from safegrid.tips import services

        World.build()
        _, key = services.create_partner("bench 12345")
        env = {**db.env, "SAFEGRID_TIP_RATE_EXEMPT_IPS": common.LOOPBACK}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}

        def send(conn, rng):
            conn.request("POST", "/open311/v2/requests.json", body=body(key, rng), headers=headers)

        info = {}
        with common.live_server(env, workers=args.tip_workers, threads=args.tip_worker_threads, info=info) as port:
            warm, result, meter = common.measured_load(NAME, port, info["pid"], db, send, seconds=args.tip_seconds,
                                                       threads=args.tip_threads)
        from safegrid.tips.models import Tip

        stored, submitted = Tip.objects.count(), warm["count"] + result["count"]
        meta = {"db": db.kind, "threads": args.tip_threads, "workers": args.tip_workers,
                "worker_threads": args.tip_worker_threads, "seconds": round(result["seconds"], 1),
                "submitted": result["count"], "stored": stored - warm["count"]}
        common.emit_load(NAME, "submit", result, meter, **meta)
        if warm["errors"] or result["errors"] or stored != submitted:
            raise RuntimeError(f"{warm['errors'] + result['errors']} failed submissions, {stored} stored of {submitted}")


def body(key, rng):
    if rng.random() < 0.2:  # inside grids HLS-01/HLS-02: routed to 会龙山街道
        lon, lat = 112.30 + rng.random() * 0.02, 28.50 + rng.random() * 0.01
    else:  # elsewhere in the county (no grid there): routed to the county office
        lon, lat = 112.0 + rng.random() * 0.3, 28.3 + rng.random() * 0.3
    return urllib.parse.urlencode({"jurisdiction_id": "430903",
        "api_key": key, "service_code": rng.choice(["town_gas", "fireworks", "construction", "other"]),
        "long": f"{lon:.6f}", "lat": f"{lat:.6f}", "description": f"压测举报 {rng.random():.12f} 燃气瓶违规存放",
        "phone": f"139{rng.randrange(10**8):08d}", "first_name": "测试"}).encode()
