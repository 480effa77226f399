"""Geometry helpers shared by the apps (Shapely 2; polygons stored as GeoJSON, WGS-84/CGCS2000)."""

import json

from shapely import STRtree
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

# A generous box around China's territory; anything outside is a typing mistake.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)


class GeometryError(ValueError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_polygon(geojson):
    """Validate a GeoJSON Polygon/MultiPolygon (a geometry or a Feature); return the geometry dict."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except ValueError as exc:
            raise GeometryError("geometry.not_json", "边界不是有效的 GeoJSON 文本。") from exc
    if not isinstance(geojson, dict):
        raise GeometryError("geometry.not_object", "边界应为 GeoJSON 对象。")
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError("geometry.not_polygon", "边界必须是面(Polygon 或 MultiPolygon)。")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise GeometryError("geometry.malformed", "边界坐标格式错误。") from exc
    if geom.is_empty:
        raise GeometryError("geometry.empty", "边界为空。")
    if not geom.is_valid:
        raise GeometryError("geometry.invalid", f"边界不是有效的面：{explain_chinese(geom)}")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    lo_lon, lo_lat, hi_lon, hi_lat = CHINA_BOUNDS
    if min_lon < lo_lon or max_lon > hi_lon or min_lat < lo_lat or max_lat > hi_lat:
        raise GeometryError("geometry.out_of_range", "边界坐标超出我国经纬度范围(应为经度、纬度顺序)。")
    return mapping(geom) | {"coordinates": _lists(mapping(geom)["coordinates"])}


def _lists(value):
    """Shapely's mapping gives tuples; JSON columns should hold plain lists."""
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def explain_chinese(geom):
    reason = explain_validity(geom)
    for english, chinese in [
        ("Self-intersection", "边界自相交"),
        ("Ring Self-intersection", "环自相交"),
        ("Too few points", "顶点过少"),
        ("Hole lies outside shell", "内环在外环之外"),
        ("Interior is disconnected", "内部不连通"),
        ("Nested shells", "多个外环嵌套"),
        ("Duplicate Rings", "重复的环"),
    ]:
        if reason.startswith(english):
            location = reason[len(english):].strip("[] ")
            return f"{chinese}(位置 {location})" if location else chinese
    return reason


def bbox(geojson):
    min_lon, min_lat, max_lon, max_lat = shape(geojson).bounds
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


def build_index(geometries):
    """An STRtree over Shapely geometries, for point-in-polygon look-ups in bulk."""
    return STRtree(geometries)
