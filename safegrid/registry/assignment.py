"""Point-in-polygon grid assignment with a Shapely STRtree.

Rule for points on a shared boundary or vertex: every grid whose polygon *covers* the
point (interior or boundary) is a candidate, and the candidate with the smallest
materialised path wins (paths sort by town, village, then grid code). So the answer
never depends on row order or on floating noise of which side a point falls, and a
boundary point is never a coverage gap.
"""

from dataclasses import dataclass

import numpy as np
from shapely import points as make_points
from shapely.geometry import Point, shape

from safegrid.regions.models import Grid
from safegrid.safegeo import build_index


@dataclass(frozen=True)
class GridRef:
    id: int
    path: str
    region_id: int


class GridLocator:
    """Locates many points at once among a fixed set of grids."""

    def __init__(self, grids):
        rows = sorted(grids, key=lambda g: g.path)  # index order == rule order
        self.refs = [GridRef(g.id, g.path, g.region_id) for g in rows]
        self.tree = build_index([shape(g.polygon) for g in rows]) if rows else None

    @classmethod
    def for_counties(cls, region_codes):
        grids = (Grid.objects.filter(region_code__in=region_codes, voided_at__isnull=True)
                 .only("id", "path", "region_id", "polygon"))
        return cls(grids)

    def locate_many(self, lons, lats):
        """For each point, the winning GridRef or None (outside every grid)."""
        result = [None] * len(lons)
        if self.tree is None or not len(lons):
            return result
        pts = make_points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, grid_idx = self.tree.query(pts, predicate="covered_by")
        order = np.lexsort((grid_idx, point_idx))
        point_idx, grid_idx = point_idx[order], grid_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        for p, g in zip(point_idx[first], grid_idx[first], strict=True):
            result[int(p)] = self.refs[int(g)]
        return result


def locate(lon, lat, region_code):
    """The grid for one point, pre-filtered in SQL by the indexed bounding box."""
    candidates = Grid.objects.filter(
        region_code=region_code, voided_at__isnull=True,
        min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat,
    ).order_by("path")
    point = Point(lon, lat)
    for grid in candidates:
        if shape(grid.polygon).covers(point):
            return grid
    return None
