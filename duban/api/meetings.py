"""/api/meetings/…: 会议 through the same services, visibility rules and
journal as the pages (MEET-1…3).

What the caller cannot see answers 404; an action they may not take answers
403; bad input or an illegal step answers 422 with the Chinese message (and,
per field, `errors`: a plan beyond its type's limits without a reason names
each limit). Times are ISO 8601; naive times are Beijing time."""

import datetime as dt

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from duban.api.supervision import ERRORS, Ref, _ref, guarded
from duban.core.officialdoc import docx_response
from duban.meetings import documents, queries, services
from duban.meetings.models import AgendaItem, Attendance, Meeting, MeetingType, Minutes
from duban.org.visibility import get_visible_or_404
from duban.supervision.services import matter_lights

router = Router(tags=["会议"])


# --- schemas ------------------------------------------------------------------

class TypeOut(Schema):
    code: str
    name: str
    max_minutes: int = Field(description="会期一般控制在（分钟）")
    combined_max_minutes: int = Field(description="合并召开或套开时（分钟）")
    cap_minutes: int = Field(description="会期上限（半天）")
    speech_minutes: int = Field(description="发言时长（分钟）")
    county_wide: bool
    video_first: bool
    seed_section: str


class AgendaItemOut(Schema):
    id: int
    seq: int
    title: str
    kind: str
    speaker: Ref | None
    planned_minutes: int
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    actual_minutes: int | None
    over: bool = Field(description="超出计划或发言标准")


class AttendanceOut(Schema):
    id: int
    attendee: Ref
    unit: Ref
    status: str = Field(description="present 出席 / late 迟到 / leave 请假 / substitute 代会 / absent 缺席 / waiting 未签到")
    status_label: str
    leave_kind: str
    leave_state: str
    leave_reason: str
    substitute: Ref | None
    authorised_by: Ref | None
    signed_in_at: dt.datetime | None


class MatterLightOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    light: str | None
    due_at: dt.datetime | None


class MinutesDecisionOut(Schema):
    id: int
    seq: int
    title: str
    content: str
    lead_unit: Ref
    lead_person: Ref
    cooperating_units: list[Ref]
    due_at: dt.datetime | None
    matter: MatterLightOut | None = Field(description="已转为督办事项：事项编号和红黄绿灯（调用者可查看时）")
    handed_over: bool


class MinutesOut(Schema):
    number: str
    state: str
    summary: str
    issued_at: dt.datetime | None
    decisions: list[MinutesDecisionOut]


class MeetingOut(Schema):
    id: int
    title: str
    type: str
    type_name: str
    state: str
    state_label: str
    convener: Ref
    organiser: Ref
    chair: Ref
    starts_at: dt.datetime
    planned_minutes: int
    mode: str
    venue: str
    combined_with_id: int | None
    combined_title: str
    departures: list[str] = Field(description="超出会议类型标准之处")
    over_limit_reason: str
    notice_number: str
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    attendee_count: int


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaItemOut]
    attendances: list[AttendanceOut]
    overruns: list[str]
    minutes: MinutesOut | None


class MeetingPage(Schema):
    count: int
    page: int
    items: list[MeetingOut]


class AgendaIn(Schema):
    title: str
    kind: str = Field("speech", description="speech 发言 / address 领导讲话 / topic 议题")
    speaker_id: int | None = None
    minutes: int


class MeetingRegisterIn(Schema):
    type: str = Field(description="会议类型代码：county_work / standing / general")
    title: str
    convener_id: int
    chair_id: int
    starts_at: dt.datetime
    planned_minutes: int
    mode: str = Field("video", description="video / onsite / both")
    venue: str = ""
    combined_with_id: int | None = None
    combined_title: str = ""
    attendee_ids: list[int] = []
    attendee_unit_ids: list[int] = Field([], description="邀请这些单位的负责人（无负责人时为联络员）")
    agenda: list[AgendaIn]
    over_limit_reason: str = ""


class PlanDecideIn(Schema):
    approve: bool
    comment: str = ""


class MeetingCancelIn(Schema):
    reason: str


class LeaveIn(Schema):
    reason: str
    substitute_id: int | None = Field(None, description="代会人；不填为请假")
    authorised_by_id: int | None = Field(None, description="代会授权人：参会人本人或其单位负责人")


class SignInIn(Schema):
    code: str


class SignInOut(Schema):
    meeting_id: int
    attendance_id: int
    signed_in_at: dt.datetime
    status: str
    status_label: str


class CodeOut(Schema):
    code: str
    seconds_left: int


class MinutesDecisionIn(Schema):
    title: str
    content: str
    lead_unit_id: int
    lead_person_id: int | None = Field(None, description="不填为牵头单位的联络员")
    cooperating_unit_ids: list[int] = []
    responsible_leader_id: int | None = None
    due_at: dt.datetime | None = Field(None, description="不填则7个工作日内报告落实情况")


class MinutesIn(Schema):
    summary: str
    decisions: list[MinutesDecisionIn] = []


class HandOverOut(Schema):
    matters: list[MatterLightOut]


class MeetingListFilters(Schema):
    tab: str = Field("upcoming", description="upcoming 即将召开 / held 已召开 / approval 待我审批 / all 全部")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


# --- helpers --------------------------------------------------------------------

def _meeting(m, count=None) -> dict:
    return {
        "id": m.pk, "title": m.title, "type": m.type.code, "type_name": m.type.name, "state": m.state,
        "state_label": m.get_state_display(), "convener": _ref(m.convener), "organiser": _ref(m.organiser),
        "chair": _ref(m.chair), "starts_at": m.starts_at, "planned_minutes": m.planned_minutes, "mode": m.mode,
        "venue": m.venue, "combined_with_id": m.combined_with_id, "combined_title": m.combined_title,
        "departures": list(m.departures or []), "over_limit_reason": m.over_limit_reason,
        "notice_number": m.notice_number, "actual_start": m.actual_start, "actual_end": m.actual_end,
        "attendee_count": count if count is not None else getattr(m, "attendee_count", 0),
    }


def _light(ml):
    if not ml:
        return None
    return {k: ml[k] for k in ("id", "number", "state", "state_label", "light", "due_at")}


def _detail(request, pk) -> dict:
    d = queries.meeting_detail(request.user, pk)
    out = _meeting(d.meeting, count=len(d.attendances))
    out["agenda"] = [{"id": r.item.pk, "seq": r.item.seq, "title": r.item.title, "kind": r.item.kind,
                      "speaker": _ref(r.item.speaker), "planned_minutes": r.item.planned_minutes,
                      "started_at": r.item.started_at, "ended_at": r.item.ended_at,
                      "actual_minutes": r.actual_minutes, "over": r.over} for r in d.items]
    out["attendances"] = [{"id": r.att.pk, "attendee": _ref(r.att.attendee), "unit": _ref(r.att.unit),
                           "status": r.status, "status_label": r.status_label, "leave_kind": r.att.leave_kind,
                           "leave_state": r.att.leave_state, "leave_reason": r.att.leave_reason,
                           "substitute": _ref(r.att.substitute), "authorised_by": _ref(r.att.authorised_by),
                           "signed_in_at": r.att.signed_in_at} for r in d.attendances]
    out["overruns"] = d.overruns
    mn = d.minutes
    out["minutes"] = None if mn is None else {
        "number": mn.number, "state": mn.state, "summary": mn.summary, "issued_at": mn.issued_at,
        "decisions": [{"id": x.pk, "seq": x.seq, "title": x.title, "content": x.content,
                       "lead_unit": _ref(x.lead_unit), "lead_person": _ref(x.lead_person),
                       "cooperating_units": [_ref(u) for u in x.cooperating_units.all()], "due_at": x.due_at,
                       "matter": _light(x.matter_light), "handed_over": x.matter_id is not None}
                      for x in d.decisions]}
    return out


def _visible_meeting(request, pk):
    return get_visible_or_404(Meeting.objects.select_related("type", "convener", "organiser", "registered_by"),
                              request.user, pk=pk)


# --- endpoints ------------------------------------------------------------------

@router.get("/types", response=list[TypeOut], summary="会议类型及其标准（种子004 §9）")
def types(request):
    return [{"code": t.code, "name": t.name, "max_minutes": t.max_minutes,
             "combined_max_minutes": t.combined_max_minutes, "cap_minutes": t.cap_minutes,
             "speech_minutes": t.speech_minutes, "county_wide": t.county_wide, "video_first": t.video_first,
             "seed_section": t.seed_section} for t in MeetingType.objects.filter(is_active=True)]


@router.get("/meetings", response=MeetingPage, summary="会议列表")
def list_meetings(request, filters: Query[MeetingListFilters]):
    p = queries.meeting_page(request.user, tab=filters.tab, page=filters.page, per_page=filters.page_size)
    return {"count": p.paginator.count, "page": p.number, "items": [_meeting(m) for m in p.object_list]}


@router.post("/meetings", response={201: MeetingDetailOut, **ERRORS},
             summary="登记会议（超出标准须写明理由并报会议管控办公室审批）")
@guarded
def register(request, data: MeetingRegisterIn):
    m = services.register_meeting(
        request.user, type=data.type, title=data.title, convener=data.convener_id, chair=data.chair_id,
        starts_at=data.starts_at, planned_minutes=data.planned_minutes, mode=data.mode, venue=data.venue,
        combined_with=data.combined_with_id, combined_title=data.combined_title, attendees=data.attendee_ids,
        attendee_units=data.attendee_unit_ids, over_limit_reason=data.over_limit_reason,
        agenda=[{"title": a.title, "kind": a.kind, "speaker": a.speaker_id, "minutes": a.minutes}
                for a in data.agenda])
    return Status(201, _detail(request, m.pk))


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS}, summary="会议详情")
def get_meeting(request, meeting_id: int):
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/decide", response={200: MeetingDetailOut, **ERRORS},
             summary="审批超出标准的会议计划（会议管控办公室负责人）")
@guarded
def decide(request, meeting_id: int, data: PlanDecideIn):
    services.decide_plan(_visible_meeting(request, meeting_id), request.user, approve=data.approve,
                         comment=data.comment)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingDetailOut, **ERRORS}, summary="取消会议")
@guarded
def cancel(request, meeting_id: int, data: MeetingCancelIn):
    services.cancel_meeting(_visible_meeting(request, meeting_id), request.user, reason=data.reason)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/notice", response={200: MeetingDetailOut, **ERRORS}, summary="印发会议通知")
@guarded
def notice(request, meeting_id: int):
    services.issue_notice(_visible_meeting(request, meeting_id), request.user)
    return _detail(request, meeting_id)


@router.get("/meetings/{meeting_id}/notice.docx", response={200: None, **ERRORS}, summary="会议通知 Word 文件")
def notice_docx(request, meeting_id: int):
    m = _visible_meeting(request, meeting_id)
    return docx_response(documents.notice_filename(m), documents.notice_docx(m))


@router.get("/meetings/{meeting_id}/sign-code", response={200: CodeOut, **ERRORS},
            summary="当前签到码（会务人员，用于会场屏幕）")
def sign_code(request, meeting_id: int):
    m = _visible_meeting(request, meeting_id)
    if not services.is_organiser(request.user, m):
        return Status(403, {"detail": f"只有{m.organiser.name}的会务人员可以查看签到码", "errors": {}})
    return {"code": services.sign_code(m), "seconds_left": services.code_seconds_left()}


@router.post("/attendances/{attendance_id}/leave", response={200: MeetingDetailOut, **ERRORS},
             summary="请假或代会申请")
@guarded
def leave(request, attendance_id: int, data: LeaveIn):
    att = get_visible_or_404(Attendance, request.user, pk=attendance_id)
    services.request_leave(att, request.user, reason=data.reason, substitute=data.substitute_id,
                           authorised_by=data.authorised_by_id)
    return _detail(request, att.meeting_id)


@router.post("/attendances/{attendance_id}/decide", response={200: MeetingDetailOut, **ERRORS},
             summary="审批请假或代会（会务人员）")
@guarded
def decide_leave(request, attendance_id: int, data: PlanDecideIn):
    att = get_visible_or_404(Attendance, request.user, pk=attendance_id)
    services.decide_leave(att, request.user, approve=data.approve, comment=data.comment)
    return _detail(request, att.meeting_id)


@router.post("/sign-in", response={200: SignInOut, **ERRORS}, summary="签到（输入会场屏幕上的签到码）")
@guarded
def sign_in(request, data: SignInIn):
    att = services.sign_in(request.user, data.code)
    code, label = services.attendance_status(att, att.meeting)
    return {"meeting_id": att.meeting_id, "attendance_id": att.pk, "signed_in_at": att.signed_in_at,
            "status": code, "status_label": label}


@router.post("/meetings/{meeting_id}/start", response={200: MeetingDetailOut, **ERRORS}, summary="宣布开会")
@guarded
def start(request, meeting_id: int):
    services.start_meeting(_visible_meeting(request, meeting_id), request.user)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/end", response={200: MeetingDetailOut, **ERRORS}, summary="散会")
@guarded
def end(request, meeting_id: int):
    services.end_meeting(_visible_meeting(request, meeting_id), request.user)
    return _detail(request, meeting_id)


@router.post("/agenda-items/{item_id}/start", response={200: MeetingDetailOut, **ERRORS},
             summary="开始一项议程（结束正在进行的一项）")
@guarded
def start_item(request, item_id: int):
    item = get_visible_or_404(AgendaItem, request.user, pk=item_id)
    services.start_item(item, request.user)
    return _detail(request, item.meeting_id)


@router.post("/agenda-items/{item_id}/end", response={200: MeetingDetailOut, **ERRORS}, summary="结束一项议程")
@guarded
def end_item(request, item_id: int):
    item = get_visible_or_404(AgendaItem, request.user, pk=item_id)
    services.end_item(item, request.user)
    return _detail(request, item.meeting_id)


@router.put("/meetings/{meeting_id}/minutes", response={200: MeetingDetailOut, **ERRORS},
            summary="起草或修改会议纪要及议定事项")
@guarded
def put_minutes(request, meeting_id: int, data: MinutesIn):
    m = _visible_meeting(request, meeting_id)
    services.write_minutes(m, request.user, summary=data.summary, decisions=[
        {"title": d.title, "content": d.content, "lead_unit": d.lead_unit_id, "lead_person": d.lead_person_id,
         "cooperating_units": d.cooperating_unit_ids, "responsible_leader": d.responsible_leader_id,
         "due_at": d.due_at} for d in data.decisions])
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/minutes/issue", response={200: MeetingDetailOut, **ERRORS},
             summary="印发会议纪要（编号）")
@guarded
def issue_minutes(request, meeting_id: int):
    mn = get_visible_or_404(Minutes, request.user, meeting_id=meeting_id)
    services.issue_minutes(mn, request.user)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/minutes/hand-over", response={200: HandOverOut, **ERRORS},
             summary="议定事项一键转为督办事项（MEET-3）")
@guarded
def hand_over(request, meeting_id: int):
    mn = get_visible_or_404(Minutes, request.user, meeting_id=meeting_id)
    matters = services.hand_over_decisions(mn, request.user)
    lights = matter_lights([m.pk for m in matters], request.user)
    return {"matters": [_light(lights.get(m.pk)) or {"id": m.pk, "number": m.number, "state": m.state,
                                                     "state_label": m.get_state_display(), "light": None,
                                                     "due_at": None} for m in matters]}
