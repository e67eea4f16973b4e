import datetime as dt
import zoneinfo

import pytest

from duban.timelimits import calendar as tl_calendar
from tests.probe.models import ProbeRecord

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture
def owner(county):
    return ProbeRecord.objects.create(title="整治“文山会海”落实情况", owner_unit=county.edu)


@pytest.fixture
def fresh_calendar():
    """Tests that change the calendar rows drop the per-process cache
    before and after, so that no other test sees their calendar."""
    tl_calendar.invalidate()
    yield
    tl_calendar.invalidate()


from tests.timelimits.conftest import committed  # noqa: E402,F401  (the same fixture for the clocks' tests)
