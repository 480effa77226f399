"""三管三必须 rules, the five lists (五个清单), key areas and the enterprise map.

Counts and rows come from restricted querysets; changes go through the services.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.accounts.views import role_required
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role, role_may
from safegrid.core.services import void
from safegrid.hazards.lists import hazard_list_queryset
from safegrid.regions.models import Grid, Region, RegionLevel

from . import key_areas, services
from .filters import KeyAreaFilter
from .forms import KeyAreaForm, RuleForm, VoidForm, add_service_errors, scope_towns
from .models import (
    Enterprise,
    EnterpriseStatus,
    IndustryCode,
    KeyArea,
    ResponsibilityRule,
    SafetyCategory,
    user_counties,
)
from .views import enterprise_page, visible

CLOSED_STATUSES = (EnterpriseStatus.SUSPENDED, EnterpriseStatus.CLOSED)
# One colour per safety category on the map, in the categories' sort order (repeats past 24).
PALETTE = ["#d62728", "#8c564b", "#e377c2", "#1f77b4", "#ff7f0e", "#bcbd22", "#9467bd", "#c5b0d5",
           "#2ca02c", "#17becf", "#7f7f7f", "#aec7e8", "#98df8a", "#ffbb78", "#393b79", "#637939",
           "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#000000", "#636363", "#a55194"]


# Text the map script shows, kept here with the page's other strings.
MAP_LABELS = {"detail": "查看详情 ›", "loading": "正在加载…", "count": "家单位",
              "empty": "该范围内没有已标注坐标的单位。", "failed": "数据加载失败，请刷新重试。",
              "legend": "图例(安全监管类别)"}


def user_county_regions(user):
    """Counties the user works in (all counties for an administrator without a scope)."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True).order_by("code")
    if user.effective_role == Role.ADMIN and not user.scope_paths():
        return counties
    return counties.filter(code__in=user_counties(user))


def chosen_county(request):
    """The county of ?county= among the user's counties (404 otherwise), else the first one."""
    counties = list(user_county_regions(request.user))
    code = request.GET.get("county") or request.POST.get("county")
    if code:
        match = [c for c in counties if c.code == code]
        if not match:
            raise Http404
        return match[0], counties
    if not counties:
        raise Http404
    return counties[0], counties


# --- 三管三必须 rules -------------------------------------------------------------------------


def rule_rows(county):
    rules = {r.category_id: r for r in ResponsibilityRule.objects.filter(region_code=county.region_code)
             .select_related("lead_department").prefetch_related("cooperating_departments")}
    rows = []
    for category in SafetyCategory.objects.all():
        rule = rules.get(category.pk)
        rows.append({"category": category, "rule": rule,
                     "lead": rule.lead_department if rule else None,
                     "cooperating": list(rule.cooperating_departments.all()) if rule else [],
                     "blank": rule is None or rule.lead_department_id is None})
    return rows


@role_required("view", ResponsibilityRule)
def rules(request):
    county, counties = chosen_county(request)
    rows = rule_rows(county)
    return render(request, "registry/rules.html", {
        "county": county, "counties": counties, "rows": rows,
        "blank_count": sum(1 for r in rows if r["blank"]),
        "may_edit": role_may(request.user.effective_role, "change", ResponsibilityRule),
    })


@role_required("change", ResponsibilityRule)
def rule_edit(request, county_code, category_code):
    county = get_object_or_404(user_county_regions(request.user), code=county_code)
    category = get_object_or_404(SafetyCategory, code=category_code)
    departments = list(services.county_departments(county.region_code).order_by("name"))
    rule = ResponsibilityRule.objects.filter(region_code=county.region_code, category=category).first()
    initial = {"lead_department": str(rule.lead_department_id or "") if rule else "",
               "cooperating": [str(d.pk) for d in rule.cooperating_departments.all()] if rule else [],
               "note": rule.note if rule else ""}
    form = RuleForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        by_id = {str(d.pk): d for d in departments}
        try:
            services.set_responsibility_rule(
                county=county, category=category, lead_department=by_id.get(form.cleaned_data["lead_department"]),
                cooperating=[by_id[pk] for pk in form.cleaned_data["cooperating"]], actor=request.user,
                note=form.cleaned_data["note"])
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已更新“{category.name}”的监管责任。")
            return redirect(f"{reverse('registry:rules')}?county={county.code}")
    return render(request, "registry/rule_form.html", {"form": form, "county": county, "category": category},
                  status=400 if form.is_bound else 200)


# --- the five lists ---------------------------------------------------------------------------


@role_required("view", KeyArea)
def lists(request):
    enterprises = visible(request.user)
    return render(request, "registry/lists.html", {
        "enterprise_count": enterprises.count(),
        "key_area_count": KeyArea.objects.restrict(request.user, "view").filter(voided_at__isnull=True).count(),
        "closed_count": enterprises.filter(status__in=CLOSED_STATUSES).count(),
        "hazard_count": hazard_list_queryset(request.user, {"open": "true"}).count(),
    })


def breakdowns(queryset):
    """(by safety category, by GB/T 4754 section) as lists of (name, count), largest first."""
    by_category = list(queryset.values_list("category__name").annotate(n=Count("id")).order_by("-n", "category__name"))
    by_industry = dict(queryset.values_list("industry_id").annotate(n=Count("id")).order_by())
    codes = {row[0]: row for row in IndustryCode.objects.values_list("id", "code", "name", "parent_id")}

    def section(pk):
        while codes[pk][3]:
            pk = codes[pk][3]
        return f"{codes[pk][1]} {codes[pk][2]}"

    sections = {}
    for pk, n in by_industry.items():
        name = section(pk) if pk else "未填写行业代码"
        sections[name] = sections.get(name, 0) + n
    return by_category, sorted(sections.items(), key=lambda item: (-item[1], item[0]))


@role_required("view", KeyArea)
def list_enterprises(request):
    by_category, by_section = breakdowns(visible(request.user))
    return render(request, "registry/list_enterprises.html", {
        "by_category": by_category, "by_section": by_section, "total": sum(n for _, n in by_category),
        "may_export": role_may(request.user.effective_role, "export", Enterprise),
    })


@role_required("export", Enterprise)
def list_enterprises_export(request):
    by_category, by_section = breakdowns(Enterprise.objects.restrict(request.user, "export")
                                         .filter(voided_at__isnull=True))
    workbook = excel.new_workbook()
    excel.write_sheet(workbook, "按安全监管类别", ["安全监管类别", "单位数"], by_category, [28, 10])
    excel.write_sheet(workbook, "按国民经济行业门类", ["国民经济行业门类", "单位数"], by_section, [40, 10])
    return excel.response(workbook, "企业和行业清单.xlsx")


@role_required("view", KeyArea)
def list_closed(request):
    return enterprise_page(request, template="registry/list_closed.html", title="停产、关闭企业清单",
                           fixed_status=CLOSED_STATUSES)


@role_required("view", KeyArea)
def list_hazards(request):
    # The hazards app renders the list (hazard_list_queryset's HazardFilter, ledger export).
    from safegrid.hazards.views_pages import hazard_list

    return hazard_list(request, extra={"title": "隐患清单", "crumbs": "registry/_lists_crumbs.html"})


@role_required("view", KeyArea)
def list_risks(request):
    from safegrid.risk.views import risk_list  # the risk app renders the risk list (风险清单)

    return risk_list(request)


# --- key areas (重点区域) ----------------------------------------------------------------------


def area_rows(user, areas):
    counts = key_areas.count_in(areas, Enterprise.objects.restrict(user, "view"))
    for area in areas:
        area.grid_count = len(area.grids.all())
        area.enterprise_count = counts[area.pk]
    return areas


def key_area_queryset(user, action="view"):
    return (KeyArea.objects.restrict(user, action).filter(voided_at__isnull=True)
            .select_related("county", "created_by").prefetch_related("grids"))


def key_area_form(request, data=None):
    counties = user_county_regions(request.user)
    grids = (Grid.objects.restrict(request.user, "view").filter(voided_at__isnull=True, region_code__in=[
        c.region_code for c in counties]).select_related("region").order_by("path"))
    return KeyAreaForm(data, counties=counties, grids=grids), counties, grids


@role_required("view", KeyArea)
def key_area_list(request):
    filterset = KeyAreaFilter(request.GET, queryset=key_area_queryset(request.user))
    may_change = role_may(request.user.effective_role, "change", KeyArea)
    form = key_area_form(request)[0] if may_change else None
    return render(request, "registry/key_areas.html", {
        "areas": area_rows(request.user, list(filterset.qs)), "filter_form": filterset.form,
        "form": form, "may_change": may_change, "void_form": VoidForm(),
    })


@require_POST
@role_required("change", KeyArea)
def key_area_create(request):
    form, counties, grids = key_area_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        county = counties.get(code=data["county"])
        try:
            area = key_areas.create_key_area(
                name=data["name"], reason=data["reason"], county=county,
                grids=grids.filter(pk__in=data["grids"]), polygon=data["polygon"].strip() or None,
                actor=request.user)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已列入重点区域“{area.name}”。")
            return redirect("registry:key_areas")
    filterset = KeyAreaFilter(None, queryset=key_area_queryset(request.user))
    return render(request, "registry/key_areas.html", {
        "areas": area_rows(request.user, list(filterset.qs)), "filter_form": filterset.form,
        "form": form, "may_change": True, "void_form": VoidForm(), "form_open": True,
    }, status=400)


@require_POST
@role_required("change", KeyArea)
def key_area_void(request, pk):
    area = get_object_or_404(key_area_queryset(request.user, "change"), pk=pk)
    try:
        void(area, request.POST.get("reason", ""), request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已作废重点区域“{area.name}”。")
    return redirect("registry:key_areas")


@role_required("export", KeyArea)
def key_area_export(request):
    queryset = (KeyArea.objects.restrict(request.user, "export").filter(voided_at__isnull=True)
                .select_related("county", "created_by").prefetch_related("grids"))
    areas = area_rows(request.user, list(KeyAreaFilter(request.GET, queryset=queryset).qs))
    rows = ([a.name, a.county.name, a.reason, "边界" if a.polygon else "网格",
             "、".join(g.name for g in a.grids.all()), a.enterprise_count,
             a.created_by.display_name if a.created_by else "", a.created_at] for a in areas)
    return excel.export("重点区域清单.xlsx", "重点区域",
                        ["区域名称", "区县", "列为重点的原因", "范围方式", "网格", "区域内单位数", "登记人", "登记时间"],
                        rows, [24, 10, 40, 10, 40, 12, 12, 20])


# --- enterprise map (一张图) ----------------------------------------------------------------------


@role_required("view", Enterprise)
def enterprise_map(request):
    categories = [{"code": c.code, "name": c.name, "color": PALETTE[i % len(PALETTE)]}
                  for i, c in enumerate(SafetyCategory.objects.all())]
    return render(request, "registry/map.html", {
        "towns": scope_towns(request.user),
        "categories": categories,
        "selected_town": request.GET.get("region", ""),
        "selected_category": request.GET.get("category", ""),
        "map_config": {
            "pointsUrl": reverse("enterprise-points"),
            "gridsUrl": reverse("grid-geojson"),
            "detailUrl": reverse("registry:enterprise_detail", args=[0]),
            "categories": categories,
            "labels": MAP_LABELS,
        },
    })
