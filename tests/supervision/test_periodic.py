"""SUP-3 / SUP-5: long-term matters account periodically (weekly, monthly,
quarterly on a chosen day); silence is a breach, period after period
(军令式交账)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.clocks import sweep
from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.notify.models import Message
from duban.supervision import services as sv
from duban.supervision.models import ReportCycle, Urge, UrgeKind
from duban.timelimits.periods import next_period_due

from .conftest import local

pytestmark = pytest.mark.django_db

WEEKLY_FRIDAY = dict(due_at=None, is_long_term=True, report_cycle="weekly", report_day=5)


def report_clocks(m):
    return list(clocks_for(m, "report").order_by("due_at"))


def test_sup5_long_term_matter_gets_a_report_clock_instead_of_a_deadline(county, loop):
    m = loop.assigned(**WEEKLY_FRIDAY)
    assert m.completion_clock is None and m.deadline is None
    (first,) = report_clocks(m)
    assert first.due_at == local(2026, 3, 6, 23, 59, 59) and first.state == ClockState.RUNNING


def test_sup5_silence_is_a_breach_every_period(county, loop):
    m = loop.acknowledged(**WEEKLY_FRIDAY)
    sweep.tick(now=local(2026, 3, 7, 10), deliver=False)
    first, second = report_clocks(m)
    assert first.state == ClockState.BREACHED and second.state == ClockState.RUNNING
    assert (second.started_at, second.due_at) == (first.due_at, local(2026, 3, 13, 23, 59, 59))
    sweep.tick(now=local(2026, 3, 14, 10), deliver=False)
    states = [c.state for c in report_clocks(m)]
    assert states == [ClockState.BREACHED, ClockState.BREACHED, ClockState.RUNNING]
    urges = Urge.objects.filter(matter=m, kind=UrgeKind.AUTO).order_by("id")
    assert [u.flip.kind for u in urges] == ["breach", "breach"]
    assert Message.objects.filter(recipient=county.edu_user, subject__startswith="【超期】").exists()
    # The unit reports at last: the overdue periods are met late, the current one met,
    # and the next period's clock starts.
    r = sv.submit_report(m, county.edu_user, text="两周来排查进展……", kind="periodic", at=local(2026, 3, 14, 11))
    clocks = report_clocks(m)
    assert [c.state for c in clocks] == [ClockState.MET_LATE, ClockState.MET_LATE, ClockState.MET,
                                         ClockState.RUNNING]
    assert clocks[-1].due_at == local(2026, 3, 27, 23, 59, 59)
    assert r.period_due_at == local(2026, 3, 20, 23, 59, 59)
    m.refresh_from_db()
    assert m.current_clock_id == clocks[-1].pk


def test_sup5_a_timely_periodic_report_meets_its_clock_and_starts_the_next(county, loop):
    m = loop.acknowledged(**WEEKLY_FRIDAY)
    sv.submit_report(m, county.edu_user, text="本周进展", kind="periodic", at=local(2026, 3, 6, 16))
    first, second = report_clocks(m)
    assert first.state == ClockState.MET and second.state == ClockState.RUNNING
    assert second.started_at == first.due_at and second.due_at == local(2026, 3, 13, 23, 59, 59)
    assert sweep.sweep_breaches(now=local(2026, 3, 7, 10)) == 0
    with pytest.raises(ValidationError, match="本期定期报告已报送，下一期自2026年3月6日 23:59起报送"):
        sv.submit_report(m, county.edu_user, text="再报一次", kind="periodic", at=local(2026, 3, 6, 17))


def test_sup5_periodic_reports_only_for_long_term_matters_and_only_by_the_lead_unit(county, loop):
    m = loop.acknowledged()
    with pytest.raises(ValidationError, match="不是长期事项"):
        sv.submit_report(m, county.edu_user, text="x", kind="periodic", at=loop.tick())


@pytest.mark.parametrize(("cycle", "day", "after", "due"), [
    (ReportCycle.WEEKLY, 5, local(2026, 3, 2, 9), dt.date(2026, 3, 6)),
    (ReportCycle.WEEKLY, 1, local(2026, 3, 2, 9), dt.date(2026, 3, 9)),  # never the same day
    (ReportCycle.MONTHLY, 25, local(2026, 3, 2, 9), dt.date(2026, 3, 25)),
    (ReportCycle.MONTHLY, 31, local(2026, 1, 31, 23, 59, 59), dt.date(2026, 2, 28)),  # short month
    (ReportCycle.MONTHLY, 10, local(2026, 12, 10, 23, 59, 59), dt.date(2027, 1, 10)),
    (ReportCycle.QUARTERLY, 25, local(2026, 3, 26, 9), dt.date(2026, 6, 25)),
    (ReportCycle.QUARTERLY, 31, local(2026, 4, 1, 9), dt.date(2026, 6, 30)),
])
def test_sup3_report_cycles_fall_on_the_chosen_day(cycle, day, after, due):
    got = next_period_due(cycle, day, after)
    assert got == local(due.year, due.month, due.day, 23, 59, 59)
