"""Time limits as data (TL-2): one parser, one calculator.

    parse_limit("7wd") → Limit(7, "wd")
    compute_due(start, "7wd") → Due(at=…, explanation=…)   # for people
    compute_due_at(start, "7wd") → datetime                # fast path for clocks

Units:
- min, h  — clock time: the limit runs through nights, weekends and holidays;
- wd      — working days: the start day is not counted; the limit ends at the
            end (DUBAN_WORKDAY_END, default 23:59:59 local) of the N-th working
            day after the start day;
- d, mo   — calendar days and months (Civil Code arts. 201–203): the start day
            is not counted; N days end on the day N days after the start day;
            months end on the corresponding day of the final month, or on its
            last day when it has none; if that last day is a rest day or a
            holiday and roll_forward is on, the period ends on the next working
            day. The period ends at the end of its last day.
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .calendar import (
    KIND_HOLIDAY,
    WEEKDAYS_ZH,
    CalendarMissing,
    WorkCalendar,
    get_calendar,
    provisional_note,
)

__all__ = [
    "CalendarMissing",
    "Due",
    "Limit",
    "UNITS",
    "compute_due",
    "compute_due_at",
    "compute_warn_at",
    "default_warn_at",
    "parse_limit",
    "parse_start",
    "provisional_note",
    "provisional_years_of",
]

UNITS = ("min", "h", "wd", "d", "mo")
UNIT_LABELS = {"min": "分钟", "h": "小时", "wd": "个工作日", "d": "日", "mo": "个月"}
# Upper bounds keep every result inside the date range and catch typos.
MAX_AMOUNT = {"min": 60 * 24 * 366, "h": 24 * 366, "wd": 1000, "d": 3660, "mo": 120}

_ALIASES = {
    "min": "min", "mins": "min", "minute": "min", "minutes": "min", "分钟": "min", "分": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "小时": "h", "个小时": "h",
    "wd": "wd", "workday": "wd", "workdays": "wd", "工作日": "wd", "个工作日": "wd",
    "d": "d", "day": "d", "days": "d", "天": "d", "日": "d", "自然日": "d", "个自然日": "d",
    "mo": "mo", "month": "mo", "months": "mo", "月": "mo", "个月": "mo",
}
_LIMIT_RE = re.compile(r"^(\d+)([a-z\u4e00-\u9fff]+)$")
_HINT = "请写成数字加单位，如 15min（分钟）、1h（小时）、7wd（工作日）、3d（自然日）、2mo（月）"


@dataclass(frozen=True, slots=True)
class Limit:
    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")
        if not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError("amount must be a positive int")

    def __str__(self):
        return f"{self.amount}{self.unit}"

    @property
    def is_clock_time(self) -> bool:
        return self.unit in ("min", "h")

    @property
    def label(self) -> str:
        """Chinese wording, e.g. 7个工作日, 2个月, 15分钟."""
        return f"{self.amount}{UNIT_LABELS[self.unit]}"

    def as_timedelta(self) -> dt.timedelta:
        if self.unit == "min":
            return dt.timedelta(minutes=self.amount)
        if self.unit == "h":
            return dt.timedelta(hours=self.amount)
        raise ValueError("only clock-time limits (min, h) have a fixed length")


_parse_cache: dict = {}


def parse_limit(text) -> Limit:
    """'15min', '1h', '7wd', '3d', '2mo' (spaces, upper case, full-width
    digits and Chinese units such as '7个工作日' are accepted) → Limit.
    Bad input raises ValidationError with a Chinese message naming it."""
    if isinstance(text, Limit):
        return text
    if isinstance(text, str):
        hit = _parse_cache.get(text)
        if hit is not None:
            return hit
    lim = _parse(text)
    if len(_parse_cache) < 4096:
        _parse_cache[text] = lim
    return lim


def _parse(text) -> Limit:
    if not isinstance(text, str):
        raise ValidationError(f"时限“{text}”无法识别：{_HINT}", code="invalid_limit")
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    m = _LIMIT_RE.match(s)
    unit = _ALIASES.get(m.group(2)) if m else None
    if not m or unit is None:
        shown = text.strip() or "（空）"
        raise ValidationError(f"时限“{shown}”无法识别：{_HINT}", code="invalid_limit")
    amount = int(m.group(1))
    if amount < 1:
        raise ValidationError(f"时限“{text.strip()}”的数值必须大于 0", code="invalid_limit")
    if amount > MAX_AMOUNT[unit]:
        raise ValidationError(
            f"时限“{text.strip()}”超出允许范围（{UNIT_LABELS[unit]}最多 {MAX_AMOUNT[unit]}）", code="invalid_limit"
        )
    return Limit(amount, unit)


# ---- start moments ---------------------------------------------------------

_LOST_PLUS = re.compile(r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def parse_start(value, *, label="起算时间") -> dt.datetime:
    """Text → aware datetime. '2026-09-30 15:00', '2026-09-30T15:00:00+08:00',
    '2026/9/30 15:00' …; without an offset the time is local (Asia/Shanghai).
    A '+' that a URL turned into a space is restored."""
    if isinstance(value, dt.datetime):
        d = value
    else:
        s = unicodedata.normalize("NFKC", str(value or "")).strip()
        s = _LOST_PLUS.sub(r"\1+\2", s)
        s = re.sub(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", s)
        s = re.sub(r"^(\d{4})-(\d{1,2})-(\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", s)
        s = re.sub(r"([T ])(\d):", r"\g<1>0\2:", s)
        try:
            d = dt.datetime.fromisoformat(s)
        except ValueError:
            shown = str(value).strip() or "（空）"
            raise ValidationError(
                f"{label}“{shown}”无法识别，请写成如 2026-09-30 15:00 或 2026-09-30T15:00:00+08:00",
                code="invalid_start",
            ) from None
    if d.tzinfo is None or d.utcoffset() is None:
        d = d.replace(tzinfo=timezone.get_default_timezone())
    return d


# ---- the calculator ----------------------------------------------------------


def _require_aware(start):
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("起算时间必须带时区（aware datetime），不接受 naive datetime")


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ordinal = dt.date.toordinal
_date = dt.date


def _month_target(local, n: int) -> int:
    """Ordinal of the corresponding day n months after local's date (or that
    month's last day when it has no corresponding day)."""
    total = local.month - 1 + n
    y, m = local.year + total // 12, total % 12 + 1
    if m == 2:
        last = 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    else:
        last = _DAYS_IN_MONTH[m - 1]
    day = local.day
    return _ordinal(_date(y, m, day if day <= last else last))


def compute_due_at(start: dt.datetime, limit, *, roll_forward: bool = True) -> dt.datetime:
    """The due moment only (aware, local time): the fast path for clocks."""
    lim = limit if limit.__class__ is Limit else parse_limit(limit)
    if start.tzinfo is None or start.utcoffset() is None:
        _require_aware(start)
    unit = lim.unit
    if unit == "wd":
        cal = get_calendar()
        local = start.astimezone(cal.tz)
        return cal.eod_ord(cal.add_workdays_ord(local.toordinal(), lim.amount))
    if unit == "min" or unit == "h":
        # Clock time. Local wall-clock arithmetic is exact: the county's zone
        # has no daylight saving time (see duban.timelimits.calendar).
        delta = dt.timedelta(minutes=lim.amount) if unit == "min" else dt.timedelta(hours=lim.amount)
        return start.astimezone(timezone.get_default_timezone()) + delta
    cal = get_calendar()
    local = start.astimezone(cal.tz)
    t = local.toordinal() + lim.amount if unit == "d" else _month_target(local, lim.amount)
    if roll_forward:
        t = cal.next_workday_ord(t)
    return cal.eod_ord(t)


@dataclass(frozen=True)
class Due:
    """A due moment with the facts behind it. `explanation` is one Chinese
    line, built on first access (not in the hot path)."""

    at: dt.datetime
    start: dt.datetime = field(repr=False)
    limit: Limit = field(repr=False)
    roll_forward: bool = field(default=True, repr=False)
    # The period's last day before any roll-forward (calendar days, months).
    nominal: dt.date | None = field(default=None, repr=False)

    @cached_property
    def explanation(self) -> str:
        return explain(self)

    @property
    def rolled(self) -> bool:
        return self.nominal is not None and self.at.date() != self.nominal

    @cached_property
    def provisional_years(self) -> list[int]:
        """The provisional (暂定) years whose days this deadline was counted
        on: empty for clock time and for a calendar period that does not
        roll forward (neither consults the calendar)."""
        if self.limit.is_clock_time:
            return []
        if self.limit.unit == "wd":
            first = self.start.date() + dt.timedelta(days=1)
        elif not self.roll_forward or self.nominal is None:
            return []
        else:
            first = self.nominal
        return get_calendar().provisional_years_between(first, self.at.date())

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def provisional_years_of(started_at: dt.datetime, due_at: dt.datetime, limit_text: str, *,
                         explicit: bool = False) -> list[int]:
    """The provisional years a stored deadline was counted on (a clock's
    started_at, due_at and limit): none for a deadline a person set or a
    clock-time limit."""
    if explicit or not limit_text:
        return []
    lim = parse_limit(limit_text)
    if lim.is_clock_time:
        return []
    cal = get_calendar()
    first = started_at.astimezone(cal.tz).date() + dt.timedelta(days=1)
    return cal.provisional_years_between(first, due_at.astimezone(cal.tz).date())


def compute_due(start: dt.datetime, limit, *, roll_forward: bool = True) -> Due:
    """The due moment with its explanation (see the module's rules).
    Raises CalendarMissing for a year without calendar, ValueError for a
    naive start, ValidationError for a bad limit."""
    lim = limit if limit.__class__ is Limit else parse_limit(limit)
    _require_aware(start)
    unit = lim.unit
    if unit in ("min", "h"):
        at = compute_due_at(start, lim)
        return Due(at, start.astimezone(at.tzinfo), lim, roll_forward, None)
    cal = get_calendar()
    local = start.astimezone(cal.tz)
    if unit == "wd":
        at = cal.eod_ord(cal.add_workdays_ord(local.toordinal(), lim.amount))
        return Due(at, local, lim, roll_forward, None)
    t = local.toordinal() + lim.amount if unit == "d" else _month_target(local, lim.amount)
    nominal = dt.date.fromordinal(t)
    if roll_forward:
        t = cal.next_workday_ord(t)
    return Due(cal.eod_ord(t), local, lim, roll_forward, nominal)


# ---- warning points (TL-4) ------------------------------------------------------


def _short_fraction():
    f = float(getattr(settings, "DUBAN_SHORT_WARN_FRACTION", 0.67))
    if not 0 < f < 1:
        raise ValueError("DUBAN_SHORT_WARN_FRACTION 应在 0 与 1 之间")
    return f


def default_warn_at(start: dt.datetime, limit, due) -> dt.datetime:
    """The default warning point (yellow) for a limit:
    - working days: the end of the working day before the due day;
    - calendar days and months: one calendar day before the due moment;
    - minutes and hours: at DUBAN_SHORT_WARN_FRACTION (default 0.67) of the
      span, whole minutes (15min → 10 min, 1h → 40 min, 2h → 80 min).
    Never before start. `due` is a Due or a datetime."""
    lim = parse_limit(limit)
    _require_aware(start)
    due_at = due.at if isinstance(due, Due) else due
    tz = timezone.get_default_timezone()
    if lim.is_clock_time:
        offset = (due_at - start).total_seconds() * _short_fraction()
        offset = math.floor(offset / 60) * 60 if offset >= 60 else math.floor(offset)
        warn = start + dt.timedelta(seconds=offset)
    elif lim.unit == "wd":
        cal = get_calendar()
        warn = cal.eod_ord(cal.add_workdays_ord(due_at.astimezone(cal.tz).toordinal(), -1))
    else:
        warn = due_at - dt.timedelta(days=1)
    return max(warn, start).astimezone(tz)


def compute_warn_at(start: dt.datetime, limit, due, warn_before=None) -> dt.datetime:
    """The warning point: `warn_before` (a Limit or text such as '1wd',
    '10min') before the due moment, or default_warn_at() when it is empty.
    Working days count back to the end of an earlier working day; months
    keep the corresponding day. Never before start."""
    if warn_before is None or (isinstance(warn_before, str) and not warn_before.strip()):
        return default_warn_at(start, limit, due)
    wb = parse_limit(warn_before)
    _require_aware(start)
    due_at = due.at if isinstance(due, Due) else due
    tz = timezone.get_default_timezone()
    if wb.is_clock_time:
        warn = due_at - wb.as_timedelta()
    elif wb.unit == "wd":
        cal = get_calendar()
        warn = cal.eod_ord(cal.add_workdays_ord(due_at.astimezone(cal.tz).toordinal(), -wb.amount))
    elif wb.unit == "d":
        warn = due_at - dt.timedelta(days=wb.amount)
    else:
        local = due_at.astimezone(tz)
        back = dt.date.fromordinal(_month_target(local, -wb.amount))
        warn = local.replace(year=back.year, month=back.month, day=back.day)
    return max(warn, start).astimezone(tz)


# ---- explanations ---------------------------------------------------------------


def _fmt_dt(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")


def _md(d: dt.date, ref_year: int) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d.year != ref_year else f"{d.month}月{d.day}日"


def _span(a: dt.date, b: dt.date, ref_year: int) -> str:
    if a == b:
        return _md(a, ref_year)
    if a.year == b.year and a.month == b.month:
        return f"{_md(a, ref_year)}至{b.day}日"
    if a.year == b.year:
        return f"{_md(a, ref_year)}至{b.month}月{b.day}日"
    return f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"


def _describe_days(cal: WorkCalendar, first: dt.date, last: dt.date, ref_year: int) -> list[str]:
    parts = []
    blocks = cal.holiday_blocks(first, last)
    if blocks:
        parts.append("跨越" + "、".join(
            f"{'、'.join(b.names) or '法定节假日'}（{_span(b.start, b.end, ref_year)}，共{b.days}天）" for b in blocks
        ))
    adjusted = cal.adjusted_workdays(first, last)
    if adjusted:
        parts.append("遇调休上班日" + "、".join(f"{_md(d, ref_year)}（{WEEKDAYS_ZH[d.weekday()]}）" for d in adjusted))
    unknown = cal.unknown_years(first, last)
    if unknown:
        parts.append("（" + "、".join(f"{y}年" for y in unknown) + "节假日安排尚未录入，未列出其节假日）")
    return parts


def _provisional_part(years) -> str:
    from .statutory import RULE_NAME

    named = "、".join(f"{y}年" for y in years)
    return (f"暂定：{named}节假日安排国务院尚未公布，按{RULE_NAME}的法定节假日及补假计算（不含调休），"
            f"公布后自动校正")


def explain(due: Due) -> str:
    lim, start, at = due.limit, due.start, due.at
    if lim.is_clock_time:
        return (f"自{_fmt_dt(start)}起算{lim.label}（按自然时间连续计算，不因休息日、节假日中断），"
                f"截止于{_fmt_dt(at)}")
    cal = get_calendar()
    first = start.date() + dt.timedelta(days=1)
    last = at.date()
    ref = start.year
    parts = [f"自{start.date().isoformat()}起算{lim.label}（不含当日）"]
    if lim.unit == "mo" and due.nominal is not None and due.nominal.day != start.day:
        parts.append(f"到期月无对应日，以月末日{due.nominal.isoformat()}为期间最后一日")
    if lim.unit != "wd" and not due.roll_forward and due.nominal is not None:
        last = due.nominal
    described = _describe_days(cal, first, last, ref) if last >= first else []
    parts.extend(described or ["期间无法定节假日和调休"])
    if lim.unit in ("d", "mo") and due.nominal is not None:
        if due.rolled:
            kind, name = cal.day_kind(due.nominal)
            what = f"法定节假日（{name}）" if kind == KIND_HOLIDAY and name else "休息日"
            parts.append(f"期满日{due.nominal.isoformat()}为{what}，顺延至下一个工作日{at.date().isoformat()}")
        elif not due.roll_forward:
            try:
                is_work = cal.is_workday(due.nominal)
            except CalendarMissing:
                is_work = True
            if not is_work:
                parts.append(f"期满日{due.nominal.isoformat()}为休息日或节假日，本时限不顺延")
    parts.append(f"截止于{_fmt_dt(at)}")
    if due.provisional_years:
        parts.append(_provisional_part(due.provisional_years))
    return "，".join(parts)
