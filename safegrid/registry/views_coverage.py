"""Coverage gaps (监管盲区) pages: summary and per-town table, drill-down lists, Excel export."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from safegrid import excel

from . import coverage

ROWS_PER_PAGE = 50


def coverage_role_required(view):
    """Anonymous: to the login page; a role that does not answer for coverage: 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not coverage.may_view(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _town(request):
    """?town=<code> within the user's scope; 404 for a town outside it."""
    code = request.GET.get("town", "")
    town = coverage.find_town(request.user, code)
    if code and town is None:
        raise Http404
    return town


def _cards(summary):
    return [{"kind": kind, "count": summary[key]} for key, kind in coverage.KINDS.items()]


@coverage_role_required
def index(request):
    report = coverage.report(request.user)
    return render(request, "registry/coverage.html", {
        "report": report, "summary": report.summary, "cards": _cards(report.summary),
        "towns": [t for t in report.towns if t.code or t.enterprises],
    })


@coverage_role_required
def kind_rows(request, kind):
    if kind not in coverage.KINDS:
        raise Http404
    town = _town(request)
    page = Paginator(coverage.rows(request.user, kind, town), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    items = coverage.with_towns(page.object_list)
    return render(request, "registry/coverage_rows.html", {
        "kind": coverage.KINDS[kind], "town": town, "page": page, "items": items,
        "columns": coverage.columns(kind), "query": f"town={town.code}" if town else "",
        "limit": coverage.workload_limit(),
    })


SUMMARY_HEADERS = ["乡镇(街道)", "单位数", "未落网格", "网格无网格员", "无主管部门", "网格数", "未配网格员网格",
                   "网格员数", "未培训网格员", "负荷过重网格员", "人均单位数(平均)", "人均单位数(最高)"]
SUMMARY_KEYS = ["enterprises", "no_grid", "no_officer", "no_department", "grids", "grids_without_officer",
                "officers", "untrained_officers", "overloaded_officers", "workload_mean", "workload_max"]


@coverage_role_required
def export(request):
    """One workbook: the per-town summary, then one sheet per gap kind (rows streamed)."""
    report = coverage.report(request.user)
    workbook = excel.new_workbook()
    town_rows = [[t.name] + [getattr(t, k) for k in SUMMARY_KEYS] for t in report.towns if t.code or t.enterprises]
    total = ["合计"] + [report.summary[k] for k in SUMMARY_KEYS]
    excel.write_sheet(workbook, "汇总", SUMMARY_HEADERS, town_rows + [total], widths=[18] + [12] * 11)
    for key, kind in coverage.KINDS.items():
        headers, values = coverage.table(key, _chunked(coverage.rows(request.user, key, report_=report)))
        excel.write_sheet(workbook, kind.label, headers, values)
    return excel.response(workbook, f"监管盲区-{timezone.localdate():%Y%m%d}.xlsx")


def _chunked(items, size=2000):
    """Presented rows, a chunk of raw rows at a time (town names need one query per chunk)."""
    if isinstance(items, list):
        yield from coverage.with_towns(items)
        return
    chunk = []
    for item in items.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield from coverage.with_towns(chunk)
            chunk = []
    yield from coverage.with_towns(chunk)
