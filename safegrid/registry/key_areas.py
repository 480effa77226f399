"""Key areas (重点区域): a named set of grids or a GeoJSON polygon, with the reason it is key.

Create with `create_key_area`; void with `safegrid.core.services.void` (audited there).
"""

from django.db import transaction
from django.db.models import Count
from shapely import contains_xy
from shapely.geometry import shape

from safegrid.audit.services import record
from safegrid.core.errors import ServiceError
from safegrid.safegeo import GeometryError, bbox, parse_polygon

from .models import Enterprise, KeyArea


def _snapshot(area):
    return {"name": area.name, "reason": area.reason, "county": area.county.code,
            "grids": sorted(area.grids.values_list("code", flat=True)), "polygon": area.polygon}


@transaction.atomic
def create_key_area(*, name, reason, county, grids=(), polygon=None, actor):
    """`grids` (already scoped by the caller) or `polygon` (GeoJSON text or dict), not both."""
    name, reason = (name or "").strip(), (reason or "").strip()
    errors = []
    if not name:
        errors.append({"field": "name", "code": "key_area.name_required", "message": "区域名称不能为空。"})
    if not reason:
        errors.append({"field": "reason", "code": "key_area.reason_required", "message": "必须填写列为重点的原因。"})
    grids = list(grids)
    geometry = None
    if polygon not in (None, "") and grids:
        errors.append({"field": "polygon", "code": "key_area.both",
                       "message": "请在“选择网格”和“粘贴边界”中二选一。"})
    elif polygon not in (None, ""):
        try:
            geometry = parse_polygon(polygon)
        except GeometryError as exc:
            errors.append({"field": "polygon", "code": exc.code, "message": exc.message})
    elif not grids:
        errors.append({"field": "grids", "code": "key_area.empty", "message": "请选择至少一个网格，或粘贴边界。"})
    if any(g.region_code != county.region_code for g in grids):
        errors.append({"field": "grids", "code": "key_area.grid_county", "message": "只能选择本区县的网格。"})
    if errors:
        first = errors[0]
        raise ServiceError(first["code"], first["message"], field=first["field"], errors=errors)
    area = KeyArea.objects.create(name=name[:100], reason=reason[:500], county=county, polygon=geometry,
                                  region_code=county.region_code, created_by=actor if actor and actor.pk else None)
    area.grids.set(grids)
    record("key_area_create", area, actor=actor, after=_snapshot(area))
    return area


def count_in(areas, enterprises):
    """{area.pk: enterprises inside}: one grouped query for all grid areas, one per drawn polygon.

    `areas` should have their grids prefetched; `enterprises` is a (restricted) queryset.
    """
    enterprises = enterprises.filter(voided_at__isnull=True)
    grid_ids = {grid.pk for area in areas if not area.polygon for grid in area.grids.all()}
    per_grid = dict(enterprises.filter(grid__in=grid_ids).values_list("grid_id").annotate(n=Count("id"))
                    .order_by()) if grid_ids else {}
    counts = {}
    for area in areas:
        if area.polygon:
            counts[area.pk] = len(_inside_polygon(area, enterprises))
        else:  # an enterprise lies in one grid, and an area's grids are in its county
            counts[area.pk] = sum(per_grid.get(grid.pk, 0) for grid in area.grids.all())
    return counts


def _inside_polygon(area, enterprises):
    """Ids of the enterprises of the area's county whose point lies inside its polygon."""
    box = bbox(area.polygon)
    candidates = list(enterprises.filter(
        region_code=area.region_code,
        lon__gte=box["min_lon"], lon__lte=box["max_lon"], lat__gte=box["min_lat"], lat__lte=box["max_lat"],
    ).values_list("id", "lon", "lat"))
    if not candidates:
        return []
    ids, lons, lats = zip(*candidates, strict=True)
    inside = contains_xy(shape(area.polygon), lons, lats)
    return [pk for pk, hit in zip(ids, inside, strict=True) if hit]


def enterprises_in(area, enterprises=None):
    """Enterprises inside the area: grid in the set, or point inside the polygon.

    `enterprises` is a (restricted) queryset; the result is a queryset of it.
    """
    enterprises = Enterprise.objects.all() if enterprises is None else enterprises
    enterprises = enterprises.filter(voided_at__isnull=True, region_code=area.region_code)
    if not area.polygon:
        return enterprises.filter(grid__in=area.grids.all())
    return enterprises.filter(pk__in=_inside_polygon(area, enterprises))
