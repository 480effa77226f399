"""Downloads for now (the hazard pages come later): the ledger (隐患台账) and the daily report."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from safegrid import excel
from safegrid.core.roles import role_may

from . import queries
from .lists import hazard_list_queryset
from .models import Hazard
from .services import role_of

LEDGER_HEADERS = ["编号", "区县代码", "乡镇(街道)", "网格", "生产经营单位", "位置", "来源", "隐患类型", "隐患描述",
                  "等级", "判定依据", "治理方式", "状态", "责任部门", "整改责任人", "整改措施", "整改资金(元)",
                  "整改时限", "时限说明", "是否超期", "上报时间", "销号时间", "复发"]


def _check_export(user):
    if not role_may(role_of(user), "export", Hazard):
        raise PermissionDenied


def ledger_rows(qs):
    qs = queries.annotate_deadlines(qs).select_related("criterion", "assigned_department")
    for h in qs.iterator(chunk_size=2000):
        yield [h.pk, h.region_code, h.town.name, h.grid.code if h.grid_id else "",
               h.enterprise.name if h.enterprise_id else "", h.location, h.get_source_display(),
               h.hazard_type.name, h.description, h.get_grade_display(), str(h.criterion) if h.criterion_id else "",
               h.get_handling_display(), h.get_state_display(),
               h.assigned_department.name if h.assigned_department_id else ("属地乡镇" if h.assigned_by_role else ""),
               h.responsible_person, h.measures, h.funds, h.deadline, h.deadline_note, "是" if h.is_overdue else "",
               timezone.localtime(h.reported_at), timezone.localtime(h.closed_at) if h.closed_at else None,
               "是" if h.recurrence_of_id else ""]


@login_required
def ledger_export(request):
    """隐患台账 with the same HazardFilter as the API list."""
    _check_export(request.user)
    user = request.user
    qs = hazard_list_queryset(user, request.GET).filter(pk__in=Hazard.objects.restrict(user, "export").values("pk"))
    return excel.export("隐患台账.xlsx", "隐患台账", LEDGER_HEADERS, ledger_rows(qs),
                        widths=[8, 8, 14, 10, 24, 20, 10, 12, 40, 10, 30, 10, 10, 16, 10, 30, 12, 12, 20, 8, 18, 18, 6])


@login_required
def daily_report_export(request):
    _check_export(request.user)
    report = queries.daily_report(request.user)
    headers = ["乡镇(街道)", *[label for _, label in queries.REPORT_COLUMNS]]
    rows = [[r["town"], *[r[key] for key, _ in queries.REPORT_COLUMNS]] for r in report["rows"]]
    rows.append(["合计", *[report["totals"][key] for key, _ in queries.REPORT_COLUMNS]])
    return excel.export(f"隐患日报-{report['date']}.xlsx", f"隐患日报 {report['date']}", headers, rows,
                        widths=[20, 12, 12, 12, 12, 12])
