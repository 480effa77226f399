"""Changes to the holiday table: administrators only, every change audited."""

import datetime

from django.db import transaction

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role

from .models import DayKind, Holiday


def _check_admin(actor):
    if actor is not None and getattr(actor, "effective_role", None) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以维护节假日安排。")


def _date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise ServiceError("date.format", "日期格式应为 YYYY-MM-DD。", field="date") from exc


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
