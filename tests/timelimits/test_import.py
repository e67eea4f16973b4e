"""TL-1: a year's schedule imported from an iCalendar (.ics) or JSON file
(our own form and holiday-cn's), previewed, then confirmed; bad files get a
clear Chinese message and nothing is written. The files are built and read
back for real (icalendar 7.3.0, json)."""

import datetime as dt
import json

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.timelimits.importers import holiday_name, parse_schedule_file
from duban.timelimits.models import CalendarDay, CalendarYear

from .conftest import confirm

pytestmark = pytest.mark.django_db

IMPORT = reverse("timelimits:calendar_import")

OWN_2027 = {
    "year": 2027,
    "holidays": [
        {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
        {"name": "春节", "start": "2027-02-06", "end": "2027-02-13"},
        {"name": "端午节", "start": "2027-06-09"},
    ],
    "adjusted_workdays": ["2027-02-20"],
}


def holiday_cn_2027():
    days = [{"name": "元旦", "date": f"2027-01-0{d}", "isOffDay": True} for d in (1, 2, 3)]
    days += [{"name": "春节", "date": f"2027-02-{d:02d}", "isOffDay": True} for d in range(6, 14)]
    days += [{"name": "春节", "date": "2027-02-20", "isOffDay": False}]
    return {"$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
            "year": 2027, "papers": [], "days": days}


def ics(*events) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//测试//节假日//CN")
    cal.add("version", "2.0")
    for i, (summary, start, end) in enumerate(events):
        ev = icalendar.Event()
        ev.add("uid", f"holiday-{i}@test")
        ev.add("summary", summary)
        ev.add("dtstart", start)
        if end is not None:
            ev.add("dtend", end)
        cal.add_component(ev)
    return cal.to_ical()


def ranges(schedule):
    return [(r.name, r.start.isoformat(), r.end.isoformat()) for r in schedule.holidays]


def test_tl1_our_json_form():
    s = parse_schedule_file(json.dumps(OWN_2027, ensure_ascii=False).encode(), "2027.json")
    assert s.year == 2027 and s.method == "json"
    assert ranges(s) == [("元旦", "2027-01-01", "2027-01-03"), ("春节", "2027-02-06", "2027-02-13"),
                         ("端午节", "2027-06-09", "2027-06-09")]
    assert s.adjusted_workdays == [dt.date(2027, 2, 20)]


def test_tl1_holiday_cn_json_form():
    s = parse_schedule_file(json.dumps(holiday_cn_2027(), ensure_ascii=False).encode(), "2027.json")
    assert ranges(s) == [("元旦", "2027-01-01", "2027-01-03"), ("春节", "2027-02-06", "2027-02-13")]
    assert s.adjusted_workdays == [dt.date(2027, 2, 20)]


def test_tl1_holiday_cn_file_with_the_december_before():
    # holiday-cn's 2019 file: 元旦 from 2018-12-30, 2018-12-29 a working Saturday.
    data = {"year": 2019, "days": [
        {"name": "元旦", "date": "2018-12-29", "isOffDay": False},
        {"name": "元旦", "date": "2018-12-30", "isOffDay": True},
        {"name": "元旦", "date": "2018-12-31", "isOffDay": True},
        {"name": "元旦", "date": "2019-01-01", "isOffDay": True},
    ]}
    s = parse_schedule_file(json.dumps(data).encode(), "2019.json")
    assert ranges(s) == [("元旦", "2018-12-30", "2019-01-01")]
    assert s.adjusted_workdays == [dt.date(2018, 12, 29)]


def test_tl1_icalendar_all_day_events():
    data = ics(("元旦（休）", dt.date(2027, 1, 1), dt.date(2027, 1, 4)),
               ("春节 放假", dt.date(2027, 2, 6), dt.date(2027, 2, 14)),
               ("春节补班", dt.date(2027, 2, 20), None),
               ("国庆节假期 第1天/共7天", dt.date(2027, 10, 1), dt.date(2027, 10, 8)),
               ("上班", dt.date(2027, 10, 9), dt.date(2027, 10, 10)),
               # Another year's events in the same feed are left out.
               ("元旦(休)", dt.date(2028, 1, 1), dt.date(2028, 1, 2)))
    s = parse_schedule_file(data, "holidays.ics", 2027)
    assert s.method == "ics"
    assert ranges(s) == [("元旦", "2027-01-01", "2027-01-03"), ("春节", "2027-02-06", "2027-02-13"),
                         ("国庆节", "2027-10-01", "2027-10-07")]
    assert s.adjusted_workdays == [dt.date(2027, 2, 20), dt.date(2027, 10, 9)]
    # Told by its content when the name says nothing.
    assert parse_schedule_file(data, "download", 2027).holidays == s.holidays


@pytest.mark.parametrize(("summary", "name"), [
    ("春节（休）", "春节"), ("春节 (休)", "春节"), ("国庆节假期 第3天/共7天", "国庆节"), ("中秋节放假", "中秋节"),
    ("国庆节、中秋节 休", "国庆节、中秋节"), ("元旦", "元旦"),
])
def test_tl1_icalendar_summaries_are_cleaned_to_the_holidays_name(summary, name):
    assert holiday_name(summary) == name


@pytest.mark.parametrize(("data", "filename", "year", "message"), [
    (b"{\"year\": 2027, \"holidays\": [", "a.json", None, "JSON 格式有误（第1行第"),
    (b"[1, 2]", "a.json", None, "JSON 文件的内容应为一个对象"),
    (b"{\"year\": 2027}", "a.json", None, "无法识别的 JSON 内容"),
    (json.dumps({"year": 2027, "holidays": [{"start": "2027-01-01"}]}).encode(), "a.json", None,
     "holidays 第1项缺少节日名称（name）"),
    (json.dumps({"year": 2027, "holidays": [{"name": "春节", "start": "2027-02-30"}]}).encode(), "a.json", None,
     "holidays 第1项（春节）的日期“2027-02-30”无效，应为 2027-02-06 这样的日期"),
    (json.dumps({"year": 2027, "holidays": [], "adjusted_workdays": ["二月二十日"]}).encode(), "a.json", None,
     "adjusted_workdays 第1项的日期“二月二十日”无效"),
    (json.dumps({"year": 2026, "holidays": []}).encode(), "a.json", 2027, "文件是2026年的节假日安排，与所选的2027年不一致"),
    (json.dumps({"holidays": []}).encode(), "a.json", None, "文件未写明年份，请选择年份"),
    (json.dumps({"year": 2027, "days": [{"date": "2027-01-01"}]}).encode(), "a.json", None,
     "days 第1项应含 date 和 isOffDay"),
    (json.dumps({"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": "是"}]}).encode(), "a.json", None,
     "days 第1项的 isOffDay 应为 true 或 false"),
    (json.dumps({"year": 2027, "days": [{"name": "元旦", "date": "2028-01-01", "isOffDay": True}]}).encode(),
     "a.json", None, "holiday-cn 文件中没有2027年的节假日安排"),
    (b"BEGIN:VCALENDAR\nhello\nEND:VCALENDAR", "a.ics", 2027, "iCalendar 文件无法读取"),
    (ics(("春节", dt.datetime(2027, 2, 6, 9), dt.datetime(2027, 2, 6, 18))), "a.ics", 2027,
     "第1个日程“春节”不是全天日程"),
    (ics(("（休）", dt.date(2027, 2, 6), None)), "a.ics", 2027, "第1个日程“（休）”没有节日名称"),
    (ics(("元旦", dt.date(2027, 1, 1), None), ("元旦", dt.date(2028, 1, 1), None)), "a.ics", None,
     "iCalendar 文件含2027年、2028年的安排，请选择要录入的年份"),
    (b"\xff\xfe\x00garbage" * 3, "a.ics", None, "文件无法读取：请使用 UTF-8 编码的文本文件"),
    (b"hello", "notes.txt", None, "无法识别的文件类型：请上传 iCalendar（.ics）或 JSON（.json）文件"),
    (b"{" + b" " * (1024 * 1024) + b"}", "big.json", None, "文件过大"),
])
def test_tl1_a_bad_file_gets_a_clear_chinese_message(data, filename, year, message):
    with pytest.raises(ValidationError) as e:
        parse_schedule_file(data, filename, year)
    assert e.value.messages[0].startswith(message), e.value.messages


# ---- the import page ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, county):
    client.force_login(county.sysadmin)
    return client


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_tl1_import_page_previews_then_enters_the_file(admin_client, committed):
    preview = admin_client.post(IMPORT, {"year": "2027", "file": upload("2027.ics", ics(
        ("元旦（休）", dt.date(2027, 1, 1), dt.date(2027, 1, 4)),
        ("春节（休）", dt.date(2027, 2, 6), dt.date(2027, 2, 14)),
        ("补班", dt.date(2027, 2, 20), None)))})
    page = preview.content.decode()
    assert preview.status_code == 200 and "来源：导入 iCalendar 文件" in page
    assert "2027年2月6日（星期六）至2027年2月13日（星期六）" in page and "2027年2月20日（星期六）" in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    r = confirm(admin_client, preview, note="按2027年通知导入")
    assert r.status_code == 302
    assert CalendarYear.objects.get(year=2027).note == "按2027年通知导入"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 12)).kind == "holiday"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 20)).kind == "adjusted_workday"


def test_tl1_import_page_shows_the_files_problem_and_writes_nothing(admin_client):
    r = admin_client.post(IMPORT, {"year": "2027", "file": upload("bad.json", b"{\"year\": 2027, ")})
    assert r.status_code == 200 and "JSON 格式有误" in r.content.decode()
    r = admin_client.post(IMPORT, {"year": "2027"})
    assert "请选择要导入的文件" in r.content.decode()
    # A schedule the service refuses (2/20 inside the holidays and working at once).
    data = json.dumps({"year": 2027, "holidays": [{"name": "春节", "start": "2027-02-06", "end": "2027-02-21"}],
                       "adjusted_workdays": ["2027-02-20"]}).encode()
    r = admin_client.post(IMPORT, {"year": "2027", "file": upload("x.json", data)})
    assert "2027年2月20日已列为“春节”假期，不能同时是调休上班日" in r.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
