"""Test-only calendar years after the official ones.

The official calendar knows the years whose State Council notice has been
entered (the seed: up to 2026). A time limit that reaches into a later year
is refused ("2027年节假日安排尚未录入"), as it should be in production. The
tests, though, run on the day they run: a matter assigned "now" in late
December gets a 7-working-day report deadline in January. So the test
databases (pytest's, and the e2e server's) get, for every year after the last
official one up to next year, a plain calendar -- Monday to Friday working
days, weekends rest, no holidays -- marked with NOTE. Tests of a year not yet
entered ask for the `official_calendar` fixture (tests/conftest.py), which
takes these years away again inside the test's transaction.

Run in the e2e server's database by
`manage.py shell -c "from tests.synthetic_calendar import enter_years_ahead; enter_years_ahead()"`.
"""

import datetime as dt

NOTE = "测试用日历（非官方安排）：周一至周五上班，周末休息"


def enter_years_ahead(today=None):
    """Enter the plain calendar for every year after the last entered one up
    to the year after `today` (default: today); returns the years entered.
    Idempotent. Writes the rows directly, without a journal event: test data,
    not an administrator's act."""
    from django.db import transaction
    from django.utils import timezone

    from duban.timelimits import calendar as workcal
    from duban.timelimits.models import CalendarDay, CalendarSource, CalendarYear
    from duban.timelimits.services import _default_day  # the calendar's own rule for a day no notice names

    today = today or dt.date.today()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    years = [y for y in range(max(known, default=today.year - 1) + 1, today.year + 2) if y not in known]
    now = timezone.now()
    with transaction.atomic():
        for year in years:
            CalendarYear.objects.create(year=year, source=CalendarSource.ADMIN, entered_at=now, updated_at=now,
                                        note=NOTE, holiday_ranges=[], adjusted_workdays=[])
            day, days = dt.date(year, 1, 1), []
            while day.year == year:
                kind, work, name = _default_day(day)
                days.append(CalendarDay(date=day, year=year, kind=kind, is_workday=work, name=name))
                day += dt.timedelta(days=1)
            CalendarDay.objects.bulk_create(days)
    workcal.invalidate()
    return years


def remove_years_ahead():
    """Take the plain calendar years away again (inside a test's transaction:
    the rollback brings them back)."""
    from duban.timelimits import calendar as workcal
    from duban.timelimits.models import CalendarDay, CalendarYear

    years = list(CalendarYear.objects.filter(note=NOTE).values_list("year", flat=True))
    CalendarDay.objects.filter(year__in=years).delete()
    CalendarYear.objects.filter(year__in=years).delete()
    workcal.invalidate()
    return years
