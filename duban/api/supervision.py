"""/api/supervision/…: supervised matters through the same services and
visibility rules as the pages (SUP-1…5, item 6 of issue 4).

A matter the caller cannot see answers 404, as if it did not exist; an
action the caller may not take on a matter they can see answers 403; an
illegal step or bad input answers 422 with the Chinese message (and, per
field, `errors`)."""

from functools import wraps
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from duban.clocks.services import light as clock_light
from duban.core.officialdoc import docx_response
from duban.org.visibility import get_visible_or_404
from duban.savedviews import services as saved
from duban.supervision import documents, ledger, pages, queries, services
from duban.supervision.models import ExtensionRequest, Matter, Report, Urge
from duban.timelimits.calendar import provisional_note

from .errors import ErrorOut, IsoDate, IsoDateTime, django_errors

router = Router(tags=["督查督办"])


# --- schemas ------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


PROVISIONAL_DOC = ("按规则计算的期限跨入国务院尚未公布节假日安排的年份时为 true（暂定）：该年按《全国年节及纪念日放假办法》"
                   "的法定节假日及补假计算（不含调休），录入正式安排后自动重算，标记随之消失；人工设定的期限、"
                   "分钟和小时时限始终为 false")
PROVISIONAL_NOTE_DOC = "暂定说明，如“（暂定：待国务院公布2027年节假日安排后自动校正）”；不是暂定时为空字符串"


class CooperationOut(Schema):
    unit: Ref
    person: Ref | None
    duty: str


# A clock of a matter (签收、办结、定期报告). Named apart from the duty API's
# ClockOut: the OpenAPI schema keeps one component per name.
class MatterClockOut(Schema):
    id: int
    kind: str
    label: str
    state: str
    started_at: IsoDateTime
    warn_at: IsoDateTime
    due_at: IsoDateTime
    met_at: IsoDateTime | None
    stopped_at: IsoDateTime | None = Field(None, description="终止时间（事项撤销）")
    light: str
    provisional: bool = Field(description=PROVISIONAL_DOC)
    provisional_note: str = Field(description=PROVISIONAL_NOTE_DOC)


class MatterOut(Schema):
    id: int
    number: str
    title: str
    source_kind: str
    source_label: str
    state: str
    state_label: str
    urgency: str
    urgency_label: str
    lead_unit: Ref | None
    lead_person: Ref | None
    cooperating: list[CooperationOut]
    responsible_leader: Ref | None
    instructing_leader: Ref | None
    supervising_unit: Ref
    parent_id: int | None
    root_id: int | None
    depth: int
    deadline: IsoDateTime | None = Field(description="办结期限（含延期和暂停顺延）")
    next_due_at: IsoDateTime | None = Field(description="最近到期的计时器的到期时间")
    light: str | None = Field(description="red / yellow / green / done / stopped（已撤销）；草稿为空")
    provisional: bool = Field(description="办结期限（deadline）或最近到期时限（next_due_at）为暂定：" + PROVISIONAL_DOC)
    provisional_note: str = Field(description=PROVISIONAL_NOTE_DOC)
    progress: int
    is_long_term: bool
    report_cycle: str
    report_day: int | None
    return_count: int
    result: str
    created_at: IsoDateTime
    assigned_at: IsoDateTime | None


class FileOut(Schema):
    id: str
    name: str
    size: int
    sm3: str


class ReportOut(Schema):
    id: int
    kind: str
    text: str
    progress: int | None
    unit: Ref | None
    submitted_by: Ref
    submitted_at: IsoDateTime
    period_due_at: IsoDateTime | None
    files: list[FileOut]
    review_state: str
    review_comment: str


class ExtensionOut(Schema):
    id: int
    state: str
    reason: str
    old_due: IsoDateTime
    proposed_due: IsoDateTime
    new_due: IsoDateTime | None
    requested_by: Ref
    requested_at: IsoDateTime
    decided_by: Ref | None
    decided_at: IsoDateTime | None
    decision_reason: str


class UrgeOut(Schema):
    id: int
    kind: str
    channel: str
    urged_by: Ref | None
    urged_unit: Ref | None
    urged_person: Ref | None
    note: str
    urged_at: IsoDateTime
    document_number: str


class MatterDetail(MatterOut):
    content: str
    standard: str
    meeting_name: str
    meeting_date: IsoDate | None
    minutes_number: str
    instruction_date: IsoDate | None
    instruction_text: str
    document_number: str
    ticket_number: str
    finding: str
    source_ref: str
    due_at: IsoDateTime | None = Field(description="人工设定的办结期限")
    deadline_rule: str
    state_reason: str
    clocks: list[MatterClockOut]
    reports: list[ReportOut]
    extensions: list[ExtensionOut]
    urges: list[UrgeOut]
    actions: list[str] = Field(description="当前用户现在可执行的操作")


class MatterPage(Schema):
    count: int
    page: int
    page_size: int
    counts: dict[str, int] = Field(description="各灯色数量（不受灯色筛选影响）")
    items: list[MatterOut]


class TimelineOut(Schema):
    seq: int
    at: IsoDateTime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None


class TreeNode(Schema):
    matter: MatterOut
    children: list["TreeNode"]


TreeNode.model_rebuild()


class CooperationIn(Schema):
    unit_id: int
    person_id: int | None = None
    duty: str = ""


class MatterIn(Schema):
    source_kind: str = Field(description="standing_meeting / special_meeting / leader_instruction / assignment "
                                         "/ higher_deployment / hotline / inspection")
    title: str
    content: str = ""
    standard: str = ""
    urgency: str = "normal"
    lead_unit_id: int | None = None
    lead_person_id: int | None = None
    cooperating: list[CooperationIn] = []
    responsible_leader_id: int | None = None
    instructing_leader_id: int | None = None
    due_at: IsoDateTime | None = None
    deadline_rule: str | None = Field(None, description="无办结期限时默认 matter_report_7wd")
    is_long_term: bool = False
    report_cycle: str = ""
    report_day: int | None = None
    meeting_name: str = ""
    meeting_date: IsoDate | None = None
    minutes_number: str = ""
    instruction_date: IsoDate | None = None
    instruction_text: str = ""
    document_number: str = ""
    ticket_number: str = ""
    finding: str = ""
    source_ref: str = ""
    assign: bool = Field(False, description="创建后立即交办")


class MatterPatch(Schema):
    source_kind: str | None = None
    title: str | None = None
    content: str | None = None
    standard: str | None = None
    urgency: str | None = None
    lead_unit_id: int | None = None
    lead_person_id: int | None = None
    cooperating: list[CooperationIn] | None = None
    responsible_leader_id: int | None = None
    instructing_leader_id: int | None = None
    due_at: IsoDateTime | None = None
    deadline_rule: str | None = None
    is_long_term: bool | None = None
    report_cycle: str | None = None
    report_day: int | None = None
    meeting_name: str | None = None
    meeting_date: IsoDate | None = None
    minutes_number: str | None = None
    instruction_date: IsoDate | None = None
    instruction_text: str | None = None
    document_number: str | None = None
    ticket_number: str | None = None
    finding: str | None = None
    source_ref: str | None = None


class DecisionIn(Schema):
    title: str
    content: str = ""
    standard: str = ""
    urgency: str = "normal"
    lead_unit_id: int | None = None
    lead_person_id: int | None = None
    cooperating: list[CooperationIn] = []
    responsible_leader_id: int | None = None
    due_at: IsoDateTime | None = Field(None, description="不填则按 7 个工作日报告落实情况")


class MeetingIn(Schema):
    kind: str = Field("standing_meeting", description="standing_meeting / special_meeting")
    name: str
    date: IsoDate | None = None
    minutes_number: str = ""
    source_ref: str = ""
    assign: bool = True
    decisions: list[DecisionIn]


class SplitIn(Schema):
    title: str
    content: str = ""
    standard: str = ""
    urgency: str | None = None
    lead_unit_id: int | None = None
    lead_person_id: int | None = None
    cooperating: list[CooperationIn] = []
    due_at: IsoDateTime | None = None
    deadline_rule: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class CommentIn(Schema):
    comment: str = ""


class ExtensionIn(Schema):
    reason: str
    proposed_due: IsoDateTime


class DecisionOnExtensionIn(Schema):
    approve: bool
    reason: str = ""
    new_due: IsoDateTime | None = None


class DeadlineIn(Schema):
    due_at: str = Field(description="新的办结期限：日期（当日工作结束时）或带时区的时刻")
    reason: str = ""


class UrgeIn(Schema):
    channel: str = Field(description="phone / sms / message / in_person / written")
    note: str = ""
    urged_unit_id: int | None = None
    urged_person_id: int | None = None


class ReviewIn(Schema):
    accept: bool
    comment: str = ""


class NumberOut(Schema):
    document_number: str


class LedgerFilters(Schema):
    view: Literal["all", "unit", "supervision", "leader"] = Field(
        "all", description="all 全部可见 / unit 本单位待办 / supervision 督办总表 / leader 领导交办")
    source: str = ""
    unit: int | None = None
    state: str = Field("", description="可多个，逗号分隔")
    light: str = Field("", description="red / yellow / green / done / stopped（已撤销）")
    leader: int | None = None
    urgency: str = ""
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None
    q: str = ""
    top_only: bool = False


class ListFilters(LedgerFilters):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=200)


# --- helpers -------------------------------------------------------------------

def _errors(e: ValidationError) -> dict:
    return django_errors(e)


def guarded(view):
    """Service refusals as HTTP answers: PermissionDenied → 403, bad input
    or an illegal step → 422 (Http404 is answered by ninja)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as e:
            return Status(403, {"detail": str(e) or "无权执行此操作", "errors": {}})
        except ValidationError as e:
            return Status(422, _errors(e))

    return wrapped


ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _ref(obj):
    if obj is None:
        return None
    name = obj.get_full_name() or obj.get_username() if hasattr(obj, "get_full_name") else obj.name
    return {"id": obj.pk, "name": name}


def _light(m):
    if hasattr(m, "light") and m.current_clock_id:
        return m.light
    return clock_light(m.current_clock) if m.current_clock_id else None


def _provisional(clocks) -> dict:
    """The provisional mark (TL-1) of one or more deadlines (clocks; None
    for a missing one): `provisional` and `provisional_note` over the
    provisional years any of them was counted on."""
    years = sorted({y for c in clocks if c is not None for y in c.provisional_years})
    return {"provisional": bool(years), "provisional_note": provisional_note(years)}


def _matter_out(m) -> dict:
    return {
        "id": m.pk, "number": m.number, "title": m.title,
        "source_kind": m.source_kind, "source_label": m.get_source_kind_display(),
        "state": m.state, "state_label": m.get_state_display(),
        "urgency": m.urgency, "urgency_label": m.get_urgency_display(),
        "lead_unit": _ref(m.lead_unit), "lead_person": _ref(m.lead_person),
        "cooperating": [{"unit": _ref(c.unit), "person": _ref(c.person), "duty": c.duty}
                        for c in m.cooperations.all()],
        "responsible_leader": _ref(m.responsible_leader), "instructing_leader": _ref(m.instructing_leader),
        "supervising_unit": _ref(m.supervising_unit),
        "parent_id": m.parent_id, "root_id": m.root_id, "depth": m.depth,
        "deadline": m.deadline,
        "next_due_at": m.current_clock.due_at if m.current_clock_id else None,
        "light": _light(m), "progress": m.progress, "is_long_term": m.is_long_term,
        **_provisional((m.completion_clock if m.completion_clock_id else None,
                        m.current_clock if m.current_clock_id else None)),
        "report_cycle": m.report_cycle, "report_day": m.report_day, "return_count": m.return_count,
        "result": m.result, "created_at": m.created_at, "assigned_at": m.assigned_at,
    }


def _report_out(r) -> dict:
    return {
        "id": r.pk, "kind": r.kind, "text": r.text, "progress": r.progress, "unit": _ref(r.unit),
        "submitted_by": _ref(r.submitted_by), "submitted_at": r.submitted_at, "period_due_at": r.period_due_at,
        "files": [{"id": str(f.pk), "name": f.original_name, "size": f.size, "sm3": f.sm3}
                  for f in sorted(r.files.all(), key=lambda f: f.uploaded_at)],
        "review_state": r.review_state, "review_comment": r.review_comment,
    }


def _extension_out(e) -> dict:
    return {
        "id": e.pk, "state": e.state, "reason": e.reason, "old_due": e.old_due, "proposed_due": e.proposed_due,
        "new_due": e.new_due, "requested_by": _ref(e.requested_by), "requested_at": e.requested_at,
        "decided_by": _ref(e.decided_by), "decided_at": e.decided_at, "decision_reason": e.decision_reason,
    }


def _urge_out(u) -> dict:
    return {
        "id": u.pk, "kind": u.kind, "channel": u.channel, "urged_by": _ref(u.urged_by),
        "urged_unit": _ref(u.urged_unit), "urged_person": _ref(u.urged_person), "note": u.note,
        "urged_at": u.urged_at, "document_number": u.document_number,
    }


def _detail(request, pk) -> dict:
    m = queries.get_matter(request.user, pk)
    data = _matter_out(m)
    data.update({
        f: getattr(m, f) for f in ("content", "standard", "meeting_name", "meeting_date", "minutes_number",
                                   "instruction_date", "instruction_text", "document_number", "ticket_number",
                                   "finding", "source_ref", "due_at", "deadline_rule", "state_reason")
    })
    data["clocks"] = [
        {"id": c.pk, "kind": c.kind, "label": c.label, "state": c.state, "started_at": c.started_at,
         "warn_at": c.warn_at, "due_at": c.due_at, "met_at": c.met_at, "stopped_at": c.stopped_at,
         "light": c.light, **_provisional((c,))}
        for c in queries.matter_clocks(m)
    ]
    data["reports"] = [_report_out(r) for r in m.reports.all()]
    data["extensions"] = [_extension_out(e) for e in m.extensions.all()]
    data["urges"] = [_urge_out(u) for u in m.urges.all()]
    data["actions"] = [a.value for a in services.available_actions(request.user, m)]
    return data


def _matter(request, pk) -> Matter:
    return get_visible_or_404(Matter, request.user, pk=pk)


def _service_fields(payload: dict) -> dict:
    """API field names (…_id) → service field names."""
    out = {}
    for key, value in payload.items():
        if key == "cooperating":
            out[key] = [{"unit": c["unit_id"], "person": c.get("person_id"), "duty": c.get("duty", "")}
                        for c in (value or [])]
        elif key.endswith("_id"):
            out[key[:-3]] = value
        else:
            out[key] = value
    return out


# --- reads -----------------------------------------------------------------------

LIST_VIEWS = {"unit": queries.unit_worklist, "supervision": queries.supervision_list, "leader": queries.leader_list,
              "all": queries.visible_list}


def _list_query(filters: LedgerFilters) -> tuple:
    """(view, page, page size, the filters given) of a list's query (a
    ledger's has no page: None, None)."""
    params = filters.dict()
    view, page, size = params.pop("view"), params.pop("page", None), params.pop("page_size", None)
    return view, page, size, {k: v for k, v in params.items() if v not in (None, "", False)}


def _worklist(user, view, params):
    """The list `view` of the user with the filters `params` (a Worklist);
    PermissionDenied for the office list without a jurisdiction."""
    if view not in LIST_VIEWS:
        raise ValidationError({"view": "view 应为 all、unit、supervision 或 leader"})
    return LIST_VIEWS[view](user, params)


@router.get("/matters", response={200: MatterPage, 403: ErrorOut, 422: ErrorOut}, summary="督办事项列表（分页、筛选）",
            description="view=unit 为本单位待办（按最近到期排序），supervision 为督查室/领导管辖范围内的总表，"
            "leader 为本人批示或负责的事项，all 为本人可见的全部事项。counts 为各灯色数量。")
@guarded
def list_matters(request, filters: Query[ListFilters]):
    view, page, size, params = _list_query(filters)
    wl = _worklist(request.user, view, params)
    total = wl.rows_count
    rows = list(wl.rows[(page - 1) * size: page * size])
    return {"count": total, "page": page, "page_size": size, "counts": wl.counts,
            "items": [_matter_out(m) for m in rows]}


@router.get("/matters/{matter_id}", response={200: MatterDetail, 404: ErrorOut}, summary="督办事项详情")
def matter_detail(request, matter_id: int):
    return _detail(request, matter_id)


@router.get("/matters/{matter_id}/timeline", response={200: list[TimelineOut], 404: ErrorOut},
            summary="事项时间线（日志）")
def matter_timeline(request, matter_id: int):
    m = _matter(request, matter_id)
    return [{"seq": e.seq, "at": e.at, "actor": e.actor_name, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "before": e.before, "after": e.after}
            for e in queries.matter_timeline(m)]


@router.get("/matters/{matter_id}/subtree", response={200: TreeNode, 404: ErrorOut}, summary="子任务树")
def matter_subtree(request, matter_id: int):
    m = _matter(request, matter_id)

    def out(node):
        return {"matter": _matter_out(node["matter"]), "children": [out(c) for c in node["children"]]}

    tree = queries.subtree(m, request.user)
    # Rows of the tree carry no cooperations prefetch; fetch them in one go.
    from django.db.models import prefetch_related_objects

    def walk(node):
        yield node["matter"]
        for c in node["children"]:
            yield from walk(c)

    prefetch_related_objects(list(walk(tree)), "cooperations__unit", "cooperations__person")
    return out(tree)


# --- writes ------------------------------------------------------------------------

@router.post("/matters", response={201: MatterDetail, **ERRORS}, summary="创建督办事项（可同时交办）")
@guarded
def create_matter(request, payload: MatterIn):
    data = _service_fields(payload.dict())
    assign = data.pop("assign")
    m = services.create_matter(request.user, assign=assign, **data)
    return Status(201, _detail(request, m.pk))


@router.patch("/matters/{matter_id}", response={200: MatterDetail, **ERRORS}, summary="修改草稿")
@guarded
def update_matter(request, matter_id: int, payload: MatterPatch):
    m = _matter(request, matter_id)
    services.update_draft(m, request.user, **_service_fields(payload.dict(exclude_unset=True)))
    return _detail(request, m.pk)


@router.post("/meeting-decisions", response={201: list[MatterOut], **ERRORS},
             summary="会议议定事项批量转为督办事项（MEET-3）",
             description="全部校验通过才写入；错误信息注明行号。未填期限的按 7 个工作日报告落实情况。")
@guarded
def meeting_decisions(request, payload: MeetingIn):
    data = payload.dict()
    decisions = [_service_fields(d) for d in data.pop("decisions")]
    assign = data.pop("assign")
    matters = services.create_matters_from_meeting(data, decisions, request.user, assign=assign)
    rows = queries.base_queryset(request.user).filter(pk__in=[m.pk for m in matters]).order_by("id")
    return Status(201, [_matter_out(m) for m in rows])


@router.post("/matters/{matter_id}/assign", response={200: MatterDetail, **ERRORS}, summary="交办")
@guarded
def assign(request, matter_id: int):
    services.assign_matter(_matter(request, matter_id), request.user)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/acknowledge", response={200: MatterDetail, **ERRORS}, summary="签收")
@guarded
def acknowledge(request, matter_id: int):
    services.acknowledge(_matter(request, matter_id), request.user)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/start", response={200: MatterDetail, **ERRORS}, summary="开始办理")
@guarded
def start(request, matter_id: int):
    services.start_work(_matter(request, matter_id), request.user)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/reports", response={201: ReportOut, **ERRORS},
             summary="报送进展反馈或定期报告（multipart，可附佐证材料）")
@guarded
def submit_report(request, matter_id: int, text: Form[str], kind: Form[str] = "progress",
                  progress: Form[int | None] = None, files: File[list[UploadedFile]] = None):
    r = services.submit_report(_matter(request, matter_id), request.user, text=text, kind=kind,
                               progress=progress, files=files or [])
    return Status(201, _report_out(r))


@router.post("/matters/{matter_id}/request-completion", response={201: ReportOut, **ERRORS},
             summary="申请办结（multipart，须附至少一份佐证材料）")
@guarded
def request_completion(request, matter_id: int, text: Form[str], files: File[list[UploadedFile]] = None):
    r = services.request_completion(_matter(request, matter_id), request.user, text=text, files=files or [])
    return Status(201, _report_out(r))


@router.post("/matters/{matter_id}/complete", response={200: MatterDetail, **ERRORS}, summary="审核办结")
@guarded
def complete(request, matter_id: int, payload: CommentIn = None):
    services.complete_matter(_matter(request, matter_id), request.user,
                             comment=payload.comment if payload else "")
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/return", response={200: MatterDetail, **ERRORS}, summary="退回重办")
@guarded
def return_(request, matter_id: int, payload: ReasonIn):
    services.return_matter(_matter(request, matter_id), request.user, reason=payload.reason)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/archive", response={200: MatterDetail, **ERRORS}, summary="归档")
@guarded
def archive(request, matter_id: int):
    services.archive_matter(_matter(request, matter_id), request.user)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/suspend", response={200: MatterDetail, **ERRORS}, summary="暂停（督查室）")
@guarded
def suspend(request, matter_id: int, payload: ReasonIn):
    services.suspend_matter(_matter(request, matter_id), request.user, reason=payload.reason)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/resume", response={200: MatterDetail, **ERRORS}, summary="恢复（督查室）")
@guarded
def resume(request, matter_id: int, payload: ReasonIn = None):
    services.resume_matter(_matter(request, matter_id), request.user, reason=payload.reason if payload else "")
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/cancel", response={200: MatterDetail, **ERRORS}, summary="撤销（督查室）")
@guarded
def cancel(request, matter_id: int, payload: ReasonIn):
    services.cancel_matter(_matter(request, matter_id), request.user, reason=payload.reason)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/split", response={201: MatterDetail, **ERRORS}, summary="分解子任务")
@guarded
def split(request, matter_id: int, payload: SplitIn):
    data = _service_fields(payload.dict())
    data = {k: v for k, v in data.items() if v is not None}
    child = services.split_matter(_matter(request, matter_id), request.user, **data)
    return Status(201, _detail(request, child.pk))


@router.post("/matters/{matter_id}/extensions", response={201: ExtensionOut, **ERRORS}, summary="申请延期")
@guarded
def request_extension(request, matter_id: int, payload: ExtensionIn):
    e = services.request_extension(_matter(request, matter_id), request.user, reason=payload.reason,
                                   proposed_due=payload.proposed_due)
    return Status(201, _extension_out(e))


@router.post("/extensions/{extension_id}/decide", response={200: ExtensionOut, **ERRORS}, summary="审批延期申请")
@guarded
def decide_extension(request, extension_id: int, payload: DecisionOnExtensionIn):
    e = get_visible_or_404(ExtensionRequest, request.user, pk=extension_id)
    e = services.decide_extension(e, request.user, approve=payload.approve, reason=payload.reason,
                                  new_due=payload.new_due)
    return _extension_out(ExtensionRequest.objects.select_related("requested_by", "decided_by").get(pk=e.pk))


@router.post("/matters/{matter_id}/deadline", response={200: MatterDetail, **ERRORS},
             summary="调整办结期限（督查室核定期限）")
@guarded
def adjust_deadline(request, matter_id: int, payload: DeadlineIn):
    services.adjust_deadline(_matter(request, matter_id), request.user, due_at=payload.due_at, reason=payload.reason)
    return _detail(request, matter_id)


@router.post("/matters/{matter_id}/urges", response={201: UrgeOut, **ERRORS}, summary="催办")
@guarded
def urge(request, matter_id: int, payload: UrgeIn):
    u = services.urge_matter(_matter(request, matter_id), request.user, channel=payload.channel, note=payload.note,
                             urged_unit=payload.urged_unit_id, urged_person=payload.urged_person_id)
    return Status(201, _urge_out(u))


@router.post("/urges/{urge_id}/number", response={200: NumberOut, **ERRORS}, summary="生成催办单编号")
@guarded
def urge_number(request, urge_id: int):
    u = get_visible_or_404(Urge, request.user, pk=urge_id)
    return {"document_number": services.allocate_urge_number(u, by=request.user)}


@router.post("/reports/{report_id}/review", response={200: ReportOut, **ERRORS}, summary="审阅反馈（认可或退回）")
@guarded
def review_report(request, report_id: int, payload: ReviewIn):
    r = get_visible_or_404(Report, request.user, pk=report_id)
    services.review_report(r, request.user, accept=payload.accept, comment=payload.comment)
    r = Report.objects.select_related("unit", "submitted_by").prefetch_related("files").get(pk=r.pk)
    return _report_out(r)



# --- documents and ledgers (item 5, OUT-2) -------------------------------------------------------

# The API's list views as the pages know them (their ledgers' sheets, their
# saved views); `all` has no page of its own.
LIST_PAGES = {"unit": pages.LISTS["unit"], "supervision": pages.LISTS["office"], "leader": pages.LISTS["leader"]}
LEDGER_SHEETS = {**{view: kind.sheet for view, kind in LIST_PAGES.items()}, "all": pages.LISTS["office"].sheet}


class ImportResultOut(Schema):
    rows: int = Field(description="导入的行数（不含示例行）")
    assigned: bool = Field(description="是否已同时交办")
    items: list[MatterOut]


def _require_supervisor(user):
    if not services.is_supervisor(user):
        raise PermissionDenied("只有督查室可以批量导入督办事项")


@router.get("/ledger", response={200: None, **ERRORS}, summary="台账（Excel，筛选同列表）",
            description="与 GET /matters 相同的 view 和筛选条件，返回全部符合条件的事项（不分页）的 .xlsx 台账；"
            "导出记入审计日志。")
@guarded
def ledger_xlsx(request, filters: Query[LedgerFilters]):
    view, _, _, params = _list_query(filters)
    wl = _worklist(request.user, view, params)
    return ledger.export_response(request, wl.rows, LEDGER_SHEETS[view], filters={"view": view, **params})


@router.get("/matters/{matter_id}/notice.docx", response={200: None, **ERRORS}, summary="督办通知单（Word）")
@guarded
def notice_docx(request, matter_id: int):
    return docx_response(*documents.notice_file(queries.get_matter(request.user, matter_id)))


@router.get("/urges/{urge_id}/docx", response={200: None, **ERRORS}, summary="催办单（Word；首次下载时编号）",
            description="催办单尚无编号时，由可以催办该事项的人首次下载时编号（记入审计日志）；其他人得到 403。")
@guarded
def urge_docx(request, urge_id: int):
    urge = get_visible_or_404(Urge.objects.select_related("matter"), request.user, pk=urge_id)
    m = queries.get_matter(request.user, urge.matter_id)
    return docx_response(*documents.urge_file(request.user, urge, m))


@router.get("/import/template", response={200: None, **ERRORS}, summary="督办事项导入模板（Excel，督查室）")
@guarded
def import_template(request):
    _require_supervisor(request.user)
    return ledger.template_response()


@router.post("/import", response={201: ImportResultOut, **ERRORS},
             summary="从 Excel 批量导入督办事项（multipart，督查室；先校验全部行，有任何错误则全部不导入）",
             description="file：按导入模板填写的 .xlsx；assign：是否同时交办（默认是）。出错时返回 422，"
             "errors.file 逐条列出“第N行“列名”列：原因”。")
@guarded
def import_matters(request, file: File[UploadedFile], assign: Form[bool] = True):
    _require_supervisor(request.user)
    result = ledger.import_matters(request.user, file, assign=assign)
    if not result.ok:
        raise ValidationError({"file": result.errors})
    rows = queries.base_queryset(request.user).filter(pk__in=[m.pk for m in result.matters]).order_by("id")
    return Status(201, {"rows": result.rows, "assigned": assign, "items": [_matter_out(m) for m in rows]})


# --- saved views (常用筛选, item 4) --------------------------------------------------------------

class SavedViewOut(Schema):
    id: int
    view: str = Field(description="unit / supervision / leader")
    name: str
    query: str = Field(description="筛选条件（查询字符串），可直接用于 GET /matters 和 GET /ledger")


ListPage = Literal["unit", "supervision", "leader"]


class SavedViewIn(Schema):
    view: ListPage = Field(description="unit / supervision / leader")
    name: str
    query: str = ""


def _list_page(view):
    if view not in LIST_PAGES:
        raise ValidationError({"view": "view 应为 unit、supervision 或 leader"})
    return LIST_PAGES[view]


@router.get("/views", response={200: list[SavedViewOut], **ERRORS}, summary="本人的常用筛选")
@guarded
def saved_views(request, view: ListPage):
    kind = _list_page(view)
    return [{"id": v.pk, "view": view, "name": v.name, "query": v.query}
            for v in saved.views_for(request.user, kind.page_key)]


@router.post("/views", response={201: SavedViewOut, **ERRORS}, summary="保存常用筛选（同名则覆盖）")
@guarded
def save_view(request, payload: SavedViewIn):
    v = saved.save_view(request.user, _list_page(payload.view).page_key, payload.name, payload.query)
    return Status(201, {"id": v.pk, "view": payload.view, "name": v.name, "query": v.query})


@router.delete("/views/{view_id}", response={204: None, **ERRORS}, summary="删除本人的常用筛选")
@guarded
def delete_view(request, view_id: int):
    if not saved.delete_view(request.user, view_id):
        raise Http404("常用筛选不存在")
    return Status(204, None)
