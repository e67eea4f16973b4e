import datetime as dt
import zoneinfo

import pytest

from duban.timelimits import calendar as tl_calendar

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_calendar(request):
    """Each test starts from the database's calendar and leaves no cached
    calendar behind (a test that enters a year rolls its rows back). These
    tests are about the official years and the ones not yet entered: a test
    with the database sees the official years only (official_calendar)."""
    tl_calendar.invalidate()
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("official_calendar")
    yield
    tl_calendar.invalidate()


@pytest.fixture
def cal(db):
    return tl_calendar.get_calendar()
