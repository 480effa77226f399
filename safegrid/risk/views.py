"""Risk pages at /risk/: the risk list (one of the five lists) with export, the risk map, an
enterprise's dual-prevention page (its list, assessments, checks, grade and reasons), the
GB 18218 calculator and the workbook import/export.

Every query goes through `restrict(user, action)`; changes go through `risk.services`.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.accounts.views import role_required
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role, role_may
from safegrid.core.uploads import check_uploaded, limit_upload
from safegrid.registry.forms import ListSelect, enterprise_filter_form, scope_towns
from safegrid.registry.models import Enterprise, KeyArea

from . import assessment, gb18218, grading, queries, services, workbook
from .filters import LEVELS, RiskListFilter
from .forms import CheckForm, EventForm, MeasureForm, ProfileForm, SourceForm, UnitForm, parse_substances
from .models import (
    COLOR_ORDER,
    COLOR_SHORT,
    ControlCheckRecord,
    ControlCheckTask,
    ControlMeasure,
    EnterpriseGrade,
    GradeSnapshot,
    MajorHazardSource,
    Method,
    RiskColor,
    RiskEvent,
    RiskObject,
    RiskProfile,
    RiskUnit,
)

PAGE_SIZE = 50
COLOR_HEX = {"red": "#d62728", "orange": "#fd7e14", "yellow": "#f2c200", "blue": "#1f77b4", "": "#adb5bd"}
TRIGGERS = {"regrade": "定期重算", "hazard": "隐患变化", "profile": "基础信息变更", "major_hazard_source": "重大危险源变更",
            "supervision": "首次赋码"}
EXPORT_HEADERS = ["生产经营单位", "统一社会信用代码", "安全监管类别", "乡镇(街道)/村(社区)", "网格", "安全码", "得分",
                  "重大危险源级别", "赋码理由", "赋码时间"]


def index(request):
    """Staff go to the risk list; an enterprise user to its own risk page."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    if request.user.effective_role == Role.ENTERPRISE:
        if not request.user.enterprise_id:
            raise Http404
        return redirect("risk:enterprise", pk=request.user.enterprise_id)
    return redirect("risk:list")


# --- the risk list (风险清单) --------------------------------------------------------------------


# Filters kept by URL (?scale=… still works) but left off the page to keep one row.
HIDDEN_FILTERS = ("scale", "industry", "has_grid", "operating_elsewhere", "status", "has_major_hazard_source")


def risk_form(filterset, user):
    form = enterprise_filter_form(filterset, user)
    css = form.fields["region"].widget.attrs.get("class", "form-select")  # same size as the registry's
    form.fields["color"].widget = ListSelect(choices=[("", "全部")] + list(RiskColor.choices), attrs={"class": css})
    form.fields["major_hazard_level"].widget = forms.Select(choices=[("", "全部")] + list(LEVELS), attrs={"class": css})
    for name in HIDDEN_FILTERS:
        del form.fields[name]
    return form


@role_required("view", KeyArea)  # staff roles; an enterprise sees its own page
def risk_list(request):
    filterset = RiskListFilter(request.GET, queryset=queries.risk_enterprises(request.user))
    form = risk_form(filterset, request.user)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "colors": COLOR_HEX,
               "may_export": role_may(request.user.effective_role, "export", EnterpriseGrade)}
    if request.headers.get("HX-Request"):
        return render(request, "risk/_results.html", context)
    context.update({
        "towns": queries.counts_by_town(filterset.qs),
        "changes": list(queries.changed_since(request.user)[:50]),
        "color_order": COLOR_ORDER, "short": COLOR_SHORT,
    })
    return render(request, "risk/list.html", context)


@role_required("export", EnterpriseGrade)
def risk_export(request):
    queryset = RiskListFilter(request.GET, queryset=queries.risk_enterprises(request.user, "export")).qs
    rows = ([e.name, e.credit_code, e.category.name, e.operating_region.name, e.grid.name if e.grid_id else "",
             *_grade_cells(getattr(e, "grade", None))] for e in queryset.iterator(chunk_size=2000))
    return excel.export("风险清单.xlsx", "风险清单", EXPORT_HEADERS, rows, [36, 22, 16, 18, 18, 8, 8, 12, 60, 20])


def _grade_cells(grade):
    if grade is None:
        return ["未赋码", None, None, "", None]
    level = f"{grade.major_hazard_level}级" if grade.major_hazard_level else ""
    return [COLOR_SHORT[grade.color], float(grade.score), level, "；".join(r["text"] for r in grade.reasons),
            timezone.localtime(grade.graded_at)]


# --- the risk map -------------------------------------------------------------------------------


@role_required("view", KeyArea)
def risk_map(request):
    colors = [{"code": c.value, "name": c.label, "color": COLOR_HEX[c.value]} for c in RiskColor]
    return render(request, "risk/map.html", {
        "towns": scope_towns(request.user), "selected_town": request.GET.get("region", ""),
        "map_config": {"pointsUrl": reverse("risk:points"), "gridsUrl": reverse("grid-geojson"),
                       "detailUrl": reverse("risk:enterprise", args=[0]), "colors": colors,
                       "labels": {"detail": "查看风险 ›", "loading": "正在加载…", "count": "家单位",
                                  "empty": "该范围内没有已标注坐标的单位。", "failed": "数据加载失败，请刷新重试。",
                                  "legend": "安全码", "none": "未赋码", "score": "得分"}},
    })


@role_required("view", KeyArea)
def risk_points(request):
    """Compact points: [id, lon, lat, colour, name, score] under the risk list's filter."""
    queryset = RiskListFilter(request.GET, queryset=queries.risk_enterprises(request.user)).qs
    rows = queryset.filter(lon__isnull=False).values_list("id", "lon", "lat", "grade__color", "name", "grade__score")
    return JsonResponse({"fields": ["id", "lon", "lat", "color", "name", "score"],
                         "points": [[i, lon, lat, c or "", n, float(s) if s is not None else None]
                                    for i, lon, lat, c, n, s in rows]})


# --- an enterprise's dual-prevention page ---------------------------------------------------------


def _enterprise(request, pk, action="view"):
    return get_object_or_404(Enterprise.objects.restrict(request.user, action).filter(voided_at__isnull=True)
                             .select_related("category"), pk=pk)


def _scales():
    return {m: assessment.active_scale(m).scales for m in (Method.LEC, Method.LS)}


def _hierarchy(enterprise):
    live = {"enterprise": enterprise, "voided_at__isnull": True}
    objects = list(RiskObject.objects.filter(**live))
    units = list(RiskUnit.objects.filter(**live).select_related("risk_object"))
    events = list(RiskEvent.objects.filter(**live).select_related("unit"))
    measures = list(ControlMeasure.objects.filter(**live))
    tasks = queries.tasks_with_due(ControlCheckTask.objects.filter(**live))
    for measure in measures:
        measure.task_list = [t for t in tasks if t.measure_id == measure.pk]
    for event in events:
        event.measure_list = [m for m in measures if m.event_id == event.pk]
    for unit in units:
        unit.event_list = [e for e in events if e.unit_id == unit.pk]
    for obj in objects:
        obj.unit_list = [u for u in units if u.risk_object_id == obj.pk]
    return objects, units, events, tasks


def enterprise_context(request, enterprise, **forms):
    objects, units, events, tasks = _hierarchy(enterprise)
    scales = _scales()
    may_change = services.may_change(request.user, enterprise)
    grade = EnterpriseGrade.objects.filter(enterprise=enterprise).select_related("rule_set").first()
    history = list(GradeSnapshot.objects.filter(enterprise=enterprise)[:12])
    for entry in history:
        entry.trigger_label = TRIGGERS.get(entry.trigger) or TRIGGERS.get(entry.trigger.split("_")[0], entry.trigger)
    explained = grading.explain(history[0].inputs, history[0].rule_set.rules)[2] if history else []
    return {
        "enterprise": enterprise, "objects": objects, "units": units, "events": events,
        "overdue_tasks": [t for t in tasks if t.is_overdue], "may_change": may_change,
        "grade": grade, "history": history, "explained": explained, "colors": COLOR_HEX, "short": COLOR_SHORT,
        "supervision": services.required_inspections(enterprise) if grade else None,
        "sources": MajorHazardSource.objects.filter(enterprise=enterprise, voided_at__isnull=True),
        "records": ControlCheckRecord.objects.filter(enterprise=enterprise).select_related("task", "hazard")[:20],
        "profile": RiskProfile.objects.filter(enterprise=enterprise).first(),
        "unit_form": forms.get("unit_form") or UnitForm(objects=objects),
        "event_form": forms.get("event_form") or EventForm(units=units, lec=scales[Method.LEC], ls=scales[Method.LS]),
        "measure_form": forms.get("measure_form") or MeasureForm(events=events),
        "check_form": CheckForm(), "profile_form": _profile_form(enterprise),
        "may_profile": may_change or request.user.effective_role == Role.COUNTY_OFFICE,
    }


def _profile_form(enterprise):
    profile = RiskProfile.objects.filter(enterprise=enterprise).first()
    initial = {"hazardous_process": profile.hazardous_process, "emergency_team": profile.emergency_team,
               "standardisation_level": str(profile.standardisation_level or "")} if profile else {}
    return ProfileForm(initial=initial)


@role_required("view", RiskEvent)
def enterprise_page(request, pk):
    enterprise = _enterprise(request, pk)
    return render(request, "risk/enterprise.html", enterprise_context(request, enterprise))


def _may_change_or_403(request, enterprise):
    if not services.may_change(request.user, enterprise):
        raise PermissionDenied


def _add_errors(form, exc):
    for problem in exc.errors or [{"field": exc.field, "message": exc.message}]:
        field = problem.get("field")
        form.add_error(field if field in form.fields else None, problem["message"])


def _invalid(request, enterprise, **forms):
    return render(request, "risk/enterprise.html", enterprise_context(request, enterprise, **forms), status=400)


@require_POST
@role_required("change", RiskEvent)
def add_unit(request, pk):
    enterprise = _enterprise(request, pk)
    _may_change_or_403(request, enterprise)
    objects = list(RiskObject.objects.filter(enterprise=enterprise, voided_at__isnull=True))
    form = UnitForm(request.POST, objects=objects)
    if form.is_valid():
        data = form.cleaned_data
        try:
            obj = next((o for o in objects if str(o.pk) == data["risk_object"]), None)
            if obj is None:
                obj = services.create_object(enterprise, {"name": data["new_object"]}, actor=request.user)
            unit = services.create_unit(obj, data, actor=request.user)
        except ServiceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已新增风险分析单元“{unit.name}”。")
            return redirect("risk:enterprise", pk=pk)
    return _invalid(request, enterprise, unit_form=form)


@require_POST
@role_required("change", RiskEvent)
def add_event(request, pk):
    enterprise = _enterprise(request, pk)
    _may_change_or_403(request, enterprise)
    units = list(RiskUnit.objects.filter(enterprise=enterprise, voided_at__isnull=True).select_related("risk_object"))
    scales = _scales()
    form = EventForm(request.POST, units=units, lec=scales[Method.LEC], ls=scales[Method.LS])
    if form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        try:
            event = services.create_event(unit, form.cleaned_data, actor=request.user)
        except ServiceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已新增风险事件“{event.name}”，风险值 {event.score}，"
                                      f"{event.get_color_display()}。")
            return redirect(f"{reverse('risk:enterprise', args=[pk])}#event-{event.pk}")
    return _invalid(request, enterprise, event_form=form)


@require_POST
@role_required("change", RiskEvent)
def add_measure(request, pk):
    enterprise = _enterprise(request, pk)
    _may_change_or_403(request, enterprise)
    events = list(RiskEvent.objects.filter(enterprise=enterprise, voided_at__isnull=True))
    form = MeasureForm(request.POST, events=events)
    if form.is_valid():
        data = form.cleaned_data
        event = next(e for e in events if str(e.pk) == data["event"])
        try:
            measure = services.create_measure(event, data, actor=request.user)
            if data["cycle"]:
                services.create_task(measure, data, actor=request.user)
        except ServiceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已新增管控措施。")
            return redirect(f"{reverse('risk:enterprise', args=[pk])}#event-{event.pk}")
    return _invalid(request, enterprise, measure_form=form)


@require_POST
@role_required("change", RiskEvent)
def record_check(request, pk, task_pk):
    enterprise = _enterprise(request, pk)
    _may_change_or_403(request, enterprise)
    task = get_object_or_404(ControlCheckTask.objects.restrict(request.user, "change")
                             .filter(enterprise=enterprise, voided_at__isnull=True), pk=task_pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            entry = services.record_check(task, form.cleaned_data, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已上报隐患 #{entry.hazard_id}（管控措施失效）。" if entry.hazard_id
                             else "已记录排查：正常。")
    return redirect("risk:enterprise", pk=pk)


@require_POST
@role_required("view", RiskProfile)
def set_profile(request, pk):
    enterprise = _enterprise(request, pk)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.set_profile(enterprise, form.cleaned_data, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已更新风险基础信息，安全码已重新计算。")
    return redirect("risk:enterprise", pk=pk)


@role_required("export", RiskEvent)
def workbook_export(request, pk):
    return workbook.export(_enterprise(request, pk))  # its own risk list: the enterprise may export it too


@csrf_exempt  # the size check must run before the CSRF check reads the body; csrf_protect follows
@role_required("change", RiskEvent)
def workbook_import(request, pk):
    enterprise = _enterprise(request, pk)
    _may_change_or_403(request, enterprise)
    if request.method != "POST":
        return render(request, "risk/import.html", {"enterprise": enterprise})
    try:
        handler = limit_upload(request)
    except ServiceError as exc:
        return render(request, "risk/import.html", {"enterprise": enterprise, "error": exc.message}, status=exc.status)
    return _receive(request, enterprise, handler)


@csrf_protect
def _receive(request, enterprise, handler):
    uploaded = request.FILES.get("file")
    try:
        check_uploaded(handler, uploaded)
        if uploaded is None:
            raise ServiceError("file.required", "请选择要上传的 .xlsx 文件。", field="file")
        created = workbook.import_workbook(enterprise, uploaded, actor=request.user)
    except ServiceError as exc:
        return render(request, "risk/import.html", {"enterprise": enterprise, "error": exc.message,
                                                    "problems": exc.errors}, status=exc.status)
    messages.success(request, "已导入：" + "，".join(f"{k} {v} 条" for k, v in created.items()))
    return redirect("risk:enterprise", pk=enterprise.pk)


# --- GB 18218 calculator and major hazard sources ----------------------------------------------------


@role_required("view", MajorHazardSource)
def calculator(request):
    """Anyone signed in may compute; an enterprise user may also register the unit."""
    form = SourceForm(request.POST or None)
    result = None
    may_register = bool(request.user.enterprise_id) and request.user.effective_role == Role.ENTERPRISE
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "substances": parse_substances(form.cleaned_data["substances"])}
        try:
            if may_register and request.POST.get("register"):
                enterprise = get_object_or_404(Enterprise, pk=request.user.enterprise_id)
                source = services.register_source(enterprise, data, actor=request.user)
                messages.success(request, f"已登记“{source.name}”：" + (f"{source.level}级重大危险源" if source.is_major
                                                                     else "未构成重大危险源"))
                return redirect("risk:enterprise", pk=enterprise.pk)
            result = gb18218.compute(data)
        except ServiceError as exc:
            _add_errors(form, exc)
            form.problems = exc.errors or [{"message": exc.message}]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "risk/calculator.html", {"form": form, "result": result, "may_register": may_register,
                                                    "levels": LEVELS}, status=status)
