"""Reading the State Council's holiday notice (TL-1): the administrator
pastes the text of 《国务院办公厅关于20XX年部分节假日安排的通知》 and gets the
year's schedule (holiday ranges and adjusted working days) to preview and
confirm.

The notice's items read, in the forms seen since 2008:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
        2月14日（周六）、2月28日（周六）上班。
    一、元旦：1月1日（周三）放假1天，不调休。
    一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。
    三、清明节：4月5日放假，共1天。        三、清明节：4月5日放假，与周末连休。
    六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。…

An item is "序号、名称：" and its sentences up to the next item. A sentence
that says 放假 gives a holiday range (a second date without month or year
takes the first one's); one that ends in 上班 lists adjusted working days.
共N天 must match the range, and a weekday in brackets must match its date.
Sentences that say neither (the preamble, 鼓励…, 节假日期间…, the
signature) are not schedule and are left out (listed as such). Anything else
is refused naming the sentence: “第五句“三、清明节：……”无法识别：……”.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .calendar import WEEKDAYS_ZH
from .services import HolidayRange, Schedule

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
# Names of older notices.
_ALIASES = {"五一": "劳动节", "国际劳动节": "劳动节", "十一": "国庆节", "清明": "清明节", "端午": "端午节",
            "中秋": "中秋节", "国庆": "国庆节"}

_FEST = "|".join(sorted(set(FESTIVALS) | set(_ALIASES), key=len, reverse=True))
_ITEM_RE = re.compile(
    r"(?:^|(?<=[。\n]))[^\S\n]*(?:"
    r"(?P<num>[一二三四五六七八九十]{1,3})、[^\S\n]*(?P<name>[^：:\n。，,（）()]{1,24}?)"
    rf"|(?P<plain>[“\"]?(?:{_FEST})[”\"]?(?:、[“\"]?(?:{_FEST})[”\"]?)*)"
    r")[^\S\n]*[：:]",
    re.M,
)
_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?"
_DATE_RE = re.compile(_DATE)
_RANGE_SEP = re.compile(r"至|到|—|–|－|-|~|－－|——")
_WEEKDAY_RE = re.compile(r"^(?:周|星期|礼拜)([一二三四五六日天])$")
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_YEAR_RES = (re.compile(r"关于(\d{4})年部分节假日安排"), re.compile(r"现将(\d{4})年"),
             re.compile(r"(\d{4})年(?:元旦|部分节假日)"))
_DOC_RE = re.compile(r"国办发明电〔\d{4}〕\d+号")
_CN = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (1 to 99)."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _norm(text: str) -> str:
    """NFKC (full-width brackets, colons, commas and digits to ASCII) and no
    whitespace: the form the patterns read."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _quote(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class NoticeItem:
    name: str
    ranges: list = field(default_factory=list)
    adjusted_workdays: list = field(default_factory=list)


@dataclass
class ParsedNotice:
    schedule: Schedule
    items: list  # NoticeItem, in the notice's order
    ignored: list  # sentences inside the items that are not schedule (鼓励…)


class _Unreadable(Exception):
    pass


class _Sentence:
    def __init__(self, number, quoted, text):
        self.number, self.quoted, self.text = number, quoted, text

    @property
    def label(self):
        return f"第{cn_number(self.number)}句“{self.quoted}”"


def detect_year(text: str) -> int | None:
    s = _norm(text)
    for r in _YEAR_RES:
        m = r.search(s)
        if m:
            return int(m[1])
    return None


def _note_from(text: str, year: int) -> str:
    s = _norm(text)
    title = f"国务院办公厅关于{year}年部分节假日安排的通知"
    doc = _DOC_RE.search(s)
    if doc:
        return f"{title}（{doc[0]}）"
    return title if title in s else ""


def parse_notice(text: str, year: int | None = None) -> ParsedNotice:
    """The schedule of a pasted notice. `year` is the year the administrator
    chose (or None: then the notice must name it). Raises ValidationError
    with every problem found, each naming its sentence."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError("请粘贴通知正文", code="empty")
    named = detect_year(text)
    if year is not None and named is not None and named != year:
        raise ValidationError(f"通知写的是{named}年的节假日安排，与所选的{year}年不一致", code="year")
    year = year or named
    if year is None:
        raise ValidationError("未能从通知中识别年份，请选择年份", code="year")
    matches = list(_ITEM_RE.finditer(text))
    if not matches:
        raise ValidationError(
            "未找到放假安排：请粘贴通知正文，如“一、元旦：1月1日（周五）至3日（周日）放假，共3天。”", code="empty")
    errors, items, ignored = [], [], []
    number = 0
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        header = text[m.start():m.end()].strip()
        raw_name = m["name"] or m["plain"]
        name = "、".join(_ALIASES.get(n, n) for n in re.sub(r"[“”\"]", "", _norm(raw_name)).split("、"))
        item = NoticeItem(name)
        sentences = []
        for chunk in re.split(r"[。\n]", text[m.end():end]):
            if not chunk.strip():
                continue
            number += 1
            quoted = _quote(chunk) if sentences else _quote(f"{header}{chunk}")
            sentences.append(_Sentence(number, quoted, _norm(chunk)))
        if not sentences:
            number += 1
            errors.append(f"第{cn_number(number)}句“{_quote(header)}”无法识别：未写明放假日期")
            continue
        for s in sentences:
            try:
                if "放假" in s.text:
                    item.ranges.append(_holiday(s, name, year))
                elif "上班" in s.text or "补班" in s.text:
                    item.adjusted_workdays.extend(_workdays(s, name, year))
                else:
                    ignored.append(s.quoted)
            except _Unreadable as e:
                errors.append(f"{s.label}无法识别：{e}")
        if not item.ranges and not any(s.label in msg for s in sentences for msg in errors):
            errors.append(f"{sentences[0].label}无法识别：“{name}”一项未写明放假日期")
        items.append(item)
    if errors:
        raise ValidationError(errors, code="unreadable")
    holidays = [r for item in items for r in item.ranges]
    adjusted = sorted({d for item in items for d in item.adjusted_workdays})
    schedule = Schedule(year, sorted(holidays, key=lambda r: r.start), adjusted, _note_from(text, year), "notice")
    return ParsedNotice(schedule, items, ignored)


# ---- one sentence ------------------------------------------------------------


def _tokens(text: str):
    """The dates of `text` in order, and what lies between them: (matches,
    gaps) with len(gaps) == len(matches) + 1. Brackets stay with their date
    (“2月15日(农历腊月二十八、周日)”)."""
    matches, gaps, pos = [], [], 0
    for m in _DATE_RE.finditer(text):
        gaps.append(text[pos:m.start()])
        matches.append(m)
        pos = m.end()
    gaps.append(text[pos:])
    return matches, gaps


def _date(m, *, month: int | None, default_year, explicit=None):
    """A date match (“2月15日(农历腊月二十八、周日)”, “3日”) → (date, year
    given?, month, bracket). A date without month takes `month`; without
    year, `explicit` (the year written before it in the sentence) or the
    notice's year."""
    y, mo, d, bracket = m.groups()
    mo = int(mo) if mo else month
    if mo is None:
        raise _Unreadable(f"“{m[0]}”缺少月份")
    if y:
        yy = int(y)
    elif explicit is not None:
        yy = explicit
    else:
        yy = default_year(mo)
    try:
        value = dt.date(yy, mo, int(d))
    except ValueError:
        raise _Unreadable(f"没有{yy}年{mo}月{int(d)}日这一天") from None
    return value, bool(y), mo, bracket


def _check_weekday(value: dt.date, bracket):
    for token in re.split(r"[、,]", bracket or ""):
        w = _WEEKDAY_RE.match(token)
        if w and _WEEKDAY[w[1]] != value.weekday():
            raise _Unreadable(
                f"{value.year}年{value.month}月{value.day}日是{WEEKDAYS_ZH[value.weekday()]}，不是{token}")


def _defaults(name, year):
    # In the 元旦 item, December means the year before (元旦 from 12月30日).
    return lambda month: year - 1 if (month == 12 and "元旦" in name) else year


def _holiday(s: _Sentence, name: str, year: int) -> HolidayRange:
    text = s.text
    at = text.index("放假")
    left, rest = text[:at], text[at + 2:]
    matches, gaps = _tokens(left)
    if (not 1 <= len(matches) <= 2 or gaps[0] or gaps[-1]
            or (len(matches) == 2 and not _RANGE_SEP.fullmatch(gaps[1]))):
        raise _Unreadable("放假日期应写成“1月1日至3日”或“4月5日”")
    default_year = _defaults(name, year)
    start, start_y, month, b1 = _date(matches[0], month=None, default_year=default_year)
    end, end_y, b2 = start, start_y, None
    if len(matches) == 2:
        end, end_y, _m, b2 = _date(matches[1], month=month, default_year=default_year,
                                   explicit=start.year if start_y else None)
    if end < start:
        if not end_y:
            end = end.replace(year=end.year + 1)
        elif not start_y:
            start = start.replace(year=start.year - 1)
        if end < start:
            raise _Unreadable("结束日期早于开始日期")
    _check_weekday(start, b1)
    _check_weekday(end, b2)
    count, joins_weekend = None, False
    for token in re.split(r",", rest):
        token = token.strip()
        if token in ("", "调休", "不调休", "放假调休"):
            continue
        if token in ("与周末连休", "与周末连休调休"):
            joins_weekend = True
            continue
        c = re.fullmatch(r"(?:调休)?共?(\d+)天", token)
        if c:
            count = int(c[1])
            continue
        raise _Unreadable(f"“{token}”的含义不明")
    days = (end - start).days + 1
    if count is not None and count != days:
        raise _Unreadable(f"写明共{count}天，但{_span(start, end)}是{days}天")
    if joins_weekend:
        while (end + dt.timedelta(days=1)).weekday() >= 5:
            end += dt.timedelta(days=1)
        while (start - dt.timedelta(days=1)).weekday() >= 5:
            start -= dt.timedelta(days=1)
    return HolidayRange(name, start, end)


def _span(a: dt.date, b: dt.date) -> str:
    first = f"{a.year}年{a.month}月{a.day}日"
    if a == b:
        return first
    return f"{first}至{b.year}年{b.month}月{b.day}日" if a.year != b.year else f"{first}至{b.month}月{b.day}日"


def _workdays(s: _Sentence, name: str, year: int) -> list[dt.date]:
    text = re.sub(r"(?:上班|补班)$", "", s.text)
    matches, gaps = _tokens(text)
    if (text == s.text or not matches or gaps[0] or gaps[-1]
            or any(g not in ("、", ",", "和") for g in gaps[1:-1])):
        raise _Unreadable("调休上班日应写成“2月14日（周六）、2月28日（周六）上班”")
    default_year = _defaults(name, year)
    out, month, explicit = [], None, None
    for m in matches:
        value, given, month, bracket = _date(m, month=month, default_year=default_year, explicit=explicit)
        if given:
            explicit = value.year
        _check_weekday(value, bracket)
        out.append(value)
    return out
