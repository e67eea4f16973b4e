"""Excel exports shared by every ledger: openpyxl in write-only mode, so a
large export streams rows without holding a workbook of cells in memory.

Text is written as text (issue 21 item 6): openpyxl stores any string that
starts with "=" as a formula, which Excel and WPS would run -- a matter
titled =HYPERLINK("http://…","点击查看") would come back as a live link.
A string starting with = + - @, a tab or a carriage return is stored as a
string cell with the quote-prefix style, so that Excel and WPS show it and
keep showing it as text after an edit."""

import tempfile
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell):
    """Make a cell holding a risky string a plain text cell."""
    if risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def clean_text(value):
    """Text without the control characters a worksheet cannot hold (openpyxl
    refuses them; they come only from pasted or machine-made text)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def safe_row(ws, row):
    row = [clean_text(v) for v in row]
    return [as_text(WriteOnlyCell(ws, value=v)) if risky(v) else v for v in row]


def defuse_workbook(wb):
    """Every risky string of a (normal-mode) workbook written as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and ILLEGAL_CHARACTERS_RE.search(cell.value):
                    cell.value = clean_text(cell.value)
                as_text(cell)
    return wb


def write_xlsx(fileobj, sheet_title, columns, rows, widths=None):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF1F5")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(safe_row(ws, row))
    wb.save(fileobj)


def xlsx_response(filename, sheet_title, columns, rows, widths=None):
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, sheet_title, columns, rows, widths)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
