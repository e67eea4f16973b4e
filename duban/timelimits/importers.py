"""Importing a year's schedule from a file (TL-1): iCalendar (.ics) or JSON.

JSON, our own form:
    {"year": 2027,
     "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-01"}, ...],
     "adjusted_workdays": ["2027-02-20"]}
or the holiday-cn form (github.com/NateScarlet/holiday-cn):
    {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, ...]}
(a day with isOffDay false is an adjusted working day).

iCalendar: all-day VEVENTs. A summary with 班 (上班, 补班, 调休上班) marks
adjusted working days; any other names a holiday, cleaned of （休）, 放假,
假期, 第N天 and the like. A file may hold several years: the days of the
chosen year's notice are taken (late-December 元旦 days and the working
days before them belong to the next year's notice).

Bad files are refused with a Chinese message naming what is wrong; nothing
is written here (the schedule goes to the preview, then to enter_year).
"""

import datetime as dt
import json
import re
from collections import Counter

from django.core.exceptions import ValidationError

from .services import HolidayRange, Schedule, notice_year, ranges_from_days

MAX_BYTES = 1024 * 1024
_ONE = dt.timedelta(days=1)


def parse_schedule_file(data: bytes, filename: str = "", year: int | None = None) -> Schedule:
    """A schedule from the uploaded file's bytes; the kind is told by the
    file's name (.ics / .json) or, failing that, by its content."""
    if len(data) > MAX_BYTES:
        raise ValidationError("文件过大（不超过1MB），请确认上传的是节假日安排文件")
    text = _decode(data)
    name = (filename or "").lower()
    head = text.lstrip()[:20].upper()
    if name.endswith((".ics", ".ical", ".ifb")) or head.startswith("BEGIN:VCALENDAR"):
        return parse_ics(text, year)
    if name.endswith(".json") or head.startswith(("{", "[")):
        return parse_json(text, year)
    raise ValidationError("无法识别的文件类型：请上传 iCalendar（.ics）或 JSON（.json）文件")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("文件无法读取：请使用 UTF-8 编码的文本文件")


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (ValueError, TypeError):
        raise ValidationError(f"{where}的日期“{value}”无效，应为 2027-02-06 这样的日期") from None


def _year_of(data: dict, year):
    given = data.get("year")
    if given is None:
        return year
    if not isinstance(given, int) or isinstance(given, bool):
        raise ValidationError(f"文件中的年份“{given}”无效，应为 2027 这样的数字")
    if year is not None and given != year:
        raise ValidationError(f"文件是{given}年的节假日安排，与所选的{year}年不一致")
    return given


# ---- JSON -------------------------------------------------------------------------


def parse_json(text: str, year: int | None = None) -> Schedule:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValidationError(f"JSON 格式有误（第{e.lineno}行第{e.colno}列），请检查文件内容") from None
    if not isinstance(data, dict):
        raise ValidationError("JSON 文件的内容应为一个对象，如 {\"year\": 2027, \"holidays\": [...]}")
    year = _year_of(data, year)
    if "holidays" in data:
        return _own_json(data, year)
    if "days" in data:
        return _holiday_cn(data, year)
    raise ValidationError("无法识别的 JSON 内容：应含 holidays 和 adjusted_workdays，或 holiday-cn 格式的 days")


def _require_year(year, what):
    if year is None:
        raise ValidationError(f"{what}未写明年份，请选择年份")
    return year


def _list(data, key):
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"“{key}”应为列表")
    return value


def _own_json(data: dict, year) -> Schedule:
    year = _require_year(year, "文件")
    holidays = []
    for i, item in enumerate(_list(data, "holidays"), start=1):
        where = f"holidays 第{i}项"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}应为对象，如 {{\"name\": \"元旦\", \"start\": \"{year}-01-01\"}}")
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError(f"{where}缺少节日名称（name）")
        if not item.get("start"):
            raise ValidationError(f"{where}（{name}）缺少开始日期（start）")
        start = _date(item["start"], f"{where}（{name}）")
        end = _date(item["end"], f"{where}（{name}）") if item.get("end") else start
        holidays.append(HolidayRange(name, start, end))
    adjusted = [_date(v, f"adjusted_workdays 第{i}项") for i, v in enumerate(_list(data, "adjusted_workdays"), start=1)]
    return Schedule(year, holidays, adjusted, str(data.get("note") or "")[:200], "json")


def _holiday_cn(data: dict, year) -> Schedule:
    off, adjusted = [], []
    for i, item in enumerate(_list(data, "days"), start=1):
        where = f"days 第{i}项"
        if not isinstance(item, dict) or "date" not in item or "isOffDay" not in item:
            raise ValidationError(f"{where}应含 date 和 isOffDay，如 {{\"name\": \"元旦\", \"date\": \"2027-01-01\", "
                                  "\"isOffDay\": true}")
        d = _date(item["date"], where)
        if not isinstance(item["isOffDay"], bool):
            raise ValidationError(f"{where}的 isOffDay 应为 true 或 false")
        if item["isOffDay"]:
            name = str(item.get("name") or "").strip()
            if not name:
                raise ValidationError(f"{where}（{d.isoformat()}）缺少节日名称（name）")
            off.append((d, name))
        else:
            adjusted.append(d)
    return _select_year(off, adjusted, year, "holiday-cn 文件", "json")


def _select_year(off, adjusted, year, what, method) -> Schedule:
    """The days of one year's notice out of a file that may hold several."""
    years = Counter([notice_year(d, name=n) for d, n in off] + [notice_year(d, adjusted=True) for d in adjusted])
    if year is None:
        if len(years) > 1:
            shown = "、".join(f"{y}年" for y in sorted(years))
            raise ValidationError(f"{what}含{shown}的安排，请选择要录入的年份")
        year = _require_year(next(iter(years), None), what)
    off = [(d, n) for d, n in off if notice_year(d, name=n) == year]
    adjusted = sorted({d for d in adjusted if notice_year(d, adjusted=True) == year})
    if not off:
        raise ValidationError(f"{what}中没有{year}年的节假日安排")
    return Schedule(year, ranges_from_days(off), adjusted, "", method)


# ---- iCalendar -----------------------------------------------------------------------

_WORK_RE = re.compile(r"班")
_CLEAN_RES = (
    re.compile(r"[（(\[【][^）)\]】]*[）)\]】]"),  # （休） (休) [休] 【休】
    re.compile(r"第\s*\d+\s*天|共\s*\d+\s*天|\d+\s*/\s*\d+"),
    re.compile(r"放假调休|放假|假期|休息日|休息|调休|法定节假日|节假日"),
)


def holiday_name(summary: str) -> str:
    """An event's summary cleaned to the holiday's name: “春节（休）” →
    “春节”, “国庆节假期 第3天/共7天” → “国庆节”."""
    name = summary
    for r in _CLEAN_RES:
        name = r.sub("", name)
    name = re.sub(r"[\s·:：,，/\-–—]+", " ", name).strip()
    name = re.sub(r"\s*休$", "", name).strip()
    return name.replace(" ", "")


def parse_ics(text: str, year: int | None = None) -> Schedule:
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception:  # the library raises ValueError and others for bad input
        raise ValidationError("iCalendar 文件无法读取：请确认上传的是 .ics 日历文件") from None
    off, adjusted = [], []
    events = cal.walk("VEVENT")
    if not events:
        raise ValidationError("iCalendar 文件中没有日程（VEVENT）")
    for i, ev in enumerate(events, start=1):
        summary = str(ev.get("SUMMARY") or "").strip()
        where = f"第{i}个日程“{summary or '（无标题）'}”"
        try:
            start = ev.start
            end = ev.end if ("DTEND" in ev or "DURATION" in ev) else None
        except Exception:
            raise ValidationError(f"{where}的日期无法读取") from None
        if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
            raise ValidationError(f"{where}不是全天日程：节假日和调休上班日应为全天日程")
        last = (end - _ONE) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) and end > start else start
        if (last - start).days > 60:
            raise ValidationError(f"{where}跨越{(last - start).days + 1}天，不像是节假日安排")
        days = [start + dt.timedelta(days=k) for k in range((last - start).days + 1)]
        if _WORK_RE.search(summary):
            adjusted.extend(days)
            continue
        name = holiday_name(summary)
        if not name:
            raise ValidationError(f"{where}没有节日名称")
        off.extend((d, name) for d in days)
    return _select_year(off, adjusted, year, "iCalendar 文件", "ics")
