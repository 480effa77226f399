"""Changes to the holiday table: administrators only, every change audited. Entering a year
recomputes the deadlines that were counted without it (estimates.recompute)."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role

from . import estimates
from .models import DayKind, Holiday

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def can_edit(actor):
    """The official calendar is national: only a system administrator keeps it."""
    return actor is not None and getattr(actor, "effective_role", None) == Role.ADMIN


def _check_admin(actor):
    if actor is not None and not can_edit(actor):
        raise PermissionDenied("只有系统管理员可以维护节假日安排。")


def _date(value, field="date"):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise ServiceError("date.format", f"日期“{value}”格式应为 YYYY-MM-DD。", field=field) from exc


@transaction.atomic
def set_day(*, date, kind, name="", source="", actor):
    """Enter or change one date of the official schedule (e.g. the next year's 调休)."""
    _check_admin(actor)
    date = _date(date)
    if kind not in DayKind.values:
        raise ServiceError("kind.unknown", "类型应为 holiday(放假) 或 workday(调休上班)。", field="kind")
    if kind == DayKind.WORKDAY and date.weekday() < 5:
        raise ServiceError("kind.workday_on_weekday", "调休上班日应是周六或周日。", field="kind")
    day = Holiday.objects.filter(date=date).first()
    before = snapshot(day)
    day = day or Holiday(date=date)
    day.kind, day.name, day.source = kind, (name or "")[:50], (source or "")[:200]
    day.save()
    record("holiday_set", day, actor=actor, before=before, after=snapshot(day), region_code="")
    estimates.recompute(actor=actor, years=[date.year])
    return day


@transaction.atomic
def remove_day(*, date, actor, reason=""):
    _check_admin(actor)
    day = Holiday.objects.filter(date=_date(date)).first()
    if day is None:
        raise ServiceError("date.unknown", "该日期没有节假日记录。", field="date")
    before = snapshot(day)
    day.delete()
    record("holiday_remove", None, actor=actor, object_type="workcal.holiday", object_id=str(before["date"]),
           before=before, reason=reason, region_code="")


@dataclass(frozen=True)
class Festival:
    """One festival of a State Council notice: days off from `start` to `end`, and its 调休 workdays."""

    name: str
    start: datetime.date
    end: datetime.date
    workdays: tuple = ()


def _year_rows(year, festivals, days, source):
    """The table rows of a year's arrangement; ServiceError naming the first bad entry."""
    first, last = datetime.date(year - 1, 12, 1), datetime.date(year + 1, 1, 31)
    rows = {}
    for day, kind, name in days:
        day = _date(day)
        if kind not in DayKind.values:
            raise ServiceError("kind.unknown", f"{day}：类型应为放假或调休上班。", field="kind")
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            raise ServiceError("kind.workday_on_weekday", f"调休上班日 {day} 不是周六或周日。", field="kind")
        if not first <= day <= last:
            raise ServiceError("festival.year", f"日期 {day} 应在 {year} 年前后。", field="date")
        _add(rows, day, kind, (name or "").strip()[:50], source)
    for festival in festivals:
        name = (festival.name or "").strip()[:50]
        if not name:
            raise ServiceError("festival.name_required", "请填写节日名称。", field="name")
        start, end = _date(festival.start, "start"), _date(festival.end, "end")
        if end < start:
            raise ServiceError("festival.range", f"{name}：放假结束日早于开始日。", field="end")
        if (end - start).days > 14:
            raise ServiceError("festival.too_long", f"{name}：一次放假不应超过 15 天，请检查日期。", field="end")
        if not (first <= start and end <= last):
            raise ServiceError("festival.year", f"{name}：放假日期应在 {year} 年前后。", field="start")
        day = start
        while day <= end:
            _add(rows, day, DayKind.HOLIDAY, name, source)
            day += datetime.timedelta(days=1)
        for workday in festival.workdays:
            workday = _date(workday, "workdays")
            if workday.weekday() < 5:
                raise ServiceError("kind.workday_on_weekday", f"{name}：调休上班日 {workday} 不是周六或周日。",
                                   field="workdays")
            if not first <= workday <= last:
                raise ServiceError("festival.year", f"{name}：调休上班日 {workday} 应在 {year} 年前后。",
                                   field="workdays")
            _add(rows, workday, DayKind.WORKDAY, name, source)
    if not any(day.year == year for day in rows):
        raise ServiceError("year.empty", f"安排中没有 {year} 年的日期。", field="festivals")
    return rows


def _add(rows, day, kind, name, source):
    if day in rows and rows[day].kind != kind:
        raise ServiceError("date.conflict", f"{day} 既是放假日又是调休上班日。", field="workdays")
    rows[day] = Holiday(date=day, kind=kind, name=name, source=source)


@transaction.atomic
def set_year(*, year, source, actor, festivals=(), days=()):
    """Enter a year's official arrangement (国务院办公厅关于某年部分节假日安排的通知) at once,
    replacing what the table held for that year; then recompute the deadlines estimated without it.
    `festivals` as the notice words them (ranges off, 调休 workdays), `days` as (date, kind, name) rows
    (an imported table); both may be given."""
    _check_admin(actor)
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ServiceError("year.format", "年份应为四位数字。", field="year") from exc
    if not 2000 <= year <= 2100:
        raise ServiceError("year.range", "年份应在 2000 到 2100 之间。", field="year")
    source = (source or "").strip()[:200]
    if not source:
        raise ServiceError("source.required", "请填写依据(通知文号或名称)。", field="source")
    rows = _year_rows(year, list(festivals), list(days), source)
    existing = Holiday.objects.filter(date__in=list(rows)) | Holiday.objects.filter(date__year=year)
    before = [snapshot(day, fields=["date", "kind", "name"]) for day in existing.order_by("date")]
    existing.delete()
    Holiday.objects.bulk_create(sorted(rows.values(), key=lambda r: r.date))
    after = [{"date": str(r.date), "kind": r.kind, "name": r.name} for r in sorted(rows.values(), key=lambda r: r.date)]
    record("holiday_year_set", None, actor=actor, object_type="workcal.holiday", object_id=str(year),
           before=before or None, after={"source": source, "days": after}, region_code="")
    counts = estimates.recompute(actor=actor, years=[year])
    return counts
