"""系统管理 › 用户与账号: list, create, edit, reset password, deactivate/reactivate, bulk import,
and opening an enterprise's account. Who may do what: accounts.permissions (404 out of scope)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.audit.models import AuditEvent
from safegrid.audit.views import labelled
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.core.uploads import check_uploaded, limit_upload
from safegrid.registry import ledger
from safegrid.registry.models import Enterprise

from . import console, services, user_import
from .filters import UserFilter
from .forms_manage import ReasonForm, UserForm, filter_form
from .models import User
from .permissions import can_manage_user, creatable_roles, manageable_users, may_manage_users

PAGE_SIZE = 50


def manager_required(view):
    def wrapper(request, *args, **kwargs):
        if not may_manage_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(wrapper)


def show_error(form, exc):
    """A service's refusal on the form field it names (else above the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def once(response):
    """Pages that show a password: never cached, never kept in the browser's history cache."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@login_required
def index(request):
    sections = console.sections(request.user)
    if not sections:
        raise PermissionDenied
    return render(request, "manage/index.html", {"sections": sections})


def audit_trail(object_type, object_id, limit=50):
    events = AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("-created_at", "-id")
    return labelled(list(events[:limit]))


@manager_required
def users(request):
    scoped = manageable_users(request.user).select_related("department", "enterprise").prefetch_related(
        "scope_grants__region", "scope_grants__grid").order_by("username")
    filterset = UserFilter(request.GET or None, queryset=scoped)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "manage/users/list.html", {
        "section": "users", "form": filter_form(filterset, request.user), "page": page,
        "query": query.urlencode(), "may_import": True, "total": page.paginator.count,
    })


def _service_args(form):
    data = form.cleaned_data
    return {"name": data["name"], "mobile": data["mobile"], "role": data["role"], "department": data["department"],
            "regions": list(data["regions"]), "grids": list(data["grids"]), "enterprise": data["enterprise"]}


@manager_required
def user_new(request):
    form = UserForm(request.user, request.POST or None, initial={"role": request.GET.get("role", "")})
    if request.method == "POST" and form.is_valid():
        password = services.generate_password()
        try:
            user = services.create_user(username=form.cleaned_data["username"], password=password,
                                        actor=request.user, must_change=True, **_service_args(form))
        except ServiceError as exc:
            show_error(form, exc)
        else:
            return once(render(request, "manage/users/password.html", {
                "section": "users", "target": user, "password": password, "created": True}))
    return render(request, "manage/users/form.html", {"section": "users", "form": form})


def _managed(request, pk):
    return get_object_or_404(manageable_users(request.user).select_related("department", "enterprise"), pk=pk)


@manager_required
def user_detail(request, pk):
    target = get_object_or_404(manageable_users(request.user).select_related("department", "enterprise")
                               .prefetch_related("scope_grants__region", "scope_grants__grid"), pk=pk)
    officer = getattr(target, "grid_officer", None) if target.role == Role.GRID_OFFICER else None
    return render(request, "manage/users/detail.html", {
        "section": "users", "target": target, "officer": officer, "may_manage": can_manage_user(request.user, target),
        "events": audit_trail("accounts.user", target.pk), "locked": target.is_locked(),
    })


@manager_required
def user_edit(request, pk):
    target = _managed(request, pk)
    if not can_manage_user(request.user, target):
        raise PermissionDenied
    form = UserForm(request.user, request.POST or None, user=target, initial=UserForm.initial_for(target))
    if target.role not in creatable_roles(request.user):
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(target, actor=request.user, **_service_args(form))
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存账号 {target.username}。")
            return redirect("manage_accounts:user", pk=target.pk)
    return render(request, "manage/users/form.html", {"section": "users", "form": form, "target": target})


@manager_required
def user_password(request, pk):
    """Reset: confirm first, then the new password is shown once."""
    target = _managed(request, pk)
    if not can_manage_user(request.user, target):
        raise PermissionDenied
    if request.method == "POST":
        password = services.reset_password(target, actor=request.user)
        return once(render(request, "manage/users/password.html", {
            "section": "users", "target": target, "password": password}))
    return render(request, "manage/users/confirm.html", {
        "section": "users", "target": target, "title": "重置密码", "button": "重置密码", "danger": False,
        "text": "将为该账号生成新的随机密码，旧密码立即失效；新密码只显示一次，用户首次登录须修改。"})


@manager_required
def user_active(request, pk, active):
    target = _managed(request, pk)
    if not can_manage_user(request.user, target):
        raise PermissionDenied
    form = ReasonForm(request.POST or None, required=not active)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_active(target, active, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已{'启用' if active else '停用'}账号 {target.username}。")
            return redirect("manage_accounts:user", pk=target.pk)
    title = "启用账号" if active else "停用账号"
    text = ("启用后该用户可以重新登录。" if active else
            "停用后该用户立即不能登录，其 API 令牌失效；账号和历史记录保留，可随时重新启用。")
    return render(request, "manage/users/confirm.html", {
        "section": "users", "target": target, "title": title, "button": title, "danger": not active,
        "text": text, "form": form})


@require_POST
@manager_required
def user_unlock(request, pk):
    target = _managed(request, pk)
    services.unlock(target, actor=request.user)
    messages.success(request, f"已解除账号 {target.username} 的登录锁定。")
    return redirect("manage_accounts:user", pk=target.pk)


# --- bulk import ---------------------------------------------------------------------------------


@manager_required
def import_template(request):
    return excel.response(user_import.build_template(), "用户批量导入模板.xlsx")


@csrf_exempt  # the size check must run before the CSRF check reads the body; csrf_protect follows
@manager_required
def import_upload(request):
    if request.method != "POST":
        return render(request, "manage/users/import.html", {"section": "users"})
    try:
        handler = limit_upload(request)
    except ServiceError as exc:
        return render(request, "manage/users/import.html", {"section": "users", "error": exc.message}, status=exc.status)
    return _receive(request, handler)


@csrf_protect
def _receive(request, handler):
    uploaded = request.FILES.get("file")
    try:
        check_uploaded(handler, uploaded)
        if uploaded is None:
            raise ServiceError("file.required", "请选择要上传的文件。", field="file")
    except ServiceError as exc:
        return render(request, "manage/users/import.html", {"section": "users", "error": exc.message}, status=400)
    token = ledger.store_upload(uploaded, request.user)
    return redirect("manage_accounts:import_preview", token=token)


def _outcome(request, token, write):
    path, name = ledger.stored_upload(token, request.user)
    try:
        return user_import.run(path.read_bytes(), name, request.user, write=write), name
    except ServiceError as exc:
        return user_import.Outcome(errors=[{"row": None, "column": None, "code": exc.code,
                                            "message": exc.message}]), name


@manager_required
def import_preview(request, token):
    outcome, name = _outcome(request, token, write=False)
    return render(request, "manage/users/import_preview.html", {
        "section": "users", "outcome": outcome, "name": name, "token": token})


@require_POST
@manager_required
def import_confirm(request, token):
    outcome, name = _outcome(request, token, write=True)
    if not outcome.valid:
        return render(request, "manage/users/import_preview.html", {
            "section": "users", "outcome": outcome, "name": name, "token": token}, status=400)
    ledger.discard_upload(token)
    return once(render(request, "manage/users/import_done.html", {"section": "users", "outcome": outcome}))


# --- an enterprise's account ---------------------------------------------------------------------


def enterprise_username(enterprise):
    return enterprise.credit_code or f"qy{enterprise.pk}"


@require_POST
@login_required
def enterprise_account(request, enterprise_id):
    """开通企业账号: one click on the enterprise page gives its safety manager an account."""
    enterprise = get_object_or_404(Enterprise.objects.restrict(request.user, "view").filter(voided_at__isnull=True),
                                   pk=enterprise_id)
    if Role.ENTERPRISE not in creatable_roles(request.user):
        raise PermissionDenied
    password = services.generate_password()
    try:
        user = services.create_user(
            username=enterprise_username(enterprise), password=password, role=Role.ENTERPRISE, actor=request.user,
            name=enterprise.safety_manager or enterprise.principal_person or enterprise.name[:50],
            mobile=enterprise.safety_manager_mobile, enterprise=enterprise, must_change=True)
    except ServiceError as exc:
        messages.error(request, f"未能开通企业账号：{exc.message}")
        return redirect(reverse("registry:enterprise_detail", args=[enterprise.pk]))
    return once(render(request, "manage/users/password.html", {
        "section": "users", "target": user, "password": password, "created": True, "enterprise": enterprise}))


def enterprise_accounts(enterprise):
    return User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE).order_by("username")
