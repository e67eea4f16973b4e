"""OUT-2: the 督办通知单 of a matter and the 催办单 of an urge, downloaded from
the matter page as Word files and read back with python-docx: GB/T 9704
page and margins, 仿宋_GB2312 16 pt body with the East-Asian font on every
run, 方正小标宋简体 22 pt title, the document number from the serial, and the
content a unit needs to act on."""

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from duban.supervision import services as sv
from duban.supervision.models import Urge

from .conftest import local
from .test_pages import as_user, future, make

pytestmark = pytest.mark.django_db

FANGSONG, XIAOBIAOSONG = "仿宋_GB2312", "方正小标宋简体"


def reopen(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.content[:2] == b"PK"
    return Document(io.BytesIO(response.content))


def runs(document):
    for p in document.paragraphs:
        yield from p.runs
    for t in document.tables:
        for row in t.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    yield from p.runs


def east_asia(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def paragraph(document, text):
    found = [p for p in document.paragraphs if p.text == text]
    assert found, f"no paragraph {text!r} in {[p.text for p in document.paragraphs]}"
    return found[0]


def table_dict(document):
    (table,) = document.tables[:1]
    return {row.cells[0].text: row.cells[-1].text for row in table.rows}


def assert_official_layout(document, title):
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    for margin, mm in (("top_margin", 37), ("bottom_margin", 35), ("left_margin", 28), ("right_margin", 26)):
        assert abs(getattr(section, margin) - Mm(mm)) < Mm(0.5), margin
    every = [r for r in runs(document) if r.text.strip()]
    assert every and all(east_asia(r) for r in every), "every run names its East-Asian font"
    head = paragraph(document, title)
    assert {(east_asia(r), r.font.size) for r in head.runs} == {(XIAOBIAOSONG, Pt(22))}
    body = [r for p in document.paragraphs if p.paragraph_format.first_line_indent for r in p.runs]
    assert body and all(east_asia(r) == FANGSONG and r.font.size == Pt(16) for r in body)
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == FANGSONG


def test_out2_notice_is_an_official_document_with_the_matters_number_and_content(client, county):
    m = make(county, cooperating=[{"unit": county.fin, "person": county.fin_user, "duty": "资金保障"}])
    response = as_user(client, county.edu_user).get(f"/matters/{m.pk}/notice.docx")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = reopen(response)
    assert_official_layout(document, "督办通知单")
    paragraph(document, f"示范县督〔{m.year}〕{m.serial}号")
    paragraph(document, "示范县人民政府督查室")
    paragraph(document, "县教育局、县财政局：")
    paragraph(document, "加急")  # 紧急程度 in the 版头
    cells = table_dict(document)
    assert cells["督办编号"] == m.number and cells["事项名称"] == m.title
    assert "领导批示" in cells["事项来源"] and "周县长" in cells["事项来源"]
    assert cells["批示（交办）内容"] == m.instruction_text
    assert cells["事项内容"] == m.content and cells["工作标准"] == m.standard
    assert cells["牵头单位"] == "县教育局" and cells["责任人"] == "张教育"
    assert cells["配合单位及责任人"] == "县财政局：李财政，资金保障"
    assert cells["责任领导"].startswith("周县长")
    local_due = m.deadline.astimezone(local(2026, 1, 1).tzinfo)
    assert cells["办理时限"].startswith(f"{local_due.year}年{local_due.month}月{local_due.day}日")
    assert "签收" in cells["报送要求"] and "佐证材料" in cells["报送要求"]
    assert "陈督查" in cells["联系人"]


def test_out2_sub_task_notice_is_numbered_under_its_top_matter_and_issued_by_the_splitting_unit(client, county):
    m = make(county)
    sv.acknowledge(m, county.edu_user)
    child = sv.split_matter(m, county.edu_user, title="城关镇排查", content="镇属学校", standard="全覆盖",
                            lead_unit=county.town, lead_person=county.town_user, due_at=future(20))
    document = reopen(as_user(client, county.town_user).get(f"/matters/{child.pk}/notice.docx"))
    paragraph(document, f"示范县督〔{m.year}〕{m.serial}号-1")
    paragraph(document, "县教育局")  # the 发文机关标志 of a sub-task
    assert table_dict(document)["督办编号"] == child.number


def test_out2_notice_needs_an_assigned_matter_and_visibility(client, county):
    draft = make(county, assign=False)
    c = as_user(client, county.supervisor)
    assert c.get(f"/matters/{draft.pk}/notice.docx").status_code == 404
    assert "下载督办通知单" not in c.get(f"/matters/{draft.pk}/").content.decode()
    m = make(county)
    assert as_user(client, county.fin_user).get(f"/matters/{m.pk}/notice.docx").status_code == 404


def test_out2_urge_sheet_says_how_late_what_is_owed_and_by_when_to_reply(client, county, loop):
    m = loop.acknowledged()  # due 31 March 2026 18:00
    urge = sv.urge_matter(m, county.supervisor, channel="written", note="请于两日内报告", at=local(2026, 4, 2, 10, 0))
    # The unit cannot have a number made for it; the office's first download does.
    assert as_user(client, county.edu_user).get(f"/matters/urges/{urge.pk}/sheet.docx").status_code == 404
    document = reopen(as_user(client, county.supervisor).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    urge.refresh_from_db()
    year = urge.document_year  # the year the number was given
    assert urge.document_number == f"督催〔{year}〕1号"
    assert_official_layout(document, "催办单")
    paragraph(document, f"示范县督催〔{year}〕1号")
    paragraph(document, "县教育局：")
    cells = table_dict(document)
    assert cells["督办编号"] == m.number and cells["被催办单位"] == "县教育局" and cells["被催办人"] == "张教育"
    assert cells["时限情况"] == "办结期限为2026年3月31日 18:00，催办时已超期1天16小时"
    assert "办结" in cells["应办事项"]
    # The reply is due at the end of the next working day (Friday 3 April 2026).
    assert cells["反馈时限"] == "2026年4月3日 23:59前"
    assert cells["催办方式"] == "人工催办（书面催办单）" and cells["催办人"] == "陈督查"
    assert cells["催办内容"] == "请于两日内报告"
    # Once numbered, the urged unit downloads the same sheet; the number stays.
    again = reopen(as_user(client, county.edu_user).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    paragraph(again, f"示范县督催〔{year}〕1号")
    assert Urge.objects.get(pk=urge.pk).document_number == f"督催〔{year}〕1号"
    # Another unit cannot see it.
    assert as_user(client, county.fin_user).get(f"/matters/urges/{urge.pk}/sheet.docx").status_code == 404


def test_out2_urge_sheet_before_the_deadline_says_how_close_and_asks_for_the_acknowledgement(client, county, loop):
    m = loop.assigned(urgency="normal")  # ack due Tuesday 3 March 2026 23:59:59 (加急: 4 hours)
    urge = sv.urge_matter(m, county.supervisor, channel="phone", at=local(2026, 3, 3, 9, 0))
    document = reopen(as_user(client, county.supervisor).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    cells = table_dict(document)
    assert cells["时限情况"] == "签收时限为2026年3月3日 23:59，催办时距到期还有14小时"
    assert cells["应办事项"].startswith("签收")
