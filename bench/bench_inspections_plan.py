"""Annual inspection plan for 200,000 enterprises (10 counties x 20,000) on the cached city database.

Inside a transaction rolled back at the end: the safety codes of enterprises without one are
computed first (risk.grading.regrade, reported as `regrade_s`, not part of the plan), then
`plan.generate_plan` runs for each county: one read query, the frequency from the risk rule set,
category rules, caps, the random-share top-up and batched inserts of the plan items.
"""

import time

from bench import common
from bench.bench_registry_city import city_database

NAME = "inspections_plan"


def run(args):
    with city_database() as db:
        from django.db import transaction

        from safegrid.accounts.models import User
        from safegrid.inspections import plan
        from safegrid.registry.models import Enterprise
        from safegrid.risk import grading

        counties = sorted(set(Enterprise.objects.values_list("region_code", flat=True)))
        with transaction.atomic():
            started = time.perf_counter()
            ungraded = Enterprise.objects.filter(grade__isnull=True, voided_at__isnull=True)
            stats = grading.regrade(ungraded, trigger="bench") if ungraded.exists() else {"enterprises": 0}
            common.emit(NAME, "regrade_s", time.perf_counter() - started, "s", db=db.kind,
                        enterprises=stats["enterprises"])
            admin = User(username="bench-admin", is_superuser=True, role="admin")
            admin.save()
            started = time.perf_counter()
            items = planned = 0
            for county in counties:
                created = plan.generate_plan(actor=admin, region_code=county, year=2026, max_per_year=6)
                items += created.summary["totals"]["enterprises"]
                planned += created.summary["totals"]["planned"]
            common.emit(NAME, "plan_generate_s", time.perf_counter() - started, "s", db=db.kind,
                        counties=len(counties), enterprises=items, inspections=planned)
            transaction.set_rollback(True)
