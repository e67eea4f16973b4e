"""OUT-2, issue 21 item 6: exports write text as text. A title typed as
=HYPERLINK("http://…","点击查看") and imported from Excel once came back in
the exported ledger as a live formula; every string starting with = + - @, a
tab or a carriage return is now a text cell, read back here from the file."""

import io

import pytest
from openpyxl import load_workbook

from duban.core.exports import FORMULA_STARTS, write_xlsx
from duban.org import services as org
from duban.supervision.models import Matter

from .test_ledger import good_row, read_xlsx, template
from .test_pages import as_user

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # deadlines ahead of the real clock

LINK = '=HYPERLINK("http://evil.example/x","点击查看")'


def test_out2_formula_title_imported_comes_back_as_text(client, county):
    c = as_user(client, county.supervisor)
    wb = template(c)
    ws = wb["督办事项"]
    header = [str(cell.value).rstrip("*") for cell in ws[1]]
    ws.append([good_row(county, 事项名称=LINK).get(h, "") for h in header])
    title_cell = ws.cell(row=ws.max_row, column=header.index("事项名称") + 1)
    title_cell.data_type = "s"  # as a clerk's text cell, not a formula
    out = io.BytesIO()
    wb.save(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post("/matters/import/", {"file": SimpleUploadedFile("台账.xlsx", out.getvalue()), "assign": "on"})
    assert "已导入 1 项" in r.content.decode()
    assert Matter.objects.get().title == LINK
    exported = read_xlsx(c.get("/matters/all/export/")).active
    cells = [cell for row in exported.iter_rows() for cell in row if cell.value == LINK]
    assert cells, "the title is in the ledger"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert not any(cell.data_type == "f" for row in exported.iter_rows() for cell in row)


def test_out2_every_risky_start_is_written_as_text():
    values = [f"{start}SUM(A1:A9)" for start in FORMULA_STARTS] + ["普通文字", 42]
    # Control characters a worksheet cannot hold (a title pasted from elsewhere) are dropped, not a 500.
    out = io.BytesIO()
    write_xlsx(out, "测试", ["内容"], [["供暖\x1f检查\x0b"]])
    assert load_workbook(io.BytesIO(out.getvalue())).active["A2"].value == "供暖检查"
    out = io.BytesIO()
    write_xlsx(out, "测试", ["内容"], [[v] for v in values])
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == values
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells[:len(FORMULA_STARTS)])
    assert cells[-1].data_type == "n" and not cells[-2].quotePrefix


def test_out2_import_template_lists_a_formula_named_unit_as_text(client, county):
    unit = org.create_unit("=cmd|' /C calc'!A0", parent=county.gov)
    org.create_person("evil", full_name="@SUM(1+1)*cmd", unit=unit)
    wb = template(as_user(client, county.supervisor))
    named = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith(("=cmd", "@SUM"))]
    assert named and all(cell.data_type == "s" for cell in named)
