"""Excel (.xlsx) writing shared by every list export, template and report.

Streams rows with openpyxl's write-only mode, so a 200,000-row export stays small in memory.
"""

import datetime
import tempfile

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def header_cells(sheet, headers):
    cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cells.append(cell)
    return cells


def _plain(value, sheet):
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl writes any "=…" string as a live formula; user text (a name such as
        # "=HYPERLINK(…)") must stay text. No apostrophe, so an export imports back unchanged.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_sheet(workbook, title, headers, rows, widths=None):
    """Append a sheet with a styled header row and the given rows (any iterable)."""
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths or [18] * len(headers), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, headers))
    for row in rows:
        sheet.append([_plain(v, sheet) for v in row])
    return sheet


def new_workbook():
    return Workbook(write_only=True)


def response(workbook, filename):
    """Save to a temporary file (not memory) and stream it as a download."""
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def export(filename, title, headers, rows, widths=None):
    workbook = new_workbook()
    write_sheet(workbook, title, headers, rows, widths)
    return response(workbook, filename)
