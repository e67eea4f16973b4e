"""TL-1: an administrator enters a year's schedule day by day in the app:
a preview first, then the confirmation; it is used at once, journaled, and
refused to everybody else (404). The provisional year it replaces was
computed from the statutory rule, never refused."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from duban.journal.models import Event
from duban.timelimits import calendar as tl_calendar
from duban.timelimits import services
from duban.timelimits.calendar import get_calendar
from duban.timelimits.limits import compute_due, compute_due_at
from duban.timelimits.models import CalendarDay, CalendarYear
from duban.timelimits.services import HolidayRange
from duban.timelimits.signals import calendar_changed

from .conftest import confirm, local

NEW = reverse("timelimits:calendar_new")

# A schedule for 2027 as a notice would give it (test data: 2027-01-01 is a Friday).
SCHEDULE_2027 = [
    ("元旦", "2027-01-01", "2027-01-03"),
    ("春节", "2027-02-06", "2027-02-13"),
    ("清明节", "2027-04-03", "2027-04-05"),
    ("劳动节", "2027-05-01", "2027-05-05"),
    ("端午节", "2027-06-09", ""),
    ("中秋节", "2027-09-15", ""),
    ("国庆节", "2027-10-01", "2027-10-07"),
]
ADJUSTED_2027 = "2027-02-14、2027-02-20\n2027-04-25 2027-09-26, 2027-10-09"


def form_data(rows, adjusted="", year="2027", note="测试用2027年安排", extra_rows=2):
    data = {"year": year, "note": note, "adjusted_workdays": adjusted}
    rows = list(rows) + [("", "", "")] * extra_rows
    data.update({"h-TOTAL_FORMS": str(len(rows)), "h-INITIAL_FORMS": "0", "h-MIN_NUM_FORMS": "0",
                 "h-MAX_NUM_FORMS": "1000"})
    for i, (name, start, end) in enumerate(rows):
        data.update({f"h-{i}-name": name, f"h-{i}-start": start, f"h-{i}-end": end})
    return data


@pytest.fixture
def admin_client(client, county):
    client.force_login(county.sysadmin)
    return client


def enter(client, url, data, **extra):
    """Post the form, then confirm its preview."""
    return confirm(client, client.post(url, data), **extra)


def test_tl1_new_year_entered_in_the_app_is_used_at_once(admin_client, county, committed):
    # Before: 2027 is provisional (元旦 1/1 only, no 调休), never refused.
    before = compute_due(local(2026, 12, 28, 10), "7wd")
    assert before.at == local(2027, 1, 7, 23, 59, 59) and before.provisional
    assert compute_due_at(local(2027, 2, 5, 16), "1wd") == local(2027, 2, 11, 23, 59, 59)
    get_calendar()  # a cached calendar with 2027 provisional

    preview = admin_client.post(NEW, form_data(SCHEDULE_2027, ADJUSTED_2027))
    page = preview.content.decode()
    assert preview.status_code == 200 and "预览2027年节假日安排" in page
    assert "2027年2月6日（星期六）至2027年2月13日（星期六）" in page and "共8天" in page
    assert "2027年2月14日（星期日）" in page
    assert "暂定计算" in page  # it replaces the provisional computation
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing written yet

    r = confirm(admin_client, preview)
    assert r.status_code == 302, r.content.decode()
    assert r["Location"].startswith("/clocks/recomputations/")
    assert admin_client.get(r["Location"]).status_code == 200

    cy = CalendarYear.objects.get(year=2027)
    assert cy.source == "admin" and cy.entered_by == county.sysadmin
    assert CalendarDay.objects.filter(year=2027).count() == 365
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).kind == "adjusted_workday"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).name == "春节"
    assert CalendarDay.objects.get(date=dt.date(2027, 6, 9)).name == "端午节"

    # Used at once: 12/29, 12/30, 12/31, (元旦 1/1–1/3), 1/4, 1/5, 1/6, 1/7.
    due = compute_due(local(2026, 12, 28, 10), "7wd")
    assert due.at == local(2027, 1, 7, 23, 59, 59) and not due.provisional
    assert "元旦（2027年1月1日至3日，共3天）" in due.explanation and "暂定" not in due.explanation
    # Spring Festival 2/6–2/13, then the working Sunday 2/14.
    assert compute_due_at(local(2027, 2, 5, 16), "1wd") == local(2027, 2, 14, 23, 59, 59)
    # 10/8 Fri, then the working Saturday 10/9.
    assert compute_due_at(local(2027, 9, 30, 9), "2wd") == local(2027, 10, 9, 23, 59, 59)
    # 2028 is still provisional.
    assert compute_due(local(2027, 12, 28, 10), "5wd").provisional_years == [2028]

    # The month view shows it.
    page = admin_client.get(reverse("timelimits:calendar_year", args=[2027])).content.decode()
    assert "春节：2027年2月6日至2月13日，共8天" in page
    assert 'class="day-adjusted_workday"' in page
    assert "provisional-note" not in page and "2027年工作日历 <span" not in page


def test_tl1_year_entry_is_journaled_with_its_ranges(admin_client, county):
    enter(admin_client, NEW, form_data(SCHEDULE_2027, ADJUSTED_2027))
    e = Event.objects.get(action="timelimits.calendar.year_entered")
    assert e.actor_id == county.sysadmin.pk
    assert e.object_id == "2027"
    assert e.before is None and e.after["source"] == "admin"
    assert {"name": "春节", "start": "2027-02-06", "end": "2027-02-13"} in e.after["holidays"]
    assert {"name": "端午节", "start": "2027-06-09", "end": "2027-06-09"} in e.after["holidays"]
    assert e.after["adjusted_workdays"] == ["2027-02-14", "2027-02-20", "2027-04-25", "2027-09-26", "2027-10-09"]
    from duban.journal import chain

    assert chain.verify().ok


def test_tl1_editing_an_entered_year_replaces_its_days(admin_client, county):
    enter(admin_client, NEW, form_data(SCHEDULE_2027, ADJUSTED_2027))
    edit = reverse("timelimits:calendar_edit", args=[2027])
    page = admin_client.get(edit).content.decode()
    assert 'value="2027-02-06"' in page and "2027-02-14" in page

    # The notice is corrected: Spring Festival one day longer, 2/20 no longer a working Saturday.
    rows = [r if r[0] != "春节" else ("春节", "2027-02-06", "2027-02-14") for r in SCHEDULE_2027]
    preview = admin_client.post(edit, form_data(rows, "2027-04-25 2027-09-26 2027-10-09", note="更正"))
    page = preview.content.decode()
    assert "确认后将替换已录入的2027年节假日安排" in page
    assert "2027年2月14日（星期日）：工作日改为休息（春节）" in page
    assert "2027年2月20日（星期六）：工作日改为休息" in page
    r = confirm(admin_client, preview)
    assert r.status_code == 302, r.content.decode()
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).kind == "holiday"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 20)).kind == "rest"
    assert CalendarYear.objects.get(year=2027).revision == 2
    events = Event.objects.filter(action="timelimits.calendar.year_entered").order_by("seq")
    assert events.count() == 2
    assert events[1].before["adjusted_workdays"][0] == "2027-02-14"
    # Used at once in this process.
    assert compute_due_at(local(2027, 2, 5, 16), "1wd") == local(2027, 2, 15, 23, 59, 59)


def test_tl1_notice_reaching_into_december_of_the_year_before(admin_client):
    # Like the 2019 notice (元旦 2018-12-30 to 2019-01-01, 2018-12-29 a working Saturday).
    rows = [("元旦", "2026-12-31", "2027-01-03")] + SCHEDULE_2027[1:]
    r = enter(admin_client, NEW, form_data(rows, ADJUSTED_2027))
    assert r.status_code == 302, r.content.decode()
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 31)).kind == "holiday"
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 31)).year == 2026
    assert compute_due_at(local(2026, 12, 30, 10), "1wd") == local(2027, 1, 4, 23, 59, 59)
    # Corrected without the December day: 12/31 is a working Thursday again.
    r = enter(admin_client, reverse("timelimits:calendar_edit", args=[2027]), form_data(SCHEDULE_2027, ADJUSTED_2027))
    assert r.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 31)).kind == "workday"
    assert compute_due_at(local(2026, 12, 30, 10), "1wd") == local(2026, 12, 31, 23, 59, 59)


def test_tl1_reentering_a_year_keeps_the_next_years_december_days(county):
    services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2026, 12, 31), dt.date(2027, 1, 1))],
                        adjusted_workdays=[], by=county.sysadmin)
    ranges, adjusted = services.derive_schedule(2026)  # from the package rows
    services.enter_year(2026, holidays=ranges, adjusted_workdays=adjusted, by=county.sysadmin)
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 31)).kind == "holiday"
    assert CalendarDay.objects.filter(year=2026, is_workday=True).count() == 248 - 1


def test_tl1_derive_schedule_of_a_package_year_matches_the_2026_notice(db):
    ranges, adjusted = services.derive_schedule(2026)
    assert [(r.name, r.start.isoformat(), r.end.isoformat()) for r in ranges] == [
        ("元旦", "2026-01-01", "2026-01-03"),
        ("春节", "2026-02-15", "2026-02-23"),
        ("清明节", "2026-04-04", "2026-04-06"),
        ("劳动节", "2026-05-01", "2026-05-05"),
        ("端午节", "2026-06-19", "2026-06-21"),
        ("中秋节", "2026-09-25", "2026-09-27"),
        ("国庆节", "2026-10-01", "2026-10-07"),
    ]
    assert [d.isoformat() for d in adjusted] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    # 2019's notice reached back into December 2018.
    ranges, adjusted = services.derive_schedule(2019)
    assert (ranges[0].name, ranges[0].start, ranges[0].end) == ("元旦", dt.date(2018, 12, 30), dt.date(2019, 1, 1))
    assert adjusted[0] == dt.date(2018, 12, 29)


@pytest.mark.parametrize(
    ("rows", "adjusted", "message"),
    [
        ([("春节", "2027-02-13", "2027-02-06")], "", "结束日期不能早于开始日期"),
        ([("", "2027-02-06", "2027-02-13")], "", "请填写节日名称"),
        ([("春节", "2027-13-01", "")], "", "日期格式应为 2027-02-06"),
        ([], "", "请至少填写一个节假日"),
        ([("春节", "2027-02-06", "2027-02-13"), ("元宵", "2027-02-13", "2027-02-14")], "", "日期重叠"),
        ([("春节", "2028-02-06", "2028-02-13")], "", "不在2027年内"),
        ([("春节", "2027-02-06", "2027-02-13")], "2027-02-10", "是周一至周五"),
        ([("春节", "2027-02-06", "2027-02-13")], "2027-02-13", "不能同时是调休上班日"),
        ([("春节", "2027-02-06", "2027-02-13")], "二月十四", "不是有效日期"),
    ],
)
def test_tl1_bad_schedule_gets_a_chinese_message_and_writes_nothing(admin_client, rows, adjusted, message):
    r = admin_client.post(NEW, form_data(rows, adjusted))
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(year=2027).exists()
    assert not Event.objects.filter(action="timelimits.calendar.year_entered").exists()


def test_tl1_new_page_refuses_a_year_already_entered(admin_client):
    r = admin_client.post(NEW, form_data(SCHEDULE_2027, year="2026"))
    assert r.status_code == 200
    assert "2026年的日历已录入" in r.content.decode()
    assert CalendarYear.objects.get(year=2026).source == "package"


def test_tl1_new_page_starts_a_provisional_year_from_the_rule(admin_client):
    page = admin_client.get(NEW).content.decode()
    assert 'value="2027"' in page
    assert "已按《全国年节及纪念日放假办法》（2024年修订）预填2027年的暂定安排" in page
    for name in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
        assert f'value="{name}"' in page
    # The provisional Spring Festival 2/5–2/10 and National Day 10/1–10/5.
    assert 'value="2027-02-05"' in page and 'value="2027-02-10"' in page
    assert 'value="2027-10-05"' in page
    # A year outside the rule (none before 2025 is provisional) gets the names only.
    page = admin_client.get(NEW + "?year=2100").content.decode()
    assert 'value="2100"' in page and 'value="春节"' in page and "预填" not in page


@pytest.mark.parametrize("who", ["edu_user", "edu_head", "supervisor", "leader", "secadmin", "auditor"])
def test_tl1_only_the_system_administrator_may_enter_a_year(client, county, who):
    client.force_login(getattr(county, who))
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, form_data(SCHEDULE_2027, ADJUSTED_2027)).status_code == 404
    assert client.get(reverse("timelimits:calendar_edit", args=[2026])).status_code == 404
    assert client.get(reverse("timelimits:calendar_paste")).status_code == 404
    assert client.post(reverse("timelimits:calendar_paste"), {"text": "一、元旦：1月1日放假，共1天。"}).status_code == 404
    assert client.get(reverse("timelimits:calendar_import")).status_code == 404
    assert client.post(reverse("timelimits:calendar_confirm"), {"token": "x"}).status_code == 404
    assert not CalendarYear.objects.filter(year=2027).exists()
    # Looking at the official calendar is open to every signed-in user.
    assert client.get(reverse("timelimits:calendar_list")).status_code == 200
    assert client.get(reverse("timelimits:calendar_year", args=[2026])).status_code == 200
    assert client.get(reverse("timelimits:calendar_year", args=[2027])).status_code == 200


def test_tl1_a_forged_or_stale_confirmation_writes_nothing(admin_client):
    r = admin_client.post(reverse("timelimits:calendar_confirm"), {"token": "forged"}, follow=True)
    assert "预览已失效或内容不完整，请重新录入" in r.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert admin_client.get(reverse("timelimits:calendar_confirm")).status_code == 405


def test_tl1_anonymous_users_are_sent_to_login(client, db):
    r = client.get(NEW)
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_tl1_calendar_pages(admin_client):
    page = admin_client.get(reverse("timelimits:calendar_list")).content.decode()
    assert "2026年" in page and "2004年" in page
    assert "录入2027年节假日安排" in page
    # The next two years after the last official one, marked provisional with the rule.
    # (at least those two: up to next year when today lies later)
    rows = re.findall(r'<tr class="provisional-year">(.*?)</tr>', page, re.S)
    assert len(rows) >= 2
    assert "2028年" in rows[-2] and "2027年" in rows[-1]
    for row in rows:
        assert "暂定" in row and "按《全国年节及纪念日放假办法》（2024年修订）推算" in row and "录入正式安排" in row
    assert "/timelimits/calendar/paste/?year=2027" in rows[-1]
    page = admin_client.get(reverse("timelimits:calendar_year", args=[2026])).content.decode()
    assert "国庆节：2026年10月1日至10月7日，共7天" in page
    assert "10月10日（星期六）" in page
    page = admin_client.get(reverse("timelimits:calendar_year", args=[2027])).content.decode()
    assert "2027年工作日历" in page and "暂定" in page and "录入正式安排" in page
    assert "春节：2027年2月5日至2月10日，共6天" in page and "国庆节：2027年10月1日至10月5日，共5天" in page
    assert "调休上班日：无" in page
    page = admin_client.get(reverse("timelimits:calendar_year", args=[2028])).content.decode()
    assert "国庆节、中秋节：2028年10月1日至10月5日，共5天" in page
    assert admin_client.get(reverse("timelimits:calendar_year", args=[2100])).status_code == 404
    assert admin_client.get(reverse("timelimits:calendar_year", args=[2003])).status_code == 404


def test_tl1_others_see_provisional_years_without_the_entry_action(client, county):
    client.force_login(county.edu_user)
    page = client.get(reverse("timelimits:calendar_list")).content.decode()
    assert '<tr class="provisional-year">' in page
    assert ">录入正式安排</a>" not in page and "calendar/paste/" not in page
    page = client.get(reverse("timelimits:calendar_year", args=[2027])).content.decode()
    assert "请系统管理员录入" in page


def test_tl1_after_commit_recomputes_rule_clocks_and_sends_the_signal(county, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    import duban.clocks.services as clock_services

    calls, signals = [], []
    monkeypatch.setattr(clock_services, "recompute_rule_clocks", lambda reason, **kw: calls.append((reason, kw)))

    def receiver(sender, years, reason, **kw):
        signals.append((years, reason))

    calendar_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3))],
                                adjusted_workdays=[], by=county.sysadmin)
    finally:
        calendar_changed.disconnect(receiver)
    assert calls == [("2027年节假日安排已录入", {"years": [2027], "by": county.sysadmin})]
    assert signals == [([2027], "2027年节假日安排已录入")]


def test_tl1_failed_entry_leaves_no_stale_calendar(county):
    get_calendar()
    with pytest.raises(Exception, match="不在2027年内"):
        services.enter_year(2027, holidays=[HolidayRange("春节", dt.date(2028, 2, 1), dt.date(2028, 2, 3))],
                            adjusted_workdays=[], by=county.sysadmin)
    assert 2027 not in get_calendar().official_years and get_calendar().is_provisional(2027)


def test_tl1_other_processes_notice_a_new_year_within_the_recheck_interval(county, django_assert_num_queries):
    """Another process (e.g. the worker) has its own cached calendar: it
    uses it without any query until the recheck time, then sees the new
    version."""
    cal = get_calendar()
    assert cal.is_provisional(2027)
    # Written as by another process: no invalidation in this one.
    now = dt.datetime.now(dt.UTC)
    CalendarYear.objects.create(year=2027, source="admin", entered_at=now, updated_at=now)
    CalendarDay.objects.bulk_create([
        CalendarDay(date=dt.date(2027, 1, 1) + dt.timedelta(days=i), year=2027,
                    kind="workday" if (dt.date(2027, 1, 1) + dt.timedelta(days=i)).weekday() < 5 else "rest",
                    is_workday=(dt.date(2027, 1, 1) + dt.timedelta(days=i)).weekday() < 5)
        for i in range(365)
    ])
    with django_assert_num_queries(0):
        # Still the provisional 2027: 元旦 1/1, then the weekend.
        assert compute_due_at(local(2026, 12, 31, 10), "1wd") == local(2027, 1, 4, 23, 59, 59)
    tl_calendar._next_check = 0.0  # the recheck interval has passed
    assert compute_due_at(local(2026, 12, 31, 10), "1wd") == local(2027, 1, 1, 23, 59, 59)
    assert not get_calendar().is_provisional(2027)
