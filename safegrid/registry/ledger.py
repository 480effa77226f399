"""Enterprise ledger (台账) in Excel: the template, the export and the all-or-nothing import.

The three share one column layout, `LEDGER_COLUMNS`, so an exported file imports back
unchanged. Validation is `services.clean_enterprise` for every row, fed by `BulkLookups`
(each distinct name or code is looked up once) plus the checks only a whole file can make:
duplicates inside the file, clashes with the database, address resolution.

Writes: new enterprises go in with `bulk_create`; changed ones through
`services.update_enterprise` (one audit event each, compare-and-set on `version`). One
`enterprise_import` event records the file, the counts and the ids created. See
docs/ledger-import.md.
"""

import json
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from safegrid.audit.services import record
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.excel import HEADER_FILL, HEADER_FONT
from safegrid.regions.models import Grid, Region, RegionLevel

from . import services
from .assignment import GridLocator
from .models import Enterprise, EnterpriseStatus, SafetyCategory, Scale, user_counties

IMPORT_ROLES = frozenset({Role.ADMIN, Role.COUNTY_OFFICE, Role.TOWN_OFFICE})

# (Chinese header, field read by services.clean_enterprise), in the template's order.
LEDGER_COLUMNS = [
    ("统一社会信用代码", "credit_code"),
    ("无信用代码原因", "no_credit_code_reason"),
    ("单位名称", "name"),
    ("法定代表人", "legal_representative"),
    ("法定代表人手机", "legal_representative_mobile"),
    ("主要负责人", "principal_person"),
    ("主要负责人手机", "principal_mobile"),
    ("安全管理人员", "safety_manager"),
    ("安全管理人员手机", "safety_manager_mobile"),
    ("国民经济行业代码", "industry"),
    ("安全监管类别", "category"),
    ("规模", "scale"),
    ("经营状态", "status"),
    ("状态起始日期", "status_since"),
    ("从业人数", "headcount"),
    ("注册地区划代码", "registered_region"),
    ("经营地(乡镇/村)", "operating_region"),
    ("经营地址", "address"),
    ("经度", "lon"),
    ("纬度", "lat"),
]
LEDGER_HEADERS = [header for header, _ in LEDGER_COLUMNS]
HEADER_OF = {name: header for header, name in LEDGER_COLUMNS}
# Cells Excel would turn into numbers (codes, phone numbers) are read back as text.
NOT_TEXT = {"status_since", "headcount", "lon", "lat"}
SHEET_TITLE = "企业台账"
WIDTHS = [22, 16, 30, 10, 14, 10, 14, 10, 14, 10, 18, 8, 10, 12, 8, 14, 26, 36, 12, 12]
MAX_LISTED_ERRORS = 1000


def header_of(name):
    """The Chinese column header for an error's field (coordinates errors name 经度)."""
    return HEADER_OF.get(name)


# --- region labels: towns by name, villages as 乡镇/村 so equal village names stay distinct ----


def region_label(name, level, parent_name):
    return f"{parent_name}/{name}" if level == RegionLevel.VILLAGE else name


def operating_choices(user):
    """The user's towns and villages as (label, region), in tree order."""
    regions = (Region.objects.restrict(user, "view").filter(
        level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE], voided_at__isnull=True)
        .select_related("parent").order_by("path"))
    return [(region_label(r.name, r.level, r.parent.name), r) for r in regions]


# --- template -----------------------------------------------------------------------------------


INSTRUCTIONS = [
    "企业台账导入模板 填写说明",
    "",
    "1. 请在“企业台账”工作表中逐行填写，每行一个生产经营单位；不要修改、增删或调换表头。",
    "2. 统一社会信用代码为 18 位(GB 32100-2015)，已设为文本格式；个体工商户等无代码单位可不填，但须填写“无信用代码原因”。",
    "3. 安全监管类别、规模、经营状态、经营地请从下拉列表中选择。",
    "4. 经营地填写乡镇(街道)名称，或“乡镇/村(社区)”；也可填写 12 位区划代码。",
    "5. 经营地和经纬度至少填写一项；都未填写时，系统按经营地址中的乡镇、村名称自动匹配经营地。",
    "6. 经纬度为 WGS-84/CGCS2000 十进制度(如 112.3050、28.5050)，须在经营地所在区县范围内；有坐标的单位自动落入网格。",
    "7. 注册地区划代码为 6 位或 12 位区划代码；不填时视为与经营地相同(异地经营的单位请填写注册地)。",
    "8. 状态起始日期格式为 YYYY-MM-DD；从业人数为整数；手机号码为 11 位。",
    "9. 不要合并单元格，不要使用公式(请“粘贴为数值”)；空行会被跳过。",
    "10. 导入时先预览：任何一行有错误，整个文件都不会写入；改正后重新上传即可。",
    "11. 已登记的单位(同一区县内统一社会信用代码相同，无代码的按单位名称)会被更新；内容未变的行不作修改。",
]


def _list_validation(sheet, column, options_col, count, prompt):
    letter = get_column_letter(LEDGER_HEADERS.index(column) + 1)
    rule = DataValidation(type="list", formula1=f"'选项'!${options_col}$2:${options_col}${max(count, 1) + 1}",
                          allow_blank=True, showErrorMessage=True, errorTitle="无效的值",
                          error=f"请从下拉列表中选择{column}。", promptTitle=column, prompt=prompt)
    rule.add(f"{letter}2:{letter}1048576")
    sheet.add_data_validation(rule)


def build_template(user):
    """The empty ledger with drop-downs; the region list holds only the user's towns and villages."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    for index, (title, width) in enumerate(zip(LEDGER_HEADERS, WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if LEDGER_COLUMNS[index - 1][1] not in NOT_TEXT:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    lists = {
        "A": [c.name for c in SafetyCategory.objects.filter(active=True).order_by("sort", "code")],
        "B": [label for _, label in Scale.choices],
        "C": [label for _, label in EnterpriseStatus.choices],
        "D": [label for label, _ in operating_choices(user)],
    }
    options = workbook.create_sheet("选项")
    for col, title in zip("ABCD", ["安全监管类别", "规模", "经营状态", "经营地(乡镇/村)"], strict=True):
        options[f"{col}1"] = title
        for row, value in enumerate(lists[col], start=2):
            options[f"{col}{row}"] = value
    options.sheet_state = "hidden"
    _list_validation(sheet, "安全监管类别", "A", len(lists["A"]), "请选择安全监管类别")
    _list_validation(sheet, "规模", "B", len(lists["B"]), "规上或小微")
    _list_validation(sheet, "经营状态", "C", len(lists["C"]), "在营、停产或关闭")
    _list_validation(sheet, "经营地(乡镇/村)", "D", len(lists["D"]), "请选择乡镇(街道)或村(社区)")

    notes = workbook.create_sheet("填写说明", 1)
    notes.column_dimensions["A"].width = 110
    for row, line in enumerate(INSTRUCTIONS, start=1):
        cell = notes.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True)
    notes["A1"].font = Font(bold=True, size=13)
    return workbook


# --- export -------------------------------------------------------------------------------------

_EXPORT_FIELDS = [
    "credit_code", "no_credit_code_reason", "name", "legal_representative", "legal_representative_mobile",
    "principal_person", "principal_mobile", "safety_manager", "safety_manager_mobile", "industry__code",
    "category__name", "scale", "status", "status_since", "headcount", "registered_region__code",
    "operating_region__name", "operating_region__level", "operating_region__parent__name", "address", "lon", "lat",
]
_SCALE_LABEL = dict(Scale.choices)
_STATUS_LABEL = dict(EnterpriseStatus.choices)


def ledger_rows(queryset):
    """Rows in `LEDGER_HEADERS` order, streamed; choices as their Chinese labels."""
    for row in queryset.order_by("region_code", "name", "id").values_list(*_EXPORT_FIELDS).iterator(chunk_size=2000):
        (*people, industry, category, scale, status, since, headcount, registered,
         op_name, op_level, op_parent, address, lon, lat) = row
        yield [*people, industry or "", category, _SCALE_LABEL.get(scale, scale), _STATUS_LABEL.get(status, status),
               since, headcount, registered, region_label(op_name, op_level, op_parent), address, lon, lat]


# --- reading the file ---------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_OLE = b"\xd0\xcf\x11\xe0"


def _file_error(code, message, column=None):
    return ServiceError(code, message, field="file",
                        errors=[{"row": None, "column": column, "field": "file", "code": code, "message": message}])


def _open_workbook(path):
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == _OLE:
        raise _file_error("ledger.xls", "这是旧版 Excel(.xls)文件，请在 Excel 中“另存为” .xlsx 格式后再上传。")
    if head != b"PK\x03\x04":
        raise _file_error("ledger.not_xlsx", "文件不是 Excel(.xlsx)格式，请使用导入模板填写后上传。")
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise _file_error("ledger.not_xlsx", "无法读取该文件：不是有效的 .xlsx 工作簿或文件已损坏。") from exc


def _merged_ranges(path, sheet):
    """Merged ranges of the sheet, read from its XML (read-only mode does not parse them)."""
    found, tail = [], b""
    with zipfile.ZipFile(path) as archive, archive.open(sheet._worksheet_path) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            found += [m.decode() for m in _MERGE.findall(data)]
            tail = data[-200:]
            found = list(dict.fromkeys(found))  # a match inside the overlap is seen twice
    return found


def _check_headers(values):
    headers = [str(v).strip() if v is not None else "" for v in values]
    while headers and not headers[-1]:
        headers.pop()
    missing = [h for h in LEDGER_HEADERS if h not in headers]
    unknown = [h for h in headers if h and h not in LEDGER_HEADERS]
    repeated = sorted({h for h in headers if h and headers.count(h) > 1})
    problems = []
    if missing:
        problems.append(f"缺少列：{'、'.join(missing)}")
    if unknown:
        problems.append(f"模板中没有的列(可能被改名)：{'、'.join(unknown)}")
    if repeated:
        problems.append(f"重复的列：{'、'.join(repeated)}")
    if problems:
        raise _file_error("ledger.headers", "表头与导入模板不一致。" + "；".join(problems) + "。请使用最新的导入模板。")
    return {header: index for index, header in enumerate(headers) if header}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Row:
    number: int  # the Excel row number
    data: dict


def read_rows(path):
    """(rows, empty_count, problems): raw values per field; problems are cell-level errors (formulas)."""
    workbook = _open_workbook(path)
    try:
        sheet = workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]
        merged = _merged_ranges(path, sheet)
        if merged:
            shown = "、".join(merged[:10]) + ("等" if len(merged) > 10 else "")
            raise _file_error("ledger.merged_cells", f"工作表“{sheet.title}”含合并单元格 {shown}，请取消合并后再上传。")
        limit = settings.SAFEGRID_IMPORT_MAX_ROWS
        lines = sheet.iter_rows()
        first = next(lines, None)
        columns = _check_headers([c.value for c in first] if first else [])
        places = [(name, columns[header]) for header, name in LEDGER_COLUMNS]
        rows, empty, problems = [], 0, []
        for number, cells in enumerate(lines, start=2):
            if all(c.value in (None, "") for c in cells):
                empty += 1
                continue
            if len(rows) >= limit:
                raise _too_many(limit)
            rows.append(Row(number, _row_data(cells, places, number, problems)))
        return rows, empty, problems
    finally:
        workbook.close()


def _row_data(cells, places, number, problems):
    data = {}
    for name, index in places:
        cell = cells[index] if index < len(cells) else None
        value = cell.value if cell is not None else None
        if cell is not None and getattr(cell, "data_type", None) == "f":
            problems.append(_error(number, name, "ledger.formula",
                                   f"单元格 {cell.coordinate} 含公式，请复制后“粘贴为数值”。"))
            value = None
        data[name] = value if name in NOT_TEXT else _text(value)
    return data


def _too_many(limit):
    return _file_error("ledger.too_many_rows", f"数据超过 {limit} 行的上限，请拆分为多个文件导入。")


def _error(row, name, code, message):
    return {"row": row, "column": header_of(name), "field": name, "code": code, "message": message}


# --- look-ups, each distinct value resolved once ------------------------------------------------


class BulkLookups(services.QueryLookups):
    """`services.QueryLookups` with a memo per value; operating places also by 乡镇/村 label."""

    def __init__(self, operating_regions):
        super().__init__(operating_regions)
        self.memo = {}
        self.places = self.operating_regions.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE],
                                                    voided_at__isnull=True)

    def _once(self, kind, value, resolve):
        key = (kind, value)
        if key not in self.memo:
            self.memo[key] = resolve(value)
        return self.memo[key]

    def category(self, value):
        return self._once("category", value, super().category)

    def industry(self, code):
        return self._once("industry", code, super().industry)

    def registered_region(self, value):
        return self._once("registered", str(value or "").strip(), super().registered_region)

    def operating_region(self, value):
        return self._once("operating", str(value or "").strip(), self._place)

    def _place(self, value):
        if "/" in value:
            town, _, village = value.partition("/")
            matches = list(self.places.filter(name=village.strip(), parent__name=town.strip())[:2])
            return matches[0] if len(matches) == 1 else None
        return super().operating_region(value)


class AddressMatcher:
    """Finds the town or village named in a free-text address; the longest name wins."""

    def __init__(self, choices):
        self.regions = [(region.name, region) for _, region in choices]
        self.regions.sort(key=lambda item: -len(item[0]))

    def match(self, address):
        found = [(name, region) for name, region in self.regions if name and name in address]
        if not found:
            return None, "none"
        # Longest name first; on a tie the village (more precise) beats the town.
        top = max((len(name), region.level) for name, region in found)
        best = [region for name, region in found if (len(name), region.level) == top]
        if len(best) > 1:  # equal village names: the one whose town is also named
            best = [r for r in best if r.parent and r.parent.name in address] or best
        return (best[0], "ok") if len(best) == 1 else (None, "ambiguous")


# --- validation -----------------------------------------------------------------------------


@dataclass
class Plan:
    rows: int = 0
    empty: int = 0
    errors: list = field(default_factory=list)
    creates: list = field(default_factory=list)  # Enterprise instances, not saved
    updates: list = field(default_factory=list)  # (pk, version, raw data)
    unchanged: int = 0

    @property
    def valid(self):
        return not self.errors

    def preview(self):
        return {"valid": self.valid, "rows": self.rows, "empty_rows": self.empty, "errors": self.errors,
                "create": len(self.creates), "update": len(self.updates), "unchanged": self.unchanged}


# Fields whose difference makes an existing enterprise "changed" (what the ledger carries).
COMPARED = [f.attname for f in Enterprise._meta.concrete_fields if f.name in {
    name for _, name in LEDGER_COLUMNS}]


class _Context:
    """Everything fetched once per import: scope, grids, existing enterprises."""

    def __init__(self, user):
        self.user = user
        self.regions = Region.objects.restrict(user, "view")
        self.lookups = BulkLookups(self.regions)
        choices = operating_choices(user)
        self.allowed_ids = {region.pk for _, region in choices}
        self.matcher = AddressMatcher(choices)
        counties = user_counties(user)
        self.locator = GridLocator.for_counties(counties) if counties else GridLocator(
            Grid.objects.filter(voided_at__isnull=True).only("id", "path", "region_id", "polygon"))
        self.grids = {g.pk: g for g in Grid.objects.filter(pk__in=[r.id for r in self.locator.refs])
                      .select_related("region")}
        changeable = set(Enterprise.objects.restrict(user, "change").values_list("pk", flat=True))
        self.by_code, self.by_name = {}, {}
        current = Enterprise.objects.filter(voided_at__isnull=True)
        if counties:
            current = current.filter(region_code__in=counties)
        for pk, code, name, region_code in current.values_list("pk", "credit_code", "name", "region_code"):
            entry = (pk, name, pk in changeable)
            if code:
                self.by_code[(region_code, code)] = entry
            elif entry[2]:
                self.by_name[(region_code, name)] = entry


def _resolve_address(row, ctx, errors):
    data = row.data
    if data["operating_region"] or data["lon"] not in (None, "") or data["lat"] not in (None, ""):
        return
    if not data["address"]:
        return  # clean_enterprise reports that neither place nor coordinates were given
    region, outcome = ctx.matcher.match(data["address"])
    if region is None:
        message = ("经营地址中的乡镇/村名称对应多个地方，请填写经营地。" if outcome == "ambiguous"
                   else "未填写经营地和坐标，且经营地址中找不到您辖区内的乡镇(街道)或村(社区)名称。")
        errors.append(_error(row.number, "operating_region", f"operating_region.address_{outcome}", message))
        return
    data["operating_region"] = region.code


def _candidate(row, values, ctx, located, errors):
    """The enterprise this row describes, placed like create_enterprise would; None on error."""
    if values["operating_region"] is None:
        grid = ctx.grids.get(located.id) if located else None
        if grid is None or grid.region_id not in ctx.allowed_ids:
            errors.append(_error(row.number, "operating_region", "operating_region.required",
                                 "坐标不在您辖区的任何网格内，请填写经营地。"))
            return None
        values["operating_region"] = grid.region
    enterprise = Enterprise()
    services._apply(enterprise, values)
    grid = ctx.grids.get(located.id) if located else None

    def locate(lon, lat, region_code):
        return grid if grid is not None and grid.region_code == region_code else None

    services._place(enterprise, locate=locate)
    return enterprise


def validate(path, user):
    """Read and check the whole file; the returned Plan lists errors or what would be written."""
    rows, empty, problems = read_rows(path)
    ctx = _Context(user)
    plan = Plan(rows=len(rows), empty=empty, errors=problems)
    refs = ctx.locator.locate_many(*_coordinates(rows))
    seen_codes, seen_names, candidates = {}, {}, []
    for row, located in zip(rows, refs, strict=True):
        errors = []
        _resolve_address(row, ctx, errors)
        try:
            values = services.clean_enterprise(row.data, operating_regions=ctx.regions, lookups=ctx.lookups)
        except ServiceError as exc:
            resolved = {e["field"] for e in errors}  # an address problem already says what is missing
            errors += [_error(row.number, e["field"], e["code"], e["message"]) for e in exc.errors
                       if not (e["code"] == "operating_region.required" and e["field"] in resolved)]
            values = None
        enterprise = _candidate(row, values, ctx, located, errors) if values and not errors else None
        if enterprise is not None:
            _check_duplicates(row, enterprise, seen_codes, seen_names, errors)
        plan.errors += errors
        candidates.append((row, enterprise))
    if plan.errors:
        plan.errors.sort(key=lambda e: (e["row"] or 0))
        return plan
    _plan_writes(plan, candidates, ctx)
    return plan


def _coordinates(rows):
    """Parsable coordinates for the bulk grid look-up (bad ones are reported by clean_enterprise)."""
    lons, lats = [], []
    for row in rows:
        try:
            lon, lat = float(row.data["lon"]), float(row.data["lat"])
        except (TypeError, ValueError):
            lon = lat = float("nan")
        lons.append(lon)
        lats.append(lat)
    return lons, lats


def _check_duplicates(row, enterprise, seen_codes, seen_names, errors):
    if enterprise.credit_code:
        key, seen, what = (enterprise.region_code, enterprise.credit_code), seen_codes, "统一社会信用代码"
        field_name = "credit_code"
    else:
        key, seen, what = (enterprise.region_code, enterprise.name), seen_names, "单位名称(无信用代码)"
        field_name = "name"
    first = seen.setdefault(key, row.number)
    if first != row.number:
        errors.append(_error(row.number, field_name, f"{field_name}.duplicate_in_file",
                             f"{what}与第 {first} 行重复(第 {first} 行和第 {row.number} 行)。"))
        errors.append(_error(first, field_name, f"{field_name}.duplicate_in_file",
                             f"{what}与第 {row.number} 行重复(第 {first} 行和第 {row.number} 行)。"))


def _plan_writes(plan, candidates, ctx):
    """Split valid rows into creates, updates and unchanged; code clashes become errors."""
    matches = {}
    for row, enterprise in candidates:
        if enterprise.credit_code:
            existing = ctx.by_code.get((enterprise.region_code, enterprise.credit_code))
        else:
            existing = ctx.by_name.get((enterprise.region_code, enterprise.name))
        if existing is None:
            plan.creates.append(enterprise)
            continue
        pk, name, changeable = existing
        if not changeable:
            plan.errors.append(_error(row.number, "credit_code", "credit_code.duplicate",
                                      f"统一社会信用代码 {enterprise.credit_code} 已在本区县登记，但该单位不在您的辖区内。"))
        elif name != enterprise.name and enterprise.credit_code:
            plan.errors.append(_error(row.number, "credit_code", "credit_code.duplicate",
                                      f"统一社会信用代码 {enterprise.credit_code} 已登记为“{name}”，与本行单位名称不一致。"))
        else:
            matches[pk] = (row, enterprise)
    current = Enterprise.objects.filter(pk__in=list(matches)).values("pk", "version", *COMPARED)
    for before in current.iterator(chunk_size=2000):
        row, enterprise = matches[before["pk"]]
        if all(getattr(enterprise, name) == before[name] for name in COMPARED):
            plan.unchanged += 1
        else:
            plan.updates.append((before["pk"], before["version"], services.export_values(enterprise)))
    plan.errors.sort(key=lambda e: (e["row"] or 0))
    if plan.errors:
        plan.creates, plan.updates, plan.unchanged = [], [], 0


# --- writing --------------------------------------------------------------------------------


def run_import(path, user, *, filename, dry_run=False):
    """Validate, then write everything in one transaction (nothing at all on any error)."""
    started = time.monotonic()
    plan = validate(path, user)
    if dry_run or not plan.valid:
        return plan
    try:
        with transaction.atomic():
            created_ids = _write(plan, user)
            record("enterprise_import", None, actor=user, object_type="registry.enterprise", object_id="import",
                   region_code=_county_of(plan, user),
                   after={"file": filename, "rows": plan.rows, "empty_rows": plan.empty,
                          "created": len(plan.creates), "updated": len(plan.updates), "unchanged": plan.unchanged,
                          "created_ids": created_ids, "seconds": round(time.monotonic() - started, 1)})
    except IntegrityError as exc:
        raise ServiceError("ledger.conflict", "导入期间有人登记了相同信用代码的单位，请重新上传预览后再导入。") from exc
    return plan


def _write(plan, user):
    Enterprise.objects.bulk_create(plan.creates, batch_size=1000)
    regions = Region.objects.restrict(user, "view")
    for pk, version, data in plan.updates:
        enterprise = Enterprise.objects.select_related("category", "industry", "operating_region",
                                                       "registered_region").get(pk=pk)
        services.update_enterprise(enterprise, data, actor=user, operating_regions=regions, version=version)
    return [e.pk for e in plan.creates]


def _county_of(plan, user):
    counties = {e.region_code for e in plan.creates} or set(user_counties(user))
    return counties.pop() if len(counties) == 1 else ""


# --- uploads kept between preview and confirmation -----------------------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_TTL_SECONDS = 24 * 3600


def _upload_dir():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(uploaded, user):
    """Keep the uploaded file as MEDIA_ROOT/imports/<uuid>.xlsx with its owner; return the token."""
    _remove_stale()
    token = uuid.uuid4().hex
    folder = _upload_dir()
    with open(folder / f"{token}.xlsx", "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    meta = {"owner": user.pk, "name": Path(uploaded.name or "ledger.xlsx").name[:200]}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False))
    return token


def stored_upload(token, user):
    """(path, original name) of the user's own upload; anyone else's or a stale token is 404."""
    if not _TOKEN.match(token or ""):
        raise Http404
    folder = _upload_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    path = folder / f"{token}.xlsx"
    if meta.get("owner") != user.pk or not path.exists():
        raise Http404
    return path, meta.get("name", "")


def discard_upload(token):
    for suffix in (".xlsx", ".json"):
        (_upload_dir() / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_stale():
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for item in _upload_dir().iterdir():
        if item.stat().st_mtime < cutoff:
            item.unlink(missing_ok=True)


def may_import(user):
    return user.is_authenticated and user.effective_role in IMPORT_ROLES
