"""Word (.docx) documents in the layout of GB/T 9704-2012 《党政机关公文格式》.

One data-driven generator for every paper the platform issues (督办通知单,
催办单, 差错通报, 值班要情, 整改情况报告): fill an `OfficialDocument`, call
`render_docx`, and serve the bytes with `docx_response`.

What the standard asks, and where it is done here:

* A4 paper, 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm (so bottom 35 mm,
  right 26 mm): `_setup_section`.
* 3号仿宋 for everything not said otherwise, 22 lines of 28 characters a
  page: the Normal style and the document defaults are 仿宋_GB2312 16 pt
  with exact 28.95 pt line spacing (22 × 28.95 pt fills the 225 mm 版心,
  also set as the section's line grid), and characters condensed by
  0.25 pt so that 28 of them fill the 156 mm line.
* Every run carries its East-Asian font explicitly (`w:rFonts w:eastAsia`),
  because `run.font.name` alone only sets the Latin font and Word would show
  the Chinese text in whatever the theme says.
* 版头: 紧急程度 (3号黑体, top left), 发文机关标志 (red 小标宋, centred, its
  top edge 35 mm below the top of the 版心), two lines down the 发文字号
  (centred) and 4 mm under it the red 分隔线 as wide as the 版心.
* 主体: 标题 (2号小标宋, centred) two lines under the red line; 主送机关 one
  line under the title, flush left, ending with a full-width colon; body
  paragraphs indented two characters; headings 一、 (黑体), （一） (楷体),
  1. and （1） (仿宋); 附件说明; 发文机关署名 and 成文日期 laid out as for a
  sealed document (date four characters from the right, the issuer centred
  over the date).
* 版记: 抄送 and 印发机关/印发日期 in 4号仿宋 between a thick top and bottom
  rule with a thin rule between, as a borderless-sided table right after
  the 成文日期. The standard wants it on the last lines of the last page;
  a table floated to the bottom (`w:tblpPr tblpYSpec="bottom"`) could do
  that in Word, but LibreOffice lays a full-width floating table inline
  anyway and Word may reflow text around it, so it stays in the flow and a
  clerk can push it down with blank lines where it matters.
* 页码: 4号半角宋体 Arabic numerals between em dashes ("— 1 —"), odd pages
  right and even pages left, one character in from the edge of the 版心.
  Done with different odd and even footers (`w:evenAndOddHeaders` in
  settings), each holding a PAGE field.
"""

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import HttpResponse
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Fonts as named on a Chinese Windows/WPS desk.
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

# 字号 in points.
SIZE_2 = 22  # 2号: title
SIZE_3 = 16  # 3号: everything else
SIZE_4 = 14  # 4号: 版记, page numbers, tables

RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 37, 35
MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 28, 26
TEXT_W_MM = PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
TEXT_H_MM = PAGE_H_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225

LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PT = 28.95  # 22 lines × 28.95 pt = 636.9 pt ≤ 225 mm (637.8 pt)
# 156 mm holds 27.6 characters of 16 pt; condensing each by 0.25 pt (-5
# twentieths of a point) makes 28 fit (28 × 15.75 pt = 441 pt ≤ 442.2 pt).
CHAR_SPACING_TWIPS = -5
MARK_TOP_MM = 35  # 发文机关标志: top edge to the top of the 版心
MARK_MAX_PT = 50

LEVEL_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}

_CN_DIGITS = "零一二三四五六七八九"
_LEVEL_PREFIX = {
    1: re.compile(r"^[一二三四五六七八九十百]+、"),
    2: re.compile(r"^（[一二三四五六七八九十百]+）"),
    3: re.compile(r"^\d+[.．]"),
    4: re.compile(r"^（\d+）"),
}
# Characters XML 1.0 cannot hold; lxml refuses them outright.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Section:
    """A heading with its paragraphs, or plain paragraphs when heading is ""."""

    heading: str = ""
    level: int = 1  # 1 → 黑体 "一、", 2 → 楷体 "（一）", 3 → 仿宋 "1.", 4 → 仿宋 "（1）"
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class OfficialDocument:
    issuer_mark: str  # 发文机关标志, e.g. "示范县人民政府督查室" (add "文件" yourself if wanted)
    doc_number: str  # 发文字号, e.g. format_doc_number("示范县督", 2026, 12)
    title: str  # "\n" splits a long title into lines of your choosing
    recipients: str = ""  # 主送机关; a full-width colon is added when missing
    sections: list[Section] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # 附件说明, names only
    signer: str = ""  # 发文机关署名
    date: datetime.date | None = None  # 成文日期
    cc: str = ""  # 抄送机关, e.g. "县委办公室，县人大常委会办公室"
    printed_by: str = ""  # 印发机关
    printed_date: datetime.date | None = None  # 印发日期
    # Optional bordered table after the body. Rows shorter than the widest
    # row have their last cell stretched over the remaining columns.
    table: list[list[str]] | None = None
    # "kv": cells in even columns (0, 2, …) are bold labels (a 督办单);
    # "grid": the first row is a bold header; "auto": "kv" when every row
    # has two cells, else "grid".
    table_kind: str = "auto"
    urgency: str = ""  # 紧急程度: 特急 / 加急


def format_doc_number(prefix: str, year: int, serial: int) -> str:
    """发文字号: 发文机关代字, year in 六角括号 〔〕, serial without leading
    zeros or 第 — "示范县督〔2026〕12号"."""
    if not 1000 <= int(year) <= 9999:
        raise ValueError(f"year must have four digits: {year!r}")
    if int(serial) < 1:
        raise ValueError(f"serial must be positive: {serial!r}")
    return f"{prefix}〔{int(year)}〕{int(serial)}号"


def chinese_date(d: datetime.date) -> str:
    """成文日期 in Arabic numerals, month and day without leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日"


def docx_response(filename: str, data: bytes) -> HttpResponse:
    """The bytes as a download, the (Chinese) file name encoded per RFC 5987."""
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    response["Content-Length"] = str(len(data))
    return response


def render_docx(doc: OfficialDocument) -> bytes:
    if doc.table_kind not in ("auto", "kv", "grid"):
        raise ValueError(f"table_kind must be auto, kv or grid: {doc.table_kind!r}")
    document = Document()
    _setup_defaults(document)
    _setup_section(document)
    _setup_footers(document)
    _setup_properties(document, doc)

    body = _Body(document)
    _head(body, doc)
    _main(body, doc)
    if doc.cc or doc.printed_by or doc.printed_date:
        _colophon(body, doc)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- text helpers -----------------------------------------------------------


def _clean(text) -> str:
    text = "" if text is None else str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_INVALID.sub("", text)


def _width(text: str) -> float:
    """Width in 字: Chinese (and ambiguous-width, as in Chinese fonts) 1,
    Latin letters and digits ½."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _numbered(heading: str, level: int, n: int) -> str:
    if _LEVEL_PREFIX[level].match(heading):
        return heading
    prefix = {1: f"{_cn_number(n)}、", 2: f"（{_cn_number(n)}）", 3: f"{n}.", 4: f"（{n}）"}[level]
    return prefix + heading


# --- low-level XML ----------------------------------------------------------

_PPR_ORDER = (
    "w:pStyle w:keepNext w:keepLines w:pageBreakBefore w:framePr w:widowControl w:numPr "
    "w:suppressLineNumbers w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap "
    "w:overflowPunct w:topLinePunct w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd "
    "w:snapToGrid w:spacing w:ind w:contextualSpacing w:mirrorIndents w:suppressOverlap w:jc "
    "w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl w:divId w:cnfStyle w:rPr "
    "w:sectPr w:pPrChange"
).split()
_RPR_ORDER = (
    "w:rStyle w:rFonts w:b w:bCs w:i w:iCs w:caps w:smallCaps w:strike w:dstrike w:outline "
    "w:shadow w:emboss w:imprint w:noProof w:snapToGrid w:vanish w:webHidden w:color w:spacing "
    "w:w w:kern w:position w:sz w:szCs w:highlight w:u w:effect w:bdr w:shd w:fitText "
    "w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout w:specVanish w:oMath"
).split()
_TBLPR_ORDER = (
    "w:tblStyle w:tblpPr w:tblOverlap w:bidiVisual w:tblStyleRowBandSize w:tblStyleColBandSize "
    "w:tblW w:jc w:tblCellSpacing w:tblInd w:tblBorders w:shd w:tblLayout w:tblCellMar w:tblLook "
    "w:tblCaption w:tblDescription"
).split()
_TCPR_ORDER = (
    "w:cnfStyle w:tcW w:gridSpan w:hMerge w:vMerge w:tcBorders w:shd w:noWrap w:tcMar "
    "w:textDirection w:tcFitText w:vAlign w:hideMark"
).split()


def _child(parent, tag: str, order: list[str]):
    """The `tag` child of `parent`, created in schema order when missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    elem = OxmlElement(tag)
    successors = order[order.index(tag) + 1 :]
    parent.insert_element_before(elem, *successors)
    return elem


def _set_fonts(rpr, name: str) -> None:
    """Set ascii, hAnsi, eastAsia and cs fonts on an rPr, dropping theme fonts
    (a theme attribute wins over the explicit name in Word)."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _style_run(run, font: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = font
    run.font.size = Pt(size)
    if bold:
        run.font.bold = True
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._element.get_or_add_rPr(), font)


def _mark_run_props(paragraph, font: str, size: float) -> None:
    """The paragraph mark's own font, so an empty line is as tall as its text."""
    rpr = _child(paragraph._p.get_or_add_pPr(), "w:rPr", _PPR_ORDER)
    _set_fonts(rpr, font)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(round(size * 2))))


def _set_onoff(ppr, tag: str, value: bool) -> None:
    _child(ppr, tag, _PPR_ORDER).set(qn("w:val"), "1" if value else "0")


def _borders(parent, tag: str, sides: dict[str, tuple[str, int, str]]) -> None:
    """`sides` maps top/left/bottom/right/insideH/insideV to (val, sz in
    eighths of a point, colour[, space in points])."""
    box = parent.find(qn(tag))
    if box is None:
        order = _PPR_ORDER if tag == "w:pBdr" else _TBLPR_ORDER
        box = _child(parent, tag, order)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if side not in sides:
            continue
        val, size, color, *space = sides[side]
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), val)
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), str(space[0] if space else 0))
        el.set(qn("w:color"), color)
        box.append(el)


# --- document setup ---------------------------------------------------------


def _setup_defaults(document) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FANGSONG)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(SIZE_3 * 2))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(int(round(LINE_PT * 20))))
    spacing.set(qn("w:lineRule"), "exact")

    normal = document.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = Pt(SIZE_3)
    normal_rpr = normal.element.get_or_add_rPr()
    _set_fonts(normal_rpr, FANGSONG)
    _child(normal_rpr, "w:spacing", _RPR_ORDER).set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # A full page keeps its 22 lines: no widow/orphan shuffling.
    fmt.widow_control = False
    # No automatic extra space between Chinese and Latin/digits, which would
    # pull "〔2026〕12号" apart.
    ppr = normal.element.get_or_add_pPr()
    _set_onoff(ppr, "w:autoSpaceDE", False)
    _set_onoff(ppr, "w:autoSpaceDN", False)

    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_section(document) -> None:
    section = document.sections[0]
    section.page_width = Mm(PAGE_W_MM)
    section.page_height = Mm(PAGE_H_MM)
    section.top_margin = Mm(MARGIN_TOP_MM)
    section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.header_distance = Mm(15)
    # The page number line's top sits about 7 mm under the 版心 (35 mm):
    # footer text 24 mm up plus a ~6 mm line box.
    section.footer_distance = Mm(24)
    section.gutter = Mm(0)
    # Line grid of 28.95 pt: 22 lines a page. Deliberately no character grid
    # (type "linesAndChars" with a negative charSpace): LibreOffice lays
    # such a grid out at about half the characters a line. The 28
    # characters come from CHAR_SPACING_TWIPS on the Normal style instead.
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(round(LINE_PT * 20))))


def _setup_footers(document) -> None:
    """Page numbers: 4号半角宋体, "— n —", odd pages right and even pages
    left, one character in from the 版心 edge (GB/T 9704 7.5) — via
    different odd/even footers, not a centred compromise."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph, align) -> None:
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(18)
    fmt.first_line_indent = Pt(0)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(SIZE_4)
    else:
        fmt.left_indent = Pt(SIZE_4)
    _set_onoff(paragraph._p.get_or_add_pPr(), "w:snapToGrid", False)
    _mark_run_props(paragraph, SONGTI, SIZE_4)

    def add(text: str = ""):
        run = paragraph.add_run(text)
        _style_run(run, SONGTI, SIZE_4)
        return run

    add("— ")
    # PAGE as a complex field: begin, instruction, separate, cached result, end.
    for part in ("begin", " PAGE ", "separate", "1", "end"):
        if part in ("begin", "separate", "end"):
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), part)
            add()._r.append(fld)
        elif part == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = part
            add()._r.append(instr)
        else:
            add(part)
    add(" —")


def _setup_properties(document, doc: OfficialDocument) -> None:
    props = document.core_properties
    props.title = _clean(doc.title).replace("\n", "")
    props.subject = _clean(doc.doc_number)
    props.author = _clean(doc.signer or doc.issuer_mark)
    props.last_modified_by = props.author
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.language = "zh-CN"
    when = doc.date or datetime.date.today()
    stamp = datetime.datetime(when.year, when.month, when.day, tzinfo=datetime.UTC)
    props.created = stamp
    props.modified = stamp
    props.revision = 1


# --- building blocks --------------------------------------------------------


class _Body:
    """Appends paragraphs to the document with the common settings."""

    def __init__(self, document):
        self.document = document

    def para(
        self,
        text: str = "",
        *,
        font: str = FANGSONG,
        size: float = SIZE_3,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_chars: float = 0,
        left_chars: float = 0,
        right_chars: float = 0,
        hanging_chars: float = 0,
        bold: bool = False,
        color: RGBColor | None = None,
        line_pt: float = LINE_PT,
        snap: bool = True,
        space_before_pt: float = 0,
        keep_next: bool = False,
        outline: int | None = None,
        container=None,
    ):
        paragraph = (container or self.document).add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
        if space_before_pt:
            fmt.space_before = Pt(space_before_pt)
        if keep_next:
            fmt.keep_with_next = True
        char_pt = size  # indents count 字 of the paragraph's own size
        if left_chars:
            fmt.left_indent = Pt(left_chars * char_pt)
        if right_chars:
            fmt.right_indent = Pt(right_chars * char_pt)
        if hanging_chars:
            fmt.first_line_indent = Pt(-hanging_chars * char_pt)
        elif first_chars:
            fmt.first_line_indent = Pt(first_chars * char_pt)
            # Word's paragraph dialog then shows the indent as "2 字符".
            paragraph._p.get_or_add_pPr().get_or_add_ind().set(
                qn("w:firstLineChars"), str(int(first_chars * 100))
            )
        ppr = paragraph._p.get_or_add_pPr()
        if not snap:
            _set_onoff(ppr, "w:snapToGrid", False)
        if outline is not None:
            _child(ppr, "w:outlineLvl", _PPR_ORDER).set(qn("w:val"), str(outline))
        _mark_run_props(paragraph, font, size)
        lines = _clean(text).split("\n")
        if lines == [""]:
            return paragraph  # a blank line: the paragraph mark carries the font
        for i, line in enumerate(lines):
            run = paragraph.add_run(line)
            _style_run(run, font, size, bold=bold, color=color)
            if i < len(lines) - 1:
                run.add_break()
        return paragraph

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.para()


def _head(body: _Body, doc: OfficialDocument) -> None:
    """版头: 紧急程度, 发文机关标志, 发文字号, red 分隔线."""
    used_pt = 0.0
    if doc.urgency:
        body.para(doc.urgency, font=HEITI, align=WD_ALIGN_PARAGRAPH.LEFT)
        used_pt = LINE_PT
    mark = _clean(doc.issuer_mark).replace("\n", "")
    # As large as fits the 版心 on one line, at most MARK_MAX_PT.
    size = max(SIZE_2, min(MARK_MAX_PT, int((Mm(TEXT_W_MM).pt - 12) / max(_width(mark), 1))))
    line_pt = round(size * 1.25, 1)
    # The glyphs sit centred in the taller line box: start the box that much
    # higher so their top edge is MARK_TOP_MM below the 版心.
    glyph_offset = (line_pt - size) / 2
    body.para(
        mark,
        font=XIAOBIAOSONG,
        size=size,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color=RED,
        line_pt=line_pt,
        snap=False,
        space_before_pt=round(max(0.0, Mm(MARK_TOP_MM).pt - used_pt - glyph_offset), 1),
    )
    body.blank(2)
    number = body.para(doc.doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, snap=False)
    # 分隔线: red, as wide as the 版心, about 4 mm under the 发文字号 (the
    # border sits 4 pt under the line box, whose lower part is empty).
    _borders(number._p.get_or_add_pPr(), "w:pBdr", {"bottom": ("single", 12, "FF0000", 4)})


def _main(body: _Body, doc: OfficialDocument) -> None:
    """主体: 标题, 主送机关, 正文, table, 附件说明, 署名 and 成文日期."""
    body.blank(2)
    body.para(doc.title, font=XIAOBIAOSONG, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, snap=False)
    body.blank(1)
    if doc.recipients:
        recipients = _clean(doc.recipients).strip().rstrip(":：")
        body.para(recipients + "：", align=WD_ALIGN_PARAGRAPH.LEFT)

    counters = {1: 0, 2: 0, 3: 0, 4: 0}
    for section in doc.sections:
        if section.heading:
            level = min(max(int(section.level), 1), 4)
            counters[level] += 1
            for deeper in range(level + 1, 5):
                counters[deeper] = 0
            heading = _numbered(_clean(section.heading).strip(), level, counters[level])
            body.para(heading, font=LEVEL_FONTS[level], first_chars=2, keep_next=True, outline=level - 1)
        for text in section.paragraphs:
            for line in _clean(text).split("\n"):
                if line.strip():
                    body.para(line.strip(), first_chars=2)

    if doc.table:
        _table(body, doc)

    if doc.attachments:
        body.blank(1)
        _attachments(body, [_clean(a).strip().rstrip("。；;，,.") for a in doc.attachments])

    if doc.signer or doc.date:
        _signature(body, doc)


def _attachments(body: _Body, names: list[str]) -> None:
    """附件说明: left 2 字, "附件：", names in wrapped lines aligned after the
    colon; several attachments numbered 1. 2. …"""
    label = 3  # "附件："
    if len(names) == 1:
        body.para(f"附件：{names[0]}", left_chars=2 + label, hanging_chars=label)
        return
    num_w = _width(f"{len(names)}.")
    for i, name in enumerate(names, start=1):
        hanging = num_w + (label if i == 1 else 0)
        text = f"{'附件：' if i == 1 else ''}{i}.{name}"
        body.para(text, left_chars=2 + label + num_w, hanging_chars=hanging)


def _signature(body: _Body, doc: OfficialDocument) -> None:
    """署名 and 成文日期 as for a sealed document (7.3.5.1): the date four
    字 from the right, the issuer centred over it; the seal then covers
    both. A long issuer name keeps at least two 字 from the right."""
    body.blank(2)
    date_text = chinese_date(doc.date) if doc.date else ""
    date_right = 4
    if doc.signer:
        signer = _clean(doc.signer).strip()
        if date_text:
            right = date_right + (_width(date_text) - _width(signer)) / 2
        else:
            right = date_right
        body.para(
            signer, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=max(2, right), keep_next=bool(date_text)
        )
    if date_text:
        body.para(date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=date_right)


def _table_props(table, *, width_mm: float, borders: dict, cell_margin_twips: int | None = None):
    tbl_pr = table._tbl.tblPr
    tbl_w = _child(tbl_pr, "w:tblW", _TBLPR_ORDER)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(Mm(width_mm).twips)))
    _child(tbl_pr, "w:tblLayout", _TBLPR_ORDER).set(qn("w:type"), "fixed")
    _borders(tbl_pr, "w:tblBorders", borders)
    if cell_margin_twips is not None:
        mar = _child(tbl_pr, "w:tblCellMar", _TBLPR_ORDER)
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(cell_margin_twips))
            el.set(qn("w:type"), "dxa")
            mar.append(el)


def _column_widths(kind: str, ncols: int) -> list[float]:
    if kind == "kv" and ncols >= 2:
        pairs = ncols // 2
        label = 36 if pairs == 1 else 24
        value = (TEXT_W_MM - label * pairs - (TEXT_W_MM / ncols if ncols % 2 else 0)) / pairs
        widths = [label if i % 2 == 0 else value for i in range(pairs * 2)]
        if ncols % 2:
            widths.append(TEXT_W_MM - sum(widths))
        return widths
    return [TEXT_W_MM / ncols] * ncols


def _table(body: _Body, doc: OfficialDocument) -> None:
    """A bordered table in 4号仿宋 across the 版心; labels (kv) or the
    header row (grid) in bold."""
    rows = [[_clean(c) for c in row] for row in doc.table if row]
    if not rows:
        return
    ncols = max(len(r) for r in rows)
    kind = doc.table_kind
    if kind == "auto":
        kind = "kv" if all(len(r) == 2 for r in rows) else "grid"
    widths = _column_widths(kind, ncols)

    table = body.document.add_table(rows=len(rows), cols=ncols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    line = ("single", 4, "000000")
    _table_props(
        table,
        width_mm=TEXT_W_MM,
        borders={s: line for s in ("top", "left", "bottom", "right", "insideH", "insideV")},
    )
    for i, col in enumerate(table.columns):
        col.width = Mm(widths[i])
    for r, values in enumerate(rows):
        row = table.rows[r]
        row.height = Mm(10)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        cells = [table.cell(r, c) for c in range(ncols)]
        for c, cell in enumerate(cells):
            cell.width = Mm(widths[c])
        if len(values) < ncols:
            # The last value stretches over the columns the row lacks.
            merged = cells[len(values) - 1].merge(cells[ncols - 1])
            cells = cells[: len(values) - 1] + [merged]
        for c, (cell, value) in enumerate(zip(cells, values, strict=False)):
            header = (kind == "kv" and c % 2 == 0 and len(values) > 1) or (kind == "grid" and r == 0)
            short = _width(value) <= 8 and "\n" not in value
            align = (
                WD_ALIGN_PARAGRAPH.CENTER
                if (header or (kind == "grid" and short))
                else WD_ALIGN_PARAGRAPH.JUSTIFY
            )
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            for p in cell.paragraphs:
                cell._tc.remove(p._p)
            for line_text in value.split("\n"):
                body.para(
                    line_text, size=SIZE_4, align=align, bold=header, line_pt=22, snap=False, container=cell
                )
    # The body must not end on a table; this also separates it from what follows.
    body.para(line_pt=12)


def _colophon(body: _Body, doc: OfficialDocument) -> None:
    """版记 (7.4), one 3号 line under the 成文日期, in 4号仿宋 between full-width
    rules: thick (0.35 mm) first and last, thin (0.25 mm) between.

    抄送 sits one 字 in from both sides, wrapped lines aligned after the
    colon, ending with 。 — a one-cell table, so the hanging indent does not
    shorten the rules. 印发机关 one 字 from the left and "印发日期印发" one 字
    from the right — a plain paragraph with tab stops and the closing rule
    as its bottom border, so the document ends on it: a 版记 pushed onto
    the last lines of a page leaves no trailing paragraph to spill onto an
    empty extra page (Word hides our hidden one; LibreOffice does not).
    """
    thick, thin, none = ("single", 8, "000000"), ("single", 6, "000000"), ("nil", 0, "auto")
    printed_line = bool(doc.printed_by or doc.printed_date)
    body.blank(1)
    if doc.cc:
        cc = _clean(doc.cc).strip()
        cc = re.sub(r"^抄送[:：]?", "", cc).rstrip("。.，,；;") + "。"
        table = body.document.add_table(rows=1, cols=1)
        _table_props(
            table,
            width_mm=TEXT_W_MM,
            borders={
                "top": thick,
                "bottom": thin if printed_line else thick,
                "left": none,
                "right": none,
                "insideH": none,
                "insideV": none,
            },
            cell_margin_twips=0,
        )
        table.columns[0].width = Mm(TEXT_W_MM)
        row = table.rows[0]
        _child(row._tr.get_or_add_trPr(), "w:cantSplit", ["w:cantSplit"])  # one piece
        cell = row.cells[0]
        cell.width = Mm(TEXT_W_MM)
        cell._tc.remove(cell.paragraphs[0]._p)
        body.para(
            f"抄送：{cc}",
            size=SIZE_4,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            left_chars=1 + 3,
            hanging_chars=3,
            right_chars=1,
            snap=False,
            keep_next=printed_line,
            container=cell,
        )
    if not printed_line:
        _end_after_table(body)
        return
    rules = {"bottom": thick} if doc.cc else {"top": thick, "bottom": thick}
    printed = _clean(doc.printed_by).strip()
    when = f"{chinese_date(doc.printed_date)}印发" if doc.printed_date else ""
    p = body.para(
        f"\t{printed}\t{when}",
        size=SIZE_4,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        # Each rule adds its 1 pt to the line: stay within the line grid.
        line_pt=LINE_PT - len(rules),
        snap=False,
    )
    _borders(p._p.get_or_add_pPr(), "w:pBdr", rules)
    stops = p.paragraph_format.tab_stops
    stops.add_tab_stop(Pt(SIZE_4), WD_TAB_ALIGNMENT.LEFT)
    stops.add_tab_stop(Mm(TEXT_W_MM) - Pt(SIZE_4), WD_TAB_ALIGNMENT.RIGHT)


def _end_after_table(body: _Body) -> None:
    """Word always has a paragraph after a table at the end of the body. Make
    it 1 pt and hidden, so that a 版记 on the last line of a page does not
    push an empty paragraph onto a blank extra page."""
    p = body.para(line_pt=1, size=1)
    rpr = p._p.pPr.find(qn("w:rPr"))
    _child(rpr, "w:vanish", _RPR_ORDER)
