"""Where a tip goes: the place decides the grid and the town office (属地), the category decides
the department (三管三必须 rules of the county). No rule, no department: the town handles it."""

from dataclasses import dataclass

from shapely.geometry import Point, shape

from safegrid.regions.models import Department, Grid, Region, RegionLevel
from safegrid.registry.models import ResponsibilityRule
from safegrid.registry.services import responsible_departments


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


def locate_grid(lon, lat):
    """The grid covering the point, in any county: one query, the rule of registry `locate`
    (every covering grid is a candidate, the smallest path wins)."""
    candidates = (Grid.objects.filter(voided_at__isnull=True, min_lon__lte=lon, max_lon__gte=lon,
                                      min_lat__lte=lat, max_lat__gte=lat)
                  .select_related("region__parent").order_by("path"))
    point = Point(lon, lat)
    return next((grid for grid in candidates if shape(grid.polygon).covers(point)), None)


def county_by_code(code):
    return Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True, code__startswith=code[:6]).first()


def lead_department(county_code, category, enterprise=None):
    if enterprise is not None:
        return responsible_departments(enterprise)["lead"]
    if category is None:
        return None
    rule = ResponsibilityRule.objects.filter(region_code=county_code, category=category).first()
    return rule.lead_department if rule else None


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
