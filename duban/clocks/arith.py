"""Deadline arithmetic for clocks: base moments from a limit (through
duban.timelimits), warning points, and the effective moments after pauses.

Pauses move a moment as follows, one pause at a time in order of start:
a pause that began before the (already moved) moment pushes it on by the
pause's length. For a working-day limit the length is the pause's working
time (`working_seconds_between`), added back with `add_working_seconds`, so a
pause over a holiday moves nothing; for clock-time, calendar-day and month
limits, and for deadlines a person set, it is the paused wall time.
"""

import datetime as dt

from .models import Clock


def _limits():
    from duban.timelimits import limits

    return limits


def calendar():
    from duban.timelimits.calendar import get_calendar

    return get_calendar()


def parse(text):
    return _limits().parse_limit(text)


def compute_due_at(start, limit, roll_forward=True):
    return _limits().compute_due_at(start, limit, roll_forward=roll_forward)


def warn_for(started_at, limit_text, due_at, warn_before=""):
    """The warning point of a deadline: the rule's `warn_before` (or the
    limit's default, see duban.timelimits.limits.compute_warn_at) before it;
    for a deadline without a limit, a fifth of the span before it, at most
    one day. Never before the start, never after the deadline."""
    if limit_text:
        warn = _limits().compute_warn_at(started_at, parse(limit_text), due_at, warn_before or None)
    elif due_at <= started_at:
        warn = due_at
    else:
        warn = due_at - min(dt.timedelta(days=1), (due_at - started_at) / 5)
    return max(min(warn, due_at), min(started_at, due_at))


def base_moments(*, started_at, limit_text="", roll_forward=True, warn_before="", due_at=None, warn_at=None):
    """(base_due_at, base_warn_at) for a new clock or a recomputation.

    With `due_at` the deadline is explicit (a person set it); otherwise it is
    computed from `limit_text`. `warn_at` overrides the warning point."""
    limit = parse(limit_text) if limit_text else None
    if due_at is None:
        if limit is None:
            raise ValueError("limit_text or due_at is required")
        due_at = compute_due_at(started_at, limit, roll_forward)
    if warn_at is None:
        warn_at = warn_for(started_at, limit_text, due_at, warn_before)
    warn_at = max(min(warn_at, due_at), min(started_at, due_at))
    return due_at, warn_at


def shift(moment, pauses, *, working, since):
    """The moment after the closed `pauses` (objects with started_at and
    ended_at) that began at or after `since` have pushed it on."""
    cal = calendar() if working else None
    for p in sorted(pauses, key=lambda p: p.started_at):
        if p.ended_at is None or p.started_at < since or p.ended_at <= p.started_at:
            continue
        if p.started_at >= moment:
            continue
        if working:
            seconds = cal.working_seconds_between(p.started_at, p.ended_at)
            if seconds:
                moment = cal.add_working_seconds(moment, seconds)
        else:
            moment = moment + (p.ended_at - p.started_at)
    return moment


def effective_moments(clock: Clock, pauses):
    """(due_at, warn_at) of `clock` from its base moments and its pauses."""
    working = clock.is_working_day_limit
    due = shift(clock.base_due_at, pauses, working=working, since=clock.base_set_at)
    warn = shift(clock.base_warn_at, pauses, working=working, since=clock.base_set_at)
    return due, min(warn, due)


def provisional_years(clock: Clock) -> list[int]:
    """The provisional calendar years a clock's rule-computed deadline was
    counted on (see Clock.provisional_years)."""
    return _limits().provisional_years_of(clock.started_at, clock.due_at, clock.limit, explicit=clock.explicit)
