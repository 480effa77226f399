"""Bulk grid assignment at city scale: every enterprise re-assigned and persisted, beside the pure Shapely time.

On the cached city database (bench_registry_city): clears the grid of every non-overridden
enterprise, then times services.bulk_assign_grids over all counties (STRtree look-up, the
batched UPDATE, one audit event) - so every located enterprise is written. Beside it: the
same look-up in Shapely alone (STRtree build and locate_many, no database).
"""

import time

from bench import common
from bench.bench_registry_city import city_database

NAME = "registry_assign"


def run(args):
    with city_database() as db:
        from safegrid.regions.models import Grid
        from safegrid.registry import services
        from safegrid.registry.assignment import GridLocator
        from safegrid.registry.models import Enterprise

        counties = sorted(set(Grid.objects.values_list("region_code", flat=True)))
        Enterprise.objects.filter(grid_override_reason="").update(grid=None)
        settle()
        started = time.perf_counter()
        result = services.bulk_assign_grids(counties)
        persisted = time.perf_counter() - started
        settle()  # leave no dead rows behind for the benchmarks that follow
        meta = {"db": db.kind, "counties": len(counties), "grids": Grid.objects.count(), **result}
        common.emit(NAME, "assign_persisted_s", persisted, "s", **meta)
        rows = list(Enterprise.objects.filter(lon__isnull=False).values_list("lon", "lat", "region_code"))
        build = locate = 0.0
        for county in counties:
            started = time.perf_counter()
            locator = GridLocator.for_counties([county])
            build += time.perf_counter() - started
            mine = [r for r in rows if r[2] == county]
            started = time.perf_counter()
            locator.locate_many([r[0] for r in mine], [r[1] for r in mine])
            locate += time.perf_counter() - started
        common.emit(NAME, "locator_build_s", build, "s", db=db.kind, note="load 12,000 polygons and build STRtrees")
        common.emit(NAME, "shapely_locate_s", locate, "s", db=db.kind, points=len(rows))


def settle():
    """After the reset, clean dead rows and refresh statistics so the timed run meets a steady table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_enterprise" if connection.vendor == "postgresql" else "ANALYZE")
