"""Duplicate proposals: an open tip of the same county within 30 days that lies within 200 m with
the same category, or names the same enterprise, and whose text is similar.

The look-up is a bounding-box range on the indexed (region_code, lon, lat, created_at) columns,
then the exact distance and the text similarity in Python on the few rows left.
"""

import math
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import connection

from .models import OPEN_STATES, Tip

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = 111_320.0
MAX_ROWS = 200


def enterprise_key(name):
    """Upper case letters and digits only: “某某 化工(有限)公司” and “某某化工有限公司” match."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name or "").upper() if ch.isalnum())[:200]


def bigrams(text):
    chars = [ch for ch in unicodedata.normalize("NFKC", text or "").lower() if ch.isalnum()]
    if len(chars) < 2:
        return set(chars)
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a, b):
    """Jaccard index of character bigrams: works for Chinese without word segmentation."""
    x = a if isinstance(a, set) else bigrams(a)
    y = b if isinstance(b, set) else bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def distance_m(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _settings():
    return (settings.SAFEGRID_TIP_DUPLICATE_RADIUS_M, settings.SAFEGRID_TIP_DUPLICATE_DAYS,
            settings.SAFEGRID_TIP_DUPLICATE_SIMILARITY)


def _candidates(*, region_code, lon, lat, category_id, enterprise_key, since, exclude_pk, radius):
    """Rows in range as tuples. Hand-written SQL (plain, the same on SQLite and PostgreSQL): every
    submission runs it, and building and compiling the ORM query cost twice the query itself."""
    near, params = [], []
    if lon is not None and lat is not None:
        dlat = radius / METRES_PER_DEGREE
        dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        same_category = "category_id IS NULL" if category_id is None else "category_id = %s"
        near.append(f"(lon >= %s AND lon <= %s AND lat >= %s AND lat <= %s AND {same_category})")
        params += [lon - dlon, lon + dlon, lat - dlat, lat + dlat] + ([] if category_id is None else [category_id])
    if enterprise_key:
        near.append("enterprise_key = %s")
        params.append(enterprise_key)
    if not near:
        return []
    states = ", ".join(["%s"] * len(OPEN_STATES))
    sql = (f"SELECT id, public_id, lon, lat, category_id, enterprise_key, description FROM {Tip._meta.db_table} "
           f"WHERE region_code = %s AND state IN ({states}) AND created_at >= %s AND ({' OR '.join(near)})")
    states_values = [str(state) for state in OPEN_STATES]
    params = [region_code, *states_values, connection.ops.adapt_datetimefield_value(since), *params]
    if exclude_pk is not None:
        sql += " AND id <> %s"
        params.append(exclude_pk)
    sql += f" ORDER BY created_at DESC, id DESC LIMIT {MAX_ROWS}"  # the newest when more are in range
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def find(*, region_code, lon, lat, category_id, enterprise_key, description, now, exclude_pk=None, limit=5):
    """[{id, public_id, distance_m, similarity, same_enterprise}] best first."""
    radius, days, threshold = _settings()
    columns = ("pk", "public_id", "lon", "lat", "category_id", "enterprise_key", "description")
    rows = [dict(zip(columns, row, strict=True)) for row in _candidates(
        region_code=region_code, lon=lon, lat=lat, category_id=category_id, enterprise_key=enterprise_key,
        since=now - timedelta(days=days), exclude_pk=exclude_pk, radius=radius)]
    found, wanted = [], bigrams(description)
    for row in rows:
        same_enterprise = bool(enterprise_key) and row["enterprise_key"] == enterprise_key
        distance = None
        if lon is not None and row["lon"] is not None:
            distance = distance_m(lon, lat, row["lon"], row["lat"])
        near = distance is not None and distance <= radius and row["category_id"] == category_id
        if not (near or same_enterprise):
            continue
        score = similarity(wanted, row["description"])
        if score >= threshold:
            found.append({"id": row["pk"], "public_id": row["public_id"], "similarity": round(score, 3),
                          "distance_m": None if distance is None else round(distance),
                          "same_enterprise": same_enterprise})
    found.sort(key=lambda c: (-c["similarity"], c["distance_m"] or 0))
    return found[:limit]
