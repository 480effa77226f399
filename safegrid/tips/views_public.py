"""Public pages, no login, phone first: report (/report/), tracking (/report/track/), reward claim.

The reporter's name and mobile are never echoed back into a page (a re-shown form asks for them
again), never logged, and hidden from Django's error reports (sensitive_post_parameters).
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import cache_page
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from safegrid.core.errors import ServiceError
from safegrid.core.middleware import client_ip
from safegrid.regions.models import Grid, Region, RegionLevel
from safegrid.registry.models import SafetyCategory

from . import abuse, codes, qr, queries, services
from .models import Tip

SECRET_FIELDS = ("name", "mobile", "email", "code", "payee", "account", "bank")
# Fields a re-shown form keeps (everything but the identity and the challenge).
KEPT_FIELDS = ("description", "address", "lon", "lat", "occurred_at", "enterprise_name", "category", "county")


def _private(response):
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"  # no-referrer would send Origin: null and fail CSRF
    return response


def counties():
    return list(Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True).order_by("code"))


def _report_context(values=None, error=None):
    question, token = abuse.new_challenge()
    return {"categories": SafetyCategory.objects.order_by("sort", "code"), "counties": counties(),
            "values": values or {}, "error": error, "question": question, "challenge_token": token,
            "max_photos": settings.SAFEGRID_TIP_PHOTO_MAX_COUNT}


def tracking_link(request):
    base = settings.SAFEGRID_TIP_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    return base + reverse("tips_public:track")


def _too_large(request):
    """Refuse a body beyond the photo limits before Django parses it."""
    from safegrid.hazards import photos

    limit = settings.SAFEGRID_TIP_PHOTO_MAX_COUNT * photos.max_bytes() + 256 * 1024
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def report(request):
    if request.method == "GET":
        return _private(render(request, "tips/report.html", _report_context()))
    if _too_large(request):
        error = ServiceError("upload.too_large", "照片总大小超过上限，请减少照片数量或压缩后再提交。", field="photos")
        return _private(render(request, "tips/report.html", _report_context(error=error), status=413))
    values = {key: request.POST.get(key, "") for key in KEPT_FIELDS}
    values["anonymous"] = request.POST.get("anonymous", "1")
    try:
        abuse.check_challenge(request.POST.get("challenge_token"), request.POST.get("challenge_answer"))
        done = services.submit_tip(request.POST, uploads=request.FILES.getlist("photos"),
                                   client_ip=client_ip(request))
    except ServiceError as exc:
        return _private(render(request, "tips/report.html", _report_context(values, exc), status=exc.status))
    link = tracking_link(request)
    context = {"tip": done.tip, "code": done.tracking_code, "link": link,
               "qr": qr.svg(f"{link}#{done.tracking_code}")}
    return _private(render(request, "tips/report_done.html", context))


@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def track(request):
    """One query by the code's HMAC whatever was typed: unknown and wrong codes look the same."""
    if request.method == "GET":
        return _private(render(request, "tips/track.html", {}))
    try:
        if not abuse.exempt(client_ip(request)):
            abuse.hit("track_ip", client_ip(request))
    except abuse.RateLimited as exc:
        return _private(render(request, "tips/track.html", {"error": exc.message}, status=429))
    code = request.POST.get("code", "")
    tip = Tip.objects.filter(tracking_hash=codes.tracking_hash(code)).first()
    if tip is None:
        return _private(render(request, "tips/track.html", {"not_found": True}))
    view = queries.tracking(tip)
    context = {"view": view, "state": queries.PUBLIC_STATE[view.case.state], "code": code}
    return _private(render(request, "tips/track.html", context))


@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["POST"])
def claim(request):
    try:
        services.claim_reward(request.POST.get("code", ""), request.POST, client_ip=client_ip(request))
    except ServiceError as exc:
        return _private(render(request, "tips/claim_done.html", {"error": exc.message}, status=exc.status))
    return _private(render(request, "tips/claim_done.html", {}))


@cache_page(300)
def grids_geojson(request):
    """Grid outlines for the picking map (no basemap on an intranet): shapes and names only."""
    features = [{"type": "Feature", "geometry": polygon, "properties": {"name": name}}
                for name, polygon in Grid.objects.filter(voided_at__isnull=True).values_list("name", "polygon")]
    return JsonResponse({"type": "FeatureCollection", "features": features})

