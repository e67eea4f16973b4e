"""OUT-2: Word documents in the GB/T 9704-2012 official-document layout.

Each test renders a document, opens the bytes again with python-docx and
reads the layout back from the file, as Word would see it."""

import datetime
import io
from urllib.parse import quote

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt

from duban.core.officialdoc import (
    DOCX,
    OfficialDocument,
    Section,
    chinese_date,
    docx_response,
    format_doc_number,
    render_docx,
)

FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
DAY = datetime.date(2026, 11, 22)
TITLE = "关于限期办结城区老旧小区改造群众反映问题的督办通知"
MARK = "示范县人民政府督查室"


def notice(**changes) -> OfficialDocument:
    fields = dict(
        issuer_mark=MARK,
        doc_number=format_doc_number("示范县督", 2026, 12),
        title=TITLE,
        recipients="县住房和城乡建设局、县教育局",
        urgency="加急",
        sections=[
            Section(paragraphs=["根据县委、县政府主要领导批示要求，现将有关问题交由你单位办理。"]),
            Section(heading="督办事项", paragraphs=["城东片区雨污分流改造进度滞后。"]),
            Section(heading="工作要求"),
            Section(heading="压实责任", level=2, paragraphs=["各承办单位主要负责同志为第一责任人。"]),
            Section(heading="按时反馈", level=2, paragraphs=["请于2026年11月30日前书面反馈。"]),
        ],
        table=[
            ["事项名称", "城东片区雨污分流改造"],
            ["承办单位", "县住房和城乡建设局"],
            ["办理时限", "2026年11月30日"],
            ["联系人", "张三 0000-1234567"],
        ],
        attachments=["问题清单", "办理情况反馈表"],
        signer=MARK,
        date=DAY,
        cc="县委办公室，县人大常委会办公室",
        printed_by=MARK,
        printed_date=DAY,
    )
    fields.update(changes)
    return OfficialDocument(**fields)


def reopen(doc: OfficialDocument):
    data = render_docx(doc)
    assert data[:2] == b"PK"
    return Document(io.BytesIO(data))


def fonts(run) -> dict[str, str]:
    rfonts = run._element.rPr.rFonts
    return {attr: rfonts.get(qn(f"w:{attr}")) for attr in ("eastAsia", "ascii", "hAnsi")}


def east_asia(run) -> str:
    return fonts(run)["eastAsia"]


def paragraph(document, text):
    found = [p for p in document.paragraphs if p.text == text]
    assert found, f"no paragraph {text!r} in {[p.text for p in document.paragraphs]}"
    return found[0]


@pytest.fixture(scope="module")
def document():
    return reopen(notice())


def test_out2_notice_is_a4(document):
    section = document.sections[0]
    assert section.page_width.mm == pytest.approx(210, abs=0.5)
    assert section.page_height.mm == pytest.approx(297, abs=0.5)


def test_out2_notice_has_gbt9704_margins(document):
    section = document.sections[0]
    assert section.top_margin.mm == pytest.approx(37, abs=0.5)
    assert section.bottom_margin.mm == pytest.approx(35, abs=0.5)
    assert section.left_margin.mm == pytest.approx(28, abs=0.5)
    assert section.right_margin.mm == pytest.approx(26, abs=0.5)
    # 版心 156 mm × 225 mm.
    text_w = Length(section.page_width - section.left_margin - section.right_margin)
    text_h = Length(section.page_height - section.top_margin - section.bottom_margin)
    assert text_w.mm == pytest.approx(156, abs=0.5)
    assert text_h.mm == pytest.approx(225, abs=0.5)


def test_out2_22_lines_of_28_characters(document):
    section = document.sections[0]
    text_w = Length(section.page_width - section.left_margin - section.right_margin).pt
    text_h = Length(section.page_height - section.top_margin - section.bottom_margin).pt
    grid = section._sectPr.find(qn("w:docGrid"))
    line_pt = int(grid.get(qn("w:linePitch"))) / 20
    assert 28 <= line_pt <= 29
    assert int(text_h // line_pt) == 22
    spacing = document.styles["Normal"].element.rPr.find(qn("w:spacing"))
    pitch = 16 + int(spacing.get(qn("w:val"))) / 20
    assert int(text_w // pitch) == 28


def test_out2_default_style_is_fangsong_3hao(document):
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    rfonts = normal.element.rPr.rFonts
    for attr in ("eastAsia", "ascii", "hAnsi"):
        assert rfonts.get(qn(f"w:{attr}")) == FANGSONG
    assert rfonts.get(qn("w:eastAsiaTheme")) is None
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28 <= fmt.line_spacing.pt <= 29
    # The document defaults too, so nothing falls back to a theme font.
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rfonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == FANGSONG
    assert rfonts.get(qn("w:eastAsiaTheme")) is None
    # Empty paragraphs (blank lines) carry the font on their paragraph mark.
    blanks = [p for p in document.paragraphs if not p.text and not p.runs]
    assert blanks
    for p in blanks:
        mark = p._p.pPr.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert mark.get(qn("w:eastAsia")) in (FANGSONG, SONGTI)


def test_out2_every_run_has_the_right_east_asian_font_and_size(document):
    special = {
        MARK: (XIAOBIAOSONG, None),
        TITLE: (XIAOBIAOSONG, 22),
        "加急": (HEITI, 16),
        "一、督办事项": (HEITI, 16),
        "二、工作要求": (HEITI, 16),
        "（一）压实责任": (KAITI, 16),
        "（二）按时反馈": (KAITI, 16),
        f"\t{MARK}\t2026年11月22日印发": (FANGSONG, 14),  # 版记 in 4号
    }
    mark_index = [p.text for p in document.paragraphs].index(MARK)
    seen = set()
    runs = 0
    for i, p in enumerate(document.paragraphs):
        for run in p.runs:
            if not run.text:
                continue
            runs += 1
            font, size = special.get(p.text, (FANGSONG, 16))
            if p.text == MARK and i != mark_index:
                font, size = FANGSONG, 16  # the 署名, not the red mark
            seen.add(p.text)
            got = fonts(run)
            assert got == {"eastAsia": font, "ascii": font, "hAnsi": font}, p.text
            if size is not None:
                assert run.font.size == Pt(size), p.text
    assert set(special) <= seen
    assert runs > 12


def test_out2_issuer_mark_is_red_large_and_centred(document):
    mark = paragraph(document, MARK)
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER
    for run in mark.runs:
        assert str(run.font.color.rgb) == "FF0000"
        assert run.font.size.pt > 22
        assert east_asia(run) == XIAOBIAOSONG
    # Its glyphs' top edge 35 mm below the top of the 版心: the 紧急程度
    # line, the space before, and half the line box's extra height.
    fmt = mark.paragraph_format
    size = mark.runs[0].font.size.pt
    above = 28.95 + fmt.space_before.pt + (fmt.line_spacing.pt - size) / 2
    assert above / 72 * 25.4 == pytest.approx(35, abs=0.5)


def test_out2_doc_number_is_centred_with_hexagonal_brackets_over_a_red_line(document):
    number = paragraph(document, "示范县督〔2026〕12号")
    assert "〔2026〕" in number.text
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    line = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert line.get(qn("w:color")) == "FF0000"
    assert line.get(qn("w:val")) == "single"
    texts = [p.text for p in document.paragraphs]
    assert texts.index(MARK) < texts.index(number.text) < texts.index(TITLE)


def test_out2_title_is_xiaobiaosong_2hao_centred(document):
    title = paragraph(document, TITLE)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {east_asia(r) for r in title.runs} == {XIAOBIAOSONG}
    assert {r.font.size for r in title.runs} == {Pt(22)}


def test_out2_title_may_span_lines():
    document = reopen(notice(title="关于限期办结城区老旧小区改造\n群众反映问题的督办通知"))
    title = [p for p in document.paragraphs if p.text.startswith("关于")][0]
    assert title.text == "关于限期办结城区老旧小区改造\n群众反映问题的督办通知"
    assert title._p.xpath(".//w:br")


def test_out2_recipients_flush_left_with_full_width_colon(document):
    recipients = paragraph(document, "县住房和城乡建设局、县教育局：")
    assert recipients.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert not recipients.paragraph_format.first_line_indent
    for given in ("县教育局:", "县教育局：", "县教育局"):
        document = reopen(notice(recipients=given))
        assert paragraph(document, "县教育局：")


def test_out2_body_paragraphs_indent_two_characters(document):
    body = [
        "根据县委、县政府主要领导批示要求，现将有关问题交由你单位办理。",
        "城东片区雨污分流改造进度滞后。",
        "各承办单位主要负责同志为第一责任人。",
        "请于2026年11月30日前书面反馈。",
        "一、督办事项",
        "（一）压实责任",
    ]
    for text in body:
        p = paragraph(document, text)
        assert p.paragraph_format.first_line_indent == Pt(32), text
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert 28 <= p.paragraph_format.line_spacing.pt <= 29
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_out2_headings_are_numbered_once():
    document = reopen(
        notice(
            sections=[
                Section(heading="一、已编号", paragraphs=["正文。"]),
                Section(heading="下级", level=2),
                Section(heading="（二）已编号下级", level=2),
                Section(heading="第三层", level=3),
                Section(heading="第四层", level=4),
                Section(heading="自动编号"),
                Section(heading="重新计数", level=2),
            ]
        )
    )
    texts = [p.text for p in document.paragraphs]
    for expected in (
        "一、已编号",
        "（一）下级",
        "（二）已编号下级",
        "1.第三层",
        "（1）第四层",
        "二、自动编号",
    ):
        assert expected in texts
    assert "（一）重新计数" in texts
    assert east_asia(paragraph(document, "1.第三层").runs[0]) == FANGSONG


def test_out2_table_cells_read_back(document):
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["事项名称", "城东片区雨污分流改造"],
        ["承办单位", "县住房和城乡建设局"],
        ["办理时限", "2026年11月30日"],
        ["联系人", "张三 0000-1234567"],
    ]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert borders.find(qn(f"w:{side}")).get(qn("w:val")) == "single"
    for row in table.rows:
        label, value = row.cells
        assert all(r.font.bold for r in label.paragraphs[0].runs)
        assert not any(r.font.bold for r in value.paragraphs[0].runs)
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                assert east_asia(run) == FANGSONG
                assert 14 <= run.font.size.pt <= 16


def test_out2_grid_and_four_column_tables():
    grid = reopen(notice(table=[["序号", "事项", "时限"], ["1", "雨污分流", "11月30日"]])).tables[0]
    assert [c.text for c in grid.rows[1].cells] == ["1", "雨污分流", "11月30日"]
    assert all(r.font.bold for c in grid.rows[0].cells for r in c.paragraphs[0].runs)
    assert not any(r.font.bold for c in grid.rows[1].cells for r in c.paragraphs[0].runs)

    form = reopen(
        notice(
            table=[["事项名称", "雨污分流", "办理时限", "11月30日"], ["办理要求", "逐项销号\n按时反馈"]],
            table_kind="kv",
        )
    ).tables[0]
    assert [c.text for c in form.rows[0].cells] == ["事项名称", "雨污分流", "办理时限", "11月30日"]
    # A short row's last value spans the remaining columns.
    assert [c.text for c in form.rows[1].cells] == ["办理要求"] + ["逐项销号\n按时反馈"] * 3
    assert form.rows[1].cells[1]._tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "3"
    assert all(r.font.bold for r in form.rows[0].cells[2].paragraphs[0].runs)
    with pytest.raises(ValueError):
        render_docx(notice(table_kind="form"))


def test_out2_signer_and_date_right_aligned(document):
    date = paragraph(document, "2026年11月22日")
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(4 * 16)
    signer = [p for p in document.paragraphs if p.text == MARK][-1]
    assert signer is not paragraph(document, MARK)
    assert signer.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # The issuer is centred over the date: 10 字 over 7 字 → 2.5 字 from the right.
    assert signer.paragraph_format.right_indent == Pt(2.5 * 16)
    texts = [p.text for p in document.paragraphs]
    assert texts.index(signer.text, texts.index(TITLE)) + 1 == texts.index(date.text)


def test_out2_attachments_after_the_body(document):
    first = paragraph(document, "附件：1.问题清单")
    second = paragraph(document, "2.办理情况反馈表")
    fmt = first.paragraph_format
    # "附件" starts two 字 in, names wrap under the name column.
    assert (fmt.left_indent + fmt.first_line_indent) == Pt(32)
    assert second.paragraph_format.left_indent == fmt.left_indent
    assert (second.paragraph_format.left_indent + second.paragraph_format.first_line_indent) == Pt(80)
    single = reopen(notice(attachments=["问题清单。"]))
    p = paragraph(single, "附件：问题清单")
    assert (p.paragraph_format.left_indent + p.paragraph_format.first_line_indent) == Pt(32)


def rules(element, tag):
    box = element.find(qn(tag))
    return {side.tag.split("}")[1]: (side.get(qn("w:val")), int(side.get(qn("w:sz")))) for side in box}


def test_out2_colophon_between_rules(document):
    cc = document.tables[-1]
    assert [row.cells[0].text for row in cc.rows] == ["抄送：县委办公室，县人大常委会办公室。"]
    cc_rules = rules(cc._tbl.tblPr, "w:tblBorders")
    printed = document.paragraphs[-1]
    assert printed.text == f"\t{MARK}\t2026年11月22日印发"
    # The document ends on the 印发 line, not on a table or an empty paragraph.
    assert document.element.body[-2] is printed._p
    last_rules = rules(printed._p.pPr, "w:pBdr")
    # Thick first and last rule, a thin one between.
    assert cc_rules["top"] == last_rules["bottom"] == ("single", 8)
    assert cc_rules["bottom"] == ("single", 6)
    assert cc_rules["left"][0] == cc_rules["right"][0] == "nil"
    assert "top" not in last_rules
    stops = [(round(t.position.pt), t.alignment) for t in printed.paragraph_format.tab_stops]
    assert stops == [(14, WD_TAB_ALIGNMENT.LEFT), (round(Mm(156).pt - 14), WD_TAB_ALIGNMENT.RIGHT)]
    for p in [cc.rows[0].cells[0].paragraphs[0], printed]:
        assert p.paragraph_format.first_line_indent in (None, 0, -Pt(42))
        for run in p.runs:
            assert east_asia(run) == FANGSONG
            assert run.font.size == Pt(14)


def test_out2_colophon_without_cc_or_without_printing():
    only_printed = reopen(notice(cc=""))
    assert not [t for t in only_printed.tables if "抄送" in t.rows[0].cells[0].text]
    both = rules(only_printed.paragraphs[-1]._p.pPr, "w:pBdr")
    assert both == {"top": ("single", 8), "bottom": ("single", 8)}

    only_cc = reopen(notice(printed_by="", printed_date=None))
    table = only_cc.tables[-1]
    assert table.rows[0].cells[0].text.startswith("抄送：")
    cc_rules = rules(table._tbl.tblPr, "w:tblBorders")
    assert cc_rules["top"] == cc_rules["bottom"] == ("single", 8)
    # Word needs a paragraph after the table: 1 pt and hidden.
    tail = only_cc.element.body[-2]
    assert tail.tag == qn("w:p") and tail.pPr.find(qn("w:rPr")).find(qn("w:vanish")) is not None

    none = reopen(notice(cc="", printed_by="", printed_date=None))
    assert none.paragraphs[-1].text == "2026年11月22日"


def test_out2_footer_has_page_field_odd_right_even_left(document):
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        assert p.alignment == align
        instr = "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        assert [f.get(qn("w:fldCharType")) for f in p._p.iter(qn("w:fldChar"))] == [
            "begin",
            "separate",
            "end",
        ]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        for run in p.runs:
            assert east_asia(run) == SONGTI
            assert run.font.size == Pt(14)


def test_out2_format_doc_number_and_chinese_date():
    assert format_doc_number("示范县督", 2026, 12) == "示范县督〔2026〕12号"
    assert format_doc_number("示范县政办发", 2027, 1) == "示范县政办发〔2027〕1号"
    assert chinese_date(DAY) == "2026年11月22日"
    assert chinese_date(datetime.date(2026, 1, 5)) == "2026年1月5日"
    with pytest.raises(ValueError):
        format_doc_number("示范县督", 2026, 0)
    with pytest.raises(ValueError):
        format_doc_number("示范县督", 26, 1)


def test_out2_xml_unsafe_text_survives():
    document = reopen(
        notice(
            title="关于A&B<C>项目的督办通知",
            recipients="县R&D中心",
            sections=[Section(heading="甲&乙", paragraphs=['"引号" & <标签> \x01控制符'])],
            table=[["名称", "a<b&c"]],
            cc="县A&B局",
        )
    )
    texts = [p.text for p in document.paragraphs]
    assert "关于A&B<C>项目的督办通知" in texts
    assert "县R&D中心：" in texts
    assert "一、甲&乙" in texts
    assert '"引号" & <标签> 控制符' in texts
    assert document.tables[0].rows[0].cells[1].text == "a<b&c"
    assert document.tables[-1].rows[0].cells[0].text == "抄送：县A&B局。"


def test_out2_minimal_document_renders():
    document = reopen(OfficialDocument(issuer_mark=MARK, doc_number="示范县督〔2026〕1号", title="值班要情"))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == [MARK, "示范县督〔2026〕1号", "值班要情"]
    assert not document.tables


def test_out2_urgency_top_left_in_heiti(document):
    first = document.paragraphs[0]
    assert first.text == "加急"
    assert first.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert east_asia(first.runs[0]) == HEITI
    without = reopen(notice(urgency=""))
    assert without.paragraphs[0].text == MARK
    # Without the 紧急程度 line the mark moves up into its place.
    before = paragraph(document, MARK).paragraph_format.space_before.pt
    assert without.paragraphs[0].paragraph_format.space_before.pt == pytest.approx(before + 28.95, abs=0.1)


def test_out2_docx_response_has_rfc5987_filename():
    data = render_docx(notice())
    response = docx_response("督办通知单 12号.docx", data)
    assert response["Content-Type"] == DOCX
    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename*=UTF-8''" + quote("督办通知单 12号.docx", safe="")
    assert "%E7%9D%A3" in disposition and " 12" not in disposition
    assert response.content == data
    assert int(response["Content-Length"]) == len(data)
