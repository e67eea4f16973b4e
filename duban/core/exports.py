"""Excel exports shared by every ledger: openpyxl in write-only mode, so a
large export streams rows without holding a workbook of cells in memory."""

import tempfile
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        ws.append(row)
    wb.save(fileobj)


def xlsx_response(filename, sheet_title, columns, rows, widths=None):
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, sheet_title, columns, rows, widths)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
