"""OUT-2 / RECT-3 for matters: an old 督办事项 ledger imports with its past.
In December the supervision office uploads its spring ledger (assigned in
March, deadlines in May and June): every row is assigned; a matter past
its deadline is red at once and the sweep dates the breach at the
deadline; 交办日期 dates the assignment in the journal, the import is the
server's moment; the lead unit signs for the matter from the import on.
A 已办结 row, a 交办日期 in the future and a deadline before the 交办日期
are refused, naming row and column, and nothing is written. The ledgers
are real .xlsx files written with openpyxl and read back."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duban.clocks import sweep
from duban.clocks.models import ClockFlip, ClockState, FlipKind
from duban.clocks.services import clocks_for
from duban.journal.models import Event
from duban.supervision import ledger, queries
from duban.supervision.models import Matter
from duban.supervision.transitions import State
from tests.old_ledgers import DECEMBER, events, start, write_ledger

from .test_pages import as_user

pytestmark = pytest.mark.django_db

HEADER = ["序号", "来源", "事项名称", "事项内容", "牵头单位", "责任人", "交办日期", "办结期限", "批示领导", "批示日期",
          "批示内容", "12345工单编号", "状态"]


def row(seq, title, assigned, due, *, source="领导批示", status="", ticket=""):
    leader = ("周县长", "2026-03-09", "请抓紧办理") if source == "领导批示" else ("", "", "")
    return [seq, source, title, f"{title}的具体内容", "县教育局", "张教育", assigned, due, *leader, ticket, status]


def spring_rows():
    return [
        row(1, "校舍安全排查", "2026-03-10", "2026-05-31", status="办理中"),
        row(2, "停车难治理", "", "2026年6月30日", source="12345热线", ticket="GD-2026-0311"),
        row(3, "冬季供暖保障", "2026-11-20", "2026-12-31"),
    ]


def ledger_file(path, rows):
    return write_ledger(path, sheet="督办事项", title="2026年上半年县政府督办事项台账", header=HEADER, rows=rows)


def import_file(user, path, **kw):
    with open(path, "rb") as f:
        return ledger.import_matters(user, f, **kw)


def test_out2_spring_matters_import_in_december_overdue_at_once(county, tmp_path):
    c = county
    path = ledger_file(tmp_path / "春季督办台账.xlsx", spring_rows())
    with time_machine.travel(DECEMBER, tick=False):
        result = import_file(c.supervisor, path)
        assert result.ok, result.errors
        m = {x.title: x for x in Matter.objects.select_related("completion_clock")}
        spring, hotline, winter = m["校舍安全排查"], m["停车难治理"], m["冬季供暖保障"]
        assert all(x.state == State.ASSIGNED and x.number.startswith("督办〔2026〕") for x in m.values())

        # The ledger's moments: assignment on its 交办日期, the deadline on the clock.
        assert spring.assigned_at == start(dt.date(2026, 3, 10)) and spring.created_at == spring.assigned_at
        due = spring.completion_clock.due_at
        assert timezone.localtime(due).date() == dt.date(2026, 5, 31)
        assert spring.completion_clock.started_at == spring.assigned_at
        for action in ("supervision.matter.create", "supervision.matter.assign"):
            e = events(action, spring).get()
            assert e.occurred_at == start(dt.date(2026, 3, 10)) and e.recorded_at == DECEMBER
            assert e.actor == c.supervisor
        # Without a 交办日期 the import is the assignment.
        assert hotline.assigned_at == DECEMBER
        assert timezone.localtime(hotline.completion_clock.due_at).date() == dt.date(2026, 6, 30)
        assert hotline.completion_clock.started_at < hotline.completion_clock.due_at
        # The lead unit signs for it from the import on: the ack clock is not overdue.
        ack = clocks_for(spring, "ack").get()
        assert ack.started_at == DECEMBER and ack.due_at > DECEMBER

        # Red at once in the lists, before any sweep.
        lights = {x.title: x.light for x in queries.base_queryset(c.supervisor, now=DECEMBER)}
        assert lights["校舍安全排查"] == "red" and lights["停车难治理"] == "red"
        assert lights["冬季供暖保障"] in ("green", "yellow")

        # The sweep dates the breach at the deadline.
        sweep.tick(now=DECEMBER, deliver=False)
        for matter in (spring, hotline):
            clock = matter.completion_clock
            clock.refresh_from_db()
            assert clock.state == ClockState.BREACHED and clock.breached_at == DECEMBER
            flip = ClockFlip.objects.get(clock=clock, kind=FlipKind.BREACH)
            assert flip.moment == clock.due_at
            breach = Event.objects.get(action="clocks.breach", object_id=str(clock.pk))
            assert breach.occurred_at == clock.due_at and breach.recorded_at == DECEMBER
        winter.completion_clock.refresh_from_db()
        assert winter.completion_clock.state == ClockState.RUNNING
        e = Event.objects.get(action="supervision.ledger.import")
        assert e.recorded_at == DECEMBER and e.after["rows"] == 3


def test_out2_old_matter_ledger_refuses_only_real_errors_and_writes_nothing(county, tmp_path):
    c = county
    rows = spring_rows() + [
        row(4, "已办结的事项", "2026-03-10", "2026-04-30", status="已办结（2026-04-28）"),
        row(5, "交办在将来", "2026-12-20", "2026-12-31"),
        row(6, "期限早于交办", "2026-03-10", "2026-03-01"),
    ]
    path = ledger_file(tmp_path / "有错.xlsx", rows)
    before = Event.objects.count()
    with time_machine.travel(DECEMBER, tick=False):
        result = import_file(c.supervisor, path)
    assert result.errors == [
        "第6行“状态”列：已办结的事项不导入：办结须由牵头单位申请、督查室审核，系统不补记往期的办结；请删去此行",
        "第7行“交办日期”列：交办日期2026年12月20日晚于今天",
        "第8行“办结期限”列：办结期限（2026年3月1日 23:59）早于交办日期2026年3月10日",
    ]
    assert not Matter.objects.exists() and Event.objects.count() == before


def test_out2_drafts_keep_refusing_a_past_deadline(county, tmp_path):
    """Imported as drafts (to be assigned later), a past deadline is still
    the typo it almost always is; so is a 交办日期 on a draft."""
    path = ledger_file(tmp_path / "草稿.xlsx", [row(1, "草稿事项", "", "2026-05-31"),
                                                row(2, "草稿交办", "2026-03-10", "2026-12-31")])
    with time_machine.travel(DECEMBER, tick=False):
        result = import_file(county.supervisor, path, assign=False)
    assert result.errors == [
        "第3行“办结期限”列：办结期限（2026年5月31日 23:59）须晚于当前时间",
        "第4行“交办日期”列：交办日期用于导入往期已交办的事项，须勾选“导入后立即交办”",
    ]
    assert not Matter.objects.exists()


def test_out2_only_the_supervision_office_imports_matters(client, county, tmp_path):
    path = ledger_file(tmp_path / "台账.xlsx", spring_rows())
    c = as_user(client, county.edu_user)
    with open(path, "rb") as f, time_machine.travel(DECEMBER, tick=False):
        r = c.post("/matters/import/", {"file": SimpleUploadedFile("台账.xlsx", f.read()), "assign": "on"})
    assert r.status_code == 404 and not Matter.objects.exists()
    c = as_user(client, county.supervisor)
    with open(path, "rb") as f, time_machine.travel(DECEMBER, tick=False):
        r = c.post("/matters/import/", {"file": SimpleUploadedFile("台账.xlsx", f.read()), "assign": "on"})
    assert r.status_code == 200 and "已导入 3 项督办事项" in r.content.decode()
