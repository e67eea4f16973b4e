"""TL-1: the State Council's notice, pasted as text, becomes the year's
schedule (duban.timelimits.notice); the paste page previews it before the
administrator confirms.

The 2025 and 2026 texts are those of the official notices (国办发明电〔2024〕
12号 of 12 November 2024; the 2026 notice of 4 November 2025, 新华社全文),
and what they give is compared with the seed's day rows (chinesecalendar).
The 2019 and 2023 items show the older forms (years written out, 星期六,
与周末连休, 共1天, 中秋节、国庆节)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from duban.journal.models import Event
from duban.timelimits.models import CalendarDay, CalendarYear
from duban.timelimits.notice import cn_number, parse_notice

from .conftest import confirm

pytestmark = pytest.mark.django_db

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经党中央、国务院批准，根据2024年11月修订的《全国年节及纪念日放假办法》，自2025年1月1日起，全体公民放假的假日增加2天，其中春节、劳动节各增加1天。据此对放假调休原则作进一步优化完善，除个别特殊情形外，春节自农历除夕起放假调休8天，国庆节自10月1日起放假调休7天，劳动节放假调休5天，元旦、清明节、端午节、中秋节分别放假调休或连休3天（如逢周三则只在当日放假），国庆节放假如逢中秋节则合并放假8天。
　　按照上述原则，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周三）放假1天，不调休。
　　二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
　　三、清明节：4月4日（周五）至6日（周日）放假，共3天。
　　四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
　　五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
　　六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2024年11月12日
"""

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
　　二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
　　三、清明节：4月4日（周六）至6日（周一）放假，共3天。
　　四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
　　五、端午节：6月19日（周五）至21日（周日）放假，共3天。
　　六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
　　七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
　　鼓励单位和个人结合落实带薪年休假等制度，实际形成较长假期，推动错峰出行。节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2025年11月4日
"""

ITEMS_2019 = """一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。
二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。
三、清明节：4月5日放假，与周末连休。
四、劳动节：5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。
五、端午节：6月7日放假，与周末连休。
六、中秋节：9月13日放假，与周末连休。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。"""

ITEMS_2023 = """一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（周六）、1月29日（周日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（周日）、5月6日（周六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（周日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（周六）、10月8日（周日）上班。"""

# A 2027 notice as it might come (test data): it differs from the provisional
# computation (春节 2/5–2/10, no 调休): 春节 2/6–2/13 and 2/20 a working Saturday.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（农历正月初一、周六）至13日（农历正月初八、周六）放假调休，共8天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天，不调休。
六、中秋节：9月15日（周三）放假1天，不调休。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。"""


def days_of(schedule):
    off = set()
    for r in schedule.holidays:
        d = r.start
        while d <= r.end:
            off.add(d)
            d += dt.timedelta(days=1)
    return off, set(schedule.adjusted_workdays)


def seeded(first, last):
    rows = CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind")
    return ({d for d, k in rows if k == "holiday"}, {d for d, k in rows if k == "adjusted_workday"})


@pytest.mark.parametrize(("text", "year"), [(NOTICE_2025, 2025), (NOTICE_2026, 2026)])
def test_tl1_the_real_notices_give_the_seeds_days(text, year):
    parsed = parse_notice(text)
    s = parsed.schedule
    assert s.year == year and s.method == "notice"
    assert days_of(s) == seeded(dt.date(year, 1, 1), dt.date(year, 12, 31))
    # Every day of the year: the same working days as the seed.
    off, adjusted = days_of(s)
    for d, is_work in CalendarDay.objects.filter(year=year).values_list("date", "is_workday"):
        assert is_work == ((d.weekday() < 5 and d not in off) or d in adjusted), d
    # The preamble, the encouragement and the signature are not schedule.
    assert not any("放假" in x for x in parsed.ignored)


def test_tl1_the_2025_notice_read_item_by_item():
    parsed = parse_notice(NOTICE_2025, 2025)
    assert [(i.name, [(r.start.isoformat(), r.end.isoformat()) for r in i.ranges],
             [d.isoformat() for d in i.adjusted_workdays]) for i in parsed.items] == [
        ("元旦", [("2025-01-01", "2025-01-01")], []),
        ("春节", [("2025-01-28", "2025-02-04")], ["2025-01-26", "2025-02-08"]),
        ("清明节", [("2025-04-04", "2025-04-06")], []),
        ("劳动节", [("2025-05-01", "2025-05-05")], ["2025-04-27"]),
        ("端午节", [("2025-05-31", "2025-06-02")], []),
        ("国庆节、中秋节", [("2025-10-01", "2025-10-08")], ["2025-09-28", "2025-10-11"]),
    ]
    assert parsed.schedule.note == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"


@pytest.mark.parametrize(("text", "year"), [(ITEMS_2019, 2019), (ITEMS_2023, 2023)])
def test_tl1_older_forms_years_written_out_weekend_joined_and_one_day(text, year):
    s = parse_notice(text, year).schedule
    # The notice's days include the December before (元旦 from 2018-12-30 / 2022-12-31).
    assert days_of(s) == seeded(dt.date(year - 1, 12, 20), dt.date(year, 12, 19))
    if year == 2019:
        assert s.holidays[0].start == dt.date(2018, 12, 30) and s.adjusted_workdays[0] == dt.date(2018, 12, 29)
        # “4月5日放假，与周末连休”: Friday 4/5 with the weekend after it.
        assert ("清明节", dt.date(2019, 4, 5), dt.date(2019, 4, 7)) in [(r.name, r.start, r.end) for r in s.holidays]
    else:
        assert ("中秋节、国庆节", dt.date(2023, 9, 29), dt.date(2023, 10, 6)) in [
            (r.name, r.start, r.end) for r in s.holidays]
        assert ("清明节", dt.date(2023, 4, 5), dt.date(2023, 4, 5)) in [(r.name, r.start, r.end) for r in s.holidays]


def test_tl1_one_line_paste_and_full_width_digits():
    text = ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。二、春节：２月１５日（农历腊月二十八、周日）"
            "至２３日（农历正月初七、周一）放假调休，共９天。2月14日（周六）、2月28日（周六）上班。")
    s = parse_notice(text, 2026).schedule
    assert [(r.name, r.start, r.end) for r in s.holidays] == [
        ("元旦", dt.date(2026, 1, 1), dt.date(2026, 1, 3)), ("春节", dt.date(2026, 2, 15), dt.date(2026, 2, 23))]
    assert s.adjusted_workdays == [dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28)]


def messages_of(text, year=None):
    with pytest.raises(ValidationError) as e:
        parse_notice(text, year)
    return e.value.messages


@pytest.mark.parametrize(("text", "message"), [
    # The weekday in brackets must match the date.
    ("一、元旦：1月1日（周五）至3日（周六）放假调休，共3天。",
     "第一句“一、元旦：1月1日（周五）至3日（周六）放假调休，共3天”无法识别：2026年1月1日是星期四，不是周五"),
    ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（星期一）上班。",
     "第二句“1月4日（星期一）上班”无法识别：2026年1月4日是星期日，不是星期一"),
    # 共N天 must match the count.
    ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。二、春节：2月15日至23日放假调休，共8天。",
     "第二句“二、春节：2月15日至23日放假调休，共8天”无法识别：写明共8天，但2026年2月15日至2月23日是9天"),
    # An unreadable sentence is named.
    ("一、元旦：1月1日放假，共1天。二、春节：2月15日至23日放假，共9天。三、清明节：四月四日至六日放假，共3天。",
     "第三句“三、清明节：四月四日至六日放假，共3天”无法识别：放假日期应写成“1月1日至3日”或“4月5日”"),
    ("一、元旦：1月1日放假，共1天。二、春节：2月15日至23日放假，共9天。三、清明节：4月4日至6日休息。",
     "第三句“三、清明节：4月4日至6日休息”无法识别：“清明节”一项未写明放假日期"),
    ("一、元旦：1月1日放假，大约一天。", "第一句“一、元旦：1月1日放假，大约一天”无法识别：“大约一天”的含义不明"),
    ("一、春节：2月30日放假，共1天。", "第一句“一、春节：2月30日放假，共1天”无法识别：没有2026年2月30日这一天"),
    ("一、春节：2月15日（周日）、16日上班", "第一句“一、春节：2月15日（周日）、16日上班”无法识别：“春节”一项未写明放假日期"),
    ("一、春节：2月15日至23日放假，共9天。2月14日和其他周六上班。",
     "第二句“2月14日和其他周六上班”无法识别：调休上班日应写成“2月14日（周六）、2月28日（周六）上班”"),
])
def test_tl1_a_bad_notice_is_refused_naming_the_sentence(text, message):
    assert message in messages_of(text, 2026)


def test_tl1_every_bad_sentence_is_reported_at_once():
    found = messages_of("一、元旦：1月1日（周五）放假，共1天。二、春节：2月15日至23日放假，共8天。", 2026)
    assert len(found) == 2 and found[0].startswith("第一句") and found[1].startswith("第二句")


@pytest.mark.parametrize(("text", "year", "message"), [
    ("", 2027, "请粘贴通知正文"),
    ("国务院办公厅关于2027年部分节假日安排的通知。放假安排另行通知。", 2027, "未找到放假安排"),
    (NOTICE_2026, 2027, "通知写的是2026年的节假日安排，与所选的2027年不一致"),
    ("一、元旦：1月1日放假，共1天。", None, "未能从通知中识别年份，请选择年份"),
])
def test_tl1_a_notice_without_schedule_or_with_the_wrong_year_is_refused(text, year, message):
    found = messages_of(text, year)
    assert len(found) == 1 and found[0].startswith(message)


def test_tl1_chinese_sentence_numbers():
    assert [cn_number(n) for n in (1, 3, 10, 12, 20, 25)] == ["一", "三", "十", "十二", "二十", "二十五"]


# ---- the paste page --------------------------------------------------------------------------

PASTE = reverse("timelimits:calendar_paste")


@pytest.fixture
def admin_client(client, county):
    client.force_login(county.sysadmin)
    return client


def test_tl1_paste_page_previews_then_enters_the_notice(admin_client, county, committed):
    page = admin_client.get(PASTE).content.decode()
    assert 'value="2027"' in page and "粘贴通知录入节假日安排" in page
    preview = admin_client.post(PASTE, {"year": "2027", "text": NOTICE_2027})
    page = preview.content.decode()
    assert preview.status_code == 200 and "预览2027年节假日安排" in page
    assert "来源：粘贴通知" in page
    assert "2027年2月6日（星期六）至2027年2月13日（星期六）" in page
    assert "2027年2月20日（星期六）" in page and "2027年10月9日（星期六）" in page
    # Against the provisional computation: 2/5 becomes a working Friday, 2/11–2/12 rest, 2/20 working.
    assert "2027年2月5日（星期五）：休息日改为上班" in page
    assert "2027年2月11日（星期四）：工作日改为休息（春节）" in page
    assert "2027年2月20日（星期六）：休息日改为上班" in page
    assert "确认后将有<strong>0</strong>项按规则计算的期限调整" in page
    assert 'value="国务院办公厅关于2027年部分节假日安排的通知"' in page
    assert not CalendarYear.objects.filter(year=2027).exists()

    r = confirm(admin_client, preview, note="国办发明电〔2026〕×号")
    assert r.status_code == 302 and r["Location"].startswith("/clocks/recomputations/")
    cy = CalendarYear.objects.get(year=2027)
    assert cy.source == "admin" and cy.note == "国办发明电〔2026〕×号"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 20)).kind == "adjusted_workday"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 5)).is_workday
    e = Event.objects.get(action="timelimits.calendar.year_entered")
    assert e.actor == county.sysadmin and e.after["adjusted_workdays"][0] == "2027-02-20"


def test_tl1_paste_page_names_the_unreadable_sentence_and_writes_nothing(admin_client):
    text = NOTICE_2027.replace("三、清明节：4月3日（周六）", "三、清明节：4月3日（周日）")
    r = admin_client.post(PASTE, {"year": "2027", "text": text})
    page = r.content.decode()
    assert r.status_code == 200
    assert "第四句“三、清明节：4月3日（周日）至5日（周一）放假，共3天”无法识别：2027年4月3日是星期六，不是周日" in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    r = admin_client.post(PASTE, {"year": "2027", "text": ""})
    assert "请粘贴通知正文" in r.content.decode()


def test_tl1_paste_page_refuses_what_enter_year_would_refuse(admin_client):
    # 2/10 (a Wednesday) listed as a working day.
    r = admin_client.post(PASTE, {"year": "2027", "text": "二、春节：2月6日至13日放假，共8天。2月10日（周三）上班。"})
    assert "2027年2月10日是周一至周五，本来就是工作日，不是调休上班日" in r.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
