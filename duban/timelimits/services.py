"""Writes of the time-limit app: one transaction and one journal event each.

- enter_year(): an administrator enters (or corrects) a year's official
  schedule: holiday ranges with names and adjusted working days (TL-1);
  the update_calendar command loads a year the package knows. preview()
  tells beforehand what an entry would change (writes nothing).
- save_rule() / delete_rule(): edits of TimeLimitRule rows (TL-3).

After a committed calendar change the process drops its cached calendar
and announces the change (`calendar_changed`, `rule_changed`); the clocks
app listens and recomputes the rule-computed deadlines. This app never
imports the clocks: it only announces.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from duban.journal import chain

from . import calendar as workcal
from .models import CalendarDay, CalendarSource, CalendarYear, DayKind, TimeLimitRule
from .signals import calendar_changed, calendar_previewed, rule_changed

logger = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_RANGE_DAYS = 31
STANDARD_HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@dataclass(frozen=True)
class HolidayRange:
    name: str
    start: dt.date
    end: dt.date

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def as_dict(self):
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, d):
        return cls(d["name"], dt.date.fromisoformat(d["start"]), dt.date.fromisoformat(d["end"]))


def _fmt(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _dates(a: dt.date, b: dt.date):
    for k in range((b - a).days + 1):
        yield a + dt.timedelta(days=k)


def _allowed_date(d: dt.date, year: int) -> bool:
    """A year's notice covers its own days and may reach back into the last
    days of December before it (e.g. 2019's 元旦 was 2018-12-30 to 2019-01-01
    with 2018-12-29 a working Saturday)."""
    return d.year == year or (d.year == year - 1 and d.month == 12 and d.day >= 20)


def validate_schedule(year, holidays, adjusted_workdays):
    """Check a year's schedule; raise ValidationError with Chinese messages
    keyed by field: year / holidays / adjusted_workdays."""
    errors = {}
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"year": f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间"})
    h_err = []
    if not holidays:
        h_err.append("请至少填写一个节假日（名称、开始日期、结束日期）")
    covered = {}
    for r in holidays:
        label = f"“{r.name or '（未命名）'}”"
        if not (r.name or "").strip():
            h_err.append(f"{_fmt(r.start)}起的节假日缺少名称")
        elif len(r.name) > 30:
            h_err.append(f"节假日名称{label}过长（最多30字）")
        if r.end < r.start:
            h_err.append(f"{label}的结束日期{_fmt(r.end)}早于开始日期{_fmt(r.start)}")
            continue
        if not (_allowed_date(r.start, year) and r.end.year == year):
            h_err.append(f"{label}的日期{_fmt(r.start)}至{_fmt(r.end)}不在{year}年内")
            continue
        if r.days > MAX_RANGE_DAYS:
            h_err.append(f"{label}共{r.days}天，超过{MAX_RANGE_DAYS}天，请检查日期")
            continue
        for d in _dates(r.start, r.end):
            if d in covered:
                h_err.append(f"{label}与“{covered[d]}”的日期重叠（{_fmt(d)}）")
                break
            covered[d] = r.name
    if h_err:
        errors["holidays"] = h_err
    a_err = []
    seen = set()
    for d in adjusted_workdays:
        if d in seen:
            a_err.append(f"调休上班日{_fmt(d)}重复")
            continue
        seen.add(d)
        if not _allowed_date(d, year):
            a_err.append(f"调休上班日{_fmt(d)}不在{year}年内")
        elif d.weekday() < 5:
            a_err.append(f"{_fmt(d)}是周一至周五，本来就是工作日，不是调休上班日")
        elif d in covered:
            a_err.append(f"{_fmt(d)}已列为“{covered[d]}”假期，不能同时是调休上班日")
    if a_err:
        errors["adjusted_workdays"] = a_err
    spill = sorted({d for d in list(covered) + list(seen) if d.year == year - 1})
    if spill and not CalendarYear.objects.filter(year=year - 1).exists():
        errors.setdefault("holidays", []).append(
            f"{year - 1}年节假日安排尚未录入，不能设置{_fmt(spill[0])}等上一年的日期"
        )
    if errors:
        raise ValidationError(errors)


def _nearest_name(d: dt.date, holidays) -> str:
    best = min(holidays, key=lambda r: min(abs((d - r.start).days), abs((d - r.end).days)), default=None)
    return best.name if best else ""


def _default_day(d: dt.date) -> tuple[str, bool, str]:
    return (DayKind.WORKDAY, True, "") if d.weekday() < 5 else (DayKind.REST, False, "")


def _notice_year(d: dt.date, name: str) -> int:
    """Which year's notice a holiday or adjusted day belongs to: late-December
    元旦 days belong to the next year's notice."""
    return d.year + 1 if (d.month == 12 and d.day >= 20 and name == "元旦") else d.year


def notice_year(d: dt.date, *, adjusted: bool = False, name: str = "") -> int:
    """Which year's notice names day `d`: a late-December 元旦 holiday, or a
    late-December adjusted working day (for the 元旦 holiday after it), belongs
    to the next year's notice."""
    return _notice_year(d, "元旦" if adjusted else name)


def ranges_from_days(days) -> list[HolidayRange]:
    """(date, name) pairs of holiday days → ranges: a run of consecutive
    days with one name is one range."""
    ranges = []
    for d, name in sorted(days):
        if ranges and ranges[-1].name == name and ranges[-1].end == d - dt.timedelta(days=1):
            ranges[-1] = HolidayRange(name, ranges[-1].start, d)
        else:
            ranges.append(HolidayRange(name, d, d))
    return ranges


def derive_schedule(year: int) -> tuple[list[HolidayRange], list[dt.date]]:
    """A year's holiday ranges and adjusted working days as an administrator
    would enter them: what was entered (administrator years), or derived
    from the day rows (package years)."""
    cy = CalendarYear.objects.filter(year=year).first()
    if cy is not None and cy.source == CalendarSource.ADMIN:
        return ([HolidayRange.from_dict(r) for r in cy.holiday_ranges],
                [dt.date.fromisoformat(s) for s in cy.adjusted_workdays])
    days = CalendarDay.objects.filter(
        date__gte=dt.date(year - 1, 12, 20), date__lte=dt.date(year, 12, 31),
        kind__in=[DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY],
    ).order_by("date").values_list("date", "kind", "name")
    off, adjusted = [], []
    for d, kind, name in days:
        if _notice_year(d, name) != year:
            continue
        if kind == DayKind.ADJUSTED_WORKDAY:
            adjusted.append(d)
        else:
            off.append((d, name))
    return ranges_from_days(off), adjusted


def _claimed_by_next_year(year: int) -> dict:
    """Days of `year` (late December) that the next year's notice names:
    date → (kind, is_workday, name). They survive a re-entry of `year`."""
    if not CalendarYear.objects.filter(year=year + 1).exists():
        return {}
    ranges, adjusted = derive_schedule(year + 1)
    out = {}
    for r in ranges:
        for d in _dates(r.start, r.end):
            if d.year == year:
                out[d] = (DayKind.HOLIDAY, False, r.name)
    for d in adjusted:
        if d.year == year:
            out[d] = (DayKind.ADJUSTED_WORKDAY, True, _nearest_name(d, ranges))
    return out


def enter_year(year: int, *, holidays, adjusted_workdays, note: str = "", by=None,
               source: str = CalendarSource.ADMIN) -> CalendarYear:
    """Create or replace a year's official schedule: the CalendarYear row and
    all its CalendarDay rows (and the December days of the year before that
    the notice names), in one transaction with one journal event
    "timelimits.calendar.year_entered". The new calendar is used at once.

    `source` is CalendarSource.ADMIN (an administrator's entry: pasted,
    imported or edited) or CalendarSource.PACKAGE (the update_calendar
    command loading what the installed package knows); a package never
    replaces an administrator's entry."""
    holidays = [HolidayRange((r.name or "").strip(), r.start, r.end) for r in holidays]
    holidays.sort(key=lambda r: r.start)
    adjusted_workdays = sorted(adjusted_workdays)
    if source not in CalendarSource.values:
        raise ValueError(f"unknown calendar source {source!r}")
    try:
        with transaction.atomic():
            cy = _enter_year(year, holidays, adjusted_workdays, note, by, source)
            # This process sees the change at once (also inside this
            # transaction); the others when the committed version changes.
            workcal.invalidate()
            reason = f"{year}年节假日安排已录入" if cy.revision == 1 else f"{year}年节假日安排已修改（第{cy.revision}版）"

            def announce():
                cy.announced = after_calendar_change([year], reason, by=by)

            transaction.on_commit(announce)
    except BaseException:
        workcal.invalidate()
        raise
    return cy


def _old_spill(year) -> set:
    """The December days of the year before that the year's current entry
    names (they go back to plain days when a new entry drops them)."""
    if not CalendarYear.objects.filter(year=year).exists():
        return set()
    ranges, adjusted = derive_schedule(year)
    spill = {d for r in ranges for d in _dates(r.start, r.end) if d.year == year - 1}
    return spill | {d for d in adjusted if d.year == year - 1}


def _year_rows(year, holidays, adjusted_workdays, old_spill=()) -> tuple[list, list]:
    """The CalendarDay rows a schedule gives (not saved): every day of the
    year, and the December days of the year before that it names or named.
    Days of late December that the next year's entry names stay as that
    entry has them; a schedule that names them too is refused."""
    holiday_of = {d: r.name for r in holidays for d in _dates(r.start, r.end)}
    adjusted = set(adjusted_workdays)
    claimed = _claimed_by_next_year(year)
    clash = sorted(d for d in list(holiday_of) + list(adjusted) if d in claimed)
    if clash:
        raise ValidationError({"holidays": [
            f"{_fmt(d)}已由{year + 1}年节假日安排列为“{claimed[d][2]}”的{'假期' if claimed[d][0] == DayKind.HOLIDAY else '调休上班日'}"
            "，请先修改该年度" for d in clash]})

    def row(d):
        if d in claimed:
            kind, is_work, name = claimed[d]
        elif d in holiday_of:
            kind, is_work, name = DayKind.HOLIDAY, False, holiday_of[d]
        elif d in adjusted:
            kind, is_work, name = DayKind.ADJUSTED_WORKDAY, True, _nearest_name(d, holidays)
        else:
            kind, is_work, name = _default_day(d)
        return CalendarDay(date=d, year=d.year, kind=kind, is_workday=is_work, name=name)

    year_rows = [row(d) for d in _dates(dt.date(year, 1, 1), dt.date(year, 12, 31))]
    new_spill = {d for d in list(holiday_of) + list(adjusted) if d.year == year - 1}
    return year_rows, [row(d) for d in sorted(set(old_spill) | new_spill)]


def _enter_year(year, holidays, adjusted_workdays, note, by, source=CalendarSource.ADMIN):
    validate_schedule(year, holidays, adjusted_workdays)
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if (existing is not None and source == CalendarSource.PACKAGE
            and existing.source == CalendarSource.ADMIN):
        raise ValidationError({"year": f"{year}年的节假日安排由管理员录入，数据包不会覆盖它"})
    before = None
    old_spill = set()
    if existing is not None:
        old_ranges, old_adjusted = derive_schedule(year)
        before = {
            "year": year,
            "source": existing.source,
            "note": existing.note,
            "holidays": [r.as_dict() for r in old_ranges],
            "adjusted_workdays": [d.isoformat() for d in old_adjusted],
        }
        old_spill = _old_spill(year)

    year_rows, spill_rows = _year_rows(year, holidays, adjusted_workdays, old_spill)
    CalendarDay.objects.filter(year=year).delete()
    CalendarDay.objects.bulk_create(year_rows)
    # December days of the year before that this notice names (or named).
    for r in spill_rows:
        CalendarDay.objects.update_or_create(
            date=r.date, defaults={"year": r.year, "kind": r.kind, "is_workday": r.is_workday, "name": r.name}
        )
    if spill_rows:
        CalendarYear.objects.filter(year=year - 1).update(updated_at=timezone.now())

    now = timezone.now()
    actor = by if getattr(by, "pk", None) else None
    if existing is None:
        cy = CalendarYear(year=year, source=source, entered_by=actor, entered_at=now,
                          updated_at=now, revision=1)
    else:
        cy = existing
        cy.source = source
        cy.entered_by = actor or cy.entered_by
        cy.updated_at = now
        cy.revision = cy.revision + 1
    cy.note = (note or "").strip()[:200]
    cy.holiday_ranges = [r.as_dict() for r in holidays]
    cy.adjusted_workdays = [d.isoformat() for d in adjusted_workdays]
    cy.save()
    after = {
        "year": year,
        "source": cy.source,
        "note": cy.note,
        "holidays": cy.holiday_ranges,
        "adjusted_workdays": cy.adjusted_workdays,
    }
    chain.record("timelimits.calendar.year_entered", cy, before=before, after=after, actor=by,
                 object_repr=f"{year}年节假日安排")
    return cy


# ---- preview: what a schedule would change, before it is confirmed ------------


@dataclass
class Schedule:
    """A year's schedule as read from a notice, a file, the day-by-day form
    or the package, before it is entered."""

    year: int
    holidays: list
    adjusted_workdays: list
    note: str = ""
    method: str = ""  # notice / ics / json / form / package

    def as_payload(self) -> dict:
        return {"year": self.year, "holidays": [r.as_dict() for r in self.holidays],
                "adjusted_workdays": [d.isoformat() for d in self.adjusted_workdays],
                "note": self.note, "method": self.method}

    @classmethod
    def from_payload(cls, data: dict) -> "Schedule":
        return cls(int(data["year"]), [HolidayRange.from_dict(r) for r in data["holidays"]],
                   [dt.date.fromisoformat(s) for s in data["adjusted_workdays"]],
                   data.get("note", ""), data.get("method", ""))


@dataclass
class DayChange:
    date: dt.date
    was_workday: bool
    is_workday: bool
    name: str

    @property
    def weekday(self) -> str:
        return workcal.WEEKDAYS_ZH[self.date.weekday()]


@dataclass
class Preview:
    schedule: Schedule
    existing: CalendarYear | None
    was_provisional: bool
    changes: list  # DayChange: days whose working status the schedule changes
    answers: list  # what the listeners of calendar_previewed answered

    @property
    def moves(self):
        """The clocks app's answer: examined, moved_count (or None)."""
        return next((a for a in self.answers if hasattr(a, "moved_count")), None)


def proposed_calendar(year, holidays, adjusted_workdays) -> workcal.WorkCalendar:
    """The calendar as it would stand with this schedule entered (nothing
    is written): the database's rows with the year's rows replaced."""
    year_rows, spill_rows = _year_rows(year, holidays, adjusted_workdays, _old_spill(year))
    days = {row[0]: row for row in CalendarDay.objects.values_list("date", "kind", "is_workday", "name")}
    for r in year_rows + spill_rows:
        days[r.date] = (r.date, r.kind, r.is_workday, r.name)
    years = set(CalendarYear.objects.values_list("year", flat=True)) | {year}
    return workcal.WorkCalendar.from_rows(days.values(), years, version=("proposed", year))


def preview(schedule: Schedule) -> Preview:
    """Check a schedule and tell what entering it would change: the days
    whose working status changes against the calendar as it stands (the
    provisional computation, or the entry it would replace), and -- asked of
    the listeners (calendar_previewed) -- how many rule-computed deadlines
    would move. Raises ValidationError as enter_year would; writes nothing."""
    holidays = sorted((HolidayRange((r.name or "").strip(), r.start, r.end) for r in schedule.holidays),
                      key=lambda r: r.start)
    adjusted = sorted(schedule.adjusted_workdays)
    schedule = Schedule(schedule.year, holidays, adjusted, schedule.note, schedule.method)
    validate_schedule(schedule.year, holidays, adjusted)
    year = schedule.year
    current = workcal.get_calendar()
    proposed = proposed_calendar(year, holidays, adjusted)
    changes = []
    first = min([dt.date(year, 1, 1), *(r.start for r in holidays), *adjusted])
    for d in _dates(first, dt.date(year, 12, 31)):
        new = proposed.is_workday(d)
        try:
            old = current.is_workday(d)
        except workcal.CalendarMissing:
            old = d.weekday() < 5
        if old != new:
            changes.append(DayChange(d, old, new, proposed.day_kind(d)[1]))
    answers = _announce(calendar_previewed, sender=CalendarYear, years=[year], calendar=proposed)
    return Preview(schedule, CalendarYear.objects.filter(year=year).first(), current.is_provisional(year),
                   changes, answers)


def after_calendar_change(years, reason, by=None) -> list:
    """Run after the calendar change committed: forget the cached calendar
    and announce the change. Returns what the listeners answered (the clocks
    app answers with its recomputation report); a listener that fails is
    logged, and the committed change stands."""
    workcal.invalidate()
    return _announce(calendar_changed, sender=CalendarYear, years=list(years), reason=reason, by=by)


def _announce(signal, **kwargs) -> list:
    answers = []
    for receiver, answer in signal.send_robust(**kwargs):
        if isinstance(answer, Exception):
            logger.error("日历或时限规则变更的后续处理失败（%s）：%s", getattr(receiver, "__name__", receiver), answer,
                         exc_info=answer)
        elif answer is not None:
            answers.append(answer)
    return answers


# ---- rules (TL-3) ---------------------------------------------------------

RULE_FIELDS = ["code", "name", "limit", "warn_before", "roll_forward", "seed_section", "description", "is_active"]
RULE_TIMING_FIELDS = ("limit", "warn_before", "roll_forward")


def get_rule(code: str, *, active_only: bool = False) -> TimeLimitRule:
    """The rule with this code; raises TimeLimitRule.DoesNotExist with a
    Chinese message."""
    qs = TimeLimitRule.objects.filter(code=code)
    if active_only:
        qs = qs.filter(is_active=True)
    rule = qs.first()
    if rule is None:
        raise TimeLimitRule.DoesNotExist(f"时限规则“{code}”不存在" + ("或未启用" if active_only else ""))
    return rule


def save_rule(rule: TimeLimitRule, *, by=None) -> TimeLimitRule:
    """Create or update a rule (validated, journaled). A change of its limit,
    warning point or roll-forward switch recomputes the open clocks that
    the rule computed, after commit."""
    with transaction.atomic():
        rule.full_clean()
        before = None
        if rule.pk:
            old = TimeLimitRule.objects.select_for_update().filter(pk=rule.pk).first()
            before = chain.snapshot(old, RULE_FIELDS) if old else None
        rule.save()
        after = chain.snapshot(rule, RULE_FIELDS)
        action = "timelimits.rule.create" if before is None else "timelimits.rule.update"
        chain.record(action, rule, before=before, after=after, actor=by)
        if before is not None and any(before[k] != after[k] for k in RULE_TIMING_FIELDS):
            reason = f"时限规则“{rule.name}”由 {before['limit']} 改为 {after['limit']}"
            if before["limit"] == after["limit"]:
                reason = f"时限规则“{rule.name}”的预警或顺延设置已修改"
            transaction.on_commit(lambda: _after_rule_change(rule, rule.code, reason, by))
    return rule


def delete_rule(rule: TimeLimitRule, *, by=None):
    with transaction.atomic():
        before = chain.snapshot(rule, RULE_FIELDS)
        code, pk, text = rule.code, rule.pk, str(rule)
        rule.delete()
        chain.record("timelimits.rule.delete", None, before=before, object_type="timelimits.timelimitrule",
                     object_id=pk, object_repr=text, actor=by)
        transaction.on_commit(lambda: _announce(rule_changed, sender=TimeLimitRule, rule=None, code=code,
                                                reason=f"时限规则“{code}”已删除", by=by))


def _after_rule_change(rule, code, reason, by=None):
    rule.announced = _announce(rule_changed, sender=TimeLimitRule, rule=rule, code=code, reason=reason, by=by)
