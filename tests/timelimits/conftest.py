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
    calendar behind (a test that enters a year rolls its rows back)."""
    tl_calendar.invalidate()
    yield
    tl_calendar.invalidate()


@pytest.fixture
def cal(db):
    return tl_calendar.get_calendar()
