"""Reads of the clocks app for pages and for the calendar's questions.

- count_provisional(): how many open rule-computed deadlines are counted on
  provisional (暂定) years (the banner's number; one COUNT on the due index).
- preview_moves(): how many rule-computed deadlines a schedule not yet
  entered would move (the calendar's preview), computed in memory.
- recomputations_for() / moved_rows(): the reports of past recomputations
  (Recomputation, MovedDeadline) as the system administrator and the
  supervision office read them.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from duban.org.models import Role
from duban.org.services import has_role
from duban.org.visibility import visible

from . import services
from .models import OPEN_STATES, Clock, MovedDeadline, Recomputation

# Limits that count on the calendar (working days, calendar days, months);
# minutes and hours run through holidays and are never provisional.
CALENDAR_LIMITS = Q(limit__endswith="d") | Q(limit__endswith="mo")


def count_provisional(since: dt.datetime) -> int:
    """Open rule-computed deadlines with a calendar limit that fall due on
    or after `since` (the start of the first provisional year): one COUNT
    on the (state, due_at) index."""
    return (Clock.objects.filter(state__in=list(OPEN_STATES), explicit=False, due_at__gte=since)
            .filter(CALENDAR_LIMITS).count())


@dataclass
class MovePreview:
    """What recomputing on a proposed calendar would do (nothing written)."""

    examined: int = 0
    moved: list = field(default_factory=list)  # (clock, old_due_at, new_due_at)
    failed: int = 0

    @property
    def moved_count(self) -> int:
        return len(self.moved)


def preview_moves(years, calendar, *, now=None) -> MovePreview:
    """The rule-computed clocks whose span reaches `years`, recomputed in
    memory on `calendar` (a WorkCalendar not saved yet): which would move."""
    from duban.timelimits.calendar import proposed_calendar

    now = now or timezone.now()
    out = MovePreview()
    qs = Clock.objects.filter(explicit=False, state__in=list(services.RECOMPUTED_STATES)).exclude(limit="")
    qs = services._span_touching(qs, years).order_by("id").prefetch_related("pauses")
    with proposed_calendar(calendar):
        for clock in qs.iterator(chunk_size=500):
            out.examined += 1
            old = clock.due_at
            try:
                services._recompute_fields(clock, None, now)
            except (ValidationError, ValueError):
                out.failed += 1
                continue
            if clock.due_at != old:
                out.moved.append((clock, old, clock.due_at))
    return out


# ---- receivers of the calendar's questions (connected in ClocksConfig.ready) --------


def on_calendar_previewed(sender, years, calendar, **kwargs):
    return preview_moves(years, calendar)


def on_provisional_counted(sender, since, **kwargs):
    return count_provisional(since)


# ---- the reports -------------------------------------------------------------------


def can_read_reports(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN, Role.SUPERVISOR)


def recomputations_for(user):
    """The recomputation reports, newest first (the system administrator
    and the supervision office read them; views refuse everybody else)."""
    return Recomputation.objects.select_related("by", "by__person", "rule").order_by("-started_at", "-id")


def moved_rows(rec: Recomputation, user):
    """The deadlines a recomputation moved that `user` may see: all of them
    for the system administrator (who entered the calendar), the clocks of
    their jurisdiction for the supervision office."""
    qs = (MovedDeadline.objects.filter(recomputation=rec)
          .select_related("clock", "clock__owner_unit", "clock__owner_person").order_by("old_due_at", "id"))
    if not has_role(user, Role.SYSTEM_ADMIN):
        qs = qs.filter(clock__in=visible(Clock, user).values("pk"))
    return qs


def failed_rows(rec: Recomputation, user) -> list:
    """The clocks a recomputation could not recompute, with their message."""
    ids = [f.get("clock") for f in rec.failed or []]
    clocks = Clock.objects.filter(pk__in=ids).select_related("owner_unit")
    if not has_role(user, Role.SYSTEM_ADMIN):
        clocks = clocks.filter(pk__in=visible(Clock, user).values("pk"))
    by_id = {c.pk: c for c in clocks}
    return [{"clock": by_id[f["clock"]], "message": f.get("message", "")} for f in rec.failed or []
            if f.get("clock") in by_id]


def shift_text(md: MovedDeadline) -> str:
    """By how much a deadline moved, in the limit's own unit: working days
    for a working-day limit, days for calendar days and months, hours (or
    minutes) otherwise: “延后1个工作日”, “提前2天”, “延后3小时”."""
    from duban.timelimits.calendar import CalendarMissing, get_calendar

    delta = md.new_due_at - md.old_due_at
    if not delta:
        return "期限未变"
    word = "延后" if delta > dt.timedelta(0) else "提前"
    limit = md.clock.limit or ""
    cal = get_calendar()
    old, new = md.old_due_at.astimezone(cal.tz), md.new_due_at.astimezone(cal.tz)
    if limit.endswith("wd") and old.date() != new.date():
        try:
            n = abs(cal.workdays_between(old.date(), new.date()))
        except CalendarMissing:
            n = 0
        if n:
            return f"{word}{n}个工作日"
    if limit.endswith(("d", "mo")) and old.date() != new.date():
        return f"{word}{abs((new.date() - old.date()).days)}天"
    seconds = abs(delta.total_seconds())
    if seconds >= 3600:
        hours = seconds / 3600
        return f"{word}{hours:.0f}小时" if hours == int(hours) else f"{word}{hours:.1f}小时"
    return f"{word}{max(1, round(seconds / 60))}分钟"
