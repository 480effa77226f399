"""Ledger pages: template download, filtered export, upload → preview → confirm (all-or-nothing)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.core.errors import ServiceError
from safegrid.core.roles import role_may
from safegrid.core.uploads import check_uploaded, limit_upload

from . import ledger
from .filters import EnterpriseFilter
from .models import Enterprise


def import_role_required(view):
    def wrapper(request, *args, **kwargs):
        if not ledger.may_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return login_required(wrapper)


@import_role_required
def template(request):
    return excel.response(ledger.build_template(request.user), "企业台账导入模板.xlsx")


@login_required
def export(request):
    if not role_may(request.user.effective_role, "export", Enterprise):
        raise PermissionDenied
    scoped = Enterprise.objects.restrict(request.user, "export").filter(voided_at__isnull=True)
    queryset = EnterpriseFilter(request.GET, queryset=scoped).qs
    return excel.export("企业台账.xlsx", ledger.SHEET_TITLE, ledger.LEDGER_HEADERS, ledger.ledger_rows(queryset),
                        ledger.WIDTHS)


@csrf_exempt  # the size check must run before the CSRF check reads the body; csrf_protect follows
@import_role_required
def upload(request):
    if request.method != "POST":
        return _upload_page(request)
    try:
        handler = limit_upload(request)
    except ServiceError as exc:
        return _upload_page(request, error=exc.message, status=exc.status)
    return _receive(request, handler)


@csrf_protect
def _receive(request, handler):
    uploaded = request.FILES.get("file")
    try:
        check_uploaded(handler, uploaded)
    except ServiceError as exc:
        return _upload_page(request, error=exc.message, status=exc.status)
    if uploaded is None:
        return _upload_page(request, error="请选择要上传的 .xlsx 文件。", status=400)
    token = ledger.store_upload(uploaded, request.user)
    return redirect("registry:ledger_preview", token=token)


def _upload_page(request, error=None, status=200):
    return render(request, "registry/ledger_import.html",
                  {"error": error, "max_mb": settings.SAFEGRID_IMPORT_MAX_MB,
                   "max_rows": settings.SAFEGRID_IMPORT_MAX_ROWS}, status=status)


@import_role_required
def preview(request, token):
    path, name = ledger.stored_upload(token, request.user)
    return _preview_page(request, token, name, _checked(path, request.user))


def _checked(path, user, write=False, name=""):
    """The Plan, or a file-level ServiceError turned into a one-error Plan."""
    try:
        if write:
            return ledger.run_import(path, user, filename=name)
        return ledger.validate(path, user)
    except ServiceError as exc:
        errors = exc.errors or [{"row": None, "column": None, "field": exc.field, "code": exc.code,
                                 "message": exc.message}]
        return ledger.Plan(errors=errors)


def _preview_page(request, token, name, plan, status=200):
    return render(request, "registry/ledger_preview.html", {
        "token": token, "name": name, "plan": plan, "errors": plan.errors[:ledger.MAX_LISTED_ERRORS],
        "error_rows": len({e["row"] for e in plan.errors if e["row"]}),
        "truncated": len(plan.errors) > ledger.MAX_LISTED_ERRORS, "max_errors": ledger.MAX_LISTED_ERRORS,
    }, status=status)


@require_POST
@import_role_required
def confirm(request, token):
    path, name = ledger.stored_upload(token, request.user)
    plan = _checked(path, request.user, write=True, name=name)
    if not plan.valid:
        return _preview_page(request, token, name, plan, status=400)
    ledger.discard_upload(token)
    messages.success(request, f"导入完成：新增 {len(plan.creates)} 家，更新 {len(plan.updates)} 家，"
                              f"未变化 {plan.unchanged} 家，跳过空行 {plan.empty} 行。")
    return redirect(reverse("registry:ledger_import") + "?done=1")


@require_POST
@import_role_required
def cancel(request, token):
    ledger.stored_upload(token, request.user)  # 404 for someone else's upload
    ledger.discard_upload(token)
    return redirect("registry:ledger_import")
