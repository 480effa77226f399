"""Hazard pages: the desk (工作台: list with tabs, filters, bulk assign, ledger export), my tasks,
the detail page with the actions allowed now, and the photo files.

Every query goes through `Hazard.objects.restrict(user, action)` (out of scope is 404); every
change goes through `services` (a lost compare-and-set answers 409 with the current state).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from safegrid.accounts.forms import add_bootstrap
from safegrid.accounts.views import role_required
from safegrid.core import errors
from safegrid.core.roles import role_may
from safegrid.regions.models import Department
from safegrid.registry.forms import YES_NO, add_service_errors, scope_towns
from safegrid.registry.models import user_counties

from . import clock, queries, services
from .filters import HazardFilter
from .forms import (
    AssignForm,
    BulkAssignForm,
    CloseoutForm,
    ConfirmForm,
    ExtendForm,
    MergeForm,
    PhotosForm,
    PlanForm,
    ReasonForm,
    RequiredReasonForm,
    SubmitForm,
)
from .models import Hazard, HazardPhoto, HazardType, State
from .services import RULES, role_of
from .views_common import (
    STATE_BADGE,
    allowed_actions,
    closeout_choices,
    event_label,
    photo_groups,
    tasks,
    visible,
)

PAGE_SIZE = 50
# Desk tabs: (key, label, states). The states travel as HazardFilter's ?state=… values.
TABS = [
    ("all", "全部", ()),
    ("reported", "待核实", (State.REPORTED,)),
    ("confirmed", "待交办", (State.CONFIRMED,)),
    ("rectifying", "整改中", (State.ASSIGNED, State.RECTIFYING)),
    ("submitted", "待验收", (State.SUBMITTED,)),
    ("closed", "已销号", (State.CLOSED,)),
]


def county_departments(user):
    return Department.objects.filter(region_code__in=user_counties(user), voided_at__isnull=True).order_by("name")


def filter_form(filterset, user):
    """HazardFilter's form with drop-downs fit for the desk; state is set by the tabs."""
    form = filterset.form
    fields = form.fields
    fields["q"].widget.attrs["placeholder"] = "描述、位置或单位名称"
    fields["town"].widget = forms.Select(choices=[("", "全部")] + [(t.code, t.name) for t in scope_towns(user)])
    fields["hazard_type"].widget = forms.Select(choices=[("", "全部")] + [
        (t.code, t.name) for t in HazardType.objects.filter(active=True)])
    fields["grade"].widget = forms.Select(choices=[("", "全部")] + list(fields["grade"].choices)[1:])
    fields["department"].widget = forms.Select(choices=[("", "全部")] + [
        (str(d.pk), d.name) for d in county_departments(user)])
    for name in ("overdue", "due_soon"):
        fields[name].widget = forms.Select(choices=YES_NO)
    labels = {"town": "乡镇(街道)", "department": "责任部门", "due_soon": "即将到期"}
    for name, label in labels.items():
        fields[name].label = label
    add_bootstrap(form)
    for field in fields.values():
        field.widget.attrs["class"] += " form-select-sm" if "select" in field.widget.attrs["class"] \
            else " form-control-sm"
    return form


DESK_FIELDS = ("q", "town", "hazard_type", "grade", "department", "overdue", "due_soon")


def current_tab(states):
    chosen = set(states)
    for key, _label, tab_states in TABS:
        if chosen == {str(s) for s in tab_states}:
            return key
    return ""


def tab_links(request, counts):
    """Each tab keeps the other filters and replaces ?state=…"""
    links = []
    for key, label, states in TABS:
        query = request.GET.copy()
        query.pop("page", None)
        query.setlist("state", [str(s) for s in states])
        n = sum(counts.get(str(s), 0) for s in states) if states else sum(counts.values())
        links.append({"key": key, "label": label, "url": f"?{query.urlencode()}", "count": n})
    return links


def hazard_rows(page):
    for h in page.object_list:
        h.badge = STATE_BADGE.get(h.state, "text-bg-light")
    return page


@role_required("view", Hazard)
def hazard_list(request, template="hazards/list.html", extra=None):
    """工作台 / 隐患清单: one HazardFilter for this page, the API and the ledger export."""
    user = request.user
    filterset = HazardFilter(request.GET, queryset=visible(user))
    form = filter_form(filterset, user)  # before .qs: validation caches the fields' labels
    without_state = request.GET.copy()
    without_state.pop("state", None)
    counts = dict(HazardFilter(without_state, queryset=Hazard.objects.restrict(user, "view")
                               .exclude(state=State.VOIDED)).qs.order_by().values_list("state")
                  .annotate(n=Count("pk")))
    page = hazard_rows(Paginator(filterset.qs.order_by("-reported_at", "-id"), PAGE_SIZE)
                       .get_page(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    role = role_of(user)
    may_assign = role in RULES["assign"].roles
    context = {
        "form": form, "desk_fields": DESK_FIELDS, "page": page,
        "query": query.urlencode(), "tabs": tab_links(request, counts),
        "tab": current_tab(request.GET.getlist("state")), "states": request.GET.getlist("state"),
        "may_export": role_may(role, "export", Hazard),
        "export_url": f"{reverse('hazards:ledger-export')}?{query.urlencode()}",
        "may_report": role in RULES["report"].roles,
        "may_assign": may_assign, "assignable": RULES["assign"].sources,
        "bulk_form": BulkAssignForm(departments=county_departments(user)) if may_assign else None,
        **(extra or {}),
    }
    return render(request, template, context)


@role_required("view", Hazard)
def my_tasks(request):
    """我的任务: hazards where the user's role acts next, the most urgent first."""
    rows = list(tasks(request.user)[:200])
    for h in rows:
        h.badge = STATE_BADGE.get(h.state, "text-bg-light")
    return render(request, "hazards/tasks.html", {
        "rows": rows, "may_report": role_of(request.user) in RULES["report"].roles})


# --- bulk assign -------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _back(request, default):
    target = request.POST.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else default


@require_POST
@role_required("change", Hazard)
def bulk_assign(request):
    """Assign several hazards to one department; all or nothing."""
    user = request.user
    if role_of(user) not in RULES["assign"].roles:
        raise PermissionDenied
    back = _back(request, reverse("hazards:list"))
    ids = [int(i) for i in request.POST.getlist("hazard") if i.isdigit()]
    if not ids:
        messages.error(request, "请先勾选要交办的隐患。")
        return redirect(back)
    hazards = list(Hazard.objects.restrict(user, "change").filter(pk__in=ids).order_by("pk"))
    if len(hazards) != len(set(ids)):
        raise Http404
    department_id = request.POST.get("department") or ""
    problems = []
    try:
        with transaction.atomic():
            for hazard in hazards:
                department = services.county_department(hazard.region_code, department_id) if department_id \
                    else None
                if department_id and department is None:
                    problems.append(f"隐患 #{hazard.pk}：该部门不属于本隐患所在区县。")
                    continue
                try:
                    version = int(request.POST.get(f"v{hazard.pk}") or hazard.version)
                    services.assign(hazard, actor=user, version=version, department=department)
                except errors.ServiceError as exc:
                    problems.append(f"隐患 #{hazard.pk}：{exc.message}")
            if problems:
                raise _Rollback
    except _Rollback:
        messages.error(request, "批量交办未执行(全部未变更)：" + "；".join(problems))
        return redirect(back)
    target = "属地乡镇(街道)" if not department_id else hazards and services.county_department(
        hazards[0].region_code, department_id).name
    messages.success(request, f"已将 {len(hazards)} 条隐患交办给{target}。")
    return redirect(back)


# --- detail and actions ------------------------------------------------------------------------

ACTION_FORMS = {
    "confirm": ConfirmForm, "reject": RequiredReasonForm, "merge": MergeForm, "assign": AssignForm,
    "plan": PlanForm, "submit": SubmitForm, "accept": ReasonForm, "send_back": RequiredReasonForm,
    "extend": ExtendForm, "closeout_step": CloseoutForm, "photos": PhotosForm, "void": RequiredReasonForm,
}
ACTION_LABELS = {**{name: rule.label for name, rule in RULES.items()}, "photos": "补充照片材料"}


def detail_queryset(user, action="view"):
    return (Hazard.objects.restrict(user, action)
            .select_related("enterprise", "hazard_type", "town", "grid__region", "assigned_department",
                            "lead_department", "criterion", "reporter", "merged_into", "recurrence_of",
                            "extension_approver"))


def make_form(name, hazard, user, data=None):
    kwargs = {}
    if name == "assign":
        kwargs["departments"] = Department.objects.filter(region_code=hazard.region_code,
                                                          voided_at__isnull=True).order_by("name")
    if name == "closeout_step":
        kwargs["steps"] = closeout_choices(hazard, user)
    return ACTION_FORMS[name](data, initial={"version": hazard.version}, **kwargs)


def render_detail(request, hazard, status=200, bound=None, open_action=""):
    user = request.user
    hazard = queries.annotate_deadlines(detail_queryset(user), clock.today()).get(pk=hazard.pk)
    may_change = Hazard.objects.restrict(user, "change").filter(pk=hazard.pk).exists()
    names = allowed_actions(hazard, user, may_change)
    actions = [{"name": n, "label": ACTION_LABELS[n],
                "form": bound if bound is not None and n == open_action else make_form(n, hazard, user)}
               for n in names]
    events = list(hazard.events.select_related("actor").all())
    for event in events:
        event.label = event_label(event.action)
        event.to_label = State(event.to_state).label if event.to_state else ""
    unit = queries.supervising_unit(hazard) if hazard.is_major and hazard.is_overdue else None
    return render(request, "hazards/detail.html", {
        "h": hazard, "badge": STATE_BADGE.get(hazard.state), "actions": actions, "open_action": open_action,
        "events": events, "photo_groups": photo_groups(hazard), "supervising_unit": unit,
        "steps": list(hazard.closeout_steps.select_related("actor")),
        "cooperating": list(hazard.cooperating_departments.all()),
    }, status=status)


@role_required("view", Hazard)
def hazard_detail(request, pk):
    return render_detail(request, get_object_or_404(detail_queryset(request.user), pk=pk))


def conflict_page(request, hazard, exc):
    current = exc.current or services.current_state(hazard.pk) or {}
    return render(request, "hazards/conflict.html", {"h": hazard, "message": exc.message, "current": current},
                  status=409)


def _department(hazard, value):
    if not value:
        return None
    department = services.county_department(hazard.region_code, value)
    if department is None:
        raise errors.ServiceError("department.unknown", "本区县没有该部门。", field="department")
    return department


def run_action(name, hazard, request, data):
    """Call the service behind `name` with the form's values."""
    user, v = request.user, data.get("version")
    files = request.FILES.getlist("after_photos")
    if name == "confirm":
        return services.confirm(hazard, actor=user, version=v, grade=data["grade"], criterion=data["criterion"],
                                reason=data["reason"])
    if name == "reject":
        return services.reject(hazard, actor=user, version=v, reason=data["reason"])
    if name == "merge":
        target = Hazard.objects.restrict(user, "view").filter(pk=data.get("target") or 0).first()
        return services.merge(hazard, actor=user, version=v, target=target, reason=data["reason"])
    if name == "assign":
        return services.assign(hazard, actor=user, version=v, department=_department(hazard, data["department"]),
                               reason=data["reason"])
    if name == "plan":
        return services.plan(hazard, actor=user, version=v, data=data)
    if name == "submit":
        return services.submit(hazard, actor=user, version=v, description=data["description"], after_photos=files)
    if name == "accept":
        return services.accept(hazard, actor=user, version=v, reason=data["reason"])
    if name == "send_back":
        return services.send_back(hazard, actor=user, version=v, reason=data["reason"])
    if name == "extend":
        return services.extend(hazard, actor=user, version=v, data=data, reason=data["reason"])
    if name == "closeout_step":
        return services.record_closeout_step(hazard, actor=user, step=data["step"], note=data["note"])
    if name == "photos":
        return services.add_photos(hazard, actor=user, kind=data["kind"], files=request.FILES.getlist("photos"))
    if name == "void":
        return services.void_hazard(hazard, actor=user, version=v, reason=data["reason"])
    raise Http404


@require_POST
@role_required("change", Hazard)
def hazard_action(request, pk, name):
    if name not in ACTION_FORMS:
        raise Http404
    hazard = get_object_or_404(detail_queryset(request.user, "change"), pk=pk)
    form = make_form(name, hazard, request.user, request.POST)
    if not form.is_valid():
        return render_detail(request, hazard, 400, form, name)
    try:
        run_action(name, hazard, request, form.cleaned_data)
    except errors.Conflict as exc:
        return conflict_page(request, hazard, exc)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ServiceError as exc:
        return render_detail(request, hazard, 400, add_service_errors(form, exc), name)
    messages.success(request, f"已完成“{ACTION_LABELS[name]}”。")
    return redirect("hazards:detail", pk=pk)


@role_required("view", Hazard)
def photo_file(request, pk, thumb=False):
    """A photo (or its thumbnail) of a hazard the user may see; never a public media URL."""
    photo = get_object_or_404(HazardPhoto.objects.filter(
        hazard__in=Hazard.objects.restrict(request.user, "view").values("pk")), pk=pk)
    use_thumb = thumb and bool(photo.thumbnail)
    field = photo.thumbnail if use_thumb else photo.file
    response = FileResponse(field.open("rb"), content_type="image/jpeg" if use_thumb else photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
