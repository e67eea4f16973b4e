"""TL-1: the official notice arrives for a provisional year. Pasted and
confirmed, it recomputes the rule-computed deadlines that reach the year:
each moved one is journaled with its old and new moment and the reason,
its owner is told (【期限校正】), a breach whose new deadline lies ahead is
withdrawn, deadlines a person set stay, and the 暂定 marks disappear. The
administrator lands on the report of the moved deadlines, which the
supervision office may read too and nobody else."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.clocks import services as clocks
from duban.clocks import sweep
from duban.clocks.models import ClockState, MovedDeadline, Recomputation
from duban.journal import chain
from duban.journal.models import Event
from duban.notify.models import Message
from duban.org.models import Role
from tests.timelimits.conftest import confirm
from tests.timelimits.test_notice import NOTICE_2027

from .conftest import SHANGHAI, local

pytestmark = pytest.mark.django_db

PASTE = reverse("timelimits:calendar_paste")
LIST = reverse("clocks:recomputations")


@pytest.fixture(autouse=True)
def passwords_do_not_expire(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 36500


def frozen(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=SHANGHAI), tick=False)


def start(owner, county, kind, **kw):
    return clocks.start_clock(owner, kind, owner_unit=county.edu, owner_person=county.edu_user,
                              link=f"/probe/{owner.pk}/", label=f"“{owner.title}”{kind}", **kw)


@pytest.fixture
def entered(client, county, committed, fresh_calendar):
    """Three deadlines reaching the provisional 2027, then the notice pasted
    and confirmed on 12 February 2027 (春节 2/6–2/13 instead of the rule's
    2/5–2/10, 2/20 a working Saturday)."""
    from tests.probe.models import ProbeRecord

    c = type("Entered", (), {})()
    owner = ProbeRecord.objects.create(title="春节前后的事", owner_unit=county.edu)
    # 7 working days from Monday 2/1: provisional 2/2–2/4, 2/11, 2/12, 2/15, 2/16.
    c.report = start(owner, county, "报告落实情况", rule="matter_report_7wd", started_at=local(2027, 2, 1, 10))
    # A person's deadline, the same moment.
    c.explicit = start(owner, county, "办结", due_at=local(2027, 2, 16, 23, 59, 59), started_at=local(2027, 2, 1, 10))
    # 1 working day from Tuesday 2/9 (a provisional 补假): 2/11, breached on 2/12.
    c.ack = start(owner, county, "签收", limit="1wd", started_at=local(2027, 2, 9, 10))
    assert c.report.due_at == local(2027, 2, 16, 23, 59, 59) and c.report.provisional
    assert c.ack.due_at == local(2027, 2, 11, 23, 59, 59)
    assert sweep.flip_breach(c.ack.pk, now=local(2027, 2, 12, 9))
    with frozen(2027, 2, 12, 10, 0):
        client.force_login(county.sysadmin)
        c.preview = client.post(PASTE, {"year": "2027", "text": NOTICE_2027})
        c.response = confirm(client, c.preview)
    for x in (c.report, c.explicit, c.ack):
        x.refresh_from_db()
    c.rec = Recomputation.objects.get()
    return c


def test_tl1_the_preview_counts_the_deadlines_that_will_move(entered):
    assert "确认后将有<strong>2</strong>项按规则计算的期限调整（共检查2项涉及2027年的期限）" in (
        entered.preview.content.decode())


def test_tl1_notice_moves_rule_deadlines_and_leaves_a_persons_deadline(entered):
    # Official: 2/2–2/5 (Friday 2/5 now works), 2/15, 2/16, 2/17.
    assert entered.report.due_at == local(2027, 2, 17, 23, 59, 59)
    assert not entered.report.provisional and entered.report.provisional_note == ""
    assert entered.explicit.due_at == local(2027, 2, 16, 23, 59, 59) and entered.explicit.explicit
    # The breach is withdrawn: the new deadline (Monday 2/15) lies ahead.
    assert entered.ack.due_at == local(2027, 2, 15, 23, 59, 59)
    assert entered.ack.state == ClockState.RUNNING and entered.ack.breached_at is None


def test_tl1_each_moved_deadline_is_journaled_with_old_new_and_reason(entered):
    e = Event.objects.get(action="clocks.recompute", object_id=str(entered.report.pk))
    assert e.before["due_at"].startswith("2027-02-16T15:59:59")  # UTC
    assert e.after["due_at"].startswith("2027-02-17T15:59:59")
    assert e.after["reason"] == "2027年节假日安排已录入"
    assert e.after["recomputation"] == entered.rec.pk
    assert not Event.objects.filter(action="clocks.recompute", object_id=str(entered.explicit.pk)).exists()
    assert Event.objects.filter(action="timelimits.calendar.year_entered", object_id="2027").count() == 1
    assert chain.verify().ok


def test_tl1_the_owner_is_told_of_the_moved_deadline(entered, county):
    m = Message.objects.get(recipient=county.edu_user, clock=entered.report, channel="inapp")
    assert m.subject == "【期限校正】“春节前后的事”报告落实情况"
    assert "延后至2027-02-17 23:59" in m.body and "原因：2027年节假日安排已录入" in m.body
    assert not Message.objects.filter(clock=entered.explicit, subject__startswith="【期限校正】").exists()


def test_tl1_confirmation_lands_on_the_report_of_moved_deadlines(entered, client, county):
    assert entered.response["Location"] == reverse("clocks:recomputation", args=[entered.rec.pk])
    assert (entered.rec.examined, entered.rec.moved_count, entered.rec.years) == (2, 2, [2027])
    assert MovedDeadline.objects.filter(recomputation=entered.rec).count() == 2
    client.force_login(county.sysadmin)
    page = client.get(entered.response["Location"]).content.decode()
    assert "期限校正报告" in page and "原因：2027年节假日安排已录入（涉及2027年）" in page
    assert "检查2项按规则计算的期限，调整<strong>2</strong>项，其中1项撤销超期" in page
    assert f'<a href="/probe/{entered.report.owner_id}/">“春节前后的事”报告落实情况</a>' in page
    assert "县教育局" in page
    assert "2027-02-16 23:59" in page and "2027-02-17 23:59" in page and "延后1个工作日" in page
    assert "2027-02-11 23:59" in page and "2027-02-15 23:59" in page and page.count("延后1个工作日") == 2
    assert '<span class="tag">撤销超期</span>' in page
    assert "办结" not in page  # the explicit deadline did not move
    listing = client.get(LIST).content.decode()
    assert "2027年节假日安排已录入" in listing and "2项" in listing


def test_tl1_the_supervision_office_reads_the_report_of_its_jurisdiction(entered, client, county):
    client.force_login(county.supervisor)
    assert "“春节前后的事”报告落实情况" in client.get(entered.response["Location"]).content.decode()
    assert client.get(LIST).status_code == 200
    # A supervision office whose jurisdiction is another town sees the report, not these deadlines.
    other = county.person("townsup", "刘督查", county.town, Role.SUPERVISOR, scope=county.town)
    client.force_login(other)
    page = client.get(entered.response["Location"]).content.decode()
    assert "期限校正报告" in page and "“春节前后的事”" not in page and "没有期限调整" in page


@pytest.mark.parametrize("who", ["fin_user", "edu_user", "edu_head", "leader", "secadmin", "auditor"])
def test_tl1_anyone_else_gets_404_on_the_reports(entered, client, county, who):
    client.force_login(getattr(county, who))
    assert client.get(entered.response["Location"]).status_code == 404
    assert client.get(LIST).status_code == 404


def test_tl1_report_lists_what_could_not_be_recomputed(client, county, owner):
    c = start(owner, county, "报告落实情况", limit="7wd", started_at=local(2026, 9, 29, 10))
    rec = Recomputation.objects.create(reason="测试", years=[2026], started_at=local(2026, 9, 30, 10),
                                       examined=1, failed=[{"clock": c.pk, "message": "2100年不在工作日历的计算范围内"}])
    client.force_login(county.sysadmin)
    page = client.get(reverse("clocks:recomputation", args=[rec.pk])).content.decode()
    assert "未能重算的期限" in page and "2100年不在工作日历的计算范围内" in page and "1项未能重算" in page
    assert client.get(reverse("clocks:recomputation", args=[rec.pk + 999])).status_code == 404


def test_tl1_report_query_count_does_not_grow_with_rows(client, county, owner):
    rec = Recomputation.objects.create(reason="测试", years=[2026], started_at=local(2026, 9, 30, 10))

    def add(n):
        for i in range(n):
            c = start(owner, county, f"期限{i}", limit="7wd", started_at=local(2026, 9, 29, 10))
            MovedDeadline.objects.create(recomputation=rec, clock=c, old_due_at=c.due_at,
                                         new_due_at=c.due_at + dt.timedelta(days=1), old_state="running",
                                         new_state="running")

    client.force_login(county.sysadmin)
    url = reverse("clocks:recomputation", args=[rec.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(1)
    client.get(url)  # the calendar is loaded once per process
    few = count()
    add(5)
    assert count() == few
