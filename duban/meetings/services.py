"""Writes for 会议 (MEET-1…3; seed 004 §9, seed 000 §二(四)).

Every function is one transaction with its journal event ("meetings.…"),
and the hand-overs it implies (a meeting counted against its convening
unit's annual plan, duban.plans; decisions becoming matters,
duban.supervision). Checks come in the order: who may act (PermissionDenied,
Chinese message), then state, then input (ValidationError naming the field,
or the row). Nothing is half-written. `at` (default now) is the moment of
the action, which the journal records as its business moment; tests and the
demo replay a meeting exactly.

Service API (for pages, the API and the demo loader)
-----------------------------------------------------
Planning (MEET-1)
    departures(type, *, planned_minutes, combined, mode, agenda) -> [str]
        where a plan goes beyond its type's limits, each naming the limit and
        its seed section (empty: within limits)
    register_meeting(by, *, type, title, convener, chair, starts_at, planned_minutes, mode, venue="",
                     combined_with=None, combined_title="", attendees=(), attendee_units=(), agenda=(),
                     over_limit_reason="", at=None) -> Meeting
        agenda: [{"title", "kind" (speech/address/topic), "speaker" (user | id | None), "minutes"}]
        attendee_units: units whose 单位负责人 (else 联络员) are invited
        Within limits: 待召开, counted against the convener's plan. Beyond
        them without a reason: refused, naming each limit. With a reason:
        待审批 by the control office (ControlOffice; its 单位负责人).
    decide_plan(meeting, by, *, approve, comment="", at=None) -> Meeting
    cancel_meeting(meeting, by, *, reason, at=None) -> Meeting     (withdrawn from the plan)
    issue_notice(meeting, by, *, at=None) -> Meeting                 (会议通知 number; attendees told)
Attendance (MEET-2)
    request_leave(attendance, by, *, reason, substitute=None, authorised_by=None, at=None) -> Attendance
        with `substitute`: 代会 (who, and who authorised it); else 请假
    decide_leave(attendance, by, *, approve, comment="", at=None) -> Attendance
    sign_code(meeting, at=None) -> str            the 6 digits on the meeting screen this minute
    sign_in(by, code, *, at=None) -> Attendance   from a phone: this minute's or the last minute's code
    attendance_status(attendance, meeting, now) -> (code, label)   出席 迟到 请假 代会 缺席 / 未签到
Running the meeting
    start_meeting(meeting, by, *, at=None), end_meeting(meeting, by, *, at=None)
    start_item(item, by, *, at=None)   (ends the item running), end_item(item, by, *, at=None)
Minutes and decisions (MEET-3)
    write_minutes(meeting, by, *, summary, decisions, at=None) -> Minutes
        decisions: [{"title", "content", "lead_unit", "lead_person" (default: the unit's 联络员,
                     else 负责人), "cooperating_units": [unit], "responsible_leader", "due_at"}]
    issue_minutes(minutes, by, *, at=None) -> Minutes             (纪要编号)
    hand_over_decisions(minutes, by, *, at=None) -> [matter]      (all at once; 7 working days when no limit)

Who may act
-----------
- register: a 联络员 or 单位负责人; the organising unit (承办单位, the
  会务 office) is their own unit, the convening unit (召集单位, whose plan
  the meeting counts against) their unit or one above it (县政府办公室
  organises the meetings 县人民政府 convenes);
- the organising office ("会务": a 联络员 or 单位负责人 of the organising
  unit or an office within it, and whoever registered the meeting) issues
  the notice, decides leave, runs the meeting, writes and issues the
  minutes, cancels;
- a plan beyond its limits: the 单位负责人 of the control office whose
  jurisdiction covers the convening unit (the nearest one), never the
  person who registered it;
- leave: the attendee, or the 联络员 / 单位负责人 of the attendee's unit;
  a substitute is authorised by the attendee or a 单位负责人 or leader of
  their unit;
- decisions become matters by the organising office or a 督查室 whose
  jurisdiction covers the convening unit.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from duban.core import serials
from duban.core.officialdoc import format_doc_number
from duban.core.services import (
    as_unit,
    as_user,
    blank,
    fmt_moment,
    local_date,
    parse_moment,
    sync_fields,
    user_name,
)
from duban.core.services import now as _now
from duban.journal import chain
from duban.journal.models import Event
from duban.notify import services as notify
from duban.org.models import Role, RoleAssignment, Unit
from duban.org.queries import first_holder
from duban.org.services import has_role
from duban.org.visibility import scope_for, visible
from duban.plans import services as plans
from duban.supervision import services as supervision
from duban.timelimits.periods import day_end

from .models import (
    AgendaItem,
    Attendance,
    ControlOffice,
    Decision,
    ItemKind,
    LeaveKind,
    LeaveState,
    Meeting,
    MeetingState,
    MeetingType,
    Minutes,
    MinutesState,
    Mode,
)

SIGN_IN_OPENS = dt.timedelta(hours=1)  # before the planned start
START_OPENS = dt.timedelta(hours=1)
SIGN_IN_FAILURES = 5  # wrong codes within SIGN_IN_FAILURE_WINDOW before a pause
SIGN_IN_FAILURE_WINDOW = dt.timedelta(minutes=10)
ORGANISER_ROLES = (Role.LIAISON, Role.UNIT_HEAD)
ROW = re.compile(r"^第(\d+)行")
MEETING_FIELDS = ["type_id", "title", "convener_id", "organiser_id", "chair_id", "starts_at", "planned_minutes",
                  "mode", "venue", "combined_with_id", "combined_title", "departures", "over_limit_reason", "state"]


def notice_prefix() -> str:
    """发文机关代字 of meeting notices: 示范县会通〔2026〕3号."""
    return getattr(settings, "DUBAN_MEETING_NOTICE_PREFIX", f"{settings.DUBAN_COUNTY_NAME}会通")


def minutes_prefix() -> str:
    """Of minutes: 示范县会纪〔2026〕5号."""
    return getattr(settings, "DUBAN_MINUTES_PREFIX", f"{settings.DUBAN_COUNTY_NAME}会纪")


def fmt_minutes(n) -> str:
    """150 → 2小时30分钟, 120 → 2小时, 45 → 45分钟."""
    n = int(n)
    hours, rest = divmod(n, 60)
    if not hours:
        return f"{rest}分钟"
    return f"{hours}小时" + (f"{rest}分钟" if rest else "")


def _unit_of(user):
    person = getattr(user, "person", None) if user is not None else None
    return person.unit if person is not None else None


def _within(user, unit) -> bool:
    own = _unit_of(user)
    return own is not None and unit is not None and own.path.startswith(unit.path)


def _messages(e: ValidationError) -> list:
    if hasattr(e, "error_dict"):
        return [m for msgs in e.message_dict.values() for m in msgs]
    return list(e.messages)


# --- who may act ----------------------------------------------------------------

def may_register(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and _unit_of(user) is not None
                and has_role(user, *ORGANISER_ROLES))


def convener_choices(user) -> list:
    """The units `user` may register a meeting for: their own and the ones
    above it, nearest first."""
    own = _unit_of(user)
    if own is None:
        return []
    return list(reversed(list(own.ancestors(include_self=True))))


def is_organiser(user, meeting) -> bool:
    """会务: the organising office's 联络员 or 单位负责人 (of the unit or an
    office within it), or whoever registered the meeting."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.pk == meeting.registered_by_id:
        return True
    return _within(user, meeting.organiser) and has_role(user, *ORGANISER_ROLES)


def control_office_for(unit):
    """The ControlOffice whose jurisdiction is the nearest one covering
    `unit`, or None."""
    if unit is None:
        return None
    offices = ControlOffice.objects.filter(jurisdiction__path__in=unit.ancestor_paths()).select_related(
        "unit", "jurisdiction")
    return max(offices, key=lambda c: len(c.jurisdiction.path), default=None)


def is_plan_approver(user, meeting) -> bool:
    """The 单位负责人 of the control office over the convening unit, who
    did not register the meeting."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.pk == meeting.registered_by_id:
        return False
    office = control_office_for(meeting.convener)
    own = _unit_of(user)
    return office is not None and own is not None and own.pk == office.unit_id and has_role(user, Role.UNIT_HEAD)


def may_hand_over(user, meeting) -> bool:
    """Turn the decisions into matters: the organising office, or a 督查室
    whose jurisdiction covers the convening unit."""
    if is_organiser(user, meeting):
        return True
    if not has_role(user, Role.SUPERVISOR):
        return False
    return any(meeting.convener.path.startswith(j.path) for j in scope_for(user).jurisdictions)


def may_ask_leave(user, attendance) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.pk == attendance.attendee_id:
        return True
    own = _unit_of(user)
    return own is not None and own.pk == attendance.unit_id and has_role(user, *ORGANISER_ROLES)


def _require_organiser(user, meeting, what):
    if not is_organiser(user, meeting):
        raise PermissionDenied(f"只有{meeting.organiser.name}的会务人员（联络员、负责人）可以{what}")


def _locked(meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related(
        "type", "convener", "organiser", "registered_by").get(pk=meeting.pk)


def _check_state(meeting, allowed, what):
    if meeting.state not in allowed:
        raise ValidationError(f"会议{meeting.get_state_display()}，不能{what}")


# --- planning (MEET-1) ------------------------------------------------------------

def as_type(value) -> MeetingType | None:
    if blank(value):
        return None
    if isinstance(value, MeetingType):
        return value
    qs = MeetingType.objects.filter(is_active=True)
    found = qs.filter(code=str(value).strip()).first()
    if found is None and str(value).strip().isdigit():
        found = qs.filter(pk=int(value)).first()
    if found is None:
        raise ValidationError("所选会议类型不存在或已停用")
    return found


def departures(mtype, *, planned_minutes, combined, mode, agenda) -> list:
    """Where a plan goes beyond its type's limits (MEET-1, seed 004 §9), as
    [(field, message)]: each message names the limit and where it comes
    from. `agenda`: [(seq, title, kind, minutes)]."""
    out = []
    basis = f"（{mtype.seed_section}）" if mtype.seed_section else ""
    limit = mtype.combined_max_minutes if combined else mtype.max_minutes
    what = f"{mtype.name}合并召开或套开的" if combined else mtype.name
    if planned_minutes > mtype.cap_minutes:
        out.append(("planned_minutes", f"会期一般不超过半天（{fmt_minutes(mtype.cap_minutes)}）{basis}，"
                                       f"本次计划{fmt_minutes(planned_minutes)}"))
    elif planned_minutes > limit:
        out.append(("planned_minutes", f"{what}会期一般控制在{fmt_minutes(limit)}以内{basis}，"
                                       f"本次计划{fmt_minutes(planned_minutes)}"))
    where = "全县性会议" if mtype.county_wide else "其他会议"
    for seq, title, kind, minutes in agenda:
        if kind == ItemKind.SPEECH and minutes > mtype.speech_minutes:
            out.append(("agenda", f"议程第{seq}项“{title}”计划发言{minutes}分钟，{where}发言一般控制在"
                                  f"{mtype.speech_minutes}分钟以内{basis}"))
    if mtype.video_first and mode == Mode.ONSITE:
        out.append(("mode", f"{mtype.name}优先采用视频会议形式召开{basis}，本次为现场会议"))
    return out


def _clean_agenda(agenda, errors) -> list:
    rows = []
    for i, item in enumerate(agenda or (), 1):
        where = f"议程第{i}项"
        title = str(item.get("title") or "").strip()
        kind = item.get("kind") or ItemKind.SPEECH
        if not title:
            errors.setdefault("agenda", []).append(f"{where}：请填写议程内容")
            continue
        if len(title) > 200:
            errors.setdefault("agenda", []).append(f"{where}：议程内容不能超过200个字")
            continue
        if kind not in ItemKind.values:
            errors.setdefault("agenda", []).append(f"{where}：类别应为" + "、".join(ItemKind.labels))
            continue
        try:
            minutes = int(str(item.get("minutes") or "").strip())
        except ValueError:
            minutes = 0
        if minutes <= 0 or minutes > 600:
            errors.setdefault("agenda", []).append(f"{where}“{title}”：计划用时应为1至600分钟")
            continue
        try:
            speaker = as_user(item.get("speaker"))
        except ValidationError as e:
            errors.setdefault("agenda", []).append(f"{where}“{title}”：发言人{e.messages[0]}")
            continue
        rows.append((i, title, kind, speaker, minutes))
    return rows


def _clean_people(attendees, attendee_units, errors) -> list:
    people, seen = [], set()
    for value in attendees or ():
        try:
            user = as_user(value)
        except ValidationError as e:
            errors.setdefault("attendees", []).append(f"参会人员：{e.messages[0]}")
            continue
        if user is None or user.pk in seen:
            continue
        if getattr(user, "person", None) is None:
            errors.setdefault("attendees", []).append(f"参会人员：{user_name(user)}不在组织机构中")
            continue
        seen.add(user.pk)
        people.append(user)
    for value in attendee_units or ():
        try:
            unit = as_unit(value)
        except ValidationError as e:
            errors.setdefault("attendee_units", []).append(f"参会单位：{e.messages[0]}")
            continue
        if unit is None:
            continue
        user = first_holder(unit, Role.UNIT_HEAD, Role.LIAISON)
        if user is None:
            errors.setdefault("attendee_units", []).append(f"参会单位：“{unit.name}”没有单位负责人或联络员")
            continue
        if user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    if not people and "attendees" not in errors and "attendee_units" not in errors:
        errors.setdefault("attendees", []).append("请选择参会人员或参会单位")
    return people


def register_meeting(by, *, type, title, convener, chair, starts_at, planned_minutes, mode, venue="",
                     combined_with=None, combined_title="", attendees=(), attendee_units=(), agenda=(),
                     over_limit_reason="", at=None) -> Meeting:
    """The organising office registers a meeting (see the module docstring)."""
    at = _now(at)
    if not may_register(by):
        raise PermissionDenied("只有单位联络员或单位负责人可以登记会议")
    organiser = _unit_of(by)
    errors: dict[str, list] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    try:
        mtype = as_type(type)
    except ValidationError as e:
        mtype = None
        err("type", e.messages[0])
    if mtype is None and "type" not in errors:
        err("type", "请选择会议类型")
    title = str(title or "").strip()
    if not title:
        err("title", "会议名称不能为空")
    elif len(title) > 200:
        err("title", "会议名称不能超过200个字")
    try:
        convener = as_unit(convener)
    except ValidationError as e:
        convener = None
        err("convener", f"召集单位：{e.messages[0]}")
    if convener is None and "convener" not in errors:
        err("convener", "请选择召集单位")
    elif convener is not None and not organiser.path.startswith(convener.path):
        err("convener", f"召集单位应为{organiser.name}或其上级单位")
    try:
        chair = as_user(chair)
    except ValidationError as e:
        chair = None
        err("chair", f"主持人：{e.messages[0]}")
    if chair is None and "chair" not in errors:
        err("chair", "请选择主持人")
    starts = None
    if blank(starts_at):
        err("starts_at", "请填写开始时间")
    else:
        try:
            starts = parse_moment(starts_at, "starts_at", "开始时间")
        except ValidationError as e:
            err("starts_at", e.message_dict["starts_at"][0])
        if starts is not None and starts <= at:
            err("starts_at", f"开始时间（{fmt_moment(starts)}）须晚于当前时间")
    try:
        minutes = int(str(planned_minutes).strip())
    except (TypeError, ValueError):
        minutes = 0
    if minutes <= 0 or minutes > 24 * 60:
        err("planned_minutes", "计划会期应为1至1440分钟")
    if mode not in Mode.values:
        err("mode", "请选择会议形式：" + "、".join(Mode.labels))
    venue = str(venue or "").strip()
    if mode in (Mode.ONSITE, Mode.BOTH) and not venue:
        err("venue", "现场会议须填写会场")
    elif len(venue) > 200:
        err("venue", "会场不能超过200个字")
    combined_title = str(combined_title or "").strip()[:200]
    other = None
    if not blank(combined_with):
        other = combined_with if isinstance(combined_with, Meeting) else None
        if other is None:
            try:
                other = visible(Meeting, by).filter(pk=int(combined_with)).first()
            except (TypeError, ValueError):
                other = None
        if other is None or not visible(Meeting, by).filter(pk=other.pk).exists():
            err("combined_with", "所选合并套开的会议不存在")
            other = None
        elif other.state in (MeetingState.CANCELLED, MeetingState.REJECTED):
            err("combined_with", f"“{other.title}”{other.get_state_display()}，不能合并套开")
    combined = other is not None or bool(combined_title)
    rows = _clean_agenda(agenda, errors)
    if not rows and "agenda" not in errors:
        err("agenda", "请填写议程（至少一项）")
    total = sum(r[4] for r in rows)
    if rows and minutes > 0 and total > minutes:
        err("agenda", f"议程计划用时合计{fmt_minutes(total)}，超过计划会期{fmt_minutes(minutes)}")
    people = _clean_people(attendees, attendee_units, errors)
    reason = str(over_limit_reason or "").strip()
    found = []
    if mtype is not None and minutes > 0 and mode in Mode.values:
        found = departures(mtype, planned_minutes=minutes, combined=combined, mode=mode,
                           agenda=[(i, t, k, m) for i, t, k, _, m in rows])
    control = control_office_for(convener) if convener is not None else None
    if found and not errors:
        if control is None:
            err("over_limit_reason", f"超出会议标准须报会议管控办公室审批，但尚未设置管控“{convener.name}”会议的办公室，"
                                     "请联系系统管理员")
        elif not reason:
            for field, message in found:
                err(field, message)
            err("over_limit_reason", f"超出上述标准须填写理由，并报{control.unit.name}审批")
    if errors:
        raise ValidationError(errors)
    if not found:
        reason = ""
    state = MeetingState.PENDING if found else MeetingState.PLANNED
    with transaction.atomic():
        m = Meeting.objects.create(
            type=mtype, title=title, convener=convener, organiser=organiser, chair=chair, starts_at=starts,
            planned_minutes=minutes, mode=mode, venue=venue, combined_with=other,
            combined_title="" if other is not None else combined_title, departures=[msg for _, msg in found],
            over_limit_reason=reason, state=state, sign_secret=secrets.token_hex(20), registered_by=by,
            registered_at=at)
        AgendaItem.objects.bulk_create([
            AgendaItem(meeting=m, seq=i, title=t, kind=k, speaker=s, planned_minutes=mm)
            for i, (_, t, k, s, mm) in enumerate(rows, 1)])
        Attendance.objects.bulk_create([
            Attendance(meeting=m, attendee=u, unit=u.person.unit, sort_order=i) for i, u in enumerate(people, 1)])
        chain.record("meetings.meeting.register", m, after={
            **chain.snapshot(m, MEETING_FIELDS), "agenda": [[t, k, s.pk if s else None, mm] for _, t, k, s, mm in rows],
            "attendees": [u.pk for u in people]}, actor=by, occurred_at=at)
        if state == MeetingState.PLANNED:
            _count(m, by, at)
        else:
            _ask_approval(m, control, by, at)
    return m


def _count(m, by, at):
    plans.count_against_plan(m, unit=m.convener, kind="meeting", when=m.starts_at, title=m.title, by=by, at=at)


def _ask_approval(m, control, by, at):
    heads = (RoleAssignment.objects.filter(role=Role.UNIT_HEAD, user__person__unit=control.unit,
                                           user__is_active=True).exclude(user=by).select_related("user"))
    body = (f"{user_name(by)}登记的“{m.title}”（{fmt_moment(m.starts_at)}，计划{fmt_minutes(m.planned_minutes)}）"
            f"超出会议标准：" + "；".join(m.departures) + f"。理由：{m.over_limit_reason}。请审批。")
    for ra in heads:
        notify.notify_user(ra.user, f"【会议报批】{m.title}", body, key=f"meetings:{m.pk}:approval",
                           link=m.get_absolute_url(), at=at)


def decide_plan(meeting, by, *, approve, comment="", at=None) -> Meeting:
    """The control office approves a plan beyond its limits (待召开, counted
    against the plan) or refuses it (未获批准, with a reason)."""
    at = _now(at)
    if not is_plan_approver(by, meeting):
        office = control_office_for(meeting.convener)
        who = f"{office.unit.name}负责人" if office else "会议管控办公室负责人"
        raise PermissionDenied(f"只有{who}可以审批超出标准的会议（登记人本人除外）")
    comment = str(comment or "").strip()
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.PENDING,), "审批")
        if not approve and not comment:
            raise ValidationError({"comment": "不批准时须填写意见"})
        if approve and m.starts_at <= at:
            raise ValidationError("会议开始时间已过，不能再批准；请重新登记")
        m.state = MeetingState.PLANNED if approve else MeetingState.REJECTED
        m.decided_by, m.decided_at, m.decision_comment = by, at, comment[:500]
        m.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        chain.record("meetings.meeting.approve" if approve else "meetings.meeting.reject", m,
                     before={"state": MeetingState.PENDING}, after={"state": m.state, "comment": comment},
                     actor=by, occurred_at=at)
        if approve:
            _count(m, by, at)
        notify.notify_user(m.registered_by, f"【会议报批】{m.title}：{'已批准' if approve else '未批准'}",
                           f"{user_name(by)}{'批准' if approve else '未批准'}了“{m.title}”的计划"
                           + (f"，意见：{comment}" if comment else "") + "。",
                           key=f"meetings:{m.pk}:decided", link=m.get_absolute_url(), at=at)
    return sync_fields(meeting, m)


def cancel_meeting(meeting, by, *, reason, at=None) -> Meeting:
    """Cancel a meeting not yet held: it no longer counts against the plan
    (its usage row stays, marked withdrawn); attendees told if notified."""
    at = _now(at)
    _require_organiser(by, meeting, "取消会议")
    reason = str(reason or "").strip()
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.PENDING, MeetingState.PLANNED), "取消")
        if not reason:
            raise ValidationError({"reason": "请填写取消原因"})
        before = m.state
        m.state, m.cancelled_at, m.cancel_reason = MeetingState.CANCELLED, at, reason[:500]
        m.save(update_fields=["state", "cancelled_at", "cancel_reason"])
        chain.record("meetings.meeting.cancel", m, before={"state": before},
                     after={"state": m.state, "reason": reason}, actor=by, occurred_at=at)
        plans.withdraw_from_plan(m, reason=f"会议取消：{reason}", by=by, at=at)
        if m.notice_issued_at:
            for att in m.attendances.select_related("attendee"):
                notify.notify_user(att.attendee, f"【会议取消】{m.title}",
                                   f"原定{fmt_moment(m.starts_at)}召开的“{m.title}”已取消。原因：{reason}",
                                   key=f"meetings:{m.pk}:cancelled", link=m.get_absolute_url(), at=at)
    return sync_fields(meeting, m)


def issue_notice(meeting, by, *, at=None) -> Meeting:
    """印发会议通知: the year's next notice number, and a message to every
    attendee with the time, place and agenda. The Word file (GB/T 9704) is
    duban.meetings.documents.notice_docx."""
    at = _now(at)
    _require_organiser(by, meeting, "印发会议通知")
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.PLANNED,), "印发会议通知")
        if m.notice_issued_at:
            raise ValidationError(f"会议通知已印发（{m.notice_number}）")
        year = timezone.localtime(at).year
        m.notice_year = year
        m.notice_number = format_doc_number(notice_prefix(), year, serials.take("meeting_notice", year))
        m.notice_issued_at = at
        m.save(update_fields=["notice_year", "notice_number", "notice_issued_at"])
        chain.record("meetings.notice.issue", m, after={"number": m.notice_number, "issued_at": at},
                     actor=by, occurred_at=at)
        where = m.venue or Mode(m.mode).label
        for att in m.attendances.select_related("attendee"):
            notify.notify_user(att.attendee, f"【会议通知】{m.title}",
                               f"请于{fmt_moment(m.starts_at)}参加“{m.title}”（{where}，会期"
                               f"{fmt_minutes(m.planned_minutes)}）。因故不能参会的，请在平台上请假或明确代会人员。"
                               f"（{m.notice_number}）",
                               key=f"meetings:{m.pk}:notice", link=m.get_absolute_url(), at=at)
    return sync_fields(meeting, m)


# --- attendance (MEET-2) ---------------------------------------------------------------

def request_leave(attendance, by, *, reason, substitute=None, authorised_by=None, at=None) -> Attendance:
    """请假 (without `substitute`) or 代会 (the substitute and who authorised
    it), for the organising office to approve. Before the meeting starts."""
    at = _now(at)
    att = Attendance.objects.select_related("meeting__organiser", "attendee", "unit").get(pk=attendance.pk)
    if not may_ask_leave(by, att):
        raise PermissionDenied("只有参会人本人或其单位的联络员、负责人可以请假")
    meeting = att.meeting
    _check_state(meeting, (MeetingState.PLANNED, MeetingState.PENDING), "请假")
    if att.leave_state == LeaveState.REQUESTED:
        raise ValidationError("已提交请假申请，等待会务人员审批")
    if att.leave_state == LeaveState.APPROVED:
        raise ValidationError("请假已获批准")
    if att.signed_in_at:
        raise ValidationError("已签到，不能再请假")
    errors = {}
    reason = str(reason or "").strip()
    if not reason:
        errors["reason"] = "请填写请假事由"
    elif len(reason) > 500:
        errors["reason"] = "请假事由不能超过500个字"
    try:
        substitute = as_user(substitute)
    except ValidationError as e:
        errors["substitute"] = f"代会人：{e.messages[0]}"
        substitute = None
    try:
        authorised_by = as_user(authorised_by)
    except ValidationError as e:
        errors["authorised_by"] = f"授权人：{e.messages[0]}"
        authorised_by = None
    if substitute is not None:
        if substitute.pk == att.attendee_id:
            errors["substitute"] = "代会人不能是参会人本人"
        elif getattr(substitute, "person", None) is None:
            errors["substitute"] = f"{user_name(substitute)}不在组织机构中"
        elif meeting.attendances.filter(attendee=substitute).exists():
            errors["substitute"] = f"{user_name(substitute)}本身就是参会人员，不能代会"
        if authorised_by is None and "authorised_by" not in errors:
            errors["authorised_by"] = "请选择代会的授权人（参会人本人或其单位负责人）"
        elif authorised_by is not None and authorised_by.pk != att.attendee_id and not (
                _within(authorised_by, att.unit) and has_role(authorised_by, Role.UNIT_HEAD, Role.LEADER)):
            errors["authorised_by"] = f"授权人应为参会人本人或{att.unit.name}的负责人"
    elif authorised_by is not None:
        authorised_by = None
    if errors:
        raise ValidationError(errors)
    kind = LeaveKind.SUBSTITUTE if substitute is not None else LeaveKind.LEAVE
    with transaction.atomic():
        att = Attendance.objects.select_for_update().get(pk=att.pk)
        att.leave_kind, att.leave_state, att.leave_reason = kind, LeaveState.REQUESTED, reason
        att.substitute, att.authorised_by = substitute, authorised_by
        att.requested_by, att.requested_at = by, at
        att.leave_decided_by, att.leave_decided_at, att.leave_comment = None, None, ""
        att.save()
        chain.record("meetings.leave.request", att, after={
            "meeting": meeting.pk, "attendee": att.attendee_id, "kind": kind, "reason": reason,
            "substitute": substitute.pk if substitute else None,
            "authorised_by": authorised_by.pk if authorised_by else None}, actor=by, occurred_at=at)
        what = (f"请{user_name(substitute)}代会（{user_name(authorised_by)}授权）" if substitute else "请假")
        for user in organisers(meeting):
            notify.notify_user(user, f"【{LeaveKind(kind).label}申请】{meeting.title}",
                               f"{user_name(att.attendee)}（{att.unit.name}）{what}，事由：{reason}。请审批。",
                               key=f"meetings:att:{att.pk}:request:{int(at.timestamp())}",
                               link=meeting.get_absolute_url(), at=at)
    return sync_fields(attendance, att)


def organisers(meeting) -> list:
    """The organising office's 联络员 and 单位负责人 (of the unit itself) and
    whoever registered the meeting: who hears of leave requests."""
    users = {ra.user_id: ra.user for ra in RoleAssignment.objects.filter(
        role__in=ORGANISER_ROLES, user__person__unit=meeting.organiser, user__is_active=True).select_related("user")}
    users.setdefault(meeting.registered_by_id, meeting.registered_by)
    return [users[k] for k in sorted(users)]


def decide_leave(attendance, by, *, approve, comment="", at=None) -> Attendance:
    """The organising office approves or refuses a leave or substitute
    request (a refusal names why)."""
    at = _now(at)
    att = Attendance.objects.select_related("meeting__organiser", "meeting__registered_by", "attendee").get(
        pk=attendance.pk)
    meeting = att.meeting
    _require_organiser(by, meeting, "审批请假")
    comment = str(comment or "").strip()
    with transaction.atomic():
        att = Attendance.objects.select_for_update().get(pk=att.pk)
        if att.leave_state != LeaveState.REQUESTED:
            raise ValidationError("没有待审批的请假申请")
        if not approve and not comment:
            raise ValidationError({"comment": "不批准时须填写意见"})
        att.leave_state = LeaveState.APPROVED if approve else LeaveState.REJECTED
        att.leave_decided_by, att.leave_decided_at, att.leave_comment = by, at, comment[:500]
        att.save(update_fields=["leave_state", "leave_decided_by", "leave_decided_at", "leave_comment"])
        chain.record("meetings.leave.decide", att, before={"leave_state": LeaveState.REQUESTED}, after={
            "meeting": meeting.pk, "attendee": att.attendee_id, "kind": att.leave_kind,
            "leave_state": att.leave_state, "comment": comment}, actor=by, occurred_at=at)
        label = LeaveKind(att.leave_kind).label
        word = "已批准" if approve else "未批准"
        for user in {att.attendee, *([att.substitute] if att.substitute_id and approve else [])}:
            notify.notify_user(user, f"【{label}{word}】{meeting.title}",
                               f"{user_name(att.attendee)}参加“{meeting.title}”的{label}申请{word}"
                               + (f"，意见：{comment}" if comment else "")
                               + (f"。请{user_name(att.substitute)}按时参会并签到" if approve and att.substitute_id
                                  else "") + "。",
                               key=f"meetings:att:{att.pk}:decided:{int(at.timestamp())}",
                               link=meeting.get_absolute_url(), at=at)
    return sync_fields(attendance, att)


def sign_code(meeting, at=None) -> str:
    """The sign-in code on the meeting screen at `at`: six digits that
    change at every full minute (HMAC-SHA256 of the minute under the
    meeting's own secret)."""
    at = _now(at)
    minute = int(at.timestamp() // 60)
    digest = hmac.new(meeting.sign_secret.encode(), f"{meeting.pk}:{minute}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def code_seconds_left(at=None) -> int:
    """Seconds until the code changes."""
    at = _now(at)
    return 60 - int(at.timestamp()) % 60


def sign_in_window(meeting) -> tuple:
    """(opens, closes): from an hour before the planned start to the end
    (the actual end, else the planned end)."""
    closes = meeting.actual_end or max(meeting.ends_at, meeting.actual_start or meeting.ends_at)
    return meeting.starts_at - SIGN_IN_OPENS, closes


def _refuse_sign_in(by, reason, at):
    """Journal a refused sign-in in its own transaction (it stays when the
    caller's change is refused): the count of recent refusals pauses a
    guesser."""
    with transaction.atomic():
        chain.record("meetings.sign_in.refused", by, object_type="meetings.sign_in", object_id=str(by.pk),
                     object_repr=f"{user_name(by)}签到", after={"reason": reason}, actor=by, occurred_at=at)


def _code_matches(meeting, code, at) -> bool:
    return any(hmac.compare_digest(code, sign_code(meeting, at - dt.timedelta(seconds=s))) for s in (0, 60))


def sign_in(by, code, *, at=None) -> Attendance:
    """签到 from a phone with the code on the meeting screen (this minute's
    or the last minute's): the meetings `by` attends (or substitutes at,
    approved) whose sign-in is open at `at`."""
    at = _now(at)
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        raise PermissionDenied("请先登录")
    code = "".join(str(code or "").split())
    if not code:
        raise ValidationError({"code": "请输入会场屏幕上显示的6位签到码"})
    recent = Event.objects.filter(actor=by, action="meetings.sign_in.refused",
                                  recorded_at__gte=timezone.now() - SIGN_IN_FAILURE_WINDOW).count()
    if recent >= SIGN_IN_FAILURES:
        raise ValidationError({"code": f"签到码输错次数过多，请{SIGN_IN_FAILURE_WINDOW.seconds // 60}分钟后再试"})
    candidates = []
    rows = (Attendance.objects.filter(meeting__state__in=[MeetingState.PLANNED, MeetingState.IN_PROGRESS])
            .filter(meeting__starts_at__lte=at + SIGN_IN_OPENS, meeting__starts_at__gte=at - dt.timedelta(days=1))
            .select_related("meeting"))
    for att in rows.filter(attendee=by) | rows.filter(substitute=by, leave_kind=LeaveKind.SUBSTITUTE,
                                                       leave_state=LeaveState.APPROVED):
        opens, closes = sign_in_window(att.meeting)
        if opens <= at <= closes:
            candidates.append(att)
    if not candidates:
        raise ValidationError({"code": "您此时没有需要签到的会议（会议开始前1小时起可以签到）"})
    match = next((a for a in candidates if len(code) == 6 and code.isdigit() and _code_matches(a.meeting, code, at)),
                 None)
    if match is None:
        _refuse_sign_in(by, "签到码不正确或已过期", at)
        raise ValidationError({"code": "签到码不正确或已过期，请输入会场屏幕上当前显示的签到码"})
    with transaction.atomic():
        att = Attendance.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=match.pk)
        if att.signed_in_at:
            raise ValidationError({"code": f"已于{timezone.localtime(att.signed_in_at):%H:%M}签到"})
        att.signed_in_at, att.signed_in_by = at, by
        att.save(update_fields=["signed_in_at", "signed_in_by"])
        chain.record("meetings.sign_in", att, after={
            "meeting": att.meeting_id, "attendee": att.attendee_id, "signed_in_by": by.pk,
            "as_substitute": by.pk != att.attendee_id, "late": at > att.meeting.starts_at}, actor=by, occurred_at=at)
    return att


PRESENT, LATE, LEAVE, SUBSTITUTE, ABSENT, WAITING = "present", "late", "leave", "substitute", "absent", "waiting"
STATUS_LABELS = {PRESENT: "出席", LATE: "迟到", LEAVE: "请假", SUBSTITUTE: "代会", ABSENT: "缺席", WAITING: "未签到"}


def attendance_status(att, meeting) -> tuple:
    """(code, label) of one attendee: 出席 (signed in by the planned start),
    迟到 (after it), 请假 (leave approved), 代会 (the approved substitute
    signed in), 缺席 (none of these once the meeting is over), else 未签到."""
    if att.signed_in_at:
        if att.substitute_id and att.signed_in_by_id == att.substitute_id:
            return SUBSTITUTE, STATUS_LABELS[SUBSTITUTE]
        code = LATE if att.signed_in_at > meeting.starts_at else PRESENT
        return code, STATUS_LABELS[code]
    if att.leave_state == LeaveState.APPROVED and att.leave_kind == LeaveKind.LEAVE:
        return LEAVE, STATUS_LABELS[LEAVE]
    if meeting.state in (MeetingState.HELD,):
        return ABSENT, STATUS_LABELS[ABSENT]
    return WAITING, STATUS_LABELS[WAITING]


# --- running the meeting ---------------------------------------------------------------

def start_meeting(meeting, by, *, at=None) -> Meeting:
    """宣布开会: the actual start (at the earliest an hour before the planned one)."""
    at = _now(at)
    _require_organiser(by, meeting, "记录会议")
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.PLANNED,), "开始")
        if at < m.starts_at - START_OPENS:
            raise ValidationError(f"会议计划于{fmt_moment(m.starts_at)}开始，开始前1小时内才能宣布开会")
        m.state, m.actual_start = MeetingState.IN_PROGRESS, at
        m.save(update_fields=["state", "actual_start"])
        chain.record("meetings.meeting.start", m, before={"state": MeetingState.PLANNED},
                     after={"state": m.state, "actual_start": at}, actor=by, occurred_at=at)
    return sync_fields(meeting, m)


def _end_item(item, at):
    item.ended_at = max(at, item.started_at)
    item.save(update_fields=["ended_at"])
    return {"item": item.pk, "seq": item.seq, "started_at": item.started_at, "ended_at": item.ended_at,
            "actual_seconds": item.actual_seconds, "planned_minutes": item.planned_minutes}


def start_item(item, by, *, at=None) -> AgendaItem:
    """The next speaker: the item starts (the one running ends now); the
    meeting screen counts down its planned minutes."""
    at = _now(at)
    item = AgendaItem.objects.select_related("meeting__organiser").get(pk=item.pk)
    _require_organiser(by, item.meeting, "记录会议")
    with transaction.atomic():
        m = _locked(item.meeting)
        _check_state(m, (MeetingState.IN_PROGRESS,), "开始议程")
        it = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if it.started_at is not None:
            raise ValidationError(f"议程第{it.seq}项已于{timezone.localtime(it.started_at):%H:%M}开始")
        ended = None
        if m.current_item_id:
            current = AgendaItem.objects.select_for_update().get(pk=m.current_item_id)
            if current.ended_at is None:
                ended = _end_item(current, at)
        it.started_at = max(at, m.actual_start)
        it.save(update_fields=["started_at"])
        m.current_item = it
        m.save(update_fields=["current_item"])
        chain.record("meetings.item.start", it, after={"meeting": m.pk, "seq": it.seq, "started_at": it.started_at,
                                                       "ended": ended}, actor=by, occurred_at=at)
    return it


def end_item(item, by, *, at=None) -> AgendaItem:
    at = _now(at)
    item = AgendaItem.objects.select_related("meeting__organiser").get(pk=item.pk)
    _require_organiser(by, item.meeting, "记录会议")
    with transaction.atomic():
        m = _locked(item.meeting)
        _check_state(m, (MeetingState.IN_PROGRESS,), "结束议程")
        it = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if it.started_at is None or it.ended_at is not None:
            raise ValidationError(f"议程第{it.seq}项不在进行中")
        ended = _end_item(it, at)
        if m.current_item_id == it.pk:
            m.current_item = None
            m.save(update_fields=["current_item"])
        chain.record("meetings.item.end", it, after=ended, actor=by, occurred_at=at)
    return it


def end_meeting(meeting, by, *, at=None) -> Meeting:
    """散会: the actual end (the item running ends with it)."""
    at = _now(at)
    _require_organiser(by, meeting, "记录会议")
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.IN_PROGRESS,), "结束")
        ended = None
        if m.current_item_id:
            current = AgendaItem.objects.select_for_update().get(pk=m.current_item_id)
            if current.ended_at is None:
                ended = _end_item(current, at)
        m.state, m.actual_end, m.current_item = MeetingState.HELD, max(at, m.actual_start), None
        m.save(update_fields=["state", "actual_end", "current_item"])
        chain.record("meetings.meeting.end", m, before={"state": MeetingState.IN_PROGRESS}, after={
            "state": m.state, "actual_start": m.actual_start, "actual_end": m.actual_end,
            "actual_minutes": m.actual_minutes, "planned_minutes": m.planned_minutes, "ended_item": ended},
            actor=by, occurred_at=at)
    return sync_fields(meeting, m)


def overruns(meeting, items) -> list:
    """What ran over, afterwards (MEET-1): the meeting beyond its planned
    length or its type's limit, each speech beyond its planned minutes or
    the type's speech limit. [str]"""
    out = []
    t = meeting.type
    actual = meeting.actual_minutes
    if actual is not None:
        limit = t.combined_max_minutes if meeting.is_combined else t.max_minutes
        if actual > meeting.planned_minutes:
            out.append(f"会议实际用时{fmt_minutes(actual)}，超出计划{fmt_minutes(actual - meeting.planned_minutes)}")
        if actual > limit and not (meeting.decided_at and meeting.planned_minutes >= actual):
            out.append(f"会议实际用时{fmt_minutes(actual)}，超过{t.name}{'合并套开' if meeting.is_combined else ''}"
                       f"标准{fmt_minutes(limit)}")
    for it in items:
        seconds = it.actual_seconds
        if seconds is None:
            continue
        used = -(-seconds // 60)
        if seconds > it.planned_minutes * 60:
            out.append(f"议程第{it.seq}项“{it.title}”用时{used}分钟，超出计划{used - it.planned_minutes}分钟")
        elif it.kind == ItemKind.SPEECH and seconds > t.speech_minutes * 60:
            out.append(f"议程第{it.seq}项“{it.title}”发言{used}分钟，超过{t.speech_minutes}分钟的发言标准")
    return out


# --- minutes and decisions (MEET-3) ------------------------------------------------------

def _due_moment(value):
    """A decision's deadline: a date (or “2026-03-31”) is the end of that
    day, as for matters; a moment is itself."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", value):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
        if value is None:
            raise ValidationError("办结期限不是有效日期")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return day_end(value)
    return parse_moment(value, "due_at", "办结期限")


def _clean_decisions(decisions, at) -> list:
    rows, errors = [], []
    for i, d in enumerate(decisions or (), 1):
        title = str(d.get("title") or "").strip()
        where = f"议定事项第{i}项" + (f"（{title[:20]}）" if title else "")
        content = str(d.get("content") or "").strip()
        problems = []
        if not title:
            problems.append("请填写事项")
        elif len(title) > 200:
            problems.append("事项不能超过200个字")
        if not content:
            problems.append("请填写具体要求")
        try:
            lead_unit = as_unit(d.get("lead_unit"))
        except ValidationError as e:
            problems.append(f"牵头单位：{e.messages[0]}")
            lead_unit = None
        if lead_unit is None and not any(p.startswith("牵头单位") for p in problems):
            problems.append("请选择牵头单位（责任单位）")
        try:
            lead_person = as_user(d.get("lead_person"))
        except ValidationError as e:
            problems.append(f"责任人：{e.messages[0]}")
            lead_person = None
        if lead_unit is not None:
            if lead_person is None:
                lead_person = first_holder(lead_unit)
                if lead_person is None:
                    problems.append(f"“{lead_unit.name}”没有联络员或负责人，请选择责任人")
            elif not _within(lead_person, lead_unit):
                problems.append(f"责任人{user_name(lead_person)}不属于“{lead_unit.name}”")
        coops, seen = [], {lead_unit.pk} if lead_unit else set()
        for u in d.get("cooperating_units") or ():
            try:
                u = as_unit(u)
            except ValidationError as e:
                problems.append(f"配合单位：{e.messages[0]}")
                continue
            if u is None or u.pk in seen:
                continue
            seen.add(u.pk)
            coops.append(u)
        try:
            leader = as_user(d.get("responsible_leader"))
        except ValidationError as e:
            problems.append(f"责任领导：{e.messages[0]}")
            leader = None
        due = d.get("due_at")
        if not blank(due):
            try:
                due = _due_moment(due)
            except ValidationError as e:
                problems.append(e.messages[0])
                due = None
            if due is not None and due <= at:
                problems.append(f"办结期限（{fmt_moment(due)}）须晚于当前时间")
        else:
            due = None
        if problems:
            errors += [f"{where}：{p}" for p in problems]
            continue
        rows.append(dict(title=title, content=content, lead_unit=lead_unit, lead_person=lead_person,
                         cooperating=coops, responsible_leader=leader, due_at=due))
    if errors:
        raise ValidationError({"decisions": errors})
    return rows


def write_minutes(meeting, by, *, summary, decisions, at=None) -> Minutes:
    """Draft (or redraft) the minutes of a held meeting: the summary and the
    decisions, each with its responsible unit and person and, if it has
    one, its deadline (DOC-2; without one, 7 working days to report)."""
    at = _now(at)
    _require_organiser(by, meeting, "起草会议纪要")
    summary = str(summary or "").replace("\r\n", "\n").strip()
    errors = {}
    if not summary:
        errors["summary"] = "请填写会议主要内容"
    try:
        rows = _clean_decisions(decisions, at)
    except ValidationError as e:
        errors.update(e.message_dict)
        rows = []
    with transaction.atomic():
        m = _locked(meeting)
        _check_state(m, (MeetingState.HELD,), "起草纪要（会议结束后起草）")
        if errors:
            raise ValidationError(errors)
        minutes = Minutes.objects.select_for_update().filter(meeting=m).first()
        if minutes is not None and minutes.state != MinutesState.DRAFT:
            raise ValidationError(f"纪要已印发（{minutes.number}），不能修改")
        if minutes is None:
            minutes = Minutes.objects.create(meeting=m, summary=summary, written_by=by, written_at=at)
            action = "meetings.minutes.write"
        else:
            minutes.summary, minutes.written_by, minutes.written_at = summary, by, at
            minutes.save(update_fields=["summary", "written_by", "written_at"])
            minutes.decisions.all().delete()
            action = "meetings.minutes.revise"
        for i, r in enumerate(rows, 1):
            d = Decision.objects.create(minutes=minutes, seq=i, title=r["title"], content=r["content"],
                                        lead_unit=r["lead_unit"], lead_person=r["lead_person"],
                                        responsible_leader=r["responsible_leader"], due_at=r["due_at"])
            d.cooperating_units.set(r["cooperating"])
        chain.record(action, minutes, after={
            "meeting": m.pk, "summary": summary,
            "decisions": [[r["title"], r["lead_unit"].pk, r["lead_person"].pk, [u.pk for u in r["cooperating"]],
                           r["due_at"]] for r in rows]}, actor=by, occurred_at=at)
    return minutes


def issue_minutes(minutes, by, *, at=None) -> Minutes:
    """印发纪要: the year's next minutes number."""
    at = _now(at)
    meeting = minutes.meeting
    _require_organiser(by, meeting, "印发会议纪要")
    with transaction.atomic():
        mn = Minutes.objects.select_for_update().get(pk=minutes.pk)
        if mn.state != MinutesState.DRAFT:
            raise ValidationError(f"纪要已印发（{mn.number}）")
        year = timezone.localtime(at).year
        mn.year = year
        mn.number = format_doc_number(minutes_prefix(), year, serials.take("meeting_minutes", year))
        mn.state, mn.issued_by, mn.issued_at = MinutesState.ISSUED, by, at
        mn.save(update_fields=["year", "number", "state", "issued_by", "issued_at"])
        chain.record("meetings.minutes.issue", mn, before={"state": MinutesState.DRAFT},
                     after={"state": mn.state, "number": mn.number, "issued_at": at}, actor=by, occurred_at=at)
    return sync_fields(minutes, mn)


def hand_over_decisions(minutes, by, *, at=None) -> list:
    """MEET-3: every decision of the issued minutes not yet handed over
    becomes a supervised matter, assigned at once, in one step, all or
    nothing (duban.supervision.services.create_matters_from_meeting). A
    decision without a deadline of its own reports within 7 working days
    (TL-3). The matters' numbers are kept with the decisions."""
    at = _now(at)
    mn = Minutes.objects.select_related("meeting__type", "meeting__convener", "meeting__organiser").get(
        pk=minutes.pk)
    meeting = mn.meeting
    if not may_hand_over(by, meeting):
        raise PermissionDenied(f"只有{meeting.organiser.name}的会务人员或督查室可以将议定事项转为督办事项")
    if mn.state != MinutesState.ISSUED:
        raise ValidationError("纪要印发后才能将议定事项转为督办事项")
    pending = list(mn.decisions.filter(matter__isnull=True).select_related("lead_unit", "lead_person")
                   .prefetch_related("cooperating_units").order_by("seq"))
    if not pending:
        raise ValidationError("没有待转办的议定事项")
    rows, missing = [], []
    for d in pending:
        coops = []
        for u in d.cooperating_units.all():
            person = first_holder(u)
            if person is None:
                missing.append(f"议定事项第{d.seq}项：配合单位“{u.name}”没有联络员或负责人")
            coops.append((u, person, ""))
        row = dict(title=d.title, content=d.content, urgency="normal", lead_unit=d.lead_unit,
                   lead_person=d.lead_person, cooperating=coops, responsible_leader=d.responsible_leader)
        if d.due_at is not None:
            row["due_at"] = d.due_at
        rows.append(row)
    if missing:
        raise ValidationError({"decisions": missing})
    info = {"kind": meeting.type.matter_source, "name": meeting.title, "date": local_date(meeting.starts_at),
            "minutes_number": mn.number, "source_ref": f"会议纪要：{mn.number}"[:120]}
    with transaction.atomic():
        locked = Minutes.objects.select_for_update().get(pk=mn.pk)
        try:
            matters = supervision.create_matters_from_meeting(info, rows, by, assign=True, at=at, handed_over=True)
        except ValidationError as e:
            # Supervision names its rows (“第2行”): say which decision.
            def named(message):
                hit = ROW.match(message)
                if hit and 1 <= int(hit.group(1)) <= len(pending):
                    return f"议定事项第{pending[int(hit.group(1)) - 1].seq}项" + message[hit.end():]
                return message

            raise ValidationError({"decisions": [named(m) for m in _messages(e)]}) from None
        for d, matter in zip(pending, matters, strict=True):
            d.matter = matter
            d.save(update_fields=["matter"])
        locked.handed_over_at = at
        locked.save(update_fields=["handed_over_at"])
        chain.record("meetings.decisions.hand_over", locked, after={
            "meeting": meeting.pk, "decisions": [[d.seq, d.matter_id, d.matter.number] for d in pending]},
            actor=by, occurred_at=at)
    return matters


def meeting_units(meeting) -> list:
    """Units of the attendees, for the notice's 主送 line (in tree order)."""
    ids = meeting.attendances.values_list("unit_id", flat=True)
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))
