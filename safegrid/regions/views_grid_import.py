"""Page /regions/grids/import/: upload a GeoJSON of grids, check it, import it (all or nothing)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from safegrid.core.errors import ServiceError
from safegrid.core.roles import role_may
from safegrid.core.uploads import check_uploaded, limit_upload

from .grid_import import GridPlan, run_grid_import
from .models import Grid


@csrf_exempt  # the size check runs before the CSRF check reads the body; csrf_protect follows
@login_required
def grid_import(request):
    if not role_may(request.user.effective_role, "change", Grid):
        raise PermissionDenied
    if request.method != "POST":
        return _page(request)
    try:
        handler = limit_upload(request)
    except ServiceError as exc:
        return _page(request, plan=_failed(exc), status=exc.status)
    return _receive(request, handler)


@csrf_protect
def _receive(request, handler):
    uploaded = request.FILES.get("file")
    mode = "update" if request.POST.get("mode") == "update" else "create"
    dry_run = request.POST.get("action") != "import"
    try:
        check_uploaded(handler, uploaded)
        if uploaded is None:
            raise ServiceError("file.required", "请选择要上传的 GeoJSON 文件。", field="file")
        plan = run_grid_import(uploaded.read(), request.user, mode=mode, dry_run=dry_run, filename=uploaded.name)
    except ServiceError as exc:
        return _page(request, plan=_failed(exc), mode=mode, status=exc.status)
    return _page(request, plan=plan, mode=mode, dry_run=dry_run, name=uploaded.name,
                 status=200 if plan.valid else 400)


def _failed(exc):
    return GridPlan(errors=[{"feature": None, "grid_code": None, "field": exc.field, "code": exc.code,
                             "message": exc.message}])


def _page(request, plan=None, mode="create", dry_run=True, name="", status=200):
    return render(request, "regions/grid_import.html", {
        "plan": plan, "mode": mode, "dry_run": dry_run, "name": name,
        "max_mb": settings.SAFEGRID_IMPORT_MAX_MB, "tolerance": settings.SAFEGRID_GRID_TOLERANCE_M2,
    }, status=status)
