"""Excel exports shared by every ledger: XlsxWriter in constant_memory mode,
which writes each row to a temporary file as soon as the next one starts and
keeps its text inline (no table of shared strings held until the save), so
a large export streams its rows in flat memory; the .xlsx is then assembled
from that file. (openpyxl's write-only mode alone took about as long as the
100,000-row problem ledger may take in all: issue 20, bench/bench_export.py.)

Text is written as text (issue 21 item 6): a string that starts with "="
would be a formula that Excel and WPS run -- a matter titled
=HYPERLINK("http://…","点击查看") would come back as a live link. Every
string is written as a string cell (never through XlsxWriter's guessing
write(), which makes formulas and links of such text), and one starting
with = + - @, a tab or a carriage return carries the quote-prefix style, so
that Excel and WPS show it and keep showing it as text after an edit.

Dates and moments in a row are written as Excel dates (moments in local
time); the import templates and dashboards, which are small workbooks built
with openpyxl in normal mode, are made safe by defuse_workbook."""

import datetime as dt
import re
import tempfile
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from xlsxwriter.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = "".join(FORMULA_STARTS)  # each is one character

# The control characters a worksheet cannot hold (the ones openpyxl refuses).
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# Text XlsxWriter would not write as it is: a carriage return and a literal
# _xHHHH_ it writes as Excel's escapes (_x000D_, _x005F_x0041_), which
# openpyxl -- and so this project's own import -- reads back as they stand;
# and text that looks like its own rendered rich string (<r>…</r>), which it
# writes unescaped. See exact_text.
NOT_AS_IS = re.compile(r"\r|_x[0-9A-Fa-f]{4}_")
# Either of the two, or a start like <r>: the one search most text needs.
UNUSUAL = re.compile(r"[\000-\010\013-\014\016-\037\r]|_x[0-9A-Fa-f]{4}_|^<r>")
# UNUSUAL over several texts joined by line breaks ("<r>" at any line's
# start: a text holding such a line is only looked at again on its own).
UNUSUAL_LINE = re.compile(UNUSUAL.pattern, re.MULTILINE)
STRING_MAX = 32767  # UTF-16 units in a cell

HEADER_STYLE = {"bold": True, "pattern": 1, "bg_color": "#EEF1F5", "align": "center", "valign": "vcenter",
                "text_wrap": True}
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd h:mm:ss"
TIME_FORMAT = "h:mm:ss"
# Pixels of one character of column width (Calibri 11's digit, as Excel and
# both libraries count): a width given as N characters is stored as N.
CHAR_PIXELS = 7


def risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell):
    """Make an openpyxl cell holding a risky string a plain text cell."""
    if risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def clean_text(value):
    """Text without the control characters a worksheet cannot hold (they
    come only from pasted or machine-made text)."""
    return ILLEGAL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def defuse_workbook(wb):
    """Every risky string of a (normal-mode) openpyxl workbook written as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and ILLEGAL_CHARACTERS.search(cell.value):
                    cell.value = clean_text(cell.value)
                as_text(cell)
    return wb


class Sheet(Worksheet):
    """XlsxWriter's worksheet, less a step that does nothing here: every
    text of the sheet (its cells' only: it has no formulas, validations,
    headers or footers) reaches it through write_text, without the control
    characters and _xHHHH_ sequences that XlsxWriter escapes cell by cell
    (two regular expression passes over each text, a tenth of the write).
    Were the method renamed in another version, the override would only
    stop saving time."""

    @staticmethod
    def _escape_control_characters(data):
        return data


def write_xlsx(fileobj, sheet_title, columns, rows, widths=None):
    """One sheet: a bold, shaded header row (frozen), then `rows`, each a
    sequence of values in `columns` order, read one at a time. `fileobj` is
    a path or a seekable binary file."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    with xlsxwriter.Workbook(fileobj, options) as wb:
        ws = wb.add_worksheet(sheet_title[:31], worksheet_class=Sheet)
        for i, width in enumerate(widths or []):
            ws.set_column_pixels(i, i, round(width * CHAR_PIXELS))
        ws.freeze_panes(1, 0)
        header = wb.add_format(HEADER_STYLE)
        for c, name in enumerate(columns):
            write_text(ws.write_string, 0, c, str(name), header, header)
        write_rows(wb, ws, rows, first=1)


def write_rows(wb, ws, rows, first=1):
    """Write `rows` from row index `first` on (constant_memory: in order)."""
    quoted = wb.add_format({"quote_prefix": True})
    formats = {dt.datetime: wb.add_format({"num_format": MOMENT_FORMAT}),
               dt.date: wb.add_format({"num_format": DATE_FORMAT}),
               dt.time: wb.add_format({"num_format": TIME_FORMAT})}
    write_string, write_number = ws.write_string, ws.write_number  # (the loop runs once per cell)
    unusual_line, first_chars = UNUSUAL_LINE.search, FORMULA_FIRST
    for r, row in enumerate(rows, start=first):
        # One search for the row's texts together (most rows hold no unusual
        # text, and then each text is written as it is) instead of one a cell.
        plain = unusual_line("\n".join([v for v in row if type(v) is str])) is None
        for c, v in enumerate(row):
            t = type(v)
            if t is str:
                if not v:  # an empty text is an empty cell, as before
                    continue
                if plain:
                    write_string(r, c, v, quoted if v[0] in first_chars else None)
                else:
                    write_text(write_string, r, c, v, quoted)
            elif t is int or t is float:
                write_number(r, c, v)
            elif v is None:
                continue
            else:
                _write_other(ws, r, c, v, quoted, formats)


def _write_other(ws, r, c, v, quoted, formats):
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, int | float | Decimal):
        ws.write_number(r, c, v)
    elif isinstance(v, dt.datetime):
        if timezone.is_aware(v):
            v = timezone.localtime(v).replace(tzinfo=None)
        ws.write_datetime(r, c, v, formats[dt.datetime])
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, v, formats[dt.date])
    elif isinstance(v, dt.time):
        ws.write_datetime(r, c, v, formats[dt.time])
    else:  # lazy text and the like
        write_text(ws.write_string, r, c, str(v), quoted)


def write_text(write_string, r, c, v, quoted, style=None):
    """A text cell (in `style`): without the control characters a worksheet
    cannot hold, quote-prefixed when it starts like a formula, escaped here
    when XlsxWriter would not write it as it is."""
    if not UNUSUAL.search(v):
        write_string(r, c, v, quoted if v.startswith(FORMULA_STARTS) else style)
        return
    v = ILLEGAL_CHARACTERS.sub("", v)
    style = quoted if v.startswith(FORMULA_STARTS) else style
    if NOT_AS_IS.search(v) or v.startswith("<r>"):
        v = exact_text(v)
    if v:
        write_string(r, c, v, style)


def exact_text(text):
    """`text` as the inline rich string of one plain run, whose XML is made
    here: XlsxWriter writes such a string (it renders rich strings so)
    without changing it. Escaped as openpyxl escaped it -- & < > and the
    carriage return as character references, an underscore before xHHHH_ as
    one too (which keeps XlsxWriter from escaping it) -- so Excel, WPS and
    openpyxl read the text exactly as before. A text over a cell's limit is
    cut to it, as XlsxWriter cuts any other."""
    while True:
        xml = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
               .replace("_x", "&#95;x"))
        out = f'<r><t xml:space="preserve">{xml}</t></r>'
        over = len(out.encode("utf-16-le")) // 2 - STRING_MAX if len(out) > STRING_MAX // 2 else 0
        if over <= 0:
            return out
        text = text[:-over]


def xlsx_response(filename, sheet_title, columns, rows, widths=None):
    """The sheet as a download, written to a temporary file first (the rows
    are read once, as they come), which the response then streams."""
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, sheet_title, columns, rows, widths)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
