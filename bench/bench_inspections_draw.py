"""双随机 draw at city scale: 200,000 entities and 2,000 inspectors, and persisted per-county draws.

On the cached city database (bench_registry_city; 10 counties x 20,000 enterprises). Inside one
transaction that is rolled back at the end (the cached data set stays as generated):
- 2,000 inspectors (200 per county) with 2,000 declared conflicts are added;
- `draw_all_s`: read the entity classes of all 200,000 enterprises and both directories with their
  versions, then `draw.draw_teams` at the default ratios (2 inspectors each from 2,000, conflicts
  excluded) - the issue's target size; `teams_ratio1_s`: the team assignment alone with every
  entity drawn (ratio 1.0, the worst case);
- `draw_persisted_s`: `draw.create_draw` for each county at the default ratios (seed, versions,
  planned inspections and their teams written), summed over the 10 counties.
"""

import datetime
import time

from bench import common
from bench.bench_registry_city import city_database

NAME = "inspections_draw"
INSPECTORS_PER_COUNTY = 200


def _directory(counties):
    from safegrid.inspections.models import Inspector, InspectorConflict
    from safegrid.registry.models import Enterprise

    inspectors = Inspector.objects.bulk_create(
        [Inspector(name=f"检查员{c}-{n}", unit="应急管理局", region_code=c, kind="expert")
         for c in counties for n in range(INSPECTORS_PER_COUNTY)])
    by_county = {}
    for i in inspectors:
        by_county.setdefault(i.region_code, []).append(i)
    conflicts = []
    for county in counties:
        ids = list(Enterprise.objects.filter(region_code=county).order_by("pk").values_list("pk", flat=True)[:200])
        conflicts += [InspectorConflict(inspector=by_county[county][n % INSPECTORS_PER_COUNTY], enterprise_id=pk,
                                        kind="former_employer", region_code=county) for n, pk in enumerate(ids)]
    InspectorConflict.objects.bulk_create(conflicts)
    return len(inspectors), len(conflicts)


def run(args):
    with city_database() as db:
        from django.db import transaction

        from safegrid.accounts.models import User
        from safegrid.inspections import directory, draw
        from safegrid.registry.models import Enterprise

        counties = sorted(set(Enterprise.objects.values_list("region_code", flat=True)))
        with transaction.atomic():
            n_inspectors, n_conflicts = _directory(counties)
            started = time.perf_counter()
            classes, inspectors, conflicts = {}, [], {}
            for county in counties:
                county_classes, _ = directory.entity_classes(county)
                for key, ids in county_classes.items():
                    classes.setdefault(key, []).extend(ids)
                ids, county_conflicts, _ = directory.inspector_directory(county)
                inspectors += ids
                conflicts.update(county_conflicts)
            teams = draw.draw_teams(classes, draw.default_ratios(), inspectors, conflicts, 2, "bench-seed")
            elapsed = time.perf_counter() - started
            population = sum(map(len, classes.values()))
            common.emit(NAME, "draw_all_s", elapsed, "s", db=db.kind, population=population, entities=len(teams),
                        inspectors=len(inspectors), conflicts=n_conflicts)
            started = time.perf_counter()
            teams = draw.draw_teams(classes, {"*": 1}, inspectors, conflicts, 2, "bench-seed")
            loads = {}
            for _e, _k, team in teams:
                for pk in team:
                    loads[pk] = loads.get(pk, 0) + 1
            common.emit(NAME, "teams_ratio1_s", time.perf_counter() - started, "s", db=db.kind, entities=len(teams),
                        inspectors=len(inspectors), max_load=max(loads.values()), min_load=min(loads.values()))
            admin = User(username="bench-admin", is_superuser=True, role="admin")
            admin.save()
            started = time.perf_counter()
            drawn = 0
            for county in counties:
                created = draw.create_draw(actor=admin, region_code=county, name="bench",
                                           scheduled_from=datetime.date(2026, 4, 1),
                                           scheduled_to=datetime.date(2026, 6, 30))
                drawn += created.summary["entities"]
            common.emit(NAME, "draw_persisted_s", time.perf_counter() - started, "s", db=db.kind,
                        counties=len(counties), entities_drawn=drawn, inspectors=n_inspectors,
                        ratios="default (blue 5 %, yellow 10 %, orange 20 %, red 30 %, ungraded 10 %)")
            transaction.set_rollback(True)
