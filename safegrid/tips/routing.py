"""Where a tip goes: the place decides the grid and the town office (属地), the category decides
the department (三管三必须 rules of the county). No rule, no department: the town handles it.

Counties, each county's grids (an STRtree over the outlines) and the rules are cached per process
(core.refcache): every submission reads them and they change rarely.
"""

from dataclasses import dataclass

from django.db.models import Max, Min

from safegrid.core import refcache
from safegrid.hazards.services import responsible
from safegrid.regions.models import Department, Grid, Region, RegionLevel
from safegrid.registry.assignment import GridLocator
from safegrid.registry.models import ResponsibilityRule

GRID_TABLES = ("regions_grid", "regions_region")
RULE_TABLES = ("registry_responsibilityrule", "regions_department")


@dataclass(frozen=True)
class Route:
    county: Region
    grid: Grid | None
    town: Region | None
    department: Department | None

    @property
    def territorial_fallback(self):
        return self.department is None

    @property
    def scope_path(self):
        if self.grid is not None and town_of(self.grid.region) == self.town:
            return self.grid.path
        return (self.town or self.county).path

    def describe(self):
        """Names only, for the timeline and the audit trail."""
        return {"grid": self.grid.code if self.grid else None, "town": self.town.name if self.town else None,
                "department": self.department.name if self.department else None}


def town_of(region):
    return region.parent if region.level == RegionLevel.VILLAGE else region


def _extents():
    """{county code: (min_lon, min_lat, max_lon, max_lat)} of each county's grids."""
    rows = (Grid.objects.filter(voided_at__isnull=True).values("region_code")
            .annotate(x0=Min("min_lon"), y0=Min("min_lat"), x1=Max("max_lon"), y1=Max("max_lat")))
    return {r["region_code"]: (r["x0"], r["y0"], r["x1"], r["y1"]) for r in rows}


def _county_grids(region_code):
    """(GridLocator, {id: Grid with its region and the region's parent}) of one county."""
    grids = list(Grid.objects.filter(region_code=region_code, voided_at__isnull=True).select_related("region__parent")
                 .defer("region__polygon", "region__parent__polygon"))
    return GridLocator(grids), {g.pk: g for g in grids}


def locate_grid(lon, lat):
    """The grid covering the point, in any county, by the rule of registry `locate` (every
    covering grid is a candidate, the smallest path wins)."""
    found = []
    for code, (x0, y0, x1, y1) in refcache.get(("grid_extents",), GRID_TABLES, _extents).items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            locator, grids = refcache.get(("county_grids", code), GRID_TABLES, lambda c=code: _county_grids(c))
            ref = locator.locate_many([lon], [lat])[0]
            if ref is not None:
                found.append(grids[ref.id])
    return min(found, key=lambda grid: grid.path, default=None)


def county_by_code(code):
    def load():
        return Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True,
                                     code__startswith=code[:6]).first()

    return refcache.get(("county", code[:6]), ("regions_region",), load)


def lead_department(county_code, category, enterprise=None):
    if enterprise is not None:
        return responsible(enterprise)["lead"]
    if category is None:
        return None

    def load():
        rule = ResponsibilityRule.objects.filter(region_code=county_code, category=category).first()
        return rule.lead_department if rule else None

    return refcache.get(("lead_department", county_code, category.pk), RULE_TABLES, load)


def suggest(*, lon, lat, county, category, enterprise):
    """The route for a new tip. `county` is used only when the place lies in no grid."""
    grid = locate_grid(lon, lat) if lon is not None else None
    if grid is not None:
        county = county_by_code(grid.region_code)
        town = town_of(grid.region)
    elif enterprise is not None:
        county = county_by_code(enterprise.region_code)
        grid, town = enterprise.grid, town_of(enterprise.operating_region)
        if town.level < RegionLevel.TOWN:
            town = None
    else:
        town = None
    if county is None:
        return None
    return Route(county, grid, town, lead_department(county.code[:6], category, enterprise))
