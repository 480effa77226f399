"""系统管理 › 工作日历: the years entered, a year's arrangement (form or table import), and the
deadlines counted without it. Staff may look; only administrators change (services.can_edit)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safegrid import excel, tables
from safegrid.core.errors import ServiceError
from safegrid.core.roles import STAFF_ROLES

from . import services
from .banner import years_to_warn
from .forms import FestivalFormSet, YearForm, bootstrap_formset
from .models import DayKind, EstimatedDeadline, Holiday
from .statutory import STATUTE, statutory_holidays

TABLE_HEADERS = ["日期", "类型", "节日"]
KIND_BY_LABEL = {"放假": DayKind.HOLIDAY, "休": DayKind.HOLIDAY, "holiday": DayKind.HOLIDAY,
                 "上班": DayKind.WORKDAY, "班": DayKind.WORKDAY, "调休上班": DayKind.WORKDAY, "workday": DayKind.WORKDAY}


def staff_required(view):
    def wrapper(request, *args, **kwargs):
        if request.user.effective_role not in STAFF_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return login_required(wrapper)


def year_summary(year, rows):
    days = [r for r in rows if r.date.year == year]
    return {"year": year, "known": bool(days), "holidays": sum(r.kind == DayKind.HOLIDAY for r in days),
            "workdays": sum(r.kind == DayKind.WORKDAY for r in days),
            "source": days[0].source if days else ""}


@staff_required
def index(request):
    today = datetime.date.today()
    years = list(range(today.year - 1, today.year + 3))
    rows = list(Holiday.objects.filter(date__year__gte=years[0], date__year__lte=years[-1]))
    estimates = EstimatedDeadline.objects.restrict(request.user, "view").filter(resolved_at__isnull=True)
    return render(request, "workcal/index.html", {
        "section": "calendar", "years": [year_summary(y, rows) for y in years], "warn": years_to_warn(today),
        "may_edit": services.can_edit(request.user), "open_estimates": estimates.count(),
    })


def _festival_rows(year):
    """The form's rows: what the table holds for the year, else the statutory festivals as hints."""
    held = Holiday.objects.filter(date__year=year).order_by("date")
    groups = {}
    for day in held:
        group = groups.setdefault(day.name or "其他", {"name": day.name, "off": [], "work": []})
        (group["off"] if day.kind == DayKind.HOLIDAY else group["work"]).append(day.date)
    if groups:
        return [{"name": g["name"], "start": min(g["off"]) if g["off"] else None,
                 "end": max(g["off"]) if g["off"] else None,
                 "workdays": "、".join(str(d) for d in g["work"])} for g in groups.values()]
    hints = {}
    for day, name in statutory_holidays(year).items():
        hints.setdefault(name, []).append(day)
    return [{"name": name, "start": min(days), "end": max(days), "workdays": ""} for name, days in hints.items()]


def _year(value):
    if not 2000 <= value <= 2100:
        raise Http404
    return value


@staff_required
def year_detail(request, year):
    year = _year(year)
    may_edit = services.can_edit(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    formset = FestivalFormSet(request.POST or None, initial=_festival_rows(year) + [{}, {}], prefix="f")
    form = YearForm(request.POST or None, initial={"source": _source(year)})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        festivals = [services.Festival(f["name"], f["start"], f["end"], tuple(f["workday_list"]))
                     for f in formset.cleaned_data if f.get("start")]
        try:
            counts = services.set_year(year=year, festivals=festivals, source=form.cleaned_data["source"],
                                       actor=request.user)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            _done(request, year, counts)
            return redirect("workcal:year", year=year)
    return render(request, "workcal/year.html", {
        "section": "calendar", "year": year, "days": Holiday.objects.filter(date__year=year).order_by("date"),
        "statutory": statutory_holidays(year), "statute": STATUTE, "formset": bootstrap_formset(formset),
        "form": form, "may_edit": may_edit, "known": Holiday.objects.filter(date__year=year).exists(),
    })


def _source(year):
    day = Holiday.objects.filter(date__year=year).exclude(source="").first()
    return day.source if day else ""


def _done(request, year, counts):
    moved = counts.get("recomputed", 0) + counts.get("unchanged", 0)
    messages.success(request, f"已保存 {year} 年节假日安排；按推算计算的期限已重算 {moved} 项"
                              f"(其中日期变化 {counts.get('recomputed', 0)} 项，已通知相关单位)。")


@require_POST
@staff_required
def year_import(request, year):
    """The arrangement as a table (日期, 类型, 节日), e.g. kept by the office in Excel."""
    year = _year(year)
    if not services.can_edit(request.user):
        raise PermissionDenied
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise ServiceError("file.required", "请选择要上传的文件。", field="file")
        if uploaded.size > 1024 * 1024:
            raise ServiceError("file.too_large", "节假日安排表不应超过 1 MB。", field="file")
        rows = tables.read_table(uploaded.read(), uploaded.name, TABLE_HEADERS, required=["日期", "类型"])
        days = []
        for row in rows:
            kind = KIND_BY_LABEL.get(row.values["类型"])
            if kind is None:
                raise ServiceError("kind.unknown", f"第 {row.number} 行：类型应为“放假”或“上班”。", field="file")
            days.append((row.values["日期"][:10], kind, row.values.get("节日", "")))
        counts = services.set_year(year=year, days=days, actor=request.user,
                                   source=(request.POST.get("source") or uploaded.name)[:200])
    except ServiceError as exc:
        messages.error(request, f"导入失败，未做任何修改：{exc.message}")
    else:
        _done(request, year, counts)
    return redirect("workcal:year", year=year)


@staff_required
def year_template(request, year):
    year = _year(year)
    examples = [[str(day), "放假", name] for day, name in statutory_holidays(year).items()]
    notes = ["节假日安排导入模板", "", "每行一个日期：类型填“放假”或“上班”(调休上班日须为周六或周日)。",
             f"示例行是《{STATUTE}》规定的 {year} 年法定节假日，请按国务院办公厅当年通知改正并补充调休。",
             "导入后替换该年已有的全部安排，并重算按推算计算的期限。"]
    return excel.response(tables.template("节假日安排", TABLE_HEADERS, examples, notes, {"日期": 14, "节日": 16}),
                          f"{year}年节假日安排模板.xlsx")


@staff_required
def estimates(request):
    show = request.GET.get("show", "open")
    rows = EstimatedDeadline.objects.restrict(request.user, "view")
    rows = rows.filter(resolved_at__isnull=show == "open")
    page = Paginator(rows.order_by("estimated_date", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "workcal/estimates.html", {
        "section": "calendar", "page": page, "show": show, "query": f"show={show}"})
