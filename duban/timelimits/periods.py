"""Days and reporting periods in local time: the first and last moment of a
day (the last one is DUBAN_WORKDAY_END), and the due moment of a periodic
report (weekly, monthly, quarterly). Shared by every obligation that
reports periodically (long-term matters, long-term problems, …)."""

import calendar as pycal
import datetime as dt

from django.conf import settings
from django.utils import timezone

from .calendar import parse_day_end

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"


def day_end(d: dt.date) -> dt.datetime:
    """The last moment of a day in local time (DUBAN_WORKDAY_END)."""
    end = parse_day_end(getattr(settings, "DUBAN_WORKDAY_END", "23:59:59"))
    return dt.datetime.combine(d, end, timezone.get_default_timezone())


def day_start(d: dt.date) -> dt.datetime:
    """The first moment of a day in local time: the moment of a date that a
    ledger gives (registered, rectified, closed on that day)."""
    return dt.datetime.combine(d, dt.time(), timezone.get_default_timezone())


def next_period_due(cycle, day, after) -> dt.datetime:
    """The end of the first reporting day strictly after the local day of
    `after` (a moment or a date): weekly on weekday `day` (1 = Monday),
    monthly on day `day` of the month (its last day when the month is
    shorter), quarterly on day `day` of the quarter's last month."""
    d0 = after if isinstance(after, dt.date) and not isinstance(after, dt.datetime) else \
        timezone.localtime(after).date()
    if cycle == WEEKLY:
        return day_end(d0 + dt.timedelta(days=(day - d0.isoweekday()) % 7 or 7))
    months = range(1, 13) if cycle == MONTHLY else (3, 6, 9, 12)
    year = d0.year
    while True:
        for month in months:
            candidate = dt.date(year, month, min(day, pycal.monthrange(year, month)[1]))
            if candidate > d0:
                return day_end(candidate)
        year += 1


def period_end(cycle, d: dt.date) -> dt.datetime:
    """The end of the month or quarter that contains day `d`."""
    return next_period_due(cycle, 31, d - dt.timedelta(days=1))
