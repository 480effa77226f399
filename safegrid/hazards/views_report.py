"""Reporting a hazard from a phone in three screens (photos and place; what and how; describe and
confirm), and the nearby-enterprises fragment screen 2 loads for the officer's position."""

import math

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from shapely.geometry import Point, shape

from safegrid.accounts.views import role_required
from safegrid.core import errors
from safegrid.core.roles import Role
from safegrid.regions.models import Grid
from safegrid.regions.permissions import check_on_duty
from safegrid.registry.forms import add_service_errors
from safegrid.registry.models import Enterprise

from . import photos, services
from .forms import ReportForm
from .models import Hazard
from .services import RULES, role_of

EARTH_RADIUS_M = 6_371_000
NEARBY_RADIUS_M = 2_000
NEARBY_LIMIT = 15
# Which screen holds a field, so an error sends the user back to it.
FIELD_STEP = {"enterprise": 2, "grid": 2, "location": 2, "hazard_type": 2, "grade": 2, "criterion": 2,
              "handling": 2, "after_photos": 2, "lon": 1, "lat": 1, "photos": 1, "description": 3}


def haversine_m(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox(lon, lat, radius_m):
    """(min_lon, min_lat, max_lon, max_lat) around a point: the indexed SQL prefilter."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def nearby_enterprises(user, lon, lat, radius_m=NEARBY_RADIUS_M, q="", limit=NEARBY_LIMIT):
    """Enterprises of the user's scope near the point, nearest first (bounding box, then haversine)."""
    qs = Enterprise.objects.restrict(user, "view").filter(voided_at__isnull=True).only(
        "pk", "name", "address", "lon", "lat")
    if q:
        qs = qs.filter(name__contains=q)
    if lon is None:
        return [(e, None) for e in qs.order_by("name")[:limit]] if q else []
    if not q:
        x0, y0, x1, y1 = bbox(lon, lat, radius_m)
        qs = qs.filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    rows = [(e, haversine_m(lon, lat, e.lon, e.lat) if e.lon is not None else None) for e in qs[:2000]]
    rows = [r for r in rows if q or (r[1] is not None and r[1] <= radius_m)]
    rows.sort(key=lambda r: (r[1] is None, r[1] or 0))
    return rows[:limit]


def report_grids(user):
    return (Grid.objects.restrict(user, "view").filter(voided_at__isnull=True).select_related("region")
            .order_by("path"))


def grid_at(user, lon, lat):
    """The user's grid that covers the point (for 无主场所), or None."""
    point = Point(lon, lat)
    for grid in report_grids(user).filter(min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat):
        if shape(grid.polygon).covers(point):
            return grid
    return None


def _point(request):
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
    except ValueError:
        return None, None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else (None, None)


def _may_report(user):
    if role_of(user) not in RULES["report"].roles:
        raise PermissionDenied
    try:
        check_on_duty(user)  # 先培训再上岗: said before the officer fills in the form
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc


@role_required("change", Hazard)
def nearby(request):
    """HTML fragment: enterprises near ?lon=&lat= (or matching ?q=) and the grid at the point."""
    _may_report(request.user)
    lon, lat = _point(request)
    q = (request.GET.get("q") or "").strip()[:50]
    rows = nearby_enterprises(request.user, lon, lat, q=q)
    grid = grid_at(request.user, lon, lat) if lon is not None else None
    return render(request, "hazards/_nearby.html", {
        "rows": rows, "grid": grid, "q": q, "has_point": lon is not None, "radius_km": NEARBY_RADIUS_M / 1000})


def render_report(request, form, status=200, step=1):
    user = request.user
    return render(request, "hazards/report.html", {
        "form": form, "step": step, "is_enterprise": role_of(user) == Role.ENTERPRISE,
        "max_photos": photos.max_count(),
        "config": {"nearbyUrl": reverse("hazards:nearby"), "gridsUrl": reverse("grid-geojson"),
                   "maxSide": 1600, "quality": 0.8, "maxPhotos": photos.max_count()},
    }, status=status)


@role_required("change", Hazard)
def report(request):
    """上报隐患: one form in three screens; photos arrive already compressed by the browser."""
    _may_report(request.user)
    grids = report_grids(request.user)
    if request.method != "POST":
        return render_report(request, ReportForm(grids=grids))
    form = ReportForm(request.POST, grids=grids)
    if not form.is_valid():
        return render_report(request, form, 400, 2)
    try:
        hazard = services.report_hazard(form.raw(), actor=request.user,
                                        before_photos=request.FILES.getlist("before_photos"),
                                        after_photos=request.FILES.getlist("after_photos"))
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ServiceError as exc:
        add_service_errors(form, exc)
        return render_report(request, form, 400, FIELD_STEP.get(exc.field, 3))
    messages.success(request, f"隐患 #{hazard.pk} 已上报（{hazard.get_state_display()}）。")
    return redirect("hazards:detail", pk=hazard.pk)
