"""Reading an uploaded table (.xlsx or .csv) with named columns, for the set-up imports
(users, towns and villages, holiday arrangements). File-level problems raise ServiceError;
row-level checks belong to each import, which reports them by row number.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from openpyxl import load_workbook

from safegrid.core.errors import ServiceError

# An .xlsx is a zip: refuse archives that would inflate far beyond any real sheet before
# openpyxl reads them.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 2000


@dataclass
class Row:
    number: int  # as Excel shows it (the header is row 1)
    values: dict


def _error(code, message):
    return ServiceError(code, message, field="file")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(data, name, headers, *, required=()):
    """Rows of the first sheet (or the CSV) as {header: text}; blank rows skipped."""
    name = (name or "").lower()
    if name.endswith(".csv"):
        lines = _csv_lines(data)
    elif data[:4] == b"PK\x03\x04":
        lines = _xlsx_lines(data)
    else:
        raise _error("table.format", "文件应为 Excel(.xlsx)或 CSV(UTF-8)格式，请使用模板填写。")
    first = next(lines, None)
    found = [_text(v) for v in (first or [])]
    missing = [h for h in (required or headers) if h not in found]
    if missing:
        raise _error("table.headers", f"缺少列：{'、'.join(missing)}。请使用模板，不要修改表头。")
    index = {h: found.index(h) for h in headers if h in found}
    rows, limit = [], settings.SAFEGRID_IMPORT_MAX_ROWS
    for number, cells in enumerate(lines, start=2):
        values = {h: _text(cells[i]) if i < len(cells) else "" for h, i in index.items()}
        if not any(values.values()):
            continue
        if len(rows) >= limit:
            raise _error("table.too_many_rows", f"数据超过 {limit} 行的上限，请拆分后分批导入。")
        rows.append(Row(number, values))
    if not rows:
        raise _error("table.empty", "文件中没有数据行。")
    return rows


def _csv_lines(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError as exc:
            raise _error("table.encoding", "CSV 文件编码无法识别，请另存为 UTF-8 编码。") from exc
    return iter(csv.reader(io.StringIO(text)))


def _xlsx_lines(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNCOMPRESSED:
                raise _error("table.too_large", "文件解压后过大，不是正常的表格文件。")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ServiceError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise _error("table.not_xlsx", "无法读取该文件：不是有效的 .xlsx 工作簿或文件已损坏。") from exc
    sheet = workbook.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


def template(title, headers, examples=(), notes=(), widths=None):
    """A one-sheet .xlsx template (text-formatted columns) with example rows and a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from safegrid.excel import HEADER_FILL, HEADER_FONT

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (widths or {}).get(header, 18)
        sheet.column_dimensions[letter].number_format = "@"
    for row in examples:
        sheet.append([str(v) for v in row])
    sheet.freeze_panes = "A2"
    if notes:
        help_sheet = workbook.create_sheet("填写说明")
        help_sheet.column_dimensions["A"].width = 110
        for line in notes:
            help_sheet.append([line])
    return workbook
