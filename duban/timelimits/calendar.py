"""Working-day arithmetic on the official calendar (TL-1, TL-2).

`get_calendar()` returns a `WorkCalendar` built once from the CalendarDay
rows and kept per process. Every question is answered from precomputed
arrays (a prefix count of working days and the list of working days, both
indexed by day number), never by walking day by day.

Freshness: the process keeps the calendar until the database's calendar
version (number of CalendarYear rows, their revisions and latest change)
differs. The version is re-read at most every DUBAN_CALENDAR_RECHECK_SECONDS
(default 2 s), so a year entered in the web process is used by the worker
within seconds; the process that made the change invalidates at once.

Years: a year with a CalendarYear row is *official* (the State Council's
notice, from the package seed or entered by an administrator). A year of the
rule's range (duban.timelimits.statutory: 2025–2099) that has no row is
*provisional* (暂定): its days are computed from the statutory holidays with
their 补假, never taken as plain Monday–Friday. A question about any other
year (before the first official one, a gap before 2025, after 2099) raises
`CalendarMissing(year)` naming it.

Days are taken as 24 hours of local wall-clock time (the county's zone,
Asia/Shanghai, has no daylight saving time).
"""

import datetime as dt
import logging
import threading
import time
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86400
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

KIND_WORKDAY = "workday"
KIND_REST = "rest"
KIND_HOLIDAY = "holiday"
KIND_ADJUSTED = "adjusted_workday"


class CalendarMissing(ValidationError):
    """A computation needs a day of a year the calendar cannot answer for:
    one outside the range it supports (`bounds` = (first, last) year), or a
    year before the statutory rule's range whose schedule was never
    entered. The message names the year."""

    def __init__(self, year, bounds=None):
        self.year = int(year)
        self.bounds = tuple(bounds) if bounds else None
        if self.bounds and not self.bounds[0] <= self.year <= self.bounds[1]:
            message = (f"{self.year}年不在工作日历的计算范围内（{self.bounds[0]}年至{self.bounds[1]}年），"
                       "无法计算该时限")
        else:
            message = f"{self.year}年节假日安排尚未录入，无法计算该时限"
        super().__init__(message, code="calendar_missing")

    def __reduce__(self):
        return (self.__class__, (self.year, self.bounds))


def provisional_note(years) -> str:
    """The line that marks a deadline computed on provisional years."""
    years = sorted(set(years))
    if not years:
        return ""
    named = "、".join(f"{y}年" for y in years)
    return f"（暂定：待国务院公布{named}节假日安排后自动校正）"


def parse_day_end(value) -> dt.time:
    """'23:59:59' or '18:00' → time. Used for DUBAN_WORKDAY_END."""
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError as e:
        raise ValueError(f"DUBAN_WORKDAY_END 应为 HH:MM 或 HH:MM:SS，而不是 {value!r}") from e


def _days_in_year(year):
    return 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365


def _year_of(ordinal):
    return dt.date.fromordinal(ordinal).year if ordinal >= 1 else 1


class HolidayBlock:
    """A run of consecutive holiday days (e.g. 国庆节、中秋节 10月1日至8日)."""

    __slots__ = ("start", "end", "names")

    def __init__(self, start: dt.date, end: dt.date, names: tuple):
        self.start, self.end, self.names = start, end, names

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def __repr__(self):
        return f"HolidayBlock({self.start}, {self.end}, {self.names})"


class WorkCalendar:
    """An immutable, precomputed view of the official calendar.

    Public methods take and return `datetime.date` / aware `datetime`; the
    `*_ord` methods work on proleptic ordinals (`date.toordinal()`) and are
    the fast path used by `duban.timelimits.limits`.
    """

    def __init__(self, days, years, *, version=None, day_end=dt.time(23, 59, 59), tz=None, provisional=False):
        """days: iterable of (date, kind, is_workday, name); years: the
        years that have a CalendarYear row (official). With `provisional`,
        every year of the statutory rule's range that is not official is
        computed from the rule (duban.timelimits.statutory) and marked."""
        self.version = version
        self.tz = tz or timezone.get_default_timezone()
        self.day_end = day_end
        days = sorted(days, key=lambda r: r[0])
        per_year = {}
        for row in days:
            per_year[row[0].year] = per_year.get(row[0].year, 0) + 1
        official = set()
        for y in set(years):
            if per_year.get(y, 0) == _days_in_year(y):
                official.add(y)
            else:
                logger.error("日历 %s 年的日数据不完整（%s 天），按未录入处理", y, per_year.get(y, 0))
        self.official_years = frozenset(official)
        computed = set()
        if provisional:
            from . import statutory

            computed = {y for y in range(statutory.RULE_SINCE, statutory.LAST_YEAR + 1) if y not in official}
            # Days that the next year's official notice sets in December
            # (元旦 from 12月30日) stand; the rule gives the rest of the year.
            stored = {row[0]: row for row in days if row[0].year in computed}
            days = [row for row in days if row[0].year in official]
            for y in sorted(computed):
                days.extend(stored.get(r[0], r) for r in statutory.provisional_day_rows(y))
            days.sort(key=lambda r: r[0])
        self.provisional_years = frozenset(computed)
        known = official | computed
        self.known_years = frozenset(known)
        if not known:
            self._lo = self._hi = None
            self._base = 0
            self._n = 0
            self._flags = bytearray()
            self._cum = [0]
            self._wd = []
            self._nwd = 0
            self._eod = []
            self._missing = []
            self._info = {}
            self._hol = []
            self._adj = []
            self._blocks = []
            self._block_ends = []
            return
        lo, hi = min(known), max(known)
        self._lo, self._hi = lo, hi
        base = dt.date(lo, 1, 1).toordinal()
        n = dt.date(hi, 12, 31).toordinal() - base + 1
        self._base, self._n = base, n
        flags = bytearray(n)
        info = {}
        for d, kind, is_workday, name in days:
            if d.year not in known:
                continue
            o = d.toordinal()
            flags[o - base] = 1 if is_workday else 0
            if kind in (KIND_HOLIDAY, KIND_ADJUSTED):
                info[o] = (kind, name or "")
        self._flags = flags
        # _cum[i] = working days among day indexes [0, i)
        self._cum = list(accumulate(flags, initial=0))
        # _wd[k] = ordinal of the k-th working day (0-based)
        self._wd = [base + i for i, f in enumerate(flags) if f]
        self._nwd = len(self._wd)
        self._missing = sorted(set(range(lo, hi + 1)) - known)
        self._info = info
        combine, fromordinal, tz = dt.datetime.combine, dt.date.fromordinal, self.tz
        self._eod = [combine(fromordinal(base + i), day_end, tz) for i in range(n)]
        self._hol = sorted(o for o, (k, _) in info.items() if k == KIND_HOLIDAY)
        self._adj = sorted(o for o, (k, _) in info.items() if k == KIND_ADJUSTED)
        blocks = []
        run_start = prev = None
        names = []
        for o in self._hol + [None]:
            if o is not None and prev is not None and o == prev + 1:
                prev = o
                if info[o][1] and info[o][1] not in names:
                    names.append(info[o][1])
                continue
            if run_start is not None:
                blocks.append(HolidayBlock(fromordinal(run_start), fromordinal(prev), tuple(names)))
            if o is None:
                break
            run_start = prev = o
            names = [info[o][1]] if info[o][1] else []
        self._blocks = blocks
        self._block_ends = [b.end.toordinal() for b in blocks]

    # ---- loading -------------------------------------------------------

    @classmethod
    def from_db(cls, version=None):
        from .models import CalendarDay, CalendarYear

        years = list(CalendarYear.objects.values_list("year", flat=True))
        days = list(CalendarDay.objects.values_list("date", "kind", "is_workday", "name"))
        return cls.from_rows(days, years, version=version)

    @classmethod
    def from_rows(cls, days, years, version=None):
        """The product's calendar from day rows (date, kind, is_workday,
        name) and official years, provisional years included: what from_db
        builds, also for a schedule not saved yet (a preview)."""
        return cls(days, years, version=version, provisional=True,
                   day_end=parse_day_end(getattr(settings, "DUBAN_WORKDAY_END", "23:59:59")))

    # ---- checks --------------------------------------------------------

    def is_known(self, year: int) -> bool:
        return year in self.known_years

    def is_provisional(self, year: int) -> bool:
        return year in self.provisional_years

    def provisional_years_between(self, a: dt.date, b: dt.date) -> list[int]:
        """The provisional years that the days [a, b] touch."""
        if not self.provisional_years or b < a:
            return []
        return [y for y in range(a.year, b.year + 1) if y in self.provisional_years]

    @property
    def bounds(self):
        """(first, last) year the calendar answers for, or None."""
        return (self._lo, self._hi) if self._lo is not None else None

    def _miss(self, year) -> CalendarMissing:
        return CalendarMissing(year, self.bounds)

    def _index(self, o):
        """Day index of ordinal o; raises for a day outside every known year."""
        i = o - self._base
        if i < 0 or i >= self._n:
            raise self._miss(_year_of(o))
        return i

    def _check_span(self, o1, o2):
        """Raise for the first unknown year between the two ordinals (only
        possible when the known years have a gap)."""
        if o2 < o1:
            o1, o2 = o2, o1
        y1, y2 = _year_of(o1), _year_of(o2)
        k = bisect_left(self._missing, y1)
        if k < len(self._missing) and self._missing[k] <= y2:
            raise self._miss(self._missing[k])

    def _beyond(self, o):
        """The year to name when a count runs past the last known day."""
        if self._missing:
            k = bisect_left(self._missing, _year_of(o))
            if k < len(self._missing):
                return self._miss(self._missing[k])
        return self._miss((self._hi or _year_of(o)) + 1)

    # ---- ordinal fast path --------------------------------------------

    def is_workday_ord(self, o) -> bool:
        i = self._index(o)
        if self._missing:
            self._check_span(o, o)
        return bool(self._flags[i])

    def add_workdays_ord(self, o, n):
        """n ≥ 1: the n-th working day after day o (o itself not counted);
        n ≤ -1: the |n|-th working day before o; n = 0: o."""
        i = o - self._base
        if i < 0 or i >= self._n:
            raise self._miss(_year_of(o))
        if n > 0:
            j = self._cum[i + 1] + n - 1
            if j >= self._nwd:
                raise self._beyond(o)
        elif n < 0:
            j = self._cum[i] + n
            if j < 0:
                raise self._miss(self._lo - 1)
        else:
            if self._missing:
                self._check_span(o, o)
            return o
        r = self._wd[j]
        if self._missing:
            self._check_span(o, r)
        return r

    def next_workday_ord(self, o):
        """o itself if it is a working day, else the first working day after it."""
        i = o - self._base
        if i < 0 or i >= self._n:
            raise self._miss(_year_of(o))
        j = self._cum[i]
        if j >= self._nwd:
            raise self._beyond(o)
        r = self._wd[j]
        if self._missing:
            self._check_span(o, r)
        return r

    def eod_ord(self, o) -> dt.datetime:
        """End of day o (DUBAN_WORKDAY_END, local time), aware."""
        i = o - self._base
        if 0 <= i < self._n:
            return self._eod[i]
        return dt.datetime.combine(dt.date.fromordinal(o), self.day_end, self.tz)

    # ---- dates ---------------------------------------------------------

    def is_workday(self, d: dt.date) -> bool:
        return self.is_workday_ord(d.toordinal())

    def add_workdays(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d (d not counted); negative n counts
        backwards (n = -1: the last working day before d); 0 gives d."""
        return dt.date.fromordinal(self.add_workdays_ord(d.toordinal(), int(n)))

    def next_workday(self, d: dt.date) -> dt.date:
        """d itself if it is a working day, else the first working day after d."""
        return dt.date.fromordinal(self.next_workday_ord(d.toordinal()))

    def previous_workday(self, d: dt.date) -> dt.date:
        """The last working day strictly before d."""
        return self.add_workdays(d, -1)

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]: how many working days b lies after a
        (negative when b is before a)."""
        if b < a:
            return -self.workdays_between(b, a)
        ia, ib = self._index(a.toordinal()), self._index(b.toordinal())
        if self._missing:
            self._check_span(a.toordinal(), b.toordinal())
        return self._cum[ib + 1] - self._cum[ia + 1]

    def end_of_day(self, d: dt.date) -> dt.datetime:
        return self.eod_ord(d.toordinal())

    def day_kind(self, d: dt.date) -> tuple[str, str]:
        """(kind, name) of a known day: kind in workday / rest / holiday /
        adjusted_workday."""
        o = d.toordinal()
        is_work = self.is_workday_ord(o)
        hit = self._info.get(o)
        if hit:
            return hit
        return (KIND_WORKDAY if is_work else KIND_REST, "")

    # ---- working time ----------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("时间必须带时区（aware datetime）")
        return moment.astimezone(self.tz)

    def working_seconds_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Seconds of [a, b) that fall on working days, each working day
        counting 24 hours of local time (whole seconds; sub-second parts
        are dropped). Negative when b is before a."""
        la, lb = self._local(a), self._local(b)
        if lb < la:
            return -self.working_seconds_between(b, a)
        oa, ob = la.toordinal(), lb.toordinal()
        sa = la.hour * 3600 + la.minute * 60 + la.second
        sb = lb.hour * 3600 + lb.minute * 60 + lb.second
        if sb == 0 and lb.microsecond == 0 and ob > oa:
            # b at midnight is the end of the previous day: do not require
            # the calendar of the day that b merely touches.
            ob -= 1
            sb = SECONDS_PER_DAY
        ia, ib = self._index(oa), self._index(ob)
        if self._missing:
            self._check_span(oa, ob)
        flags = self._flags
        if ia == ib:
            return (sb - sa) if flags[ia] else 0
        total = (self._cum[ib] - self._cum[ia + 1]) * SECONDS_PER_DAY
        if flags[ia]:
            total += SECONDS_PER_DAY - sa
        if flags[ib]:
            total += sb
        return total

    def add_working_seconds(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """Move forward by `seconds` of working-day time, skipping
        non-working days: the inverse of working_seconds_between. With
        seconds > 0 the result lies on a working day (a moment on a rest day
        first moves to the start of the next working day; reaching exactly
        the end of a working day gives the start of the next one)."""
        seconds = int(seconds)
        if seconds < 0:
            raise ValueError("seconds 不能为负数")
        lm = self._local(moment)
        if seconds == 0:
            return lm
        o = lm.toordinal()
        i = self._index(o)
        s = lm.hour * 3600 + lm.minute * 60 + lm.second
        us = lm.microsecond
        if not self._flags[i]:
            o = self.next_workday_ord(o)
            s = 0
            us = 0
        remaining = SECONDS_PER_DAY - s
        if seconds < remaining:
            t = s + seconds
            return dt.datetime.combine(dt.date.fromordinal(o), dt.time(t // 3600, t % 3600 // 60, t % 60, us), self.tz)
        k, rem = divmod(seconds - remaining, SECONDS_PER_DAY)
        o2 = self.add_workdays_ord(o, k + 1)
        return dt.datetime.combine(
            dt.date.fromordinal(o2), dt.time(rem // 3600, rem % 3600 // 60, rem % 60, us), self.tz
        )

    # ---- facts for explanations and pages ----------------------------------

    def holiday_blocks(self, a: dt.date, b: dt.date) -> list[HolidayBlock]:
        """Holiday blocks (whole runs) that have at least one day in [a, b]."""
        if b < a:
            return []
        k = bisect_left(self._block_ends, a.toordinal())
        out = []
        bo = b.toordinal()
        while k < len(self._blocks) and self._blocks[k].start.toordinal() <= bo:
            out.append(self._blocks[k])
            k += 1
        return out

    def adjusted_workdays(self, a: dt.date, b: dt.date) -> list[dt.date]:
        """Adjusted working days (调休上班) in [a, b]."""
        lo = bisect_left(self._adj, a.toordinal())
        hi = bisect_right(self._adj, b.toordinal())
        return [dt.date.fromordinal(o) for o in self._adj[lo:hi]]

    def unknown_years(self, a: dt.date, b: dt.date) -> list[int]:
        return [y for y in range(a.year, b.year + 1) if y not in self.known_years]


# ---- the per-process cache ------------------------------------------------

_lock = threading.Lock()
_cal: WorkCalendar | None = None
_next_check = 0.0


def _db_version():
    from django.db.models import Count, Max, Sum

    from .models import CalendarYear

    agg = CalendarYear.objects.aggregate(n=Count("year"), m=Max("updated_at"), r=Sum("revision"))
    return (agg["n"], agg["m"], agg["r"])


def _recheck_seconds():
    return float(getattr(settings, "DUBAN_CALENDAR_RECHECK_SECONDS", 2.0))


class _Proposed(threading.local):
    cal = None


_proposed = _Proposed()


@contextmanager
def proposed_calendar(cal: WorkCalendar):
    """Within the block, this thread's get_calendar() answers with `cal`
    (a schedule not saved yet): a preview computes what the deadlines
    would become without writing anything."""
    before = _proposed.cal
    _proposed.cal = cal
    try:
        yield cal
    finally:
        _proposed.cal = before


def get_calendar() -> WorkCalendar:
    """The current calendar of this process (cheap: a clock comparison;
    every few seconds one small aggregate query checks the version)."""
    if _proposed.cal is not None:
        return _proposed.cal
    cal = _cal
    if cal is not None and time.monotonic() < _next_check:
        return cal
    return _refresh()


def _refresh() -> WorkCalendar:
    global _cal, _next_check
    version = _db_version()
    with _lock:
        if _cal is None or _cal.version != version:
            _cal = WorkCalendar.from_db(version=version)
        _next_check = time.monotonic() + _recheck_seconds()
        return _cal


def invalidate(**_kwargs):
    """Forget the cached calendar; the next get_calendar() reloads it if the
    database changed. Connected to calendar_changed and setting_changed."""
    global _cal, _next_check
    with _lock:
        _cal = None
        _next_check = 0.0
