"""TL-4, property-based: a pause moves the due moment by exactly the paused
working time (working-day limits) or wall time (clock-time limits); the
working time left on the clock when it was paused is what is left when it
resumes; a pause that starts after the deadline moves nothing."""

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.clocks import arith
from duban.timelimits.calendar import get_calendar
from duban.timelimits.limits import compute_due_at, parse_limit

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db

FIRST = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
moments = st.integers(0, 540 * 86400).map(lambda s: FIRST + dt.timedelta(seconds=s))
lengths = st.integers(0, 20 * 86400).map(lambda s: dt.timedelta(seconds=s))
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def pause(start, length):
    return SimpleNamespace(started_at=start, ended_at=start + length)


@PROPERTY
@given(start=moments, n=st.integers(1, 20), offset=st.integers(0, 40 * 86400), length=lengths)
def test_tl4_pause_keeps_the_working_time_left_on_the_clock(start, n, offset, length):
    cal = get_calendar()
    due = compute_due_at(start, parse_limit(f"{n}wd"))
    p = pause(start + dt.timedelta(seconds=offset), length)
    moved = arith.shift(due, [p], working=True, since=start)
    paused_work = cal.working_seconds_between(p.started_at, p.ended_at)
    if p.started_at >= due:
        assert moved == due
        return
    assert cal.working_seconds_between(due, moved) == paused_work
    assert cal.working_seconds_between(p.ended_at, moved) == cal.working_seconds_between(p.started_at, due)
    assert moved >= due
    if paused_work == 0:  # a pause over rest days and holidays only
        assert moved == due


@PROPERTY
@given(start=moments, minutes=st.integers(1, 240), offset=st.integers(0, 300 * 60), length=lengths)
def test_tl4_clock_time_pause_moves_by_wall_time(start, minutes, offset, length):
    due = compute_due_at(start, parse_limit(f"{minutes}min"))
    p = pause(start + dt.timedelta(seconds=offset), length)
    moved = arith.shift(due, [p], working=False, since=start)
    if p.started_at >= due:
        assert moved == due
    else:
        assert moved - due == length
        assert moved - p.ended_at == due - p.started_at


@PROPERTY
@given(start=moments, n=st.integers(1, 15), first=st.integers(0, 20 * 86400), gap=st.integers(0, 5 * 86400),
       a=st.integers(0, 5 * 86400), b=st.integers(0, 5 * 86400))
def test_tl4_two_pauses_move_by_their_sum_of_working_time(start, n, first, gap, a, b):
    cal = get_calendar()
    due = compute_due_at(start, parse_limit(f"{n}wd"))
    p1 = pause(start + dt.timedelta(seconds=first), dt.timedelta(seconds=a))
    p2 = pause(p1.ended_at + dt.timedelta(seconds=gap), dt.timedelta(seconds=b))
    moved = arith.shift(due, [p2, p1], working=True, since=start)
    expected = sum(cal.working_seconds_between(p.started_at, p.ended_at) for p in (p1, p2)
                   if p.started_at < arith.shift(due, [q for q in (p1, p2) if q.ended_at <= p.started_at],
                                                 working=True, since=start))
    assert cal.working_seconds_between(due, moved) == expected
