"""RECT-3: an old ledger imports with its past. A county moves its spring
problem ledger (registered in March, deadlines at the end of May, mixed
states) from Excel in December: every row imports; open rows whose
deadline has passed are red at once and the sweep dates their breach at
the deadline; 已整改 and 已销号 rows carry their dates and verifier; the
journal tells the business moments apart from the import's. Only real
errors are refused, naming row and column, and nothing is written then.
The ledgers are real .xlsx files written with openpyxl and read back."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from duban.clocks import sweep
from duban.clocks.models import ClockFlip, ClockState, FlipKind
from duban.journal.models import Event
from duban.rectification import excel, pages
from duban.rectification import services as rs
from duban.rectification.models import Problem, ProblemState
from duban.timelimits.periods import day_end
from tests.old_ledgers import DECEMBER, TZ, events, start, write_ledger

from .conftest import D, make_problem

pytestmark = pytest.mark.django_db

HEADER = ["序号", "责任单位", "问题类别", "问题描述", "整改措施", "责任人", "登记日期", "整改时限", "状态",
          "完成日期", "销号日期", "核验人", "整改进展"]


def spring_row(seq, unit, category, description, registered, deadline, status="", done="", closed="",
               verifier="", progress="", person=""):
    return [seq, unit, category, description, "限期整改", person, registered, deadline, status, done, closed,
            verifier, progress]


def spring_rows():
    return [
        spring_row(1, "县教育局", "慢作为", "审批拖延", "2026-03-08", "2026-05-31", "整改中", person="张教育"),
        spring_row(2, "县财政局", "不作为", "资金拨付慢", "2026年3月9日", "2026/6/30", person="李财政"),
        spring_row(3, "城关镇", "文山会海", "会议过多", "3月10日", "2026-05-31", "已整改（2026-05-20）",
                   progress="会议压减三成"),
        spring_row(4, "县教育局", "官僚作风", "窗口推诿", dt.datetime(2026, 3, 8), "2026-04-30", "已整改",
                   done="2026-05-15"),
        spring_row(5, "县财政局", "乱作为", "违规收费", "2026-03-09", "2026-05-31", "已销号", done="2026-05-25",
                   closed="2026-06-05", verifier="孙专班"),
        spring_row(6, "县教育局", "慢作为", "回复超时", "2026-03-08", "2026-05-31", "已销号（2026年6月20日）"),
        spring_row(7, "城关镇", "不作为", "台账未建", "", "2026-12-31"),
        spring_row(8, "县教育局", "文山会海", "报表过多", "2026-03-08", "长期坚持"),
    ]


def ledger_file(path, rows):
    return write_ledger(path, sheet="问题清单台账", title="县直各单位作风建设问题清单台账（春季）", header=HEADER,
                        rows=rows)


def import_file(campaign, path, **kw):
    with open(path, "rb") as f:
        return excel.import_ledger(campaign, f, **kw)


def end(d):
    return day_end(d)


def test_rect3_spring_ledger_imports_whole_in_december(camp, tmp_path):
    c = camp
    path = ledger_file(tmp_path / "春季台账.xlsx", spring_rows())
    with time_machine.travel(DECEMBER, tick=False):
        report = import_file(c.campaign, path, by=c.supervisor)
        assert report.ok, report.errors
        assert len(report.created) == 8
        p = {x.description: x for x in Problem.objects.filter(campaign=c.campaign)
             .select_related("deadline_clock", "report_clock")}

        # Open rows past their deadline: red at once, in the list, before any sweep.
        late, later = p["审批拖延"], p["资金拨付慢"]
        assert late.state == ProblemState.RECTIFYING and late.created_at == start(D(3, 8))
        assert late.deadline_clock.due_at == end(D(5, 31)) and late.deadline_clock.started_at == start(D(3, 8))
        assert later.created_at == start(D(3, 9)) and later.deadline_clock.due_at == end(D(6, 30))
        rows = {x.description: x for x in pages.problem_rows(
            Problem.objects.filter(campaign=c.campaign).select_related("deadline_clock", "report_clock"))}
        assert rows["审批拖延"].light == "red" and rows["资金拨付慢"].light == "red"
        assert rows["审批拖延"].overdue
        assert rows["台账未建"].light in ("green", "yellow") and rows["报表过多"].light in ("green", "yellow")

        # The journal: the registration's business moment, the import's server moment.
        create = events("rectification.problem.create", late).get()
        assert create.occurred_at == start(D(3, 8)) and create.recorded_at == DECEMBER
        assert create.actor == c.supervisor
        imported = Event.objects.get(action="rectification.ledger.import")
        assert imported.recorded_at == DECEMBER and imported.after["rows"] == 8

        # Without a registration date the import is the registration moment.
        undated = p["台账未建"]
        assert undated.created_at == DECEMBER
        assert events("rectification.problem.create", undated).get().occurred_at == DECEMBER

        # 已整改 on time: waiting for verification, its clock held as of the day it was done.
        on_time = p["会议过多"]
        assert on_time.state == ProblemState.SUBMITTED and on_time.created_at == start(D(3, 10))
        r = on_time.rounds.get()
        assert r.submitted_at == start(D(5, 20)) and r.result_text == "会议压减三成"
        assert on_time.deadline_clock.state == ClockState.PAUSED and rows["会议过多"].light != "red"
        assert events("rectification.problem.submit", on_time).get().occurred_at == start(D(5, 20))
        # 已整改 after its deadline: red while it waits.
        done_late = p["窗口推诿"]
        assert done_late.state == ProblemState.SUBMITTED
        assert done_late.rounds.get().submitted_at == start(D(5, 15)) and rows["窗口推诿"].light == "red"

        # 已销号 with the ledger's verifier (a task-force member of another bureau).
        closed = p["违规收费"]
        r = closed.rounds.get()
        assert closed.state == ProblemState.CLOSED and closed.closed_at == start(D(6, 5))
        assert r.verified_by == c.tf_edu and r.verified_at == start(D(6, 5)) and r.submitted_at == start(D(5, 25))
        assert closed.deadline_clock.state == ClockState.MET
        assert closed.deadline_clock.met_at == start(D(5, 25))
        verify = events("rectification.problem.verify", closed).get()
        assert verify.occurred_at == start(D(6, 5)) and verify.recorded_at == DECEMBER
        assert verify.actor == c.supervisor and verify.after["verifier"] == c.tf_edu.pk
        # 已销号 without a verifier: the importing office verified; done after the deadline: met late.
        closed_late = p["回复超时"]
        r = closed_late.rounds.get()
        assert closed_late.state == ProblemState.CLOSED and closed_late.closed_at == start(D(6, 20))
        assert r.verified_by == c.supervisor
        assert closed_late.deadline_clock.state == ClockState.MET_LATE
        assert closed_late.deadline_clock.late_seconds > 0

        # A 长期坚持 measure reports in the system from its import on.
        long_term = p["报表过多"]
        assert long_term.created_at == start(D(3, 8)) and long_term.report_clock.started_at == DECEMBER
        assert long_term.report_clock.due_at > DECEMBER

        # The sweep: breaches dated at the deadline, found at the tick.
        sweep.tick(now=DECEMBER, deliver=False)
        for problem, deadline in ((late, D(5, 31)), (later, D(6, 30))):
            problem.deadline_clock.refresh_from_db()
            assert problem.deadline_clock.state == ClockState.BREACHED
            assert problem.deadline_clock.breached_at == DECEMBER
            flip = ClockFlip.objects.get(clock=problem.deadline_clock, kind=FlipKind.BREACH)
            assert flip.moment == end(deadline) and flip.created_at == DECEMBER
            breach = Event.objects.get(action="clocks.breach", object_id=str(problem.deadline_clock_id))
            assert breach.occurred_at == end(deadline) and breach.recorded_at == DECEMBER
        for problem in (on_time, done_late, closed, undated):
            problem.deadline_clock.refresh_from_db()
            assert problem.deadline_clock.state != ClockState.BREACHED

        # Verified later by the task force: on time → met, done late → met late.
        rs.verify_result(on_time, c.tf_fin, passed=True)
        rs.verify_result(done_late, c.tf_fin, passed=True)
        on_time.deadline_clock.refresh_from_db()
        done_late.deadline_clock.refresh_from_db()
        assert on_time.deadline_clock.state == ClockState.MET
        assert on_time.deadline_clock.met_at == start(D(5, 20))
        assert done_late.deadline_clock.state == ClockState.MET_LATE

    # The exported ledger carries the states and dates, and imports again unchanged.
    data = excel.export_bytes(Problem.objects.filter(campaign=c.campaign).order_by("id"))
    ws = load_workbook(io.BytesIO(data)).active
    rows = [dict(zip(excel.HEADERS, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    got = {r["问题描述"]: (r["登记日期"], r["状态"], r["完成日期"], r["销号时间"]) for r in rows}
    assert got["违规收费"] == ("2026-03-09", "已销号", "2026-05-25", "2026-06-05")
    assert got["审批拖延"] == ("2026-03-08", "整改中", None, None)
    assert got["会议过多"] == ("2026-03-10", "已销号", "2026-05-20", "2026-12-04")
    with time_machine.travel(DECEMBER + dt.timedelta(hours=1), tick=False):
        again = excel.import_ledger(c.campaign, io.BytesIO(data), by=c.supervisor)
    assert again.ok, again.errors
    assert again.created == [] and len(again.unchanged) == 8


def test_rect3_one_bad_category_reports_exactly_that_row_and_writes_nothing(camp, tmp_path):
    c = camp
    rows = spring_rows()
    rows[4][2] = "懒作为"  # Excel row 7
    path = ledger_file(tmp_path / "错一行.xlsx", rows)
    before = (Event.objects.count(), Problem.objects.count())
    with time_machine.travel(DECEMBER, tick=False):
        report = import_file(c.campaign, path, by=c.supervisor)
    assert report.errors == ["第7行“问题类别”列：“懒作为”不是本专项行动的问题类别"
                             "（慢作为、不作为、乱作为、文山会海、官僚作风、弄虚作假）"]
    assert report.created == [] and (Event.objects.count(), Problem.objects.count()) == before


def test_rect3_only_real_errors_of_the_past_are_refused(camp, tmp_path):
    c = camp
    rows = [
        spring_row(1, "县教育局", "慢作为", "时限早于登记", "2026-03-08", "2026-03-01"),
        spring_row(2, "县教育局", "慢作为", "登记在将来", "2026-12-20", "2026-12-31"),
        spring_row(3, "县教育局", "慢作为", "完成在将来", "2026-03-08", "2026-05-31", "已整改（2026-12-25）"),
        spring_row(4, "县教育局", "慢作为", "逾期未写完成日期", "2026-03-08", "2026-05-31", "已整改"),
        spring_row(5, "县教育局", "慢作为", "看不懂的状态", "2026-03-08", "2026-05-31", "差不多了"),
        spring_row(6, "县教育局", "慢作为", "本单位核验", "2026-03-08", "2026-05-31", "已销号（2026-06-01）",
                   verifier="王局长"),
        spring_row(7, "县教育局", "慢作为", "销号早于完成", "2026-03-08", "2026-05-31", "已销号", done="2026-05-20",
                   closed="2026-05-10"),
        spring_row(8, "县教育局", "慢作为", "整改中却有完成日期", "2026-03-08", "2026-05-31", "整改中",
                   done="2026-05-20"),
        # Not errors: a past deadline, a registration long ago, an undated 已整改 before its deadline.
        spring_row(9, "县教育局", "慢作为", "往年的问题", "2025-11-03", "2026-01-15"),
        spring_row(10, "县教育局", "慢作为", "提前整改", "2026-03-08", "2027-03-31", "已整改"),
    ]
    path = ledger_file(tmp_path / "各种错.xlsx", rows)
    with time_machine.travel(DECEMBER, tick=False):
        report = import_file(c.campaign, path, by=c.supervisor)
    assert report.errors == [
        "第3行“整改时限”列：整改时限2026年3月1日早于登记日期2026年3月8日",
        "第4行“登记日期”列：登记日期2026年12月20日晚于今天",
        "第5行“状态”列：整改完成日期2026年12月25日晚于今天",
        "第6行“完成日期”列：整改时限2026年5月31日已过，请写明整改完成日期（如“已整改（2026-05-20）”），以判断是否按时整改",
        "第7行“状态”列：“差不多了”不是可识别的状态，应为：" + excel.STATUS_HINT,
        "第8行“核验人”列：核验人王局长不能核验：本单位人员不能核验本单位的问题",
        "第9行“销号日期”列：销号日期2026年5月10日早于整改完成日期2026年5月20日",
        "第10行“完成日期”列：状态为“整改中”，不应填写整改完成日期",
    ]
    assert Problem.objects.count() == 0


def test_rect3_a_unit_imports_its_own_history_and_closes_only_with_a_verifier(camp, tmp_path):
    c = camp
    header = ["问题类别", "问题描述", "整改措施", "登记日期", "整改时限", "状态", "核验人"]
    rows = [["慢作为", "已整改的", "措施", "2026-03-08", "2026-05-31", "已整改(5月30日)", ""],
            ["不作为", "销号无核验人", "措施", "2026-03-08", "2026-05-31", "已销号（2026-06-02）", ""]]

    def save(name, rows):
        wb = Workbook()
        wb.active.append(header)
        for r in rows:
            wb.active.append(r)
        wb.save(tmp_path / name)
        return tmp_path / name

    with time_machine.travel(DECEMBER, tick=False):
        report = import_file(c.campaign, save("a.xlsx", rows), by=c.edu_user, unit=c.edu)
        assert report.errors == [
            "第3行“状态”列：已销号须经工作专班或督查室核验：请在“核验人”列填写系统中工作专班或督查室的核验人员，"
            "或由工作专班、督查室导入（本单位人员不能核验本单位的问题）"]
        rows[1][6] = "钱专班"
        report = import_file(c.campaign, save("b.xlsx", rows), by=c.edu_user, unit=c.edu)
        assert report.ok, report.errors
    done, closed = report.created
    assert done.state == ProblemState.SUBMITTED and done.rounds.get().submitted_at == dt.datetime(2026, 5, 30,
                                                                                                  tzinfo=TZ)
    assert closed.state == ProblemState.CLOSED and closed.rounds.get().verified_by == c.tf_fin
    assert closed.unit == c.edu and closed.created_by == c.edu_user


def test_rect3_another_units_user_cannot_import_into_a_unit_not_theirs(camp, tmp_path, client):
    c = camp
    path = ledger_file(tmp_path / "教育局台账.xlsx", [spring_rows()[0]])
    with time_machine.travel(DECEMBER, tick=False):
        report = import_file(c.campaign, path, by=c.fin_user, unit=c.edu)
        assert report.errors == ["您无权导入“县教育局”的台账"]
        report = import_file(c.campaign, path, by=c.fin_user)
        assert report.errors == ["第3行“责任单位”列：您无权导入“县教育局”的问题"]
        # The page: 县财政局's clerk may choose only his own unit; another is 404.
        client.force_login(c.fin_user)
        url = reverse("rectification:import", args=[c.campaign.pk])
        with open(path, "rb") as f:
            r = client.post(url, {"file": f, "unit": c.edu.pk, "import": "1"})
        assert r.status_code == 422 and "unit" in r.context["form"].errors
        assert Problem.objects.count() == 0


def test_rect3_interactive_registration_still_refuses_a_past_deadline(camp):
    c = camp
    with time_machine.travel(DECEMBER, tick=False), pytest.raises(ValidationError) as e:
        make_problem(c, deadline=D(12, 3), at=DECEMBER)
    assert e.value.message_dict["deadline"] == ["整改时限2026年12月3日已过"]


def test_rect3_the_page_previews_the_past_and_the_command_imports_it(camp, tmp_path, client, capsys):
    c = camp
    path = ledger_file(tmp_path / "春季台账.xlsx", spring_rows())
    client.force_login(c.supervisor)
    url = reverse("rectification:import", args=[c.campaign.pk])
    with time_machine.travel(DECEMBER, tick=False):
        with open(path, "rb") as f:
            r = client.post(url, {"file": f, "preview": "1"})
        body = r.content.decode()
        assert r.status_code == 200 and "将导入 8 个问题" in body
        assert body.count("已逾期") == 2 and "已销号（2026-06-05，核验人 孙专班）" in body
        assert "已整改（2026-05-20，待核验）" in body and "2026-03-08" in body
        assert not Problem.objects.exists()
        # The command (the system, no user): a 已销号 row keeps the verifier the ledger names.
        rows = [spring_row(1, "县财政局", "乱作为", "违规收费", "2026-03-09", "2026-05-31", "已销号（2026-06-05）",
                           verifier="外单位的人")]
        call_command("import_problems", "ZF-2026", str(ledger_file(tmp_path / "b.xlsx", rows)))
    p = Problem.objects.get()
    r = p.rounds.get()
    assert p.state == ProblemState.CLOSED and r.verified_by is None and r.verify_note == "台账记载的核验人：外单位的人"
    assert "已导入 1 个问题" in capsys.readouterr().out
