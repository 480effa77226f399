"""Inspection pages: the list (one FilterSet with the API and the export), the field inspection on a
phone (start, item by item, sign on a canvas, PDF record), enforcement forms, and the staff pages
for plans, draws, the inspector directory and leaders' quotas. The public draw results are in
views_public.py.

Every query goes through `restrict(user, action)`: out of scope (and, for the enterprise, not yet
started) is 404; roles that may never act get 403. Every change goes through a service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.accounts.views import role_required
from safegrid.core.errors import ServiceError
from safegrid.core.roles import STAFF_ROLES, Role, role_may
from safegrid.hazards import clock
from safegrid.regions.models import Department
from safegrid.registry.models import Enterprise, user_counties

from . import credit, directory, draw, leaders, pdf, plan, queries, services
from .filters import InspectionFilter
from .models import (
    MANAGERS,
    ChecklistItem,
    ConflictKind,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionPlan,
    InspectionState,
    Inspector,
    InspectorKind,
    ItemResult,
    LeaderPost,
    OrderKind,
    PlanItem,
    RandomDraw,
)

PAGE_SIZE = 50
TABS = [("", "全部"), ("planned", "待检查"), ("in_progress", "检查中"), ("signed", "已签字归档")]
STATE_BADGE = {"planned": "text-bg-secondary", "in_progress": "text-bg-warning", "signed": "text-bg-success"}


def _role(user):
    return user.effective_role


def _staff(request):
    if _role(request.user) not in STAFF_ROLES:
        raise PermissionDenied


def _manager(request):
    if _role(request.user) not in MANAGERS:
        raise PermissionDenied


def _error(request, exc):
    messages.error(request, exc.message)


def _query(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- list and export ----------------------------------------------------------------------------


def _filtered(request):
    qs = queries.visible(request.user).order_by("-scheduled_on", "-pk")
    return InspectionFilter(request.GET, queryset=qs, request=request)


@login_required
def inspection_list(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/list.html", {
        "page": page, "filter": filterset, "tabs": TABS, "state": request.GET.get("state", ""),
        "badges": STATE_BADGE, "query": _query(request), "staff": _role(request.user) in STAFF_ROLES,
        "manager": _role(request.user) in MANAGERS})


EXPORT_HEADERS = ["编号", "被检查单位", "统一社会信用代码", "检查部门", "检查方式", "计划日期", "状态", "到达现场",
                  "签字时间", "检查结果"]


@role_required("export", Inspection)
def inspection_export(request):
    qs = InspectionFilter(request.GET, queryset=queries.visible(request.user, "export").order_by("-scheduled_on", "-pk"),
                          request=request).qs
    rows = ([i.pk, i.enterprise.name, i.enterprise.credit_code, i.department.name if i.department else "",
             i.get_kind_display(), i.scheduled_on, i.get_state_display(), i.started_at, i.signed_at,
             i.get_outcome_display()] for i in qs.iterator(chunk_size=2000))
    return excel.export("监督检查台账.xlsx", "监督检查台账", EXPORT_HEADERS, rows)


# --- one inspection -----------------------------------------------------------------------------


def _inspection(request, pk, action="view"):
    return get_object_or_404(queries.visible(request.user, action), pk=pk)


def _items(inspection):
    findings = {f.item_id: f for f in inspection.findings.prefetch_related("photos")}
    return [(item, findings.get(item.pk)) for item in inspection.checklist.items.select_related("criterion")]


@login_required
def inspection_detail(request, pk):
    inspection = _inspection(request, pk)
    done, total, failed = queries.progress(inspection)
    user = request.user
    may_conduct = (_role(user) in (Role.ADMIN, Role.COUNTY_OFFICE) or services.is_member(inspection, user)) \
        and role_may(_role(user), "change", Inspection)
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "members": inspection.members.select_related("inspector"),
        "items": _items(inspection), "done": done, "total": total, "failed": failed,
        "may_conduct": may_conduct, "results": ItemResult.choices, "badges": STATE_BADGE,
        "may_enforce": _role(user) in MANAGERS and inspection.state != InspectionState.PLANNED,
        "order_kinds": OrderKind.choices, "failed_findings": queries.failed_findings(inspection),
        "is_leader": LeaderPost.objects.filter(user=user, active=True).exists(),
        "orders": credit.EnforcementOrder.objects.filter(inspection=inspection, voided_at__isnull=True),
        "penalties": credit.Penalty.objects.filter(inspection=inspection, voided_at__isnull=True),
        "today": clock.today()})


@require_POST
@role_required("change", Inspection)
def inspection_start(request, pk):
    inspection = _inspection(request, pk, "change")
    try:
        services.start(inspection, actor=request.user, version=int(request.POST.get("version") or 0))
        messages.success(request, "已到达现场，开始检查。被检查单位现在可以看到本次检查。")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("inspections:detail", pk=pk)


@require_POST
@role_required("change", Inspection)
def item_result(request, pk, item_pk):
    """One checklist item (htmx: answers the item card; plain POST: back to the page)."""
    inspection = _inspection(request, pk, "change")
    item = get_object_or_404(ChecklistItem, pk=item_pk, checklist=inspection.checklist_id)
    error = None
    try:
        services.record_result(inspection, actor=request.user, item=item, result=request.POST.get("result", ""),
                               note=request.POST.get("note", ""), files=request.FILES.getlist("photos"))
    except ServiceError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        finding = Finding.objects.filter(inspection=inspection, item=item).prefetch_related("photos").first()
        inspection.refresh_from_db()
        return render(request, "inspections/_item.html", {
            "inspection": inspection, "item": item, "finding": finding, "error": error, "may_conduct": True,
            "results": ItemResult.choices, "posted": request.POST})
    if error:
        messages.error(request, error)
    return redirect(f"/inspections/{pk}/#item-{item.pk}")


@role_required("change", Inspection)
def inspection_sign(request, pk):
    inspection = _inspection(request, pk, "change")
    members = list(inspection.members.select_related("inspector"))
    error = None
    if request.method == "POST":
        try:
            services.sign(inspection, actor=request.user, version=int(request.POST.get("version") or 0),
                          member_signatures={str(m.pk): request.POST.get(f"signature_{m.pk}") for m in members},
                          representative=request.POST.get("representative"),
                          representative_signature=request.POST.get("representative_signature"),
                          summary_note=request.POST.get("summary_note", ""))
            messages.success(request, "签字确认完成，检查记录已归档，可下载 PDF。")
            return redirect("inspections:detail", pk=pk)
        except ServiceError as exc:
            error = exc
    done, total, failed = queries.progress(inspection)
    return render(request, "inspections/sign.html", {
        "inspection": inspection, "members": members, "error": error, "done": done, "total": total,
        "failed": failed, "posted": request.POST})


@login_required
def inspection_pdf(request, pk):
    inspection = _inspection(request, pk)
    if inspection.state == InspectionState.PLANNED:
        raise Http404
    response = HttpResponse(pdf.render(inspection), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="inspection-{inspection.pk}.pdf"'
    return response


@login_required
def finding_photo(request, pk, thumb=False):
    photo = get_object_or_404(FindingPhoto.objects.select_related("finding"), pk=pk)
    _inspection(request, photo.finding.inspection_id)  # 404 unless the inspection is visible
    field = photo.thumbnail if thumb else photo.file
    return FileResponse(field.open("rb"), content_type="image/jpeg" if thumb else photo.content_type)


@require_POST
@login_required
def participate(request, pk):
    inspection = _inspection(request, pk)
    try:
        services.record_participation(inspection, actor=request.user)
        messages.success(request, "已登记领导带队检查。")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("inspections:detail", pk=pk)


@require_POST
@login_required
def enforce(request, pk, what):
    _manager(request)
    inspection = _inspection(request, pk, "change")
    data = {k: request.POST.get(k, "") for k in ("kind", "legal_basis", "content", "document_no", "amount",
                                                  "deadline", "finding", "decided_on")}
    data.update(enterprise=inspection.enterprise_id, inspection=inspection.pk)
    try:
        if what == "penalty":
            services.issue_penalty(data, actor=request.user)
            messages.success(request, "行政处罚已登记，计入信用档案和安全码。")
        else:
            services.issue_order(data, actor=request.user)
            messages.success(request, "执法文书已登记。")
    except ServiceError as exc:
        _error(request, exc)
    return redirect(f"/inspections/{pk}/#enforcement")


# --- plans --------------------------------------------------------------------------------------


def _counties(user):
    return user_counties(user) if _role(user) != Role.ADMIN else sorted(
        set(Department.objects.values_list("region_code", flat=True)))


@login_required
def plan_list(request):
    _staff(request)
    plans = InspectionPlan.objects.restrict(request.user, "view")
    if request.method == "POST":
        try:
            created = plan.generate_plan(
                actor=request.user, region_code=request.POST.get("region_code", ""),
                year=int(request.POST.get("year") or clock.today().year),
                random_share=request.POST.get("random_share"), max_per_year=request.POST.get("max_per_year"))
            messages.success(request, f"已生成“{created.name}”。")
            return redirect("inspections:plan", pk=created.pk)
        except ServiceError as exc:
            _error(request, exc)
        except ValueError:
            messages.error(request, "年度应为四位数字。")
    return render(request, "inspections/plans.html", {
        "plans": plans, "counties": _counties(request.user), "year": clock.today().year,
        "may_generate": _role(request.user) in (Role.ADMIN, Role.COUNTY_OFFICE),
        "default_share": plan.default_random_share()})


@login_required
def plan_detail(request, pk):
    _staff(request)
    current = get_object_or_404(InspectionPlan.objects.restrict(request.user, "view"), pk=pk)
    items = plan.open_items(current).order_by("town__name", "enterprise__name", "pk")
    if request.GET.get("department"):
        items = items.filter(department_id=request.GET["department"])
    if request.GET.get("town"):
        items = items.filter(town_id=request.GET["town"])
    if request.GET.get("q"):
        items = items.filter(enterprise__name__contains=request.GET["q"].strip())
    return render(request, "inspections/plan.html", {
        "plan": current, "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query(request), "departments": Department.objects.filter(region_code=current.region_code),
        "may_edit": _role(request.user) in (Role.ADMIN, Role.COUNTY_OFFICE)})


@require_POST
@login_required
def plan_edit(request, pk, what):
    current = get_object_or_404(InspectionPlan.objects.restrict(request.user, "change"), pk=pk)
    version = int(request.POST.get("version") or 0)
    reason = request.POST.get("reason", "")
    department = Department.objects.filter(pk=request.POST.get("department") or None,
                                           region_code=current.region_code).first()
    try:
        if what == "add":
            enterprise = Enterprise.objects.restrict(request.user, "view").filter(
                credit_code=request.POST.get("credit_code", "").strip().upper()).first()
            if enterprise is None:
                raise ServiceError("enterprise.unknown", "未找到该统一社会信用代码的单位。", field="enterprise")
            plan.add_item(current, enterprise=enterprise, planned=request.POST.get("planned"), actor=request.user,
                          version=version, reason=reason, department=department)
        else:
            item = get_object_or_404(PlanItem, pk=request.POST.get("item"), plan=current)
            if what == "remove":
                plan.remove_item(item, actor=request.user, version=version, reason=reason)
            else:
                plan.move_item(item, actor=request.user, version=version, reason=reason, department=department,
                               quarter=request.POST.get("quarter"), planned=request.POST.get("planned"))
        messages.success(request, "计划已调整，已记入审计日志。")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("inspections:plan", pk=pk)


# --- draws --------------------------------------------------------------------------------------


@login_required
def draw_list(request):
    _staff(request)
    if request.method == "POST":
        _manager(request)
        try:
            ratios = {f"*:{c}": request.POST.get(f"ratio_{c}") for c in ("red", "orange", "yellow", "blue", "none")}
            ratios = {k: v for k, v in ratios.items() if v not in (None, "")}
            if "*:none" in ratios:
                ratios["*"] = ratios.pop("*:none")
            created = draw.create_draw(
                actor=request.user, region_code=request.POST.get("region_code", ""), name=request.POST.get("name"),
                scheduled_from=_date_or_none(request.POST.get("scheduled_from")),
                scheduled_to=_date_or_none(request.POST.get("scheduled_to")), ratios=ratios or None,
                team_size=int(request.POST.get("team_size") or 2),
                categories=[c for c in request.POST.getlist("categories") if c])
            messages.success(request, f"抽取完成：{created.summary['entities']} 家单位。")
            return redirect("inspections:draw", pk=created.pk)
        except ServiceError as exc:
            _error(request, exc)
    return render(request, "inspections/draws.html", {
        "draws": RandomDraw.objects.restrict(request.user, "view").select_related("department"),
        "counties": _counties(request.user), "may_draw": _role(request.user) in MANAGERS,
        "ratio_fields": _ratio_fields(draw.default_ratios()), "today": clock.today()})


COLOR_LABELS = [("red", "红码"), ("orange", "橙码"), ("yellow", "黄码"), ("blue", "蓝码"), ("none", "未赋码")]


def _ratio_fields(ratios):
    return [(key, label, ratios.get(f"*:{key}", ratios.get("*", ""))) for key, label in COLOR_LABELS]


def _date_or_none(value):
    import datetime

    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


@login_required
def draw_detail(request, pk):
    _staff(request)
    current = get_object_or_404(RandomDraw.objects.restrict(request.user, "view"), pk=pk)
    check = None
    if request.method == "POST":
        if request.POST.get("do") == "publish":
            try:
                draw.publish(current, actor=request.user)
                messages.success(request, "已公开：公开页只显示已完成检查的单位、日期和结果。")
            except ServiceError as exc:
                _error(request, exc)
            return redirect("inspections:draw", pk=pk)
        check = draw.replay(current)
    inspections = current.inspections.select_related("enterprise").order_by("scheduled_on", "pk")
    return render(request, "inspections/draw.html", {
        "draw": current, "check": check, "badges": STATE_BADGE,
        "page": Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page")), "query": _query(request),
        "may_publish": _role(request.user) in MANAGERS})


# --- directory and leaders ---------------------------------------------------------------------


@login_required
def inspector_list(request):
    _staff(request)
    if request.method == "POST":
        _manager(request)
        try:
            if request.POST.get("do") == "conflict":
                inspector = get_object_or_404(Inspector.objects.restrict(request.user, "change"),
                                              pk=request.POST.get("inspector"))
                enterprise = Enterprise.objects.filter(region_code=inspector.region_code, voided_at__isnull=True,
                                                       credit_code=request.POST.get("credit_code", "").strip().upper()
                                                       ).first()
                directory.add_conflict(inspector, enterprise=enterprise, kind=request.POST.get("kind"),
                                       note=request.POST.get("note", ""), actor=request.user)
                messages.success(request, "回避关系已登记，今后抽取不会再为该单位抽中此人。")
            else:
                department = Department.objects.restrict(request.user, "view").filter(
                    pk=request.POST.get("department") or None).first()
                directory.save_inspector({**{k: request.POST.get(k, "") for k in (
                    "name", "unit", "kind", "certificate_no", "region_code")}, "department": department},
                    actor=request.user)
                messages.success(request, "已加入检查人员名录。")
        except ServiceError as exc:
            _error(request, exc)
        return redirect("inspections:inspectors")
    inspectors = (Inspector.objects.restrict(request.user, "view").filter(voided_at__isnull=True)
                  .select_related("department").prefetch_related("conflicts__enterprise"))
    if request.GET.get("q"):
        inspectors = inspectors.filter(name__contains=request.GET["q"].strip())
    return render(request, "inspections/inspectors.html", {
        "page": Paginator(inspectors, PAGE_SIZE).get_page(request.GET.get("page")), "query": _query(request),
        "kinds": InspectorKind.choices, "conflict_kinds": ConflictKind.choices,
        "departments": Department.objects.restrict(request.user, "view").filter(voided_at__isnull=True),
        "counties": _counties(request.user), "may_edit": _role(request.user) in MANAGERS})


@login_required
def leader_quotas(request):
    _staff(request)
    day = _date_or_none(request.GET.get("date")) or clock.today()
    rows = leaders.fulfilment(LeaderPost.objects.restrict(request.user, "view").filter(active=True), day)
    return render(request, "inspections/leaders.html", {"rows": rows, "day": day,
                                                        "quotas": leaders.Quota.objects.all()})
