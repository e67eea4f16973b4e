"""TL-2: parsing and computing time limits on the official calendar.

Concrete cases come from the State Council's holiday notices:
- 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日，新华社全文）：
  元旦 1月1日至3日，1月4日（周日）上班；春节 2月15日至23日，2月14日（周六）、
  2月28日（周六）上班；中秋节 9月25日至27日；国庆节 10月1日至7日，9月20日（周日）、
  10月10日（周六）上班。
- 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）：
  春节 1月28日至2月4日，1月26日（周日）、2月8日（周六）上班；国庆节、中秋节
  10月1日至8日，9月28日（周日）、10月11日（周六）上班。
- 国务院办公厅关于2024年部分节假日安排的通知（2023年10月25日）：春节 2月10日至
  17日，2月4日（周日）、2月18日（周日）上班。
- 国务院办公厅关于2019年部分节假日安排的通知：元旦 2018年12月30日至2019年1月1日，
  2018年12月29日（周六）上班。
Every date used is also checked against the seeded rows (chinesecalendar
1.11.0), so a test fails loudly if the seed and the notice disagree.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from duban.timelimits.calendar import CalendarMissing
from duban.timelimits.limits import (
    Due,
    Limit,
    compute_due,
    compute_due_at,
    compute_warn_at,
    default_warn_at,
    parse_limit,
    parse_start,
)
from duban.timelimits.models import CalendarDay, CalendarYear

from .conftest import local

pytestmark = pytest.mark.django_db


def kind(d):
    return CalendarDay.objects.get(date=d).kind


# ---- parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15min", Limit(15, "min")),
        ("1h", Limit(1, "h")),
        ("7wd", Limit(7, "wd")),
        ("3d", Limit(3, "d")),
        ("2mo", Limit(2, "mo")),
        (" 7 WD ", Limit(7, "wd")),
        ("７ｗｄ", Limit(7, "wd")),
        ("7个工作日", Limit(7, "wd")),
        ("30分钟", Limit(30, "min")),
        ("2小时", Limit(2, "h")),
        ("3个月", Limit(3, "mo")),
    ],
)
def test_tl2_parse_limit_accepts_canonical_and_tolerant_forms(text, expected):
    assert parse_limit(text) == expected
    assert str(parse_limit(text)) == str(expected)


@pytest.mark.parametrize("text", ["", "7", "wd", "7x", "7m", "0wd", "-1d", "1.5h", "99999wd", "七个工作日"])
def test_tl2_parse_limit_refuses_bad_input_naming_it(text):
    with pytest.raises(ValidationError) as e:
        parse_limit(text)
    msg = e.value.messages[0]
    assert "时限" in msg
    if text.strip():
        assert text.strip() in msg


def test_tl2_limit_canonical_text_and_clock_time_flag():
    assert str(Limit(7, "wd")) == "7wd"
    assert Limit(15, "min").is_clock_time and Limit(2, "h").is_clock_time
    assert not Limit(7, "wd").is_clock_time and not Limit(2, "mo").is_clock_time
    assert Limit(7, "wd").label == "7个工作日"


def test_tl2_naive_start_is_rejected():
    with pytest.raises(ValueError):
        compute_due(dt.datetime(2026, 9, 30, 15, 0), "7wd")
    with pytest.raises(ValueError):
        compute_due_at(dt.datetime(2026, 9, 30, 15, 0), "1h")


def test_tl2_parse_start_forms():
    assert parse_start("2026-09-30 15:00") == local(2026, 9, 30, 15)
    assert parse_start("2026/9/30 15:00") == local(2026, 9, 30, 15)
    assert parse_start("2026-09-30T07:00:00Z") == local(2026, 9, 30, 15)
    # A '+' that a URL query turned into a space.
    assert parse_start("2026-09-30T15:00:00 08:00") == local(2026, 9, 30, 15)
    with pytest.raises(ValidationError, match="起算时间“明天”无法识别"):
        parse_start("明天")


# ---- working days across the notices ------------------------------------------------


def test_tl2_seven_working_days_cross_national_day_2026():
    # Notice for 2026: 国庆节 10月1日至7日; 10月10日（周六）上班.
    assert kind(dt.date(2026, 10, 1)) == kind(dt.date(2026, 10, 7)) == "holiday"
    assert kind(dt.date(2026, 10, 10)) == "adjusted_workday"
    due = compute_due(local(2026, 9, 30, 15), "7wd")
    # 10/8 Thu, 10/9 Fri, 10/10 Sat (adjusted), 10/12–10/15.
    assert due.at == local(2026, 10, 15, 23, 59, 59)
    assert due.at.isoformat() == "2026-10-15T23:59:59+08:00"
    assert due.explanation == (
        "自2026-09-30起算7个工作日（不含当日），跨越国庆节（10月1日至7日，共7天），"
        "遇调休上班日10月10日（星期六），截止于2026-10-15 23:59:59"
    )


def test_tl2_seven_working_days_cross_national_day_and_mid_autumn_2025():
    # Notice for 2025 (国办发明电〔2024〕12号): 10月1日至8日, 9月28日（周日）、10月11日（周六）上班.
    assert kind(dt.date(2025, 9, 28)) == kind(dt.date(2025, 10, 11)) == "adjusted_workday"
    due = compute_due(local(2025, 9, 26, 9), "7wd")
    # 9/28 Sun (adjusted), 9/29, 9/30, 10/9, 10/10, 10/11 Sat (adjusted), 10/13.
    assert due.at == local(2025, 10, 13, 23, 59, 59)
    assert "国庆节、中秋节（10月1日至8日，共8天）" in due.explanation
    assert "9月28日（星期日）、10月11日（星期六）" in due.explanation


def test_tl2_working_days_cross_spring_festival_2026_with_adjusted_saturdays():
    # Notice for 2026: 春节 2月15日至23日; 2月14日（周六）、2月28日（周六）上班.
    assert kind(dt.date(2026, 2, 14)) == kind(dt.date(2026, 2, 28)) == "adjusted_workday"
    assert compute_due_at(local(2026, 2, 13, 10), "1wd") == local(2026, 2, 14, 23, 59, 59)
    assert compute_due_at(local(2026, 2, 13, 10), "2wd") == local(2026, 2, 24, 23, 59, 59)
    # 2/24–2/27 and Saturday 2/28 make five.
    assert compute_due_at(local(2026, 2, 23, 10), "5wd") == local(2026, 2, 28, 23, 59, 59)


def test_tl2_working_days_cross_spring_festival_2024_with_adjusted_sundays():
    # Notice for 2024: 春节 2月10日至17日; 2月4日（周日）、2月18日（周日）上班.
    assert kind(dt.date(2024, 2, 4)) == kind(dt.date(2024, 2, 18)) == "adjusted_workday"
    assert compute_due_at(local(2024, 2, 3, 10), "1wd") == local(2024, 2, 4, 23, 59, 59)
    assert compute_due_at(local(2024, 2, 8, 10), "2wd") == local(2024, 2, 18, 23, 59, 59)


def test_tl2_working_days_cross_spring_festival_2025():
    # Notice for 2025: 春节 1月28日至2月4日; 1月26日（周日）、2月8日（周六）上班.
    due = compute_due(local(2025, 1, 27, 17), "3wd")
    # 2/5 Wed, 2/6 Thu, 2/7 Fri.
    assert due.at == local(2025, 2, 7, 23, 59, 59)
    assert "春节（1月28日至2月4日，共8天）" in due.explanation


def test_tl2_new_year_holiday_reaching_into_december_2018():
    # Notice for 2019: 元旦 2018年12月30日至2019年1月1日, 2018年12月29日（周六）上班.
    assert kind(dt.date(2018, 12, 29)) == "adjusted_workday"
    assert kind(dt.date(2018, 12, 31)) == "holiday"
    assert compute_due_at(local(2018, 12, 28, 10), "1wd") == local(2018, 12, 29, 23, 59, 59)
    assert compute_due_at(local(2018, 12, 28, 10), "2wd") == local(2019, 1, 2, 23, 59, 59)


def test_tl2_start_on_holiday_counts_from_next_working_day():
    assert compute_due_at(local(2026, 10, 3, 10), "1wd") == local(2026, 10, 8, 23, 59, 59)


@override_settings(DUBAN_WORKDAY_END="17:30")
def test_tl2_end_of_working_day_is_configurable():
    assert compute_due_at(local(2026, 9, 30, 15), "7wd") == local(2026, 10, 15, 17, 30)


# ---- calendar days and months (Civil Code arts. 201–203) ---------------------------


def test_tl2_calendar_days_roll_forward_over_national_day():
    due = compute_due(local(2026, 9, 30, 15), "3d")
    assert due.at == local(2026, 10, 8, 23, 59, 59)
    assert "期满日2026-10-03为法定节假日（国庆节），顺延至下一个工作日2026-10-08" in due.explanation


def test_tl2_calendar_days_without_roll_forward_end_on_the_holiday():
    due = compute_due(local(2026, 9, 30, 15), "3d", roll_forward=False)
    assert due.at == local(2026, 10, 3, 23, 59, 59)
    assert "不顺延" in due.explanation


def test_tl2_calendar_days_ending_on_adjusted_saturday_do_not_roll():
    # 2026-10-10 is a Saturday but a working day.
    assert compute_due_at(local(2026, 10, 7, 9), "3d") == local(2026, 10, 10, 23, 59, 59)


def test_tl2_calendar_days_ending_on_weekend_roll_to_monday():
    # 2026-11-21 is a Saturday.
    assert compute_due_at(local(2026, 11, 18, 9), "3d") == local(2026, 11, 23, 23, 59, 59)


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # No corresponding day: the month's last day (2026: 28 days; 2024: leap year).
        ((2026, 1, 31), "1mo", (2026, 2, 28)),  # a Saturday, but an adjusted working day
        ((2024, 1, 31), "1mo", (2024, 2, 29)),  # Thursday
        ((2025, 1, 31), "1mo", (2025, 2, 28)),  # Friday
        ((2026, 3, 31), "2mo", (2026, 6, 1)),  # 5/31 is a Sunday → Monday 6/1
        ((2026, 8, 31), "1mo", (2026, 9, 30)),
        ((2026, 7, 15), "3mo", (2026, 10, 15)),
        ((2026, 11, 30), "1mo", (2026, 12, 30)),
    ],
)
def test_tl2_months_end_on_corresponding_day_or_month_end(start, limit, due):
    assert compute_due_at(local(*start, 10), limit) == local(*due, 23, 59, 59)


def test_tl2_month_end_explained():
    due = compute_due(local(2026, 1, 31, 10), "1mo")
    assert "到期月无对应日，以月末日2026-02-28为期间最后一日" in due.explanation
    assert "2月28日（星期六）" in due.explanation  # the adjusted working Saturday


def test_tl2_months_roll_forward_off_keeps_the_rest_day():
    # 2026-05-31 is a Sunday.
    assert compute_due_at(local(2026, 3, 31, 10), "2mo", roll_forward=False) == local(2026, 5, 31, 23, 59, 59)


def test_tl2_month_limit_landing_in_spring_festival_rolls_past_it():
    # 2026-01-16 + 1mo = 2026-02-16, inside 春节 (2月15日至23日) → 2月24日.
    assert compute_due_at(local(2026, 1, 16, 10), "1mo") == local(2026, 2, 24, 23, 59, 59)


# ---- clock time -------------------------------------------------------------------


def test_tl2_minutes_and_hours_are_clock_time_even_on_holidays():
    start = local(2026, 10, 1, 23, 50)  # National Day, late evening
    assert compute_due_at(start, "15min") == local(2026, 10, 2, 0, 5)
    assert compute_due_at(start, "2h") == local(2026, 10, 2, 1, 50)
    due = compute_due(start, "30min")
    assert due.explanation.startswith("自2026-10-01 23:50:00起算30分钟（按自然时间连续计算")


def test_tl2_clock_time_needs_no_calendar():
    # 2100 is beyond the calendar, but an emergency does not wait for one.
    assert compute_due_at(local(2100, 3, 1, 9), "1h") == local(2100, 3, 1, 10)


def test_tl2_due_is_aware_in_shanghai_from_a_utc_start():
    start = dt.datetime(2026, 9, 30, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai
    at = compute_due_at(start, "7wd")
    assert at.utcoffset() == dt.timedelta(hours=8)
    assert at == local(2026, 10, 15, 23, 59, 59)


# ---- provisional and refused years (TL-1) ---------------------------------------------


def test_tl1_a_year_without_notice_is_provisional_never_refused():
    assert not CalendarYear.objects.filter(year=2027).exists()
    due = compute_due(local(2026, 12, 28, 10), "7wd")
    # 12/29, 12/30, 12/31, (元旦 1/1 provisional), 1/4, 1/5, 1/6, 1/7.
    assert due.at == local(2027, 1, 7, 23, 59, 59)
    assert due.provisional and due.provisional_years == [2027]
    assert due.explanation.endswith(
        "暂定：2027年节假日安排国务院尚未公布，按《全国年节及纪念日放假办法》（2024年修订）的法定节假日及补假计算"
        "（不含调休），公布后自动校正")
    # Never silently Monday to Friday: the provisional Spring Festival is off.
    assert compute_due_at(local(2027, 2, 4, 10), "1wd") == local(2027, 2, 11, 23, 59, 59)


def test_tl1_official_deadlines_carry_no_mark():
    due = compute_due(local(2026, 9, 30, 15), "7wd")
    assert not due.provisional and due.provisional_years == []
    assert "暂定" not in due.explanation
    # Clock time never consults the calendar: never provisional.
    assert not compute_due(local(2027, 3, 1, 9), "2h").provisional


@pytest.mark.parametrize(("start", "limit", "year"), [
    ((2099, 12, 28), "7wd", 2100),
    ((2099, 12, 30), "3d", 2100),
    ((2099, 12, 15), "1mo", 2100),
    ((2100, 1, 5), "1wd", 2100),
    ((2003, 6, 1), "1wd", 2003),
    ((2003, 11, 15), "1mo", 2003),
])
def test_tl1_years_outside_the_computation_are_refused_naming_the_year(start, limit, year):
    with pytest.raises(CalendarMissing) as e:
        compute_due_at(local(*start, 10), limit)
    assert e.value.year == year
    assert e.value.messages == [f"{year}年不在工作日历的计算范围内（2004年至2099年），无法计算该时限"]
    assert isinstance(e.value, ValidationError)


def test_tl1_last_supported_days_still_compute():
    due = compute_due(local(2099, 12, 28, 10), "3wd")
    assert due.at == local(2099, 12, 31, 23, 59, 59)
    assert due.provisional_years == [2099]


def test_tl1_a_gap_year_before_the_rule_is_refused(cal):
    # 2024 (before the 2024 rule's first year 2025) loses its official schedule.
    CalendarYear.objects.filter(year=2024).delete()
    from duban.timelimits.calendar import invalidate

    invalidate()
    with pytest.raises(CalendarMissing) as e:
        compute_due_at(local(2023, 12, 28, 10), "5wd")
    assert e.value.year == 2024
    assert e.value.messages == ["2024年节假日安排尚未录入，无法计算该时限"]


def test_tl1_a_gap_year_of_the_rule_is_provisional(cal):
    # 2025 (governed by the rule) without its row is computed, not refused.
    CalendarYear.objects.filter(year=2025).delete()
    from duban.timelimits.calendar import get_calendar, invalidate

    invalidate()
    cal = get_calendar()
    assert cal.is_provisional(2025) and not cal.is_provisional(2024)
    due = compute_due(local(2024, 12, 30, 10), "5wd")
    assert due.provisional_years == [2025]


# ---- the Due object -------------------------------------------------------------------


def test_tl2_due_is_a_frozen_dataclass_with_lazy_explanation():
    due = compute_due(local(2026, 9, 30, 15), "7wd")
    assert isinstance(due, Due)
    with pytest.raises(AttributeError):
        due.at = local(2026, 1, 1)
    assert due.explanation is due.explanation  # computed once
    assert compute_due_at(local(2026, 9, 30, 15), "7wd") == due.at


# ---- warning points (TL-4 defaults) -----------------------------------------------------


def test_tl4_default_warning_one_working_day_before_a_working_day_deadline():
    start = local(2026, 9, 30, 15)
    due = compute_due_at(start, "7wd")
    assert default_warn_at(start, "7wd", due) == local(2026, 10, 14, 23, 59, 59)
    # Across the holiday: the working day before 10/8 is 9/30.
    due = compute_due_at(start, "1wd")
    assert due == local(2026, 10, 8, 23, 59, 59)
    assert default_warn_at(start, "1wd", due) == local(2026, 9, 30, 23, 59, 59)


def test_tl4_default_warning_never_before_start():
    start = local(2026, 10, 3, 10)  # a holiday
    due = compute_due_at(start, "1wd")  # 10/8
    assert default_warn_at(start, "1wd", due) == start


@pytest.mark.parametrize(("limit", "minutes"), [("15min", 10), ("30min", 20), ("1h", 40), ("2h", 80)])
def test_tl4_default_warning_for_short_limits_is_two_thirds(limit, minutes):
    start = local(2026, 10, 1, 8)
    due = compute_due_at(start, limit)
    assert default_warn_at(start, limit, due) == start + dt.timedelta(minutes=minutes)


def test_tl4_default_warning_one_calendar_day_before_days_and_months():
    start = local(2026, 7, 15, 10)
    due = compute_due_at(start, "3mo")
    assert default_warn_at(start, "3mo", due) == local(2026, 10, 14, 23, 59, 59)


def test_tl4_explicit_warning_point():
    start = local(2026, 9, 30, 15)
    due = compute_due_at(start, "7wd")
    assert compute_warn_at(start, "7wd", due, "2wd") == local(2026, 10, 13, 23, 59, 59)
    assert compute_warn_at(start, "7wd", due, "") == default_warn_at(start, "7wd", due)
    start = local(2026, 10, 1, 8)
    assert compute_warn_at(start, "2h", compute_due_at(start, "2h"), "30min") == local(2026, 10, 1, 9, 30)


# ---- working time (used by clocks for pauses) --------------------------------------------


def test_tl4_working_seconds_of_a_pause_over_a_holiday_is_zero(cal):
    assert cal.working_seconds_between(local(2026, 10, 1, 9), local(2026, 10, 7, 18)) == 0
    # 9/30 12:00 → 10/8 12:00: half of 9/30 and half of 10/8.
    assert cal.working_seconds_between(local(2026, 9, 30, 12), local(2026, 10, 8, 12)) == 86400


def test_tl4_add_working_seconds_skips_non_working_days(cal):
    assert cal.add_working_seconds(local(2026, 9, 30, 12), 86400) == local(2026, 10, 8, 12)
    assert cal.add_working_seconds(local(2026, 10, 15, 23, 59, 59), 1) == local(2026, 10, 16, 0, 0)
    # Exactly to the end of Friday 10/9: continues on Saturday 10/10 (adjusted working day).
    assert cal.add_working_seconds(local(2026, 10, 9, 23, 0), 3600) == local(2026, 10, 10, 0, 0)
    # From a holiday: starts at the next working day.
    assert cal.add_working_seconds(local(2026, 10, 3, 10), 3600) == local(2026, 10, 8, 1, 0)
    assert cal.add_working_seconds(local(2026, 10, 3, 10), 0) == local(2026, 10, 3, 10)


def test_tl1_calendar_methods(cal):
    assert cal.is_workday(dt.date(2026, 10, 10))
    assert not cal.is_workday(dt.date(2026, 10, 11))
    assert cal.next_workday(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)
    assert cal.next_workday(dt.date(2026, 10, 8)) == dt.date(2026, 10, 8)
    assert cal.previous_workday(dt.date(2026, 10, 8)) == dt.date(2026, 9, 30)
    assert cal.add_workdays(dt.date(2026, 10, 8), 0) == dt.date(2026, 10, 8)
    assert cal.workdays_between(dt.date(2026, 9, 30), dt.date(2026, 10, 15)) == 7
    assert cal.day_kind(dt.date(2026, 10, 1)) == ("holiday", "国庆节")
    assert cal.day_kind(dt.date(2026, 10, 10)) == ("adjusted_workday", "国庆节")
    assert cal.is_workday(dt.date(2027, 1, 4))
    assert cal.day_kind(dt.date(2027, 1, 1)) == ("holiday", "元旦")
    with pytest.raises(CalendarMissing):
        cal.is_workday(dt.date(2100, 1, 4))
    assert 2004 in cal.official_years and 2026 in cal.official_years and 2027 not in cal.official_years
    assert cal.is_provisional(2027) and cal.is_provisional(2099) and not cal.is_provisional(2026)
    assert cal.bounds == (2004, 2099)
    assert cal.provisional_years_between(dt.date(2026, 12, 1), dt.date(2028, 1, 3)) == [2027, 2028]


def test_tl1_seeded_calendar_is_complete():
    assert CalendarYear.objects.filter(source="package").count() == 23
    assert CalendarDay.objects.count() == sum(366 if y % 4 == 0 else 365 for y in range(2004, 2027))
    # 2026: 248 working days (365 − 104 weekend days − 19 holiday weekdays + 6 adjusted days).
    assert CalendarDay.objects.filter(year=2026, is_workday=True).count() == 248
