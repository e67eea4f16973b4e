"""Issue 5 pages: campaigns with phases, ledgers and dashboard; the problem
ledger with filters, paging and export; the import page (error report,
preview, import); ledger submission; the problem page from result to
verified close-out, reopening and linking; look-back; spot checks with the
replay; repeated problems. Every page answers 404 to a user who may not see
it; the ledger costs the same number of queries however many rows."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from duban.rectification import services as rs
from duban.rectification.models import (
    EntryKind,
    LedgerState,
    LookBackVerdict,
    Problem,
    ProblemState,
    SpotCheck,
)

from .conftest import T, make_problem, upload, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date


def soon(days=30):
    return timezone.localdate() + dt.timedelta(days=days)


def text(response):
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def submitted(c, **kw):
    p = make_problem(c, **kw)
    rs.submit_result(p, c.edu_user, "已全部办结", files=[upload()], at=T(5, 20))
    p.refresh_from_db()
    return p


# --- campaign ------------------------------------------------------------------------------------

def test_rect1_campaign_list_and_page_show_phases_ledgers_and_dashboard(client, camp):
    c = camp
    make_problem(c)
    make_problem(c, unit=c.fin, description="惠企资金拨付慢", by=c.fin_user)
    login(client, c.supervisor)
    r = client.get(reverse("rectification:campaigns"))
    assert r.status_code == 200 and "改进作风、狠抓落实年" in text(r)
    r = client.get(reverse("rectification:campaign", args=[c.campaign.pk]))
    body = text(r)
    assert r.status_code == 200
    for s in ("全面自查自纠阶段", "整改落实阶段", "巩固提升阶段", "须报送台账", "台账报送情况", "县财政局", "逾期未报",
              "按单位", "按类别", "销号率", "整改情况报告"):
        assert s in body, s
    assert 'class="light red"' in body
    assert client.get(reverse("rectification:dashboard_xlsx", args=[c.campaign.pk])).status_code == 200
    r = client.get(reverse("rectification:report_docx", args=[c.campaign.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_rect1_unit_user_sees_own_figures_and_no_report(client, camp, county):
    c = camp
    make_problem(c)
    make_problem(c, unit=c.fin, description="惠企资金拨付慢", by=c.fin_user)
    login(client, c.edu_user)
    body = text(client.get(reverse("rectification:campaign", args=[c.campaign.pk])))
    assert "您可见的问题" in body and "整改情况报告" not in body
    assert client.get(reverse("rectification:report_docx", args=[c.campaign.pk])).status_code == 404
    assert client.get(reverse("rectification:dashboard_xlsx", args=[c.campaign.pk])).status_code == 404


def test_rect1_campaign_of_others_is_404(client, camp, county):
    from duban.org import services as org

    other = org.create_unit("县水利局", parent=county.gov)
    stranger = county.person("shuili", "吴水利", other)
    login(client, stranger)
    assert client.get(reverse("rectification:campaign", args=[camp.campaign.pk])).status_code == 404
    assert client.get(reverse("rectification:problems", args=[camp.campaign.pk])).status_code == 404


# --- the ledger -----------------------------------------------------------------------------------

def test_rect3_ledger_filters_due_first_and_export_honours_filters(client, camp):
    c = camp
    late = make_problem(c, description="后到期的问题", deadline=soon(60), at=timezone.now())
    first = make_problem(c, description="先到期的问题", deadline=soon(10), at=timezone.now())
    overdue = make_problem(c, description="早已逾期的问题")
    fin = make_problem(c, unit=c.fin, description="财政的问题", by=c.fin_user, category="不作为")
    login(client, c.supervisor)
    url = reverse("rectification:problems", args=[c.campaign.pk])
    body = text(client.get(url))
    assert body.index(overdue.number) < body.index(first.number) < body.index(late.number)
    body = text(client.get(url, {"unit": c.fin.pk}))
    assert fin.number in body and first.number not in body
    body = text(client.get(url, {"overdue": "1"}))
    assert overdue.number in body and first.number not in body
    body = text(client.get(url, {"category": c.cat["不作为"].pk}))
    assert fin.number in body and late.number not in body
    body = text(client.get(url, {"q": "先到期"}))
    assert first.number in body and late.number not in body
    assert "筛选条件" in text(client.get(url, {"state": "nonsense"}))
    r = client.get(reverse("rectification:export", args=[c.campaign.pk]), {"unit": c.fin.pk})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    numbers = [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[1]]
    assert numbers == [fin.number]


def test_rect3_unit_user_sees_only_own_problems(client, camp):
    c = camp
    mine = make_problem(c)
    theirs = make_problem(c, unit=c.fin, description="财政的问题", by=c.fin_user)
    login(client, c.edu_user)
    body = text(client.get(reverse("rectification:problems", args=[c.campaign.pk])))
    assert mine.number in body and theirs.number not in body
    assert client.get(reverse("rectification:problem", args=[theirs.pk])).status_code == 404


def test_rect3_ledger_list_queries_do_not_grow_with_rows(client, camp):
    c = camp
    login(client, c.supervisor)
    url = reverse("rectification:problems", args=[c.campaign.pk])
    make_problem(c)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(12):
        make_problem(c, unit=[c.edu, c.fin, c.town][i % 3], description=f"第{i}个不同的问题描述{'甲乙丙丁'[i % 4] * i}",
                     by=c.supervisor, responsible_person_name="张教育")
    assert count() == few


# --- import ---------------------------------------------------------------------------------------

HEAD = ["序号", "问题类别", "问题描述", "整改措施", "整改时限", "责任人"]


def test_rect3_import_page_reports_errors_and_writes_nothing(client, camp):
    c = camp
    login(client, c.edu_user)
    url = reverse("rectification:import", args=[c.campaign.pk])
    f = xlsx([HEAD, [1, "慢作为", "审批慢", "限时办结", soon().isoformat(), "张教育"],
              [2, "不存在的类别", "会多", "精简会议", soon().isoformat(), ""]])
    r = client.post(url, {"file": f, "unit": c.edu.pk, "import": "1"})
    assert r.status_code == 422
    body = text(r)
    assert "第3行" in body and "问题类别" in body and "未导入任何问题" in body
    assert not Problem.objects.filter(campaign=c.campaign).exists()


def test_rect3_import_page_preview_then_confirm(client, camp):
    c = camp
    login(client, c.edu_user)
    url = reverse("rectification:import", args=[c.campaign.pk])
    assert client.get(reverse("rectification:import_template", args=[c.campaign.pk])).status_code == 200
    f = xlsx([["县教育局问题清单台账"], HEAD, [1, "慢作为", "审批慢", "限时办结", soon().isoformat(), "张教育"],
              [2, "文山会海", "会多", "精简会议", "长期坚持", "没有账号的人"]], merges=["A1:F1"])
    r = client.post(url, {"file": f, "unit": c.edu.pk, "preview": "1"})
    body = text(r)
    assert r.status_code == 200 and "将导入 2 个问题" in body and "未关联账号" in body
    assert not Problem.objects.exists()
    token = r.context["token"]
    r = client.post(url, {"token": token})
    assert r.status_code == 200 and "已导入 2 个问题" in text(r)
    assert Problem.objects.filter(campaign=c.campaign, unit=c.edu).count() == 2
    # The preview cannot be imported twice.
    r = client.post(url, {"token": token})
    assert r.status_code == 302 and Problem.objects.count() == 2


def test_rect3_import_page_is_404_for_who_acts_for_no_participating_unit(client, camp, county):
    # 县政府办公室 sees the campaign (its 督查室 organises it) but takes no part.
    login(client, county.sysadmin)
    assert client.get(reverse("rectification:campaign", args=[camp.campaign.pk])).status_code == 200
    assert client.get(reverse("rectification:import", args=[camp.campaign.pk])).status_code == 404


# --- ledger submission ---------------------------------------------------------------------------

def test_rect3_unit_submits_its_ledger_with_files(client, camp):
    c = camp
    make_problem(c)
    s = c.campaign.submissions.get(unit=c.edu)
    login(client, c.fin_user)
    assert client.get(reverse("rectification:submission", args=[s.pk])).status_code == 404
    login(client, c.edu_user)
    url = reverse("rectification:submission", args=[s.pk])
    assert "报送情况报告和问题清单台账" in text(client.get(url))
    r = client.post(url, {"situation_report": "对照六大整治自查，查找问题1个。", "files": [upload("情况报告.pdf")]})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.state == LedgerState.LATE and s.problem_count == 1
    body = text(client.get(url))
    assert "逾期报送" in body and "情况报告.pdf" in body
    f = s.evidence.get()
    assert client.get(reverse("rectification:evidence", args=[f.pk])).status_code == 200
    login(client, c.fin_user)
    assert client.get(reverse("rectification:evidence", args=[f.pk])).status_code == 404


# --- the problem page -----------------------------------------------------------------------------

def test_rect4_problem_page_result_verify_close_with_rules_shown(client, camp):
    c = camp
    p = make_problem(c, responsible_person_name="张教育")
    login(client, c.edu_user)
    url = reverse("rectification:problem", args=[p.pk])
    body = text(client.get(url))
    assert "提交整改结果" in body and 'id="act-verify"' not in body
    act = reverse("rectification:act", args=[p.pk, "submit"])
    r = client.post(act, {"text": "已整改"})
    assert r.status_code == 422 and "佐证材料" in text(r)
    r = client.post(act, {"text": "已建立周调度制度", "files": [upload("调度记录.pdf")]})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.state == ProblemState.SUBMITTED
    body = text(client.get(url))
    assert 'id="act-verify"' not in body and "不能核验" in body
    # Same unit (task force member of 县教育局): no verify form; a POST is refused.
    login(client, c.tf_edu)
    body = text(client.get(url))
    assert 'id="act-verify"' not in body and "本单位人员不能核验" in body
    assert client.post(reverse("rectification:act", args=[p.pk, "verify"]), {"passed": "1"}).status_code == 404
    # A task force member of another unit verifies and closes.
    login(client, c.tf_fin)
    body = text(client.get(url))
    assert 'id="act-verify"' in body and "调度记录.pdf" in body
    ev = p.entries.get(kind=EntryKind.SUBMITTED).evidence.get()
    r = client.get(reverse("rectification:evidence", args=[ev.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 evidence"
    r = client.post(reverse("rectification:act", args=[p.pk, "verify"]),
                    {"passed": "1", "note": "资料齐全", "onsite_check": "on", "onsite_note": "到现场查看"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.state == ProblemState.CLOSED
    body = text(client.get(url))
    assert "已销号" in body and "实地核查" in body


def test_rect4_reopen_shows_both_rounds_and_link_repeated(client, camp):
    c = camp
    p = submitted(c)
    rs.verify_result(p, c.supervisor, passed=True, at=T(5, 25))
    other = make_problem(c, description="完全不同的另一件事情")
    login(client, c.supervisor)
    r = client.post(reverse("rectification:act", args=[p.pk, "reopen"]), {"reason": "群众再次反映"})
    assert r.status_code == 422 and "再整改时限" in text(r)
    r = client.post(reverse("rectification:act", args=[p.pk, "reopen"]),
                    {"reason": "群众再次反映", "deadline": soon().isoformat()})
    assert r.status_code == 302
    body = text(client.get(reverse("rectification:problem", args=[p.pk])))
    assert "第1轮" in body and "第2轮（再整改）" in body and "群众再次反映" in body
    r = client.post(reverse("rectification:act", args=[other.pk, "link"]), {"other": p.number, "reason": "同一问题"})
    assert r.status_code == 302
    other.refresh_from_db()
    assert other.repeat_count == 2
    body = text(client.get(reverse("rectification:repeated", args=[c.campaign.pk])))
    assert p.number in body and other.number in body
    # A unit user may not reopen: the form is not offered, a POST is 404.
    login(client, c.edu_user)
    assert client.post(reverse("rectification:act", args=[p.pk, "link"]), {"other": other.number}).status_code == 404


def test_pub1_publish_from_problem_page_and_ledger_supervisor_only(client, camp):
    c = camp
    p = make_problem(c)
    q = make_problem(c, description="另一个需要公开的问题")
    login(client, c.tf_fin)
    assert "公开到公示页面" not in text(client.get(reverse("rectification:problem", args=[p.pk])))
    assert client.post(reverse("rectification:act", args=[p.pk, "publish"])).status_code == 404
    login(client, c.supervisor)
    assert client.post(reverse("rectification:act", args=[p.pk, "publish"])).status_code == 302
    p.refresh_from_db()
    assert p.is_public
    r = client.post(reverse("rectification:publish", args=[c.campaign.pk]), {"ids": [q.pk], "public": "1"})
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.is_public


# --- look-back and spot checks ------------------------------------------------------------------

def test_rect4_look_back_page_start_with_seed_and_record(client, camp):
    c = camp
    closed = []
    for i in range(3):
        p = submitted(c, description=f"第{i}个问题：{'甲乙丙'[i] * 8}")
        rs.verify_result(p, c.tf_fin, passed=True, at=T(5, 25))
        closed.append(p)
    login(client, c.edu_user)
    assert client.post(reverse("rectification:look_backs", args=[c.campaign.pk]), {"sample_size": 2}).status_code \
        == 404
    login(client, c.tf_fin)
    r = client.post(reverse("rectification:look_backs", args=[c.campaign.pk]),
                    {"title": "回头看", "sample_size": 2, "seed": "42"})
    assert r.status_code == 302
    lb = c.campaign.look_backs.get()
    assert lb.seed == "42" and len(lb.selected) == 2
    body = text(client.get(r["Location"]))
    assert "随机种子" in body and "42" in body
    item = lb.items.first()
    url = reverse("rectification:record_look_back", args=[item.pk])
    r = client.post(url, {"effective": "0", "note": "问题反弹"})
    assert r.status_code == 422 and "再整改时限" in text(r)
    assert client.post(url, {"effective": "0", "note": "问题反弹", "new_deadline": soon().isoformat()}).status_code \
        == 302
    item.refresh_from_db()
    assert item.verdict == LookBackVerdict.INEFFECTIVE
    assert Problem.objects.get(pk=item.problem_id).state == ProblemState.RERECTIFYING
    # The problem's unit reads the verdict on its problem, without a link to
    # the look-back, which it may not open (ORG-3); the task force has one.
    problem_url = reverse("rectification:problem", args=[item.problem_id])
    lb_url = reverse("rectification:look_back", args=[lb.pk])
    assert lb_url in text(client.get(problem_url))
    login(client, c.edu_user)
    body = text(client.get(problem_url))
    assert "回头看" in body and "问题反弹" in body and lb_url not in body
    assert client.get(lb_url).status_code == 404


def test_rect5_spot_check_draw_result_replay_and_finding(client, camp):
    c = camp
    login(client, c.edu_user)
    url = reverse("rectification:spot_checks", args=[c.campaign.pk])
    assert client.post(url, {"title": "抽查"}).status_code == 404
    login(client, c.supervisor)
    body = text(client.get(url))
    assert "候选名单" in body and "县教育局" in body and "钱专班" in body
    r = client.post(url, {"title": "11月随机抽查", "kind": "spot_check", "target_kind": "unit", "target_count": 2,
                          "inspector_count": 1, "seed": "20261122"})
    assert r.status_code == 302
    sc = SpotCheck.objects.get()
    assert sc.seed == "20261122"
    page = reverse("rectification:spot_check", args=[sc.pk])
    body = text(client.get(page))
    assert "20261122" in body and "重新抽取核验" in body
    body = text(client.get(page, {"replay": "1"}))
    assert "重新抽取结果与记录一致" in body and "不一致" not in body.replace("重新抽取结果与记录不一致", "")
    target = sc.assignments.first().unit
    r = client.post(reverse("rectification:record_finding", args=[sc.pk]), {
        "unit": target.pk, "category": c.cat["不作为"].pk, "description": "抽查发现台账未更新",
        "measures": "每周更新台账", "deadline": soon().isoformat()})
    assert r.status_code == 302
    p = Problem.objects.get(spot_check=sc)
    assert p.source == "spot_check" and p.unit == target
    assert p.number in text(client.get(page))


def test_org3_a_spot_check_shows_its_problems_only_to_those_who_may_see_them(client, camp):
    """The draw is open to all who see the spot check; the problems drawn
    and found are linked and described only for those who may see them."""
    c = camp
    target = make_problem(c, description="抽中的问题：审批拖延")
    sc = rs.draw_spot_check(c.campaign, c.supervisor, title="问题抽查", target_kind="problem", target_count=1,
                            inspector_count=1, seed="7")
    rs.record_finding(c.campaign, c.supervisor, spot_check=sc, unit=c.fin, category=c.cat["不作为"],
                      description="抽查发现：财政局台账未更新", measures="每周更新", deadline=soon())
    page = reverse("rectification:spot_check", args=[sc.pk])
    problem_url = reverse("rectification:problem", args=[target.pk])
    login(client, c.supervisor)
    body = text(client.get(page))
    assert problem_url in body and "财政局台账未更新" in body
    login(client, c.auditor)  # sees the spot check (the organizer's office), not the units' problems
    r = client.get(page)
    assert r.status_code == 200 and client.get(problem_url).status_code == 404
    body = text(r)
    assert target.number in body and problem_url not in body
    assert "财政局台账未更新" not in body and "另有 1 个问题属于您无权查看的单位" in body
    # …and no 导入台账 tab, whose page would refuse them.
    assert reverse("rectification:import", args=[c.campaign.pk]) not in body
    assert client.get(reverse("rectification:import", args=[c.campaign.pk])).status_code == 404
