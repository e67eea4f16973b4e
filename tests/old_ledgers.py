"""Old ledgers for the import tests (RECT-3, OUT-2): a clerk's sheet with a
title row above the header, saved as a real .xlsx file and read back, and
the moments and journal events the tests compare."""

import datetime as dt

from django.utils import timezone
from openpyxl import Workbook, load_workbook

from duban.journal.models import Event

TZ = timezone.get_default_timezone()
# The day a county moves its spring ledgers into the system.
DECEMBER = dt.datetime(2026, 12, 4, 10, 0, tzinfo=TZ)


def write_ledger(path, *, sheet, title, header, rows):
    """`rows` under `header`, below a merged title row, in worksheet `sheet`
    of a new file at `path`; the file is read back before it is used."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    back = load_workbook(path)[sheet]
    assert [c.value for c in back[2]] == header and back.max_row == 2 + len(rows)
    return path


def start(d: dt.date) -> dt.datetime:
    """The first moment of day `d` (local time): a ledger's date as a moment."""
    return dt.datetime.combine(d, dt.time(), TZ)


def events(action, obj):
    return Event.objects.filter(action=action, object_id=str(obj.pk)).order_by("seq")
