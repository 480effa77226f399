"""Hazard creation over HTTP: POST /api/v1/hazards/ under gunicorn, sustained, like phone reports.

Builds the small test jurisdiction (safegrid.testing.World: two towns, four grids) and four
enterprises in grid HLS-01. The grid officer (`officer`, grid HLS-01) logs in once for a token;
client threads then report hazards as JSON without photos: half at one of the enterprises, half
in the grid with a location description (无主场所), with coordinates, a random hazard type, general
grade, to fix by deadline. Every report runs the full service: role and scope checks, enterprise
or grid look-up through `restrict`, the responsible departments, the recurrence look-up, the
hazard row, its timeline, the audit event, the notice to the town office and the enterprise's
entry in the regrade queue; the answer is the hazard's detail. The workers drain the queue after
their answers once its oldest row has waited --hazard-regrade-delay seconds (the setting
SAFEGRID_REGRADE_DELAY_SECONDS), so the regrade's CPU is inside the measured figures. A warm-up
of a few seconds precedes the measured part. Any non-201 answer makes the run crash, and so do a
stored count that differs from the submitted one, a queue not empty after the final drain and an
enterprise whose safety code does not count its open hazards.
"""

import json

from bench import common

NAME = "hazards_create"
TYPES = ["electrical", "fire_facilities", "safety_exits", "gas_use", "hot_work", "other"]
ENTERPRISES = 4


def add_arguments(group):
    group.add_argument("--hazard-seconds", type=float, default=60, help="measured submission time (s)")
    group.add_argument("--hazard-threads", type=int, default=8, help="client threads")
    group.add_argument("--hazard-workers", type=int, default=4, help="gunicorn workers")
    group.add_argument("--hazard-worker-threads", type=int, default=1,
                       help="threads per gunicorn worker (more than 1: the gthread worker class)")
    group.add_argument("--hazard-enterprise-share", type=float, default=0.5,
                       help="share of reports made at an enterprise (these also regrade its safety code)")
    group.add_argument("--hazard-regrade-delay", type=float, default=5,
                       help="SAFEGRID_REGRADE_DELAY_SECONDS of the server (0: regrade after every report)")


def run(args):
    with common.bench_database() as db:
        from safegrid.registry import testing as registry_testing
        from safegrid.testing import PASSWORD, World

        world = World.build()
        enterprises = [registry_testing.create(world, seed=i, name=f"益阳市赫山区压测企业{i}有限公司").pk
                       for i in range(ENTERPRISES)]
        info, headers = {}, {"Content-Type": "application/json", "Accept": "application/json"}

        def send(conn, rng):
            conn.request("POST", "/api/v1/hazards/", body=body(enterprises, rng, args.hazard_enterprise_share),
                         headers=headers)

        env = {**db.env, "SAFEGRID_REGRADE_DELAY_SECONDS": str(args.hazard_regrade_delay)}
        with common.live_server(env, workers=args.hazard_workers, threads=args.hazard_worker_threads,
                                info=info) as port:
            headers["Authorization"] = f"Token {common.api_token(port, world.officer_user.username, PASSWORD)}"
            warm, result, meter = common.measured_load(NAME, port, info["pid"], db, send,
                                                       seconds=args.hazard_seconds, threads=args.hazard_threads)
        from safegrid.hazards.models import Hazard

        stored, submitted = Hazard.objects.count(), warm["count"] + result["count"]
        meta = {"db": db.kind, "threads": args.hazard_threads, "workers": args.hazard_workers,
                "worker_threads": args.hazard_worker_threads, "enterprise_share": args.hazard_enterprise_share,
                "regrade_delay": args.hazard_regrade_delay,
                "seconds": round(result["seconds"], 1),
                "submitted": result["count"], "stored": stored - warm["count"]}
        common.emit_load(NAME, "create", result, meter, **meta)
        if warm["errors"] or result["errors"] or stored != submitted:
            raise RuntimeError(f"{warm['errors'] + result['errors']} failed reports, {stored} stored of {submitted}")
        from safegrid.risk.models import GradeSnapshot

        # Grades the workers wrote while serving (a snapshot per changed grade), then the final drain.
        common.emit(NAME, "server_regrades", GradeSnapshot.objects.count(), "snapshots", **meta)
        common.emit(NAME, "final_drain", check_grades(enterprises), "enterprises", **meta)


def check_grades(enterprises):
    """Drain what the server left queued; every enterprise's code must count its open hazards.
    Returns the number drained here."""
    from safegrid.hazards.models import OPEN_STATES, Hazard
    from safegrid.risk.management.commands.regrade import drain_all
    from safegrid.risk.models import EnterpriseGrade, RegradeQueue

    drained = drain_all()
    if RegradeQueue.objects.exists():
        raise RuntimeError("the regrade queue is not empty after the final drain")
    for pk in enterprises:
        count = Hazard.objects.filter(enterprise_id=pk, state__in=OPEN_STATES).count()
        reasons = {r["key"]: r["text"] for r in EnterpriseGrade.objects.get(enterprise_id=pk).reasons}
        if count and f" {count} 项" not in reasons.get("open_hazards", ""):
            raise RuntimeError(f"enterprise {pk}: {count} open hazards, grade says {reasons.get('open_hazards')}")
    return drained


def body(enterprises, rng, enterprise_share=0.5):
    data = {"hazard_type": rng.choice(TYPES), "description": f"压测隐患 {rng.random():.12f} 配电箱未加锁",
            "lon": round(112.30 + rng.random() * 0.01, 6), "lat": round(28.50 + rng.random() * 0.01, 6),
            "grade": "general", "handling": "by_deadline"}
    if rng.random() < enterprise_share:
        data["enterprise"] = rng.choice(enterprises)
    else:
        data.update(grid="HLS-01", location=f"会龙山公园东门 {rng.randrange(100)} 号")
    return json.dumps(data).encode()
