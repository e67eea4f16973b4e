"""TL-2 properties of the arithmetic (hypothesis), over the product's
calendar: the seeded official years 2004–2026 and the provisional years
computed from the statutory rule after them (up to 2030 here). Each test
loads the calendar once and runs its examples inside."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.timelimits.calendar import CalendarMissing
from duban.timelimits.limits import Limit, compute_due_at

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

moments = st.datetimes(
    min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2030, 12, 31, 23, 59, 59),
    timezones=st.just(SHANGHAI),
).map(lambda d: d.replace(microsecond=0))
working_days = st.integers(min_value=1, max_value=60)
any_limit = st.one_of(
    st.builds(Limit, st.integers(1, 600), st.just("min")),
    st.builds(Limit, st.integers(1, 72), st.just("h")),
    st.builds(Limit, working_days, st.just("wd")),
    st.builds(Limit, st.integers(1, 90), st.just("d")),
    st.builds(Limit, st.integers(1, 6), st.just("mo")),
)


def test_tl2_property_longer_limit_is_never_earlier(cal):
    @PROPS
    @given(start=moments, unit=st.sampled_from(["min", "h", "wd", "d", "mo"]), a=st.integers(1, 11),
           b=st.integers(1, 11), roll=st.booleans())
    def check(start, unit, a, b, roll):
        a, b = sorted((a, b))
        assert compute_due_at(start, Limit(a, unit), roll_forward=roll) <= compute_due_at(
            start, Limit(b, unit), roll_forward=roll)

    check()


def test_tl2_property_later_start_is_never_earlier(cal):
    @PROPS
    @given(start=moments, later=st.integers(0, 10 * 86400), limit=any_limit, roll=st.booleans())
    def check(start, later, limit, roll):
        start2 = start + dt.timedelta(seconds=later)
        assert compute_due_at(start, limit, roll_forward=roll) <= compute_due_at(start2, limit, roll_forward=roll)

    check()


def test_tl2_property_n_then_m_working_days_is_n_plus_m(cal):
    @PROPS
    @given(start=moments, n=working_days, m=working_days)
    def check(start, n, m):
        first = compute_due_at(start, Limit(n, "wd"))
        assert compute_due_at(first, Limit(m, "wd")) == compute_due_at(start, Limit(n + m, "wd"))

    check()


def test_tl2_property_working_day_due_is_a_working_day_at_end_of_day(cal):
    @PROPS
    @given(start=moments, n=working_days)
    def check(start, n):
        at = compute_due_at(start, Limit(n, "wd"))
        assert cal.is_workday(at.date())
        assert at.time() == dt.time(23, 59, 59)
        assert at.utcoffset() == dt.timedelta(hours=8)
        assert at.date() > start.date()
        # exactly n working days lie in (start day, due day]
        assert cal.workdays_between(start.date(), at.date()) == n

    check()


def test_tl2_property_roll_forward_lands_on_working_day_never_before_nominal(cal):
    @PROPS
    @given(start=moments, limit=st.one_of(st.builds(Limit, st.integers(1, 90), st.just("d")),
                                          st.builds(Limit, st.integers(1, 6), st.just("mo"))))
    def check(start, limit):
        rolled = compute_due_at(start, limit)
        plain = compute_due_at(start, limit, roll_forward=False)
        assert cal.is_workday(rolled.date())
        assert plain <= rolled
        if cal.is_workday(plain.date()):
            assert plain == rolled
        else:
            # every day between the nominal last day and the rolled one is a rest day
            assert cal.workdays_between(plain.date(), rolled.date()) == 1

    check()


def test_tl2_property_working_seconds_and_add_are_inverse(cal):
    @PROPS
    @given(a=moments, span=st.integers(0, 40 * 86400))
    def check(a, span):
        b = a + dt.timedelta(seconds=span)
        secs = cal.working_seconds_between(a, b)
        assert 0 <= secs <= span
        moved = cal.add_working_seconds(a, secs)
        assert cal.working_seconds_between(a, moved) == secs
        assert moved <= b or secs == 0 or not cal.is_workday(b.date())
        if secs and cal.is_workday(b.date()) and b.time() != dt.time(0, 0):
            assert moved == b

    check()


def test_tl4_property_pause_over_non_working_days_moves_nothing(cal):
    """A pause moves a working-day deadline by the working time it contains:
    a pause lying wholly on rest days and holidays moves nothing, and
    moving by the pause's working time keeps the due moment on a working day."""

    @PROPS
    @given(start=moments, n=working_days, pause_start=st.integers(0, 20 * 86400), length=st.integers(0, 10 * 86400))
    def check(start, n, pause_start, length):
        due = compute_due_at(start, Limit(n, "wd"))
        p0 = start + dt.timedelta(seconds=pause_start)
        p1 = p0 + dt.timedelta(seconds=length)
        paused = cal.working_seconds_between(p0, p1)
        moved = cal.add_working_seconds(due, paused)
        assert cal.working_seconds_between(due, moved) == paused
        if paused == 0:
            assert moved == due
        else:
            assert cal.is_workday(moved.date())

    check()


def test_tl1_property_beyond_2026_every_computation_is_provisional_never_refused(cal):
    """A working-day deadline reaching 2027 is computed (never refused), is
    marked with the provisional years it touches, and lands on a day the
    rule leaves working: no statutory day, no weekend (no 调休 is assumed)."""
    from duban.timelimits import statutory
    from duban.timelimits.limits import compute_due

    off = {d for y in (2027, 2028) for d, _ in statutory.provisional_days_off(y)}

    @settings(max_examples=150, deadline=None)
    @given(start=st.datetimes(min_value=dt.datetime(2026, 12, 1), max_value=dt.datetime(2027, 12, 31),
                              timezones=st.just(SHANGHAI)),
           limit=st.builds(Limit, st.integers(1, 60), st.just("wd")))
    def check(start, limit):
        due = compute_due(start, limit)
        assert due.at.date() not in off and due.at.weekday() < 5
        first = (start + dt.timedelta(days=1)).year
        touched = [y for y in (2027, 2028) if first <= y <= due.at.year]
        assert due.provisional_years == touched
        assert ("暂定" in due.explanation) == bool(touched)

    check()


def test_tl1_property_reaching_2100_is_refused_naming_it(cal):
    @settings(max_examples=60, deadline=None)
    @given(start=st.datetimes(min_value=dt.datetime(2099, 12, 1), max_value=dt.datetime(2099, 12, 31),
                              timezones=st.just(SHANGHAI)),
           limit=st.builds(Limit, st.integers(25, 60), st.just("wd")))
    def check(start, limit):
        with pytest.raises(CalendarMissing) as e:
            compute_due_at(start, limit)
        assert e.value.year == 2100

    check()
