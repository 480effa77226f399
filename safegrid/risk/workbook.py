"""The enterprise's risk workbook: one sheet per level of the hierarchy, export and import.

Import is all-or-nothing: every row goes through the services inside one transaction; any error
(with its sheet, row and column) rolls the whole workbook back. A row whose name already exists
under the same parent is kept as is (so an exported workbook imports back without duplicates).
"""

import datetime
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.db import transaction

from safegrid import excel
from safegrid.core.errors import ServiceError

from . import services
from .models import ControlCheckTask, ControlLevel, ControlMeasure, CycleUnit, RiskEvent, RiskObject, RiskUnit


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: list  # (header, field); a header ending in * is required
    widths: list


SHEETS = [
    Sheet("风险分析对象", [("对象名称*", "name"), ("对象编码", "code")], [30, 16]),
    Sheet("风险分析单元", [("风险分析对象*", "object"), ("单元名称*", "name"), ("责任部门", "department"),
                      ("责任人", "liable_person")], [30, 30, 16, 12]),
    Sheet("风险事件", [("风险分析单元*", "unit"), ("事件名称*", "name"), ("评估方法", "method"), ("L", "L"), ("E", "E"),
                   ("C", "C"), ("S", "S"), ("评估人", "assessor"), ("评估日期", "assessed_on"), ("风险值(导出)", "score"),
                   ("风险等级(导出)", "color")], [30, 30, 10, 6, 6, 6, 6, 12, 12, 12, 14]),
    Sheet("管控措施", [("风险事件*", "event"), ("管控措施*", "description"), ("隐患排查内容", "check_content"),
                   ("措施分类", "classification"), ("管控层级", "level")], [30, 40, 40, 14, 10]),
    Sheet("排查任务", [("风险事件*", "event"), ("管控措施*", "measure"), ("排查内容", "content"), ("排查周期*", "cycle"),
                   ("周期单位*", "cycle_unit")], [30, 40, 40, 10, 10]),
]


def _live(model, enterprise):
    return model.objects.filter(enterprise=enterprise, voided_at__isnull=True)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


# --- export ---------------------------------------------------------------------------------


def rows_of(enterprise):
    events = _live(RiskEvent, enterprise).select_related("unit").prefetch_related("assessments")
    last = {e.pk: e.assessments.all()[0] if e.assessments.all() else None for e in events}
    return {
        "风险分析对象": ([o.name, o.code] for o in _live(RiskObject, enterprise)),
        "风险分析单元": ([u.risk_object.name, u.name, u.department, u.liable_person]
                   for u in _live(RiskUnit, enterprise).select_related("risk_object")),
        "风险事件": ([e.unit.name, e.name, e.method, *(_factor(last[e.pk], k) for k in "LECS"),
                  last[e.pk].assessor if last[e.pk] else "", e.assessed_on, e.score, e.get_color_display()]
                 for e in events),
        "管控措施": ([m.event.name, m.description, m.check_content, m.classification, m.get_level_display()]
                 for m in _live(ControlMeasure, enterprise).select_related("event")),
        "排查任务": ([t.measure.event.name, t.measure.description, t.content, t.cycle, t.get_cycle_unit_display()]
                 for t in _live(ControlCheckTask, enterprise).select_related("measure__event")),
    }


def _factor(entry, key):
    value = entry.inputs.get(key) if entry else None
    return float(value) if value not in (None, "") else None


def export(enterprise):
    workbook = excel.new_workbook()
    rows = rows_of(enterprise)
    for sheet in SHEETS:
        excel.write_sheet(workbook, sheet.title, [h for h, _ in sheet.columns], rows[sheet.title], sheet.widths)
    return excel.response(workbook, f"{enterprise.name}-风险分级管控清单.xlsx")


# --- import ---------------------------------------------------------------------------------


class Importer:
    """Applies the sheets in order, resolving parents by name among existing and new rows."""

    def __init__(self, enterprise, actor):
        self.enterprise, self.actor = enterprise, actor
        self.created = {s.title: 0 for s in SHEETS}

    def one(self, model, field, **filters):
        matches = list(_live(model, self.enterprise).filter(**filters)[:2])
        if not matches:
            raise ServiceError("parent.unknown", f"找不到“{next(iter(filters.values()))}”，请先在前一张表中填写。",
                               field=field)
        if len(matches) > 1:
            raise ServiceError("parent.ambiguous", f"“{next(iter(filters.values()))}”有重名，请改为唯一名称。", field=field)
        return matches[0]

    def apply(self, title, v):
        e, actor = self.enterprise, self.actor
        if title == "风险分析对象":
            if not _live(RiskObject, e).filter(name=v["name"]).exists():
                return services.create_object(e, v, actor=actor)
        elif title == "风险分析单元":
            parent = self.one(RiskObject, "object", name=v["object"])
            if not _live(RiskUnit, e).filter(risk_object=parent, name=v["name"]).exists():
                return services.create_unit(parent, v, actor=actor)
        elif title == "风险事件":
            parent = self.one(RiskUnit, "unit", name=v["unit"])
            if not _live(RiskEvent, e).filter(unit=parent, name=v["name"]).exists():
                return services.create_event(parent, {k: x for k, x in v.items() if x != ""}, actor=actor)
        elif title == "管控措施":
            parent = self.one(RiskEvent, "event", name=v["event"])
            level = next((c for c, label in ControlLevel.choices if v["level"] in (c, label)), v["level"])
            if not _live(ControlMeasure, e).filter(event=parent, description=v["description"]).exists():
                return services.create_measure(parent, {**v, "level": level}, actor=actor)
        elif title == "排查任务":
            event = self.one(RiskEvent, "event", name=v["event"])
            measure = self.one(ControlMeasure, "measure", event=event, description=v["measure"])
            unit = next((c for c, label in CycleUnit.choices if v["cycle_unit"] in (c, label)), v["cycle_unit"])
            if not _live(ControlCheckTask, e).filter(measure=measure, content=v["content"] or measure.check_content
                                                     or measure.description).exists():
                return services.create_task(measure, {**v, "cycle_unit": unit}, actor=actor)
        return None


def _headers(ws, sheet, errors):
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    found = {_text(h).rstrip("*"): i for i, h in enumerate(first) if _text(h)}
    index = {}
    for header, field in sheet.columns:
        name = header.rstrip("*")
        if name in found:
            index[field] = found[name]
        elif header.endswith("*"):
            errors.append({"sheet": sheet.title, "row": 1, "column": name, "code": "column.missing",
                           "message": f"缺少“{name}”列。"})
    return index


def import_workbook(enterprise, uploaded, *, actor):
    """All sheets or nothing. Returns {sheet title: rows created}; ServiceError lists every problem."""
    try:
        wb = openpyxl.load_workbook(uploaded, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not .xlsx
        raise ServiceError("file.invalid", "无法读取该文件，请上传 .xlsx 格式的风险清单。", field="file") from None
    errors, importer, total = [], Importer(enterprise, actor), 0
    with transaction.atomic():
        for sheet in SHEETS:
            if sheet.title not in wb.sheetnames:
                errors.append({"sheet": sheet.title, "row": None, "column": None, "code": "sheet.missing",
                               "message": f"缺少工作表“{sheet.title}”。"})
                continue
            ws = wb[sheet.title]
            index = _headers(ws, sheet, errors)
            labels = {field: header.rstrip("*") for header, field in sheet.columns}
            for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
                if not any(_text(c) for c in row):
                    continue
                total += 1
                if total > settings.SAFEGRID_IMPORT_MAX_ROWS:
                    raise ServiceError("import.too_many_rows",
                                       f"行数超过 {settings.SAFEGRID_IMPORT_MAX_ROWS} 行的上限。", field="file")
                values = {f: _text(row[i]) if i < len(row) else "" for f, i in index.items()}
                try:
                    if importer.apply(sheet.title, values) is not None:
                        importer.created[sheet.title] += 1
                except ServiceError as exc:
                    for problem in exc.errors or [{"field": exc.field, "message": exc.message, "code": exc.code}]:
                        errors.append({"sheet": sheet.title, "row": number, "column": labels.get(problem["field"]),
                                       "code": problem["code"], "message": problem["message"]})
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ServiceError("import.rejected", f"风险清单有 {len(errors)} 处错误，未导入任何数据。", field="file",
                           errors=errors)
    return importer.created
