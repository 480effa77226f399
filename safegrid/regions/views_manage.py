"""系统管理 pages of the jurisdiction: county set-up, departments and the safety committee, grid
officers (1+N) with their training, and grids' accountable people. Permissions: regions.permissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from safegrid import excel
from safegrid.accounts import services as account_services
from safegrid.accounts.models import User
from safegrid.accounts.permissions import manageable_users
from safegrid.accounts.views_manage import audit_trail, show_error
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.core.uploads import check_uploaded, limit_upload
from safegrid.registry import ledger

from . import services, setup
from .forms_manage import (
    AccountableForm,
    CommitteeForm,
    CountyForm,
    DepartmentForm,
    OfficerForm,
    ReasonForm,
    RetireForm,
    TrainingForm,
    officer_candidates,
)
from .models import Department, Region, RegionLevel, SpecialCommittee
from .permissions import (
    can_manage_county,
    counties_of,
    manageable_grids,
    manageable_officers,
    may_manage_officers,
    role_of,
)


def _required(check):
    def decorator(view):
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.__name__ = view.__name__
        return login_required(wrapper)

    return decorator


admin_required = _required(lambda u: role_of(u) == Role.ADMIN)
county_required = _required(lambda u: role_of(u) in (Role.ADMIN, Role.COUNTY_OFFICE))
officers_required = _required(may_manage_officers)


def managed_counties(user):
    counties = Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True).order_by("code")
    if role_of(user) != Role.ADMIN:
        counties = counties.filter(region_code__in=counties_of(user))
    return counties


def chosen_county(request):
    counties = list(managed_counties(request.user))
    code = request.GET.get("county") or request.POST.get("county")
    county = next((c for c in counties if c.code == code), counties[0] if counties else None)
    return county, counties


# --- first run ------------------------------------------------------------------------------------


@admin_required
def setup_index(request):
    looked_up = setup.lookup(request.POST.get("code") or request.GET.get("code"))
    initial = {"code": request.GET.get("code", "")}
    if looked_up:  # 先查询名称: the names from the code table, to correct if need be
        initial.update(province_name=looked_up[0].name, city_name=looked_up[1].name, county_name=looked_up[2].name)
    form = CountyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            county = setup.setup_county(form.cleaned_data["code"], actor=request.user,
                                        province_name=form.cleaned_data["province_name"] or None,
                                        city_name=form.cleaned_data["city_name"] or None,
                                        county_name=form.cleaned_data["county_name"] or None)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已建立 {county.name}({county.code})。下一步：导入乡镇(街道)和村(社区)。")
            return redirect("manage_regions:setup_county", code=county.code)
    counties = [(c, setup.progress(c)) for c in managed_counties(request.user)]
    return render(request, "manage/setup/index.html", {
        "section": "setup", "form": form, "looked_up": looked_up, "counties": counties})


@admin_required
def setup_county(request, code):
    county = get_object_or_404(Region, code=code, level=RegionLevel.COUNTY)
    return render(request, "manage/setup/county.html", {
        "section": "setup", "county": county, "progress": setup.progress(county)})


@admin_required
def towns_template(request, code):
    county = get_object_or_404(Region, code=code, level=RegionLevel.COUNTY)
    return excel.response(setup.town_template(county), f"{county.name}乡镇村导入模板.xlsx")


@csrf_exempt  # the size check runs before the CSRF check reads the body; csrf_protect follows
@admin_required
def towns_upload(request, code):
    county = get_object_or_404(Region, code=code, level=RegionLevel.COUNTY)
    try:
        handler = limit_upload(request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("manage_regions:setup_county", code=code)
    return _receive_towns(request, county, handler)


@csrf_protect
def _receive_towns(request, county, handler):
    uploaded = request.FILES.get("file")
    try:
        check_uploaded(handler, uploaded)
        if uploaded is None:
            raise ServiceError("file.required", "请选择要上传的文件。", field="file")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("manage_regions:setup_county", code=county.code)
    token = ledger.store_upload(uploaded, request.user)
    return redirect("manage_regions:towns_preview", code=county.code, token=token)


def _town_plan(request, county, token, write):
    path, name = ledger.stored_upload(token, request.user)
    try:
        return setup.import_towns(county, path.read_bytes(), name, actor=request.user, write=write), name
    except ServiceError as exc:
        return setup.TownPlan(errors=[{"row": None, "code": "", "message": exc.message}]), name


@admin_required
def towns_preview(request, code, token):
    county = get_object_or_404(Region, code=code, level=RegionLevel.COUNTY)
    plan, name = _town_plan(request, county, token, write=False)
    if request.method == "POST" and plan.valid:
        plan, name = _town_plan(request, county, token, write=True)
        if plan.valid:
            ledger.discard_upload(token)
            messages.success(request, f"已导入乡镇(街道) {len(plan.towns)} 个、村(社区) {len(plan.villages)} 个"
                                      f"(跳过已存在 {plan.skipped} 个)。下一步：导入网格。")
            return redirect("manage_regions:setup_county", code=county.code)
    return render(request, "manage/setup/towns_preview.html", {
        "section": "setup", "county": county, "plan": plan, "name": name, "token": token})


# --- departments and the committee -----------------------------------------------------------------


def _department(request, pk):
    department = get_object_or_404(Department.objects.select_related("county"), pk=pk)
    if not can_manage_county(request.user, department.region_code):
        raise PermissionDenied
    return department


@county_required
def departments(request):
    county, counties = chosen_county(request)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and county and form.is_valid():
        try:
            department = services.create_department(county=county, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已新建部门“{department.name}”。")
            return redirect(f"{request.path}?county={county.code}")
    rows = Department.objects.filter(county=county).order_by("voided_at", "name") if county else []
    return render(request, "manage/departments/list.html", {
        "section": "departments", "county": county, "counties": counties, "form": form, "rows": rows,
        "committees": SpecialCommittee.objects.filter(county=county, voided_at__isnull=True)
        .select_related("lead_department").prefetch_related("members") if county else []})


@county_required
def department_edit(request, pk):
    department = _department(request, pk)
    form = DepartmentForm(request.POST or None, initial={
        "name": department.name, "short_name": department.short_name, "committee_member": department.committee_member})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_department(department, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("manage_regions:department", pk=department.pk)
    return render(request, "manage/departments/edit.html", {
        "section": "departments", "department": department, "form": form,
        "staff": department.staff.order_by("username"),
        "events": audit_trail("regions.department", department.pk)})


@county_required
def department_void(request, pk):
    department = _department(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_department(department, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已撤销部门“{department.name}”。")
            return redirect(f"{_url('manage_regions:departments')}?county={department.county.code}")
    return render(request, "manage/confirm.html", {
        "section": "departments", "title": f"撤销部门：{department.name}", "form": form, "danger": True,
        "text": "撤销后该部门不再出现在交办、责任规则等选项中；历史记录保留，不会删除。",
        "cancel": _url("manage_regions:department", department.pk), "button": "确认撤销"})


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


@county_required
def committee_edit(request, pk=None):
    committee = get_object_or_404(SpecialCommittee, pk=pk) if pk else None
    county = committee.county if committee else chosen_county(request)[0]
    if county is None or not can_manage_county(request.user, county.region_code):
        raise PermissionDenied
    departments = Department.objects.filter(county=county, voided_at__isnull=True).order_by("name")
    initial = {"name": committee.name, "lead_department": committee.lead_department_id,
               "members": list(committee.members.values_list("pk", flat=True))} if committee else {}
    form = CommitteeForm(departments, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_committee(county=county, actor=request.user, committee=committee, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存专委会。")
            return redirect(f"{_url('manage_regions:departments')}?county={county.code}")
    return render(request, "manage/departments/committee.html", {
        "section": "departments", "county": county, "committee": committee, "form": form,
        "events": audit_trail("regions.specialcommittee", committee.pk) if committee else []})


# --- grid officers ------------------------------------------------------------------------------


@officers_required
def officers(request):
    qs = (manageable_officers(request.user).select_related("user").prefetch_related("grids__region")
          .order_by("voided_at", "user__username"))
    q, state, duty = request.GET.get("q", "").strip(), request.GET.get("state", ""), request.GET.get("duty", "")
    if q:
        qs = qs.filter(Q(user__name__contains=q) | Q(user__username__icontains=q) | Q(grids__code__startswith=q))
    if state == "untrained":
        qs = qs.filter(trained_on__isnull=True, voided_at__isnull=True)
    elif state == "retired":
        qs = qs.filter(voided_at__isnull=False)
    elif state != "all":
        qs = qs.filter(voided_at__isnull=True)
    if duty in ("full", "part"):
        qs = qs.filter(full_time=duty == "full")
    page = Paginator(qs.distinct(), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "manage/officers/list.html", {
        "section": "officers", "page": page, "q": q, "state": state, "duty": duty, "query": query.urlencode()})


def _officer_grids(user):
    return manageable_grids(user).filter(voided_at__isnull=True).select_related("region").order_by("path")


@officers_required
def officer_new(request):
    candidates = officer_candidates(manageable_users(request.user))
    form = OfficerForm(_officer_grids(request.user), candidates, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, password = form.cleaned_data, None
        try:
            from django.db import transaction

            with transaction.atomic():
                user = data["user"]
                if user is None:
                    password = account_services.generate_password()
                    user = account_services.create_user(
                        username=data["username"], password=password, role=Role.GRID_OFFICER, actor=request.user,
                        name=data["name"], mobile=data["mobile"], grids=list(data["grids"]), must_change=True)
                officer = services.appoint_grid_officer(user=user, grids=list(data["grids"]), actor=request.user,
                                                        full_time=data["full_time"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            if password:
                response = render(request, "manage/users/password.html", {
                    "section": "officers", "target": user, "password": password, "created": True,
                    "officer": officer})
                add_never_cache_headers(response)
                return response
            messages.success(request, f"已任命 {user.display_name} 为网格员。")
            return redirect("manage_regions:officer", pk=officer.pk)
    return render(request, "manage/officers/form.html", {"section": "officers", "form": form})


def _officer(request, pk):
    return get_object_or_404(manageable_officers(request.user).select_related("user"), pk=pk)


@officers_required
def officer_detail(request, pk):
    officer = _officer(request, pk)
    training = TrainingForm(request.POST or None)
    if request.method == "POST" and training.is_valid():
        try:
            services.record_training(officer, actor=request.user, **training.cleaned_data)
        except ServiceError as exc:
            show_error(training, exc)
        else:
            messages.success(request, "已登记培训记录。")
            return redirect("manage_regions:officer", pk=officer.pk)
    return render(request, "manage/officers/detail.html", {
        "section": "officers", "officer": officer, "grids": officer.grids.select_related("region").order_by("path"),
        "trainings": officer.trainings.select_related("recorded_by"), "training_form": training,
        "events": audit_trail("regions.gridofficer", officer.pk)})


@officers_required
def officer_edit(request, pk):
    officer = _officer(request, pk)
    form = OfficerForm(_officer_grids(request.user), None, request.POST or None, edit=True, initial={
        "grids": list(officer.grids.values_list("pk", flat=True)), "full_time": "1" if officer.full_time else "0"})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_officer(officer, actor=request.user, grids=list(form.cleaned_data["grids"]),
                                    full_time=form.cleaned_data["full_time"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存网格员的网格和岗位。")
            return redirect("manage_regions:officer", pk=officer.pk)
    return render(request, "manage/officers/form.html", {"section": "officers", "form": form, "officer": officer})


@officers_required
def officer_retire(request, pk):
    officer = _officer(request, pk)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retire_officer(officer, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"{officer.user.display_name} 已离岗。")
            return redirect("manage_regions:officer", pk=officer.pk)
    return render(request, "manage/confirm.html", {
        "section": "officers", "title": f"网格员离岗：{officer.user.display_name}", "form": form, "danger": True,
        "text": "离岗后其负责的网格如无其他网格员，将列入“未配网格员的网格”；记录保留，可重新任命。",
        "cancel": _url("manage_regions:officer", officer.pk), "button": "确认离岗"})


@officers_required
def grids(request):
    qs = manageable_grids(request.user).filter(voided_at__isnull=True).select_related("region").order_by("path")
    q, missing = request.GET.get("q", "").strip(), request.GET.get("missing") == "1"
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(region__name__contains=q))
    if missing:
        qs = qs.filter(Q(responsible_person="") | Q(liaison_person=""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "manage/officers/grids.html", {
        "section": "officers", "page": page, "q": q, "missing": missing, "query": query.urlencode()})


@officers_required
def grid_accountable(request, pk):
    grid = get_object_or_404(manageable_grids(request.user).select_related("region"), pk=pk)
    accounts = manageable_users(request.user).filter(is_active=True).exclude(role=Role.ENTERPRISE).order_by("username")
    if role_of(request.user) == Role.TOWN_OFFICE:  # the town office itself may be accountable
        accounts = (accounts | User.objects.filter(pk=request.user.pk)).distinct()
    form = AccountableForm(accounts, request.POST or None, initial={
        f: getattr(grid, f) for f in ("responsible_person", "responsible_phone", "liaison_person", "liaison_phone")}
        | {"responsible_user": grid.responsible_user_id, "liaison_user": grid.liaison_user_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_grid_accountable(grid, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存网格“{grid.name}”的责任人。")
            return redirect("manage_regions:grids")
    return render(request, "manage/officers/accountable.html", {
        "section": "officers", "grid": grid, "form": form, "events": audit_trail("regions.grid", grid.pk)})
