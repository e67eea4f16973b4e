"""Reads for the duty office's screen, incident lists and pages, and the
figure checks (DUTY-4). Every read goes through duban.org.visibility.

Read API
--------
late_minutes(due_at, at) -> int
    whole minutes past the deadline, rounded up; 0 when on time:
    ceil((at - due_at) / 60 s) when positive. With a 15-minute clock from
    09:00:00, a report at 09:14:59 or 09:15:00 is on time (0), at 09:15:01
    it is 1 minute late, at 09:16:00 1 minute, at 09:16:01 2 minutes.
clock_view(clock, now) -> ClockView
    one clock for display: seconds_remaining (running: from the stored
    due_at and now, negative when overdue), overdue_minutes, late_minutes
    (met late), light.
running_clocks(user, *, now=None, limit=200) -> list[RunningClock]
    the open clocks of the open incidents `user` may see, due first, each
    with its incident (3 queries whatever the count).
incident_page(user, *, page=1, per_page=20, state=None, now=None) -> django Page
    incidents by learned_at, newest first; each row carries
    `row.clock_views` ({kind: ClockView}) and prefetched `involved_units`
    (4 queries whatever the page size).
duty_screen(user, *, now=None) -> DutyScreen
    running clocks, the first page of incidents and today's roster (what
    the duty office's self-refreshing screen shows).
incident_detail(user, pk, *, now=None) -> IncidentDetail   (404 when not visible)
latest_figures(incident) -> list[UnitFigures]
figure_conflicts(incident) -> dict[field, list[(unit, value)]]
figure_history(incident) -> list[UnitHistory]
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import CharField, Prefetch
from django.db.models.functions import Cast
from django.utils import timezone

from duban.clocks.models import OPEN_STATES, Clock, ClockState
from duban.clocks.services import light
from duban.org.visibility import get_visible_or_404, visible

from .models import FIGURE_FIELDS, DutyShift, Incident, IncidentState, ReportVersion, Signature, WrittenReport

CLOCK_ORDER = ("phone", "written", "written_2h")


def _now(now=None):
    return now or timezone.now()


def late_minutes(due_at, at) -> int:
    """Whole minutes after `due_at`, rounded up (0 when at or before it)."""
    if at is None or due_at is None:
        return 0
    seconds = (at - due_at).total_seconds()
    return math.ceil(seconds / 60) if seconds > 0 else 0


@dataclass
class ClockView:
    clock: Clock
    kind: str
    label: str
    state: str
    state_display: str
    started_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None
    light: str
    seconds_remaining: int | None  # open clocks only; negative once overdue
    overdue_minutes: int  # open clocks past their deadline
    late_minutes: int  # met late: minutes after the deadline (rounded up)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def status_text(self) -> str:
        """按时 / 逾期N分钟 / 剩余N分钟 / 已超时N分钟, for lists and tests."""
        if self.state == ClockState.MET:
            return "按时"
        if self.state == ClockState.MET_LATE:
            return f"逾期{self.late_minutes}分钟"
        if self.overdue_minutes:
            return f"已超时{self.overdue_minutes}分钟"
        return f"剩余{math.ceil((self.seconds_remaining or 0) / 60)}分钟"


def clock_view(clock, now=None) -> ClockView:
    now = _now(now)
    is_open = clock.state in OPEN_STATES
    remaining = int((clock.due_at - now).total_seconds()) if is_open else None
    return ClockView(
        clock=clock, kind=clock.kind, label=clock.label, state=clock.state,
        state_display=clock.get_state_display(), started_at=clock.started_at, due_at=clock.due_at,
        met_at=clock.met_at, light=light(clock, now), seconds_remaining=remaining,
        overdue_minutes=late_minutes(clock.due_at, now) if is_open else 0,
        late_minutes=late_minutes(clock.due_at, clock.met_at) if clock.state == ClockState.MET_LATE else 0,
    )


def _incident_ct():
    return ContentType.objects.get_for_model(Incident)


def clocks_by_incident(incident_ids, now=None) -> dict:
    """{incident_id: {kind: ClockView}} in one query."""
    now = _now(now)
    out = {pk: {} for pk in incident_ids}
    if not incident_ids:
        return out
    qs = Clock.objects.filter(owner_type=_incident_ct(), owner_id__in=[str(pk) for pk in incident_ids])
    for c in qs.order_by("id"):
        out.setdefault(int(c.owner_id), {})[c.kind] = clock_view(c, now)
    return out


@dataclass
class RunningClock:
    view: ClockView
    incident: Incident


def running_clocks(user, *, now=None, limit=200) -> list:
    """Open clocks of open incidents the user may see, the one due first first."""
    now = _now(now)
    ids = (visible(Incident, user).filter(state=IncidentState.OPEN)
           .annotate(sid=Cast("pk", output_field=CharField())).values("sid"))
    clocks = list(Clock.objects.filter(owner_type=_incident_ct(), owner_id__in=ids, state__in=OPEN_STATES)
                  .order_by("due_at", "id")[:limit])
    incidents = Incident.objects.select_related("reporting_unit").in_bulk({int(c.owner_id) for c in clocks})
    return [RunningClock(clock_view(c, now), incidents[int(c.owner_id)]) for c in clocks
            if int(c.owner_id) in incidents]


def incident_page(user, *, page=1, per_page=20, state=None, now=None):
    now = _now(now)
    qs = (visible(Incident, user).select_related("reporting_unit")
          .prefetch_related("involved_units").order_by("-learned_at", "-id"))
    if state:
        qs = qs.filter(state=state)
    p = Paginator(qs, per_page).get_page(page)
    rows = list(p.object_list)
    views = clocks_by_incident([r.pk for r in rows], now)
    for r in rows:
        r.clock_views = views.get(r.pk, {})
        r.clock_list = [r.clock_views[k] for k in CLOCK_ORDER if k in r.clock_views]
    p.object_list = rows
    return p


@dataclass
class DutyScreen:
    now: dt.datetime
    running: list
    incidents: object  # Page
    roster: list  # DutyShift rows on duty now that the user may see


def duty_screen(user, *, now=None, page=1, per_page=20) -> DutyScreen:
    now = _now(now)
    # Who is on duty now: at 02:00 that is last evening's shift (it runs
    # over midnight), not the one that starts this morning.
    roster = list(visible(DutyShift, user).filter(starts_at__lte=now, ends_at__gt=now)
                  .select_related("unit", "officer", "leader").order_by("unit__path"))
    return DutyScreen(now=now, running=running_clocks(user, now=now),
                      incidents=incident_page(user, page=page, per_page=per_page, now=now), roster=roster)


# --- figures (DUTY-4) ----------------------------------------------------------

@dataclass
class FigureEntry:
    report: WrittenReport
    version: ReportVersion
    signature: Signature
    kind: str
    kind_display: str
    sent_at: dt.datetime
    figures: dict
    changed: set = field(default_factory=set)  # fields that differ from the unit's previous sending


@dataclass
class UnitHistory:
    unit: object
    entries: list

    @property
    def latest(self) -> FigureEntry:
        return self.entries[-1]


def _sendings(incident):
    """Every signature (= one sending) of the incident's reports, oldest first."""
    return list(Signature.objects.filter(report__incident=incident)
                .select_related("version", "report__unit").order_by("signed_at", "id"))


def figure_history(incident) -> list:
    """Per unit (the reporting unit first, then in order of first sending),
    the figures of every sent version from 首报 to 终报, each noting which
    figures changed since the previous one."""
    by_unit: dict = {}
    for sig in _sendings(incident):
        r = sig.report
        entries = by_unit.setdefault(r.unit_id, UnitHistory(r.unit, [])).entries
        figures = sig.version.figures
        prev = entries[-1].figures if entries else None
        changed = {f for f in FIGURE_FIELDS if prev is not None and prev[f] != figures[f]}
        entries.append(FigureEntry(report=r, version=sig.version, signature=sig, kind=r.kind,
                                   kind_display=r.get_kind_display(), sent_at=sig.signed_at, figures=figures,
                                   changed=changed))
    units = list(by_unit.values())
    units.sort(key=lambda h: (h.unit.pk != incident.reporting_unit_id, h.entries[0].sent_at))
    return units


@dataclass
class UnitFigures:
    unit: object
    entry: FigureEntry
    conflicts: set  # the fields where this unit's figure differs from another unit's


def figure_conflicts(incident) -> dict:
    """The fields where the latest sent figures of two or more units differ:
    {field: [(unit, value), …]} in FIGURE_FIELDS order, listing every unit
    that gave a value. A figure not yet known (None) conflicts with nothing."""
    return _conflicts(figure_history(incident))


def _conflicts(history) -> dict:
    latest = [h.latest for h in history]
    out = {}
    for f in FIGURE_FIELDS:
        given = [(e.report.unit, e.figures[f]) for e in latest if e.figures[f] is not None]
        if len({v for _, v in given}) > 1:
            out[f] = given
    return out


def latest_figures(incident) -> list:
    """One row per unit with its latest sent figures and the fields to
    highlight (where it disagrees with another unit)."""
    history = figure_history(incident)
    conflicts = _conflicts(history)
    return [UnitFigures(h.unit, h.latest, {f for f, given in conflicts.items()
                                           if any(u.pk == h.unit.pk for u, _ in given)}) for h in history]


# --- one incident ---------------------------------------------------------------

@dataclass
class IncidentDetail:
    incident: Incident
    clocks: list  # ClockView, phone / written / written_2h
    phone_reports: list
    reports: list  # WrittenReport with versions and signatures prefetched
    history: list  # UnitHistory
    conflicts: dict


def incident_detail(user, pk, *, now=None) -> IncidentDetail:
    now = _now(now)
    incident = get_visible_or_404(Incident.objects.select_related("reporting_unit", "created_by"), user, pk=pk)
    views = clocks_by_incident([incident.pk], now)[incident.pk]
    reports = list(incident.written_reports.select_related("unit", "current_version", "sent_version")
                   .prefetch_related(Prefetch("versions", queryset=ReportVersion.objects.order_by("number")),
                                     Prefetch("signatures", queryset=Signature.objects.order_by("signed_at", "id")))
                   .order_by("unit__path", "seq"))
    history = figure_history(incident)
    return IncidentDetail(
        incident=incident,
        clocks=[views[k] for k in CLOCK_ORDER if k in views],
        phone_reports=list(incident.phone_reports.select_related("callee_unit", "recorded_by")),
        reports=reports, history=history, conflicts=_conflicts(history),
    )
