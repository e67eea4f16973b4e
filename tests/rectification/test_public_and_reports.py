"""PUB-1 the public list (published problems only, no personal contact
data); item 8 dashboard figures, their Excel export and the Word 整改情况报告;
visibility of problems (ORG-3)."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from docx import Document
from openpyxl import load_workbook

from duban.org import services as org
from duban.rectification import documents, excel
from duban.rectification import queries as rq
from duban.rectification import services as rs

from .conftest import D, T, make_problem, upload

pytestmark = pytest.mark.django_db


def closed(c, **kw):
    p = make_problem(c, **kw)
    rs.submit_result(p, c.edu_user if p.unit == c.edu else c.fin_user, "已整改", files=[upload()], at=T(5, 1))
    rs.verify_result(p, c.supervisor, passed=True, at=T(5, 2))
    p.refresh_from_db()
    return p


@pytest.fixture
def ledger(camp):
    c = camp
    org.update_person(c.edu_user.person, mobile="13900001111", office_phone="0851-7654321")
    c.p_closed = closed(c, description="审批拖延", responsible_person_name="张教育")
    c.p_overdue = make_problem(c, description="会议过多", category="文山会海", deadline=D(6, 10),
                               subject="个人", subject_name="王某某", responsible_person_name="张教育")
    c.p_open = make_problem(c, description="群众反映窗口办事难，联系电话13812345678，邮箱 a.b@example.com",
                            category="官僚作风", deadline=D(9, 30), responsible_leader_name="刘副局长")
    c.p_fin = make_problem(c, unit=c.fin, by=c.fin_user, description="资金拨付慢", deadline=D(9, 30))
    return c


def test_pub1_only_published_problems_and_no_personal_contact_data(ledger):
    c = ledger
    with pytest.raises(PermissionDenied):
        rs.publish([c.p_closed], c.tf_fin, at=T(7, 1))
    assert rs.publish([c.p_closed, c.p_overdue, c.p_open], c.supervisor, at=T(7, 1)) == 3
    rows = rq.public_problems(c.campaign)
    assert [r["number"] for r in rows] == [c.p_closed.number, c.p_overdue.number, c.p_open.number]
    assert c.p_fin.number not in str(rows)
    by_number = {r["number"]: r for r in rows}
    assert by_number[c.p_closed.number]["state"] == "已销号" and by_number[c.p_closed.number]["closed"]
    assert by_number[c.p_closed.number]["closed_on"] == "2026-05-02"
    assert by_number[c.p_open.number]["unit"] == "县教育局" and by_number[c.p_open.number]["category"] == "官僚作风"
    assert by_number[c.p_open.number]["deadline"] == "2026-09-30"
    text = str(rows)
    for secret in ("13812345678", "a.b@example.com", "13900001111", "7654321", "张教育", "刘副局长", "王某某",
                   "edu"):
        assert secret not in text
    assert "联系电话***" in by_number[c.p_open.number]["description"]
    rs.publish([c.p_open], c.supervisor, public=False, at=T(7, 2))
    assert c.p_open.number not in str(rq.public_problems(c.campaign))
    summary = rq.public_summary(c.campaign, now=T(7, 1))
    assert summary["found"] == 4 and summary["closed"] == 1 and summary["published"] == 2
    assert [c.campaign] == list(rq.public_campaigns())


def test_dashboard_figures_by_unit_and_category(ledger):
    c = ledger
    d = rq.dashboard(c.campaign, now=T(7, 1))
    units = {f.label: f for f in d.by_unit}
    edu, fin, town = units["县教育局"], units["县财政局"], units["城关镇"]
    assert (edu.found, edu.rectifying, edu.closed, edu.overdue) == (3, 2, 1, 1)
    assert edu.closed_rate_text == "33.3%"
    assert (fin.found, fin.rectifying, fin.closed, fin.overdue) == (1, 1, 0, 0)
    assert (town.found, town.closed_rate_text) == (0, "—")
    cats = {f.label: f for f in d.by_category}
    assert cats["慢作为"].found == 2 and cats["慢作为"].closed == 1 and cats["文山会海"].overdue == 1
    assert (d.total.found, d.total.closed, d.total.overdue) == (4, 1, 1)
    assert rq.dashboard(c.campaign, now=T(3, 6)).total.overdue == 0
    assert list(rq.problems_for(c.supervisor, c.campaign, overdue=True, now=T(7, 1))) == [c.p_overdue]


def test_dashboard_excel_export(ledger):
    wb = excel.dashboard_workbook(ledger.campaign, now=T(7, 1))
    rows = list(wb["按单位"].iter_rows(values_only=True))
    assert rows[1] == ("单位", "查找问题", "整改中", "已销号", "逾期未改", "销号率")
    assert ("县教育局", 3, 2, 1, 1, "33.3%") in rows and rows[-1] == ("合计", 4, 3, 1, 1, "25.0%")
    assert ("文山会海", 1, 1, 0, 1, "0.0%") in list(wb["按类别"].iter_rows(values_only=True))
    response = excel.dashboard_response(ledger.campaign, now=T(7, 1))
    assert load_workbook(io.BytesIO(response.content))["按单位"]["A3"].value == "县教育局"


def test_report_docx_reads_back(ledger):
    c = ledger
    data = documents.report_docx(c.campaign, now=T(7, 1), date=D(7, 2))
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于改进作风、狠抓落实年整改情况的报告" in text.replace("\n", "")
    assert "共查找问题4个，已整改销号1个，正在整改3个" in text and "逾期未完成整改1个" in text
    assert "县教育局（1个）" in text and "2026年7月2日" in text
    assert "尚未报送3份" in text
    table = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert table[0] == ["单位", "查找问题", "整改中", "已销号", "逾期", "销号率"]
    assert ["县教育局", "3", "2", "1", "1", "33.3%"] in table


def test_visibility_unit_task_force_and_supervision_office(ledger):
    c = ledger
    everything = {c.p_closed.pk, c.p_overdue.pk, c.p_open.pk, c.p_fin.pk}
    assert {p.pk for p in rq.problems_for(c.supervisor, c.campaign)} == everything
    assert {p.pk for p in rq.problems_for(c.tf_fin, c.campaign)} == everything
    assert {p.pk for p in rq.problems_for(c.fin_user, c.campaign)} == {c.p_fin.pk}
    assert {p.pk for p in rq.problems_for(c.edu_head, c.campaign)} == everything - {c.p_fin.pk}
    assert rq.problem_or_404(c.edu_user, c.p_open.pk) == c.p_open
    for user in (c.fin_user, c.town_user):
        with pytest.raises(Http404):
            rq.problem_or_404(user, c.p_open.pk)
    assert not list(rq.problems_for(c.town_user, c.campaign))
    assert [s.unit for s in rq.ledger_status(c.campaign, user=c.fin_user)] == [c.fin]
    assert list(rq.campaigns_for(c.town_user)) == [c.campaign]  # a participating unit sees its campaign
    outsider = c.person("outsider", "外人", org.create_unit("县水务局", parent=c.gov))
    assert not list(rq.campaigns_for(outsider))
    with pytest.raises(Http404):
        rq.campaign_or_404(outsider, code="ZF-2026")
