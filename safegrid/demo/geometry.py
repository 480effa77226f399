"""Deterministic demo geometry: an irregular county cut into towns, villages and grids.

The pieces are first cut top-down in floating point (Voronoi cells of seeded points,
clipped to the parent). Separate clips of a shared edge can differ in the last bits,
so the leaves are then rebuilt bottom-up on a common arrangement: all leaf boundaries
are noded together with snap rounding on a 1e-6 degree grid, polygonised into faces,
and every face is given to the leaf it overlaps most. Each leaf is a union of faces and
each parent the union of its children, so shared edges are identical, the children of
a parent tile it exactly (no gaps, no overlaps) and every vertex sits on the 1e-6 grid.
"""

import math
import random
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping

GRID_SIZE = 1e-6  # degrees, about 0.1 m


@dataclass
class Piece:
    """A node of the partition tree: its float sketch, then its final snapped geometry."""

    key: str
    sketch: object
    children: list = field(default_factory=list)
    geometry: object = None


def county_outline(rng, center=(112.45, 28.50), radius=(0.235, 0.185), vertices=72):
    """An irregular star-shaped ring inside lon 112.2-112.7, lat 28.3-28.7."""
    waves = [(k, rng.uniform(0.03, 0.09) / k ** 0.5, rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5, 7, 11)]
    ring = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        scale = 1 + sum(amp * math.sin(k * angle + phase) for k, amp, phase in waves)
        scale *= 1 + rng.uniform(-0.015, 0.015)
        ring.append((center[0] + radius[0] * scale * math.cos(angle),
                     center[1] + radius[1] * scale * math.sin(angle)))
    return shapely.set_precision(Polygon(ring), GRID_SIZE)


def random_points_in(geom, count, rng, near=None, spread=None):
    """`count` seeded points inside `geom`; around `near` (within `spread`) when given."""
    min_x, min_y, max_x, max_y = geom.bounds
    points = []
    while len(points) < count:
        if near is None:
            p = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        else:
            p = Point(near[0] + rng.gauss(0, spread), near[1] + rng.gauss(0, spread))
        if geom.contains(p):
            points.append(p)
    return points


def polygonal(geom):
    """The polygonal part of an overlay result: a Polygon, a MultiPolygon or None."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not parts:
        for part in shapely.get_parts(geom):
            if isinstance(part, MultiPolygon):
                parts += list(part.geoms)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def voronoi_cells(parent, points):
    """Voronoi cells of `points`, in input order, each clipped to `parent`."""
    if len(points) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=parent, ordered=True)
    return [polygonal(cell.intersection(parent)) for cell in diagram.geoms]


def partition(parent, points, relax=1):
    """Cut `parent` into one cell per seed point; `relax` Lloyd steps even out the sizes."""
    cells = voronoi_cells(parent, points)
    for _ in range(relax):
        points = [_inner_centroid(cell, point) for cell, point in zip(cells, points, strict=True)]
        cells = voronoi_cells(parent, points)
    return cells


def _inner_centroid(cell, fallback):
    if cell is None:
        return fallback
    centroid = cell.centroid
    return centroid if cell.contains(centroid) else cell.representative_point()


def leaves(piece):
    if not piece.children:
        return [piece]
    return [leaf for child in piece.children for leaf in leaves(child)]


def snap_tree(root):
    """Set `geometry` on every piece: leaves from one snapped arrangement, parents as unions.

    Leaves that receive no face (a sliver lost to snapping) are removed from the tree.
    """
    tips = [leaf for leaf in leaves(root) if leaf.sketch is not None]
    sketches = [leaf.sketch for leaf in tips]
    lines = shapely.unary_union(shapely.boundary(sketches), grid_size=GRID_SIZE)
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(lines)))))
    owned = [[] for _ in tips]
    tree = shapely.STRtree(sketches)
    for face in faces:
        candidates = tree.query(face)
        if len(candidates) == 0:
            continue
        overlaps = shapely.area(shapely.intersection(face, [sketches[i] for i in candidates]))
        owned[candidates[int(overlaps.argmax())]].append(face)
    for leaf, parts in zip(tips, owned, strict=True):
        leaf.geometry = _union(parts) if parts else None
    _union_up(root)


def _union(geoms):
    return polygonal(shapely.unary_union(geoms, grid_size=GRID_SIZE))


def _union_up(piece):
    if not piece.children:
        return piece.geometry is not None
    piece.children = [child for child in piece.children if _union_up(child)]
    if piece.children:
        piece.geometry = _union([child.geometry for child in piece.children])
    return bool(piece.children)


def to_geojson(geom):
    """GeoJSON dict with plain lists, as the models store it."""
    return _lists(mapping(geom))


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def seeded(seed, *keys):
    """An independent random stream per tree node, so one node's draws never shift another's."""
    return random.Random(":".join(str(k) for k in (seed, *keys)))
