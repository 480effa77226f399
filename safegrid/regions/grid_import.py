"""GeoJSON grid import (综治网格 → 安全网格): validate every feature, then write all or nothing.

Each feature: a Polygon/MultiPolygon with properties `code`, `name`, `village_code` (the
12-digit code of its village or town) and optionally `responsible_person`,
`responsible_phone`. Checks: valid polygon, village in the user's jurisdiction, code not
repeated in the file or (unless mode=update) in the county, no overlap with other grids and
no gap inside a village that has a polygon, both above SAFEGRID_GRID_TOLERANCE_M2. Writes go
through services.create_grid / update_grid; one `grid_import` audit event sums it up.
"""

import json
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from shapely import STRtree
from shapely.geometry import shape
from shapely.ops import unary_union

from safegrid.audit.services import record
from safegrid.core.errors import ServiceError
from safegrid.safegeo import GeometryError, parse_polygon

from . import services
from .models import Grid, Region, RegionLevel

MODES = ("create", "update")
METRES_PER_DEGREE = 111_320


def area_m2(geom):
    """Equal-area approximation: degrees² scaled at the geometry's latitude (fine at grid scale)."""
    if geom.is_empty:
        return 0.0
    return geom.area * METRES_PER_DEGREE ** 2 * math.cos(math.radians(geom.centroid.y))


@dataclass
class Feature:
    index: int  # 1-based, as people count features
    code: str
    name: str
    village: Region | None = None
    polygon: dict | None = None
    geom: object = None
    responsible_person: str = ""
    responsible_phone: str = ""
    existing: Grid | None = None  # the grid this feature updates (mode=update)
    same_code: Grid | None = None  # a grid of the county with this code, whatever the mode


@dataclass
class GridPlan:
    features: int = 0
    errors: list = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def valid(self):
        return not self.errors

    def preview(self):
        return {"valid": self.valid, "features": self.features, "errors": self.errors,
                "created": self.created, "updated": self.updated}


def _error(feature, code, message, field_name=None):
    return {"feature": feature.index if feature else None, "grid_code": feature.code if feature else None,
            "field": field_name, "code": code, "message": message}


def _label(feature):
    return f"要素 #{feature.index}" + (f"(网格 {feature.code})" if feature.code else "")


def load_collection(content):
    """The features of a GeoJSON FeatureCollection (bytes or text); ServiceError when it is not one."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ServiceError("grid_import.not_json", "文件不是有效的 GeoJSON(JSON)文本。", field="file") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise ServiceError("grid_import.not_collection", "文件应为 GeoJSON FeatureCollection。", field="file")
    if not data["features"]:
        raise ServiceError("grid_import.empty", "文件中没有任何要素。", field="file")
    return data["features"]


def _read(raw, index, villages, plan):
    props = (raw.get("properties") or {}) if isinstance(raw, dict) else {}
    feature = Feature(index, str(props.get("code") or "").strip(), str(props.get("name") or "").strip(),
                      responsible_person=str(props.get("responsible_person") or ""),
                      responsible_phone=str(props.get("responsible_phone") or ""))
    try:
        feature.polygon = parse_polygon(raw.get("geometry") if isinstance(raw, dict) else None)
        feature.geom = shape(feature.polygon)
    except GeometryError as exc:
        plan.errors.append(_error(feature, exc.code, f"{_label(feature)}：{exc.message}", "geometry"))
    village_code = str(props.get("village_code") or "").strip()
    feature.village = villages.get(village_code)
    if feature.village is None:
        plan.errors.append(_error(feature, "grid_import.village_unknown",
                                  f"{_label(feature)}：村(社区)代码“{village_code}”不存在或不在您的辖区内。",
                                  "village_code"))
    if not feature.code:
        plan.errors.append(_error(feature, "grid.code_required", f"{_label(feature)}：缺少网格编码 code。", "code"))
    return feature


def _check_codes(features, mode, plan):
    seen = {}
    for feature in features:
        if not (feature.code and feature.village):
            continue
        key = (feature.village.region_code, feature.code)
        if key in seen:
            plan.errors.append(_error(feature, "grid_import.duplicate_in_file",
                                      f"{_label(feature)}：网格编码与要素 #{seen[key]} 重复。", "code"))
            continue
        seen[key] = feature.index
    existing = {(g.region_code, g.code): g for g in Grid.objects.filter(
        region_code__in={k[0] for k in seen}, code__in={k[1] for k in seen}).select_related("region")}
    for feature in features:
        grid = existing.get((feature.village.region_code, feature.code)) if feature.village else None
        if grid is None:
            continue
        feature.same_code = grid
        if mode != "update" or grid.voided_at is not None:
            plan.errors.append(_error(feature, "grid.code_taken",
                                      f"{_label(feature)}：网格编码 {feature.code} 在本区县已存在"
                                      f"(如需更新边界，请选择“更新已有网格”模式)。", "code"))
        elif grid.region_id != feature.village.pk:
            plan.errors.append(_error(feature, "grid_import.village_changed",
                                      f"{_label(feature)}：已有网格 {feature.code} 属于“{grid.region.name}”，"
                                      f"不能改到其他村(社区)。", "village_code"))
        else:
            feature.existing = grid


def _check_geometry(features, plan, tolerance):
    """Overlaps (with each other and with the county's other grids) and gaps inside villages."""
    placed = [f for f in features if f.geom is not None and f.village is not None]
    counties = {f.village.region_code for f in placed}
    replaced = {f.same_code.pk for f in placed if f.same_code}  # never an overlap with itself
    others = [g for g in Grid.objects.filter(region_code__in=counties, voided_at__isnull=True)
              .exclude(pk__in=replaced).only("id", "code", "region_id", "polygon", "region_code")]
    other_geoms = [shape(g.polygon) for g in others]
    tree = STRtree(other_geoms) if other_geoms else None
    mine = STRtree([f.geom for f in placed]) if placed else None
    for i, feature in enumerate(placed):
        if tree is not None:
            for j in tree.query(feature.geom, predicate="intersects"):
                overlap = area_m2(feature.geom.intersection(other_geoms[j]))
                if overlap > tolerance:
                    plan.errors.append(_error(feature, "grid_import.overlap",
                                              f"{_label(feature)}：与已有网格 {others[j].code} 重叠约 {overlap:.0f} 平方米。",
                                              "geometry"))
        for j in mine.query(feature.geom, predicate="intersects"):
            if j <= i:
                continue
            overlap = area_m2(feature.geom.intersection(placed[j].geom))
            if overlap > tolerance:
                plan.errors.append(_error(feature, "grid_import.overlap",
                                          f"{_label(feature)}：与{_label(placed[j])}重叠约 {overlap:.0f} 平方米。",
                                          "geometry"))
    _check_gaps(placed, others, other_geoms, plan, tolerance)


def _check_gaps(placed, others, other_geoms, plan, tolerance):
    by_village = {}
    for feature in placed:
        by_village.setdefault(feature.village.pk, []).append(feature)
    for village_id, members in by_village.items():
        village = members[0].village
        if not village.polygon:
            continue
        pieces = [f.geom for f in members] + [g for o, g in zip(others, other_geoms, strict=True)
                                               if o.region_id == village_id]
        gap = area_m2(shape(village.polygon).difference(unary_union(pieces)))
        if gap > tolerance:
            indices = "、".join(f"#{f.index}" for f in members)
            plan.errors.append({"feature": members[0].index, "grid_code": members[0].code, "field": "geometry",
                                "code": "grid_import.gap",
                                "message": f"村(社区)“{village.name}”内约 {gap:.0f} 平方米未被网格覆盖"
                                           f"(本次导入的要素 {indices} 与已有网格合起来未铺满)。"})


def run_grid_import(content, user, *, mode="create", dry_run=False, filename=""):
    """Check the whole file; unless dry_run and when valid, write every grid in one transaction."""
    if mode not in MODES:
        raise ServiceError("grid_import.mode", "mode 只能是 create 或 update。", field="mode")
    raw_features = load_collection(content)
    # No user: the system (manage.py setup_county) imports into any region.
    regions = Region.objects.all() if user is None else Region.objects.restrict(user, "change")
    villages = {r.code: r for r in regions.filter(
        level__gte=RegionLevel.TOWN, voided_at__isnull=True)}
    plan = GridPlan(features=len(raw_features))
    features = [_read(raw, index, villages, plan) for index, raw in enumerate(raw_features, start=1)]
    _check_codes(features, mode, plan)
    _check_geometry(features, plan, settings.SAFEGRID_GRID_TOLERANCE_M2)
    if plan.errors:
        plan.errors.sort(key=lambda e: e["feature"] or 0)
        return plan
    with transaction.atomic():
        _write(features, user, plan)
        if plan.errors or dry_run:  # a dry run reports what would be written, then undoes it
            transaction.set_rollback(True)
            if plan.errors:
                plan.created = plan.updated = 0
            return plan
        record("grid_import", None, actor=user, object_type="regions.grid", object_id="import",
               region_code=features[0].village.region_code,
               after={"file": filename, "features": plan.features, "created": plan.created, "updated": plan.updated,
                      "codes": [f.code for f in features]})
    return plan


def _write(features, user, plan):
    """The services check what is left (code format, name, phone); their errors roll everything back."""
    for feature in features:
        try:
            with transaction.atomic():
                if feature.existing:
                    services.update_grid(feature.existing, actor=user, name=feature.name or feature.existing.name,
                                         polygon=feature.polygon, responsible_person=feature.responsible_person,
                                         responsible_phone=feature.responsible_phone)
                    plan.updated += 1
                else:
                    services.create_grid(code=feature.code, name=feature.name, region=feature.village,
                                         polygon=feature.polygon, actor=user,
                                         responsible_person=feature.responsible_person,
                                         responsible_phone=feature.responsible_phone)
                    plan.created += 1
        except ServiceError as exc:
            plan.errors.append(_error(feature, exc.code, f"{_label(feature)}：{exc.message}", exc.field))
