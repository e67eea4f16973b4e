"""Reads for the meeting pages and the API. Every read goes through
duban.org.visibility; lists are paginated and take a fixed number of
queries whatever their length.

Read API
--------
meeting_page(user, *, tab="upcoming", page=1, per_page=20) -> django Page
    tabs: "upcoming" (待审批, 待召开, 进行中: the next first), "held"
    (已召开, the latest first), "approval" (待审批 plans this user may
    approve), "all" (the latest first). Rows carry `attendee_count`.
meeting_detail(user, pk, *, now=None) -> MeetingDetail   (404 when not visible)
room(user, pk, *, now=None) -> Room                      the meeting-room screen
home_counts(user) -> dict                                for the workbench card
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from duban.org.visibility import get_visible_or_404, visible
from duban.supervision.services import matter_lights

from . import services
from .models import OPEN_STATES, AgendaItem, Attendance, LeaveState, Meeting, MeetingState, Minutes

TABS = {"upcoming": "即将召开", "held": "已召开", "approval": "待我审批", "all": "全部"}


def _attendee_count():
    return Coalesce(Subquery(Attendance.objects.filter(meeting=OuterRef("pk")).order_by().values("meeting")
                             .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def meeting_list(user, tab="upcoming"):
    qs = (visible(Meeting, user).select_related("type", "convener", "organiser", "chair")
          .annotate(attendee_count=_attendee_count()))
    if tab == "upcoming":
        return qs.filter(state__in=OPEN_STATES).order_by("starts_at", "id")
    if tab == "held":
        return qs.filter(state=MeetingState.HELD).order_by("-starts_at", "-id")
    if tab == "approval":
        roots = _approvable_roots(user)
        if not roots:
            return qs.none()
        q = Q(pk__in=[])
        for r in roots:
            q |= Q(convener__path__startswith=r.path)
        return qs.filter(q, state=MeetingState.PENDING).exclude(registered_by=user).order_by("starts_at", "id")
    return qs.order_by("-starts_at", "-id")


def _approvable_roots(user) -> list:
    """The jurisdictions whose plans `user` approves: of the control
    offices they head."""
    from duban.org.models import Role
    from duban.org.services import has_role

    from .models import ControlOffice

    person = getattr(user, "person", None)
    if person is None or not has_role(user, Role.UNIT_HEAD):
        return []
    return [c.jurisdiction for c in ControlOffice.objects.filter(unit_id=person.unit_id).select_related(
        "jurisdiction")]


def meeting_page(user, *, tab="upcoming", page=1, per_page=20):
    tab = tab if tab in TABS else "upcoming"
    return Paginator(meeting_list(user, tab), per_page).get_page(page)


def approval_count(user) -> int:
    return meeting_list(user, "approval").count() if _approvable_roots(user) else 0


def countdown_text(seconds) -> str:
    """As duban/countdown.js shows it: 剩余 4:59, 剩余 1:29:59, 已超时 0:12."""
    if seconds is None:
        return ""
    s = abs(int(seconds))
    h, m, r = s // 3600, s % 3600 // 60, s % 60
    text = f"{h}:{m:02d}:{r:02d}" if h else f"{m}:{r:02d}"
    return ("剩余 " if seconds >= 0 else "已超时 ") + text


@dataclass
class AttendanceRow:
    att: Attendance
    status: str
    status_label: str
    may_ask_leave: bool = False


@dataclass
class ItemRow:
    item: AgendaItem
    actual_minutes: int | None
    over: bool
    remaining: int | None  # seconds, for the item running

    @property
    def remaining_text(self) -> str:
        return countdown_text(self.remaining)


@dataclass
class MeetingDetail:
    meeting: Meeting
    items: list
    attendances: list
    counts: dict
    minutes: Minutes | None
    decisions: list
    lights: dict
    overruns: list
    is_organiser: bool
    is_approver: bool
    may_hand_over: bool
    my_rows: list = field(default_factory=list)  # attendance rows the user may ask leave for
    pending_leave: int = 0
    pending_decisions: int = 0  # decisions not yet handed over


def _items(meeting, now):
    rows = []
    speech = meeting.type.speech_minutes
    for it in meeting.items.select_related("speaker").order_by("seq"):
        seconds = it.actual_seconds
        running = it.started_at is not None and it.ended_at is None
        if running:
            seconds = int((now - it.started_at).total_seconds())
        actual = -(-seconds // 60) if seconds is not None else None
        over = seconds is not None and (seconds > it.planned_minutes * 60
                                        or (it.kind == "speech" and seconds > speech * 60))
        remaining = it.planned_minutes * 60 - seconds if running else None
        rows.append(ItemRow(it, actual, over, remaining))
    return rows


def meeting_detail(user, pk, *, now=None) -> MeetingDetail:
    now = now or timezone.now()
    m = get_visible_or_404(Meeting.objects.select_related(
        "type", "convener", "organiser", "chair", "registered_by", "decided_by", "combined_with", "current_item"),
        user, pk=pk)
    items = _items(m, now)
    atts = list(m.attendances.select_related("attendee__person", "unit", "substitute", "authorised_by",
                                             "leave_decided_by", "signed_in_by").order_by("sort_order", "id"))
    rows, counts = [], {}
    for a in atts:
        code, label = services.attendance_status(a, m)
        counts[label] = counts.get(label, 0) + 1
        rows.append(AttendanceRow(a, code, label, services.may_ask_leave(user, a)))
    minutes = Minutes.objects.filter(meeting=m).select_related("written_by", "issued_by").first()
    decisions = []
    if minutes is not None:
        decisions = list(minutes.decisions.select_related("lead_unit", "lead_person", "responsible_leader")
                         .prefetch_related("cooperating_units").order_by("seq"))
    lights = matter_lights([d.matter_id for d in decisions], user, now=now)
    for d in decisions:
        d.matter_light = lights.get(d.matter_id)
    held = [r.item for r in items]
    organiser = services.is_organiser(user, m)
    return MeetingDetail(
        meeting=m, items=items, attendances=rows, counts=counts, minutes=minutes, decisions=decisions,
        lights=lights, overruns=services.overruns(m, held) if m.actual_end else [], is_organiser=organiser,
        is_approver=m.state == MeetingState.PENDING and services.is_plan_approver(user, m),
        may_hand_over=services.may_hand_over(user, m),
        my_rows=[r for r in rows if r.may_ask_leave],
        pending_leave=sum(1 for a in atts if a.leave_state == LeaveState.REQUESTED),
        pending_decisions=sum(1 for d in decisions if d.matter_id is None),
    )


@dataclass
class Room:
    meeting: Meeting
    items: list
    current: ItemRow | None
    now: dt.datetime
    elapsed: int | None  # seconds since the actual start
    remaining: int | None  # of the planned length
    code: str
    code_left: int
    is_organiser: bool
    signed: int
    expected: int

    @property
    def remaining_text(self) -> str:
        return countdown_text(self.remaining)

    @property
    def code_left_text(self) -> str:
        return countdown_text(self.code_left)


def room(user, pk, *, now=None) -> Room:
    now = now or timezone.now()
    m = get_visible_or_404(Meeting.objects.select_related("type", "convener", "organiser", "chair"), user, pk=pk)
    items = _items(m, now)
    current = next((r for r in items if r.item.pk == m.current_item_id), None)
    elapsed = remaining = None
    if m.actual_start:
        end = m.actual_end or now
        elapsed = int((end - m.actual_start).total_seconds())
        remaining = m.planned_minutes * 60 - elapsed
    organiser = services.is_organiser(user, m)
    signed = m.attendances.filter(signed_in_at__isnull=False).count()
    expected = m.attendances.exclude(leave_state=LeaveState.APPROVED, leave_kind="leave").count()
    open_ = m.state in (MeetingState.PLANNED, MeetingState.IN_PROGRESS)
    return Room(meeting=m, items=items, current=current, now=now, elapsed=elapsed, remaining=remaining,
                code=services.sign_code(m, now) if organiser and open_ else "",
                code_left=services.code_seconds_left(now), is_organiser=organiser, signed=signed,
                expected=expected)


def home_counts(user) -> dict:
    """What the workbench card says: meetings this user attends or
    organises that are coming, leave requests waiting for them, plans
    waiting for their approval."""
    now = timezone.now()
    upcoming = visible(Meeting, user).filter(state__in=[MeetingState.PLANNED, MeetingState.IN_PROGRESS],
                                             starts_at__gte=now - dt.timedelta(hours=4))
    mine = upcoming.filter(Q(attendances__attendee=user) | Q(attendances__substitute=user)).distinct().count()
    organising = [m for m in upcoming.select_related("organiser", "registered_by")[:200]
                  if services.is_organiser(user, m)]
    leave = Attendance.objects.filter(meeting__in=[m.pk for m in organising],
                                      leave_state=LeaveState.REQUESTED).count() if organising else 0
    return {"attending": mine, "organising": len(organising), "leave": leave, "approval": approval_count(user)}
