"""Helpers for reading the Excel ledgers that clerks fill in by hand.

Real ledgers are messy: a title row and merged group headers above the
header row, header names broken by spaces or line breaks, full-width digits
and punctuation, dates written in half a dozen ways, blank rows. These
helpers turn such a sheet into (Excel row number, {field: raw value})
pairs; the caller validates the values and reports errors by row and column.

One streaming reader (`SheetReader`) for every import: duban.rectification.excel
(问题清单台账) and duban.supervision.ledger (督办事项), and the imports to come.
The workbook is opened read-only and its rows are streamed: memory stays
flat however long the sheet; only the header rows are held. The row cap is
the setting DUBAN_IMPORT_MAX_ROWS (default 20,000).
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from openpyxl import load_workbook

# Words that mean "no fixed date: a long-term measure".
LONG_TERM_WORDS = ("长期坚持", "长期", "持续推进", "常态化", "长期推进")

_WHITESPACE = re.compile(r"\s+")
_REQUIRED_MARK = re.compile(r"[*＊]|[（(]\s*必填\s*[)）]")
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_BEFORE_SUFFIX = re.compile(r"(之前|以前|前|为止|止|底前)$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def cell_text(value) -> str:
    """The text of a cell as the clerk typed it (stripped); whole floats as
    integers ("3" not "3.0"); dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation folded to their half-width
    forms (NFKC), stripped. For structured values (dates, numbers, names,
    choices), not for free text, where "，" should stay "，"."""
    return unicodedata.normalize("NFKC", text or "").strip()


def header_key(value) -> str:
    """A header cell as a lookup key: half-width, without any whitespace or
    line break, without required-field marks (*, （必填）)."""
    text = halfwidth(cell_text(value))
    text = _REQUIRED_MARK.sub("", text)
    return _WHITESPACE.sub("", text).replace("\u3000", "")


def name_key(value) -> str:
    """A unit or person name as a lookup key: half-width, no whitespace."""
    return _WHITESPACE.sub("", halfwidth(cell_text(value)))


def is_long_term(value) -> bool:
    return halfwidth(cell_text(value)).rstrip("。.") in LONG_TERM_WORDS


def parse_date(value, *, default_year: int | None = None) -> dt.date | None:
    """A date from a cell: a date or datetime cell, an Excel serial number,
    or text such as 2026-03-10, 2026/3/10, 2026.3.10, 2026年3月10日,
    2026年3月10日前, 3月10日前 (the year is `default_year`), with full-width
    digits allowed. None for an empty cell; ValueError with a Chinese message
    for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date left as a number
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"“{cell_text(value)}”不是日期")
    text = _WHITESPACE.sub("", halfwidth(cell_text(value)))
    if not text:
        return None
    text = _BEFORE_SUFFIX.sub("", text)
    match = _FULL_DATE.match(text)
    if match:
        year, month, day = (int(x) for x in match.groups())
    else:
        match = _MONTH_DAY.match(text)
        if not match or default_year is None:
            raise ValueError(f"“{cell_text(value)}”不是可识别的日期，请写作 2026-03-10 或 2026年3月10日")
        year, (month, day) = default_year, (int(x) for x in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{cell_text(value)}”不是有效的日期") from None


_STATUS_DATE_FILL = re.compile(r"^[()\[\]【】:：,，、;；\-—~\s]+|[()\[\]【】:：,，、;；\-—~\s]+$")
_STATUS_DATE_VERB = re.compile(r"(完成|整改|销号|办结|核验)$")
_ROUND = re.compile(r"^第\d+轮$")


def parse_status(value, words: dict, *, default_year: int | None = None, hint: str = "") -> tuple:
    """(state, date or None) of a status cell such as 已整改, 已整改（2026-05-20）,
    已销号 2026年6月5日, 已整改(5月20日完成), 2026-05-20已整改: `words` maps the
    words clerks write to states (the longest word that begins or ends the
    cell wins); the rest of the cell, if any, is the state's date
    (`parse_date`; 第2轮 as the export writes it is no date). ("", None) for
    an empty cell; ValueError with a Chinese message naming `hint` (the
    accepted values) for anything else."""
    text = _WHITESPACE.sub("", halfwidth(cell_text(value))).rstrip("。.")
    if not text:
        return "", None
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word):
            rest = text[len(word):]
        elif text.endswith(word):
            rest = text[:-len(word)]
        else:
            continue
        rest = _STATUS_DATE_FILL.sub("", rest)
        rest = _STATUS_DATE_FILL.sub("", _STATUS_DATE_VERB.sub("", rest))
        if not rest or _ROUND.match(rest):
            return words[word], None
        try:
            return words[word], parse_date(rest, default_year=default_year)
        except ValueError:
            break
    raise ValueError(f"“{cell_text(value)}”不是可识别的状态" + (f"，应为：{hint}" if hint else ""))


def max_rows() -> int:
    """The most data rows one import takes (DUBAN_IMPORT_MAX_ROWS)."""
    return int(getattr(settings, "DUBAN_IMPORT_MAX_ROWS", 20_000))


def where(row_no, column="") -> str:
    """第12行“整改时限”列: how every import names the place of an error."""
    return f"第{row_no}行" + (f"“{column}”列" if column else "")


@dataclass
class SheetRows:
    """What `read_sheet` found: the header row, which column holds which
    field, and the filled data rows."""

    header_row: int = 0
    columns: dict = field(default_factory=dict)  # column index -> field
    headers: dict = field(default_factory=dict)  # field -> header text as written
    rows: list = field(default_factory=list)  # (excel row number, {field: value})


class SheetError(ValueError):
    """The file cannot be read as a ledger at all (not the rows' fault)."""


def _match_row(values, aliases: dict) -> dict:
    found = {}
    for i, v in enumerate(values):
        key = header_key(v)
        if key in aliases and aliases[key] not in found.values():
            found[i] = aliases[key]
    return found


def check_workbook(fileobj):
    """Refuse, before openpyxl expands it, a file that is no .xlsx (an .exe
    renamed) or a zip bomb (duban.core.uploads)."""
    import zipfile

    from django.core.exceptions import ValidationError

    from .uploads import ZIP, check_zip

    start = fileobj.tell() if hasattr(fileobj, "tell") else 0
    head = fileobj.read(4)
    fileobj.seek(start)
    if head != ZIP:
        raise SheetError("文件不是有效的 Excel（.xlsx）文件")
    try:
        check_zip(fileobj, "上传的表格", label="表格", must_hold="xl/")
    except ValidationError as e:
        raise SheetError(e.messages[0]) from None
    except zipfile.BadZipFile:
        raise SheetError("文件不是有效的 Excel（.xlsx）文件") from None
    finally:
        fileobj.seek(start)


def max_columns() -> int:
    """The most columns a sheet may fill (DUBAN_IMPORT_MAX_COLUMNS)."""
    return int(getattr(settings, "DUBAN_IMPORT_MAX_COLUMNS", 100))


class SheetReader:
    """The first (or the named) worksheet of an .xlsx file, read as a ledger.

    `aliases` maps header keys (see `header_key`) to field names. The header
    row is the row among the first `scan_rows` that names the most known
    columns (at least `min_hits`); rows above it (titles, merged group
    headers) are skipped. A header cell merged down over two rows, or a
    group header with sub-headers in the next row, is found in either row.
    Opening raises SheetError with a Chinese message; iterating yields
    (Excel row number, {field: value}) for the filled rows after the header,
    streamed from the file, and raises SheetError past `max_rows` (default:
    the setting). `estimated_rows` is the sheet's own count of rows (for a
    progress bar; None when the file does not say). Use as a context
    manager, or call close()."""

    def __init__(self, fileobj, aliases: dict, *, required=(), sheet_name=None, scan_rows=15, min_hits=3,
                 max_rows=None):
        self.max_rows = max_rows or globals()["max_rows"]()
        check_workbook(fileobj)
        try:
            self._wb = load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:
            raise SheetError("文件不是有效的 Excel（.xlsx）文件") from None
        try:
            ws = self._wb[sheet_name] if sheet_name and sheet_name in self._wb.sheetnames else self._wb.worksheets[0]
            columns = max_columns()
            if (ws.max_column or 0) > columns and any(
                    v not in (None, "") for r in ws.iter_rows(min_col=columns + 1, max_row=50, values_only=True)
                    for v in r):
                raise SheetError(f"表格列数过多：最多 {columns} 列（DUBAN_IMPORT_MAX_COLUMNS）")
            self._rows = ws.iter_rows(values_only=True, max_col=columns)
            try:
                self.estimated_rows = ws.max_row
            except Exception:
                self.estimated_rows = None
            self._find_header(aliases, required, scan_rows, min_hits)
        except BaseException:
            self.close()
            raise

    def _find_header(self, aliases, required, scan_rows, min_hits):
        head = []
        for values in self._rows:
            head.append(tuple(values))
            if len(head) > scan_rows:
                break
        best, best_found = None, {}
        for idx, values in enumerate(head[:scan_rows]):
            found = _match_row(values, aliases)
            if len(found) > len(best_found):
                best, best_found = idx, found
        if best is None or len(best_found) < min_hits:
            raise SheetError("找不到表头行：前{}行中没有一行包含“{}”等列名".format(
                scan_rows, "”“".join(_header_names(aliases, required)[:4])))
        columns = dict(best_found)
        last_header = best
        # A header merged vertically keeps its text in the row above; sub-headers
        # under a merged group header sit in the row below.
        for neighbour in (best - 1, best + 1):
            if 0 <= neighbour < len(head):
                extra = _match_row(head[neighbour], aliases)
                added = False
                for i, f in extra.items():
                    if i not in columns and f not in columns.values():
                        columns[i] = f
                        added = True
                if added and neighbour > best:
                    last_header = neighbour
        self.header_row, self.columns, self.headers = best + 1, columns, {}
        for i, f in columns.items():
            for r in (best - 1, best, best + 1):
                if 0 <= r < len(head) and i < len(head[r]) and header_key(head[r][i]) in aliases:
                    self.headers.setdefault(f, _WHITESPACE.sub("", cell_text(head[r][i])))
        missing = [f for f in required if f not in columns.values()]
        if missing:
            names = [_header_names(aliases, [f])[0] for f in missing]
            raise SheetError(f"第{best + 1}行（表头）缺少必填列：" + "、".join(f"“{n}”" for n in names))
        # The rows read past the header while looking for it come first.
        self._pending = [(idx + 1, values) for idx, values in enumerate(head) if idx > last_header]
        self._next_no = len(head) + 1

    def __iter__(self):
        count = 0
        pending, self._pending = self._pending, []

        def raw():
            yield from pending
            no = self._next_no
            for values in self._rows:
                yield no, values
                no += 1

        columns = self.columns
        seen = 0
        for row_no, values in raw():
            seen += 1
            if seen > self.max_rows * 20:
                raise SheetError(f"表格行数过多（超过 {self.max_rows * 20} 行，含空行），请删除多余的行后再导入")
            cells = {f: values[i] for i, f in columns.items() if i < len(values)}
            if all(cell_text(v) == "" for v in cells.values()):
                continue
            count += 1
            if count > self.max_rows:
                raise SheetError(f"表格行数过多：一次最多导入{self.max_rows}行，请分批导入")
            yield row_no, cells

    def close(self):
        if getattr(self, "_wb", None) is not None:
            self._wb.close()
            self._wb = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_sheet(fileobj, aliases: dict, *, required=(), sheet_name=None, scan_rows=15, min_hits=3,
               max_rows=None) -> SheetRows:
    """All the filled rows of a sheet at once (SheetReader, collected)."""
    with SheetReader(fileobj, aliases, required=required, sheet_name=sheet_name, scan_rows=scan_rows,
                     min_hits=min_hits, max_rows=max_rows) as reader:
        return SheetRows(header_row=reader.header_row, columns=reader.columns, headers=reader.headers,
                         rows=list(reader))


def _header_names(aliases: dict, fields) -> list:
    """The first header written for each field (the canonical one)."""
    out = []
    for f in fields:
        for key, target in aliases.items():
            if target == f:
                out.append(key)
                break
        else:
            out.append(f)
    return out
