"""DUTY-5: the duty office compiles sent reports into a numbered 值班要情,
issued as a Word file in the official layout."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from docx.oxml.ns import qn

from duban.core.officialdoc import FANGSONG, HEITI, XIAOBIAOSONG
from duban.duty import documents
from duban.duty import services as duty
from duban.duty.models import BulletinState
from duban.journal.models import Event

from .conftest import after, local, send, written


@pytest.fixture
def sent(dc, incident):
    r = written(dc, incident, after(minutes=10), text="首报：9时许化工厂仓库起火，2人受伤，已送医。", injuries=2)
    send(dc, r, after(minutes=20))
    return r


def compile_(dc, sent, at, title="城关镇化工厂火灾情况", **kw):
    return duty.create_bulletin(dc.duty_clerk, title=title, at=at, items=[
        {"report": sent, "summary": kw.get("summary", "")}])


def test_duty5_bulletin_numbers_per_year_when_issued(dc, sent):
    b1 = compile_(dc, sent, after(hours=1))
    b2 = compile_(dc, sent, after(hours=2))
    assert b1.number is None and b1.state == BulletinState.DRAFT
    # Numbers follow the order of issue, not of compiling.
    duty.issue_bulletin(b2, dc.duty_clerk, at=after(hours=3))
    duty.issue_bulletin(b1, dc.duty_clerk, at=after(hours=4))
    b1.refresh_from_db(), b2.refresh_from_db()
    assert (b2.year, b2.number, b2.number_text) == (2026, 1, "第1期")
    assert (b1.year, b1.number) == (2026, 2)
    assert b1.issued_at == after(hours=4) and b1.issued_by == dc.duty_clerk
    b3 = compile_(dc, sent, local(2027, 1, 1, 8))
    duty.issue_bulletin(b3, dc.duty_clerk, at=local(2027, 1, 1, 9))
    assert (b3.year, b3.number) == (2027, 1)
    with pytest.raises(ValidationError):
        duty.issue_bulletin(b1, dc.duty_clerk, at=after(hours=5))
    assert Event.objects.filter(action="duty.bulletin.issue").count() == 3


def test_duty5_items_default_to_the_sent_text_and_can_be_edited(dc, sent):
    b = compile_(dc, sent, after(hours=1))
    item = b.items.get()
    assert item.summary == "首报：9时许化工厂仓库起火，2人受伤，已送医。"
    assert item.heading == "城关镇报告城关镇化工厂火灾（首报）"
    duty.update_bulletin(b, dc.duty_clerk, items=[{"report": sent, "heading": "城关镇化工厂火灾",
                                                   "summary": "3月2日9时许，城关镇工业园区一化工厂仓库起火。"}],
                         at=after(hours=1, minutes=5))
    assert b.items.get().summary.startswith("3月2日9时许")


def test_duty5_only_sent_reports_and_only_the_duty_office(dc, incident, sent):
    draft = written(dc, incident, after(hours=1), kind="follow_up", text="续报草稿")
    with pytest.raises(ValidationError) as e:
        duty.create_bulletin(dc.duty_clerk, title="要情", items=[{"report": draft}], at=after(hours=1))
    assert "尚未审签报送" in e.value.messages[0]
    with pytest.raises(PermissionDenied):
        duty.create_bulletin(dc.town_duty, title="要情", items=[{"report": sent}], at=after(hours=1))


def test_duty5_bulletin_docx_reads_back(dc, sent):
    b = compile_(dc, sent, after(hours=1), summary="3月2日9时许，城关镇工业园区一化工厂仓库起火。")
    duty.issue_bulletin(b, dc.duty_clerk, at=after(hours=1, minutes=30))
    data = documents.bulletin_docx(b)
    assert data[:2] == b"PK"
    assert documents.bulletin_filename(b) == "值班要情2026年第1期.docx"
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:3] == ["值班要情", "2026年第1期", "城关镇化工厂火灾情况"]
    assert "一、城关镇报告城关镇化工厂火灾（首报）" in texts
    assert "3月2日9时许，城关镇工业园区一化工厂仓库起火。" in texts
    assert "示范县人民政府值班室" in texts
    assert "2026年3月2日" in texts

    def east_asia(text):
        p = next(p for p in doc.paragraphs if p.text == text)
        return {r._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in p.runs}

    assert east_asia("值班要情") == {XIAOBIAOSONG}
    assert east_asia("城关镇化工厂火灾情况") == {XIAOBIAOSONG}
    assert east_asia("一、城关镇报告城关镇化工厂火灾（首报）") == {HEITI}
    assert east_asia("3月2日9时许，城关镇工业园区一化工厂仓库起火。") == {FANGSONG}
    # The red 版头.
    mark = next(p for p in doc.paragraphs if p.text == "值班要情")
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
