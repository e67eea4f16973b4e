"""OUT-2 (issue 20): the ledgers' Excel writer (duban.core.exports, XlsxWriter
in constant_memory mode) writes what the exports wrote before: every value
reads back as it was given, text as text (a formula-like start quote-
prefixed, issue 21 item 6), dates as dates; a frozen, bold, shaded header;
the column widths as given. Read back with openpyxl, as the import reads a
ledger. Large enough that the writer flushes thousands of rows."""

import datetime as dt
import io
import random
import zipfile
from decimal import Decimal

from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from xlsxwriter.worksheet import Worksheet

from duban.core.exports import (
    FORMULA_STARTS,
    STRING_MAX,
    XLSX,
    clean_text,
    write_text,
    write_xlsx,
    xlsx_response,
)

COLUMNS = ["序号", "编号", "问题描述", "备注", "分数", "日期", "时刻", "是否"]
WIDTHS = [6, 16, 40, 30, 8, 12, 20, 6]
WORDS = ("落实", "整改", "台账", "责任", "制度", "会议", "群众", "服务", "窗口", "审批")
# Text XlsxWriter on its own would write differently (escapes, raw markup),
# control characters a worksheet cannot hold, and text a writer may take for
# a formula, a link or a number.
ODD = ["第一行\r\n第二行", "\r回车开头", "_x0041_ 不是 A", "<r>x</r>", "<r><t>y</t></r>", "a & b < c > d",
       "http://example.org/x", "1e5", "0012", " 前后空格 ", "供暖\x1f检查\x0b", *[f"{s}SUM(A1:A9)" for s in FORMULA_STARTS],
       '=HYPERLINK("http://evil.example/x","点击查看")']


def rows(n, seed=20):
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    for i in range(1, n + 1):
        text = "".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))
        yield [i, f"ZF-2026-{i:06d}", text or None, ODD[i % len(ODD)] if i % 3 else "",
               [3, 2.5, Decimal("1.25"), None][i % 4], dt.date(2026, 1, 1) + dt.timedelta(days=i % 365),
               dt.datetime(2026, 3, 1, 8, 30, tzinfo=tz) + dt.timedelta(minutes=i), i % 2 == 0]


def expected(row):
    """A row as openpyxl reads it back."""
    out = []
    for v in row:
        if v == "":
            v = None
        elif isinstance(v, str):
            v = v.replace("\x1f", "").replace("\x0b", "")
        elif isinstance(v, Decimal):
            v = float(v)
        elif isinstance(v, dt.datetime):
            v = timezone.localtime(v).replace(tzinfo=None)
        elif isinstance(v, dt.date):
            v = dt.datetime.combine(v, dt.time())
        out.append(v)
    return tuple(out)


def test_out2_a_large_export_reads_back_cell_for_cell():
    n = 5000
    response = xlsx_response("问题清单台账-测试.xlsx", "问题清单台账", COLUMNS, rows(n), widths=WIDTHS)
    assert response.streaming and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == ("attachment; filename*=UTF-8''"
                                               "%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95%E5%8F%B0%E8%B4%A6-"
                                               "%E6%B5%8B%E8%AF%95.xlsx")
    data = b"".join(response.streaming_content)
    response.file_to_stream.close()  # (response.close() would signal the request's end)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["问题清单台账"]
    ws = wb.active
    got = list(ws.iter_rows(values_only=True))
    assert got[0] == tuple(COLUMNS)
    assert len(got) == n + 1
    for i, (row, want) in enumerate(zip(got[1:], rows(n), strict=True), start=2):
        assert row == expected(want), i

    cells = [row for row in ws.iter_rows(min_row=2)]
    for row in cells:
        for cell in row:
            assert cell.data_type != "f" and cell.hyperlink is None
            assert bool(cell.quotePrefix) == (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS))
    assert sum(1 for row in cells if row[3].quotePrefix) > 1000
    assert {row[5].number_format for row in cells} == {"yyyy-mm-dd"} and all(row[5].is_date for row in cells)
    assert {row[6].number_format for row in cells} == {"yyyy-mm-dd h:mm:ss"}
    assert {row[7].data_type for row in cells} == {"b"}

    # The layout: the header frozen, bold, shaded, centred and wrapped; the widths as given.
    assert ws.freeze_panes == "A2"
    for cell in ws[1]:
        assert cell.font.b and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "FFEEF1F5"
        assert (cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text) == \
            ("center", "center", True)
    assert [ws.column_dimensions[chr(65 + i)].width for i in range(len(WIDTHS))] == WIDTHS
    # Written as inline text (no table of shared strings to hold until the save).
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_out2_text_over_a_cells_limit_is_cut_to_it():
    out = io.BytesIO()
    long = ["字" * 40000, "\r" + "x" * 40000, "<r>" + "y" * 40000 + "</r>"]
    write_xlsx(out, "测试", ["内容"], [[v] for v in long])
    got = [row[0] for row in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(min_row=2, values_only=True)]
    for text, back in zip(long, got, strict=True):
        assert back and len(back) <= STRING_MAX and text.startswith(back)


def test_out2_a_sheet_title_is_cut_to_31_characters():
    out = io.BytesIO()
    write_xlsx(out, "很长的标题" * 10, ["内容"], [])
    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == [("很长的标题" * 10)[:31]]
    assert [c.value for c in wb.active[1]] == ["内容"]


TEXT = st.text(st.sampled_from("整改a_x0D41F<>&/r\r\n\t =+-@ \x01\x1f\x0b"), max_size=40) | st.text(max_size=40)


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_out2_any_text_reads_back_as_written_and_needs_no_escape_from_xlsxwriter(text):
    written = []
    write_text(lambda r, c, v, style: written.append(v), 1, 0, text, quoted=None)
    # What reaches XlsxWriter is what its cell-by-cell escape (skipped by Sheet) would leave as it is.
    assert all(Worksheet._escape_control_characters(v) == v for v in written)
    out = io.BytesIO()
    write_xlsx(out, "测试", ["内容"], [[text]])
    back = load_workbook(io.BytesIO(out.getvalue())).active["A2"].value
    assert back == (clean_text(text) or None)
