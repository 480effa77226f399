"""Enterprise pages: list (htmx filter), Excel export, detail, create, edit and the detail's actions.

Every query goes through `Enterprise.objects.restrict(user, action)`; state changes go through
`registry.services` (and `core.services.void`). Out of scope is 404, a role that may never act is 403.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safegrid.accounts.views import role_required
from safegrid.audit.models import AuditEvent
from safegrid.audit.views import action_label
from safegrid.core.errors import Conflict, ServiceError
from safegrid.core.roles import STAFF_ROLES, Role, role_may
from safegrid.core.services import void
from safegrid.regions.models import Grid, Region

from . import ledger, services
from .filters import EnterpriseFilter
from .forms import (
    EnterpriseForm,
    GridOverrideForm,
    StatusForm,
    VoidForm,
    add_service_errors,
    enterprise_filter_form,
)
from .models import Enterprise, IndustryCode, IndustryLevel, Scale

PAGE_SIZE = 50
def visible(user, action="view"):
    return (Enterprise.objects.restrict(user, action).filter(voided_at__isnull=True)
            .select_related("category", "operating_region__parent", "grid"))


def changeable_ids(user, ids):
    """Of `ids`, those the user may change: one query for a whole page of rows."""
    return set(Enterprise.objects.restrict(user, "change").filter(pk__in=ids).values_list("pk", flat=True))


def query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def enterprise_page(request, *, template, title, fixed_status=None, extra=None):
    """List page shared by 监管对象 and the suspended/closed list: filter form, page, export link."""
    data = request.GET.copy()
    if fixed_status:
        chosen = [s for s in data.getlist("status") if s in fixed_status]
        data.setlist("status", chosen or list(fixed_status))
    filterset = EnterpriseFilter(data, queryset=visible(request.user))
    form = enterprise_filter_form(filterset, request.user, fixed_status)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = changeable_ids(request.user, [e.pk for e in page.object_list])
    for enterprise in page.object_list:
        enterprise.read_only = enterprise.pk not in editable
    export_query = data.copy()
    export_query.pop("page", None)
    context = {
        "title": title, "form": form, "page": page, "query": query_without_page(request),
        # The ledger export (registry/ledger.py): same FilterSet, ledger layout, so it imports back.
        "export_url": f"{reverse('registry:ledger_export')}?{export_query.urlencode()}",
        "may_import": ledger.may_import(request.user),
        "may_export": role_may(request.user.effective_role, "export", Enterprise),
        "may_create": role_may(request.user.effective_role, "change", Enterprise),
        "fixed_status": fixed_status, **(extra or {}),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/_enterprise_results.html", context)
    return render(request, template, context)


@role_required("view", Enterprise)
def enterprise_list(request):
    return enterprise_page(request, template="registry/enterprise_list.html", title="监管对象")


# --- detail -----------------------------------------------------------------------------------


def scoped_grids(user, enterprise):
    """Grids the user may pick for the enterprise: its county, within the user's scope."""
    return (Grid.objects.restrict(user, "view").filter(region_code=enterprise.region_code, voided_at__isnull=True)
            .select_related("region").order_by("path"))


def history(user, enterprise):
    if not role_may(user.effective_role, "view", AuditEvent):
        return None
    events = list(AuditEvent.objects.restrict(user, "view")
                  .filter(object_type="registry.enterprise", object_id=str(enterprise.pk))[:50])
    for event in events:
        event.action_label = action_label(event.action)
    return events


def industry_path(industry):
    """'C 制造业 › 26 化学原料…' for the detail page."""
    if industry is None:
        return ""
    names, node = [], IndustryCode.objects.select_related("parent__parent__parent").get(pk=industry.pk)
    while node is not None:
        names.insert(0, f"{node.code} {node.name}")
        node = node.parent
    return " › ".join(names)


def map_config(enterprise):
    grid = enterprise.grid
    return {
        "point": [enterprise.lon, enterprise.lat] if enterprise.lon is not None else None,
        "name": enterprise.name,
        "labels": {"noPoint": "未标注坐标，无法在地图上显示。"},
        "grid": {"type": "Feature", "geometry": grid.polygon, "properties": {"name": grid.name}} if grid else None,
    }


def render_detail(request, enterprise, status=200, **forms):
    user = request.user
    may_change = enterprise.voided_at is None and \
        Enterprise.objects.restrict(user, "change").filter(pk=enterprise.pk).exists()
    context = {
        "enterprise": enterprise,
        "responsible": services.responsible_departments(enterprise),
        "officers": enterprise.grid.officers.filter(voided_at__isnull=True).select_related("user")
        if enterprise.grid_id else [],
        "industry_path": industry_path(enterprise.industry),
        "history": history(user, enterprise),
        "may_change": may_change,
        "map_config": map_config(enterprise),
        **enterprise_accounts(user, enterprise),
    }
    if may_change:
        context["status_form"] = forms.get("status_form") or StatusForm(initial={
            "status": enterprise.status, "version": enterprise.version})
        context["grid_form"] = forms.get("grid_form") or GridOverrideForm(
            grids=scoped_grids(user, enterprise), initial={"grid": enterprise.grid_id})
        context["void_form"] = forms.get("void_form") or VoidForm()
        context["open_panel"] = forms.get("open_panel", "")
    return render(request, "registry/enterprise_detail.html", context, status=status)


def enterprise_accounts(user, enterprise):
    """The enterprise's login accounts, and whether the user may open one (开通企业账号)."""
    from safegrid.accounts.permissions import creatable_roles

    if user.effective_role not in STAFF_ROLES:
        return {"accounts": None}
    accounts = enterprise.users.filter(role=Role.ENTERPRISE).order_by("username")
    may_open = enterprise.voided_at is None and Role.ENTERPRISE in creatable_roles(user)
    return {"accounts": list(accounts), "may_open_account": may_open}


def detail_queryset(user, action):
    return Enterprise.objects.restrict(user, action).select_related(
        "category", "industry", "operating_region__parent", "registered_region", "grid__region")


@role_required("view", Enterprise)
def enterprise_detail(request, pk):
    return render_detail(request, get_object_or_404(detail_queryset(request.user, "view"), pk=pk))


def conflict_page(request, enterprise, exc):
    return render(request, "registry/conflict.html", {"enterprise": enterprise, "message": exc.message},
                  status=409)


# --- create and edit ------------------------------------------------------------------------


def operating_regions(user):
    return Region.objects.restrict(user, "view")


def render_form(request, form, enterprise=None, status=200):
    return render(request, "registry/enterprise_form.html", {
        "form": form, "enterprise": enterprise,
        "divisions": IndustryCode.objects.filter(level=IndustryLevel.DIVISION).order_by("code"),
    }, status=status)


@role_required("change", Enterprise)
def enterprise_create(request):
    regions = operating_regions(request.user)
    form = EnterpriseForm(request.POST or None, operating_regions=regions, initial={"scale": Scale.SMALL})
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(form.raw(), actor=request.user, operating_regions=regions)
        except ServiceError as exc:
            return render_form(request, add_service_errors(form, exc), status=400)
        messages.success(request, f"已登记“{enterprise.name}”。")
        return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render_form(request, form, status=400 if form.is_bound else 200)


@role_required("change", Enterprise)
def enterprise_edit(request, pk):
    enterprise = get_object_or_404(detail_queryset(request.user, "change").filter(voided_at__isnull=True), pk=pk)
    regions = operating_regions(request.user)
    if request.method != "POST":
        initial = {**services.export_values(enterprise), "version": enterprise.version}
        return render_form(request, EnterpriseForm(initial=initial, operating_regions=regions), enterprise)
    form = EnterpriseForm(request.POST, operating_regions=regions)
    if not form.is_valid():
        return render_form(request, form, enterprise, status=400)
    try:
        services.update_enterprise(enterprise, form.raw(), actor=request.user, operating_regions=regions,
                                   version=form.cleaned_data["version"] or 0)
    except Conflict as exc:
        return conflict_page(request, enterprise, exc)
    except ServiceError as exc:
        return render_form(request, add_service_errors(form, exc), enterprise, status=400)
    messages.success(request, "已保存。")
    return redirect("registry:enterprise_detail", pk=enterprise.pk)


# --- actions on the detail page -------------------------------------------------------------


def changeable(request, pk):
    return get_object_or_404(detail_queryset(request.user, "change").filter(voided_at__isnull=True), pk=pk)


@require_POST
@role_required("change", Enterprise)
def enterprise_status(request, pk):
    enterprise = changeable(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render_detail(request, enterprise, 400, status_form=form, open_panel="status")
    data = form.cleaned_data
    try:
        services.set_status(enterprise, status=data["status"], since=data["status_since"], actor=request.user,
                            version=data["version"], reason=data["reason"])
    except Conflict as exc:
        return conflict_page(request, enterprise, exc)
    except ServiceError as exc:
        enterprise.refresh_from_db()
        return render_detail(request, enterprise, 400, status_form=add_service_errors(form, exc),
                             open_panel="status")
    messages.success(request, f"经营状态已改为“{enterprise.get_status_display()}”。")
    return redirect("registry:enterprise_detail", pk=pk)


@require_POST
@role_required("change", Enterprise)
def enterprise_grid_override(request, pk):
    enterprise = changeable(request, pk)
    grids = scoped_grids(request.user, enterprise)
    form = GridOverrideForm(request.POST, grids=grids)
    if not form.is_valid():
        return render_detail(request, enterprise, 400, grid_form=form, open_panel="grid")
    try:
        services.override_grid(enterprise, grid=grids.get(pk=form.cleaned_data["grid"]),
                               reason=form.cleaned_data["reason"], actor=request.user)
    except Conflict as exc:
        return conflict_page(request, enterprise, exc)
    except ServiceError as exc:
        enterprise.refresh_from_db()
        return render_detail(request, enterprise, 400, grid_form=add_service_errors(form, exc), open_panel="grid")
    messages.success(request, "已人工指定网格。")
    return redirect("registry:enterprise_detail", pk=pk)


@require_POST
@role_required("change", Enterprise)
def enterprise_grid_clear(request, pk):
    enterprise = changeable(request, pk)
    try:
        services.clear_grid_override(enterprise, actor=request.user)
    except Conflict as exc:
        return conflict_page(request, enterprise, exc)
    messages.success(request, "已取消人工指定，网格按坐标重新确定。")
    return redirect("registry:enterprise_detail", pk=pk)


@require_POST
@role_required("change", Enterprise)
def enterprise_void(request, pk):
    enterprise = changeable(request, pk)
    form = VoidForm(request.POST)
    form.is_valid()
    try:
        void(enterprise, form.cleaned_data.get("reason", ""), request.user)
    except Conflict as exc:
        return conflict_page(request, enterprise, exc)
    except ServiceError as exc:
        return render_detail(request, enterprise, 400, void_form=add_service_errors(form, exc), open_panel="void")
    messages.success(request, f"已作废“{enterprise.name}”。")
    return redirect("registry:enterprise_detail", pk=pk)
