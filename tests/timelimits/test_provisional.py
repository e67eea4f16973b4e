"""TL-1: provisional (暂定) years from the statutory rule.

The lunar festivals and 清明 come from the `holidays` package. Before it is
trusted for the years nobody has published, it is checked against the
other package, `chinesecalendar` (the seed's source), over every published
year 2004–2026: the same days off and the same adjusted working days. Then
the rule itself is checked: applied to 2025 and 2026 (the years it already
governs) it names only days the official notices gave off; and 2027 and
2028 come out as the rule says.
"""

import datetime as dt
import re

import pytest

from duban.timelimits import statutory
from duban.timelimits.calendar import get_calendar
from duban.timelimits.models import CalendarDay

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2004, 1, 1), dt.date(2026, 12, 31)

# Where the two packages disagree, checked against the notice:
# 国办发明电〔2005〕35号 (2006): “元旦：1月1日—3日放假……12月31日（星期六）上班” --
# `holidays` has 2005-12-31 as a working Saturday, chinesecalendar 1.11.0
# (and so the seed) misses it. Nothing later than 2005 differs.
KNOWN_MISSING_IN_CHINESECALENDAR = {dt.date(2005, 12, 31)}


def _dates(a, b):
    d = a
    while d <= b:
        yield d
        d += dt.timedelta(days=1)


@pytest.fixture(scope="module")
def holidays_pkg():
    """(days off, adjusted working days) of the `holidays` package for the
    published years, by calendar date over neighbouring years' data too (a
    notice's adjusted days may fall in the December before: 2006-12-30/31
    belong to 2007's notice)."""
    import holidays

    cn = holidays.China(years=range(FIRST.year - 1, LAST.year + 2), language="zh_CN")
    off, adjusted = set(), set()
    for d in cn:
        off.add(d)
        for name in cn.get_list(d):
            m = re.search(r"由 (\d{4}-\d{2}-\d{2}) 调休", name)
            if m:
                adjusted.add(dt.date.fromisoformat(m[1]))
    inside = lambda days: {d for d in days if FIRST <= d <= LAST}  # noqa: E731
    return inside(off), inside(adjusted)


def test_tl1_holidays_package_agrees_with_chinesecalendar_2004_to_2026(holidays_pkg):
    import chinese_calendar
    from chinese_calendar.constants import holidays as cc_holidays
    from chinese_calendar.constants import workdays as cc_workdays

    off, adjusted = holidays_pkg
    cc_off = {d for d in cc_holidays if FIRST <= d <= LAST}
    cc_adjusted = {d for d in cc_workdays if FIRST <= d <= LAST}
    # The same holidays on weekdays (weekends inside a holiday block are off anyway).
    assert {d for d in off if d.weekday() < 5} == {d for d in cc_off if d.weekday() < 5}
    # The same adjusted working days, but for the one chinesecalendar misses.
    assert adjusted - cc_adjusted == KNOWN_MISSING_IN_CHINESECALENDAR
    assert cc_adjusted - adjusted == set()
    # Day by day: the same working days.
    differ = [d for d in _dates(FIRST, LAST)
              if ((d.weekday() < 5 and d not in off) or d in adjusted) != chinese_calendar.is_workday(d)]
    assert differ == sorted(KNOWN_MISSING_IN_CHINESECALENDAR)
    assert len(cc_adjusted) > 100 and len(cc_off) > 600  # the comparison covers real data


def test_tl1_holidays_package_knows_the_december_days_of_the_next_notice(holidays_pkg):
    off, adjusted = holidays_pkg
    # 国办发明电〔2006〕49号 (2007): 2006年12月30日（星期六）、31日（星期日）上班.
    assert {dt.date(2006, 12, 30), dt.date(2006, 12, 31)} <= adjusted
    # 2019: 元旦 2018-12-30 to 2019-01-01, 2018-12-29 (Saturday) working.
    assert dt.date(2018, 12, 31) in off and dt.date(2018, 12, 29) in adjusted


@pytest.mark.parametrize("year", [2025, 2026])
def test_tl1_rule_applied_to_published_years_names_only_official_days_off(year):
    """The years the 2024 rule already governs: every day it gives off (the
    13 statutory days and their 补假) was off in the State Council's notice."""
    seeded = {d: (kind, is_work) for d, kind, is_work in
              CalendarDay.objects.filter(year=year).values_list("date", "kind", "is_workday")}
    days_off = statutory.provisional_days_off(year)
    assert len({d for d, _ in statutory.statutory_days(year)}) >= 12
    for d, name in days_off:
        kind, is_work = seeded[d]
        assert not is_work, (d, name)
        if d.weekday() < 5:
            assert kind == "holiday", (d, name)


def test_tl1_provisional_2027_is_exactly_the_rule():
    ranges = [(n, a.isoformat(), b.isoformat()) for n, a, b in statutory.provisional_ranges(2027)]
    assert ranges == [
        ("元旦", "2027-01-01", "2027-01-01"),
        ("春节", "2027-02-05", "2027-02-10"),  # 除夕 2/5, 初一 2/6 (Sat), 初二 2/7 (Sun) → 补假 2/9, 2/10
        ("清明节", "2027-04-05", "2027-04-05"),
        ("劳动节", "2027-05-01", "2027-05-04"),  # 5/1 Sat, 5/2 Sun → 补假 5/3, 5/4
        ("端午节", "2027-06-09", "2027-06-09"),
        ("中秋节", "2027-09-15", "2027-09-15"),
        ("国庆节", "2027-10-01", "2027-10-05"),  # 10/2 Sat, 10/3 Sun → 补假 10/4, 10/5
    ]
    cal = get_calendar()
    assert cal.is_provisional(2027)
    off = {d for d, _ in statutory.provisional_days_off(2027)}
    assert sorted(d.isoformat() for d in off) == [
        "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10",
        "2027-04-05", "2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15",
        "2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05"]
    # No adjusted working days: a weekend is never a working day in a provisional year.
    assert cal.adjusted_workdays(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == []
    for d in _dates(dt.date(2027, 1, 1), dt.date(2027, 12, 31)):
        assert cal.is_workday(d) == (d.weekday() < 5 and d not in off), d
    assert cal.day_kind(dt.date(2027, 2, 9)) == ("holiday", "春节")


def test_tl1_provisional_2028_mid_autumn_on_national_day_gets_its_own_makeup_day():
    # 10/1 (Sunday) 国庆 → 补假; 10/3 国庆 and 中秋 on one date → a second 补假: 10/1–10/5.
    ranges = statutory.provisional_ranges(2028)
    assert ("国庆节、中秋节", dt.date(2028, 10, 1), dt.date(2028, 10, 5)) in ranges
    off = dict(statutory.provisional_days_off(2028))
    assert [d.day for d in off if d.month == 10] == [1, 2, 3, 4, 5]
    assert off[dt.date(2028, 10, 3)] == "国庆节、中秋节"
    assert get_calendar().is_workday(dt.date(2028, 10, 6))
    # 元旦 2028 is a Saturday: 补假 on Monday 1/3.
    assert ("元旦", dt.date(2028, 1, 1), dt.date(2028, 1, 3)) in ranges
    assert not get_calendar().is_workday(dt.date(2028, 1, 3))


def test_tl1_every_supported_year_has_thirteen_statutory_days():
    for year in range(statutory.RULE_SINCE, statutory.LAST_YEAR + 1):
        assert len(statutory.statutory_days(year)) == statutory.STATUTORY_COUNT, year
    with pytest.raises(statutory.UnsupportedYear):
        statutory.statutory_days(2100)
