"""/api/documents/…: 公文办理 (DOC-1, DOC-2, TL-3) through the same services
and visibility rules as the pages. What the caller cannot see answers 404;
an action they may not take 403; bad input or an illegal step 422 with the
Chinese message (and, per field, `errors`). Times are ISO 8601; naive times
are Beijing time."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from duban.api.supervision import ERRORS, ErrorOut, Ref, _ref, guarded
from duban.clocks.services import light
from duban.documents import queries, services
from duban.documents.models import LengthLimit

router = Router(tags=["公文办理"])


class DocumentClockOut(Schema):
    kind: str
    label: str
    rule: str | None = Field(description="时限规则代码，人工或上级规定的期限为空")
    state: str
    started_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None
    light: str
    owner_unit: Ref | None


class TaskOut(Schema):
    seq: int
    content: str
    unit: Ref | None
    person: Ref | None
    due_on: dt.date | None


class DocumentOut(Schema):
    id: int
    direction: str = Field(description="received 收文 / issued 发文")
    state: str
    state_label: str
    number: str
    issuer_name: str
    unit: Ref
    title: str
    urgency: str
    layout: str
    is_special: bool
    char_count: int | None
    over_length: bool
    length_reason: str
    implements_id: int | None
    implements_text: str
    only_forwards: bool = Field(description="以文件落实文件")
    forwarding_note: str
    registered_at: dt.datetime
    received_at: dt.datetime | None
    issued_at: dt.datetime | None
    next_due_at: dt.datetime | None = Field(description="最近一个未完成时限的到期时间")
    light: str | None = Field(description="最近一个未完成时限的灯色；没有则为空")


class DocumentDetail(DocumentOut):
    clocks: list[DocumentClockOut]
    tasks: list[TaskOut]
    approval_note: str
    revision_note: str


class DocumentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DocumentOut]


class Filters(Schema):
    direction: str = Field("received", description="received 收文 / issued 发文")
    state: str = ""
    unit: int | None = None
    urgency: str = ""
    light: str = Field("", description="red / yellow / green")
    flagged: bool = Field(False, description="仅以文件落实文件")
    q: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class TaskIn(Schema):
    content: str
    unit_id: int | None = None
    person_id: int | None = None
    due_on: dt.date | None = None


class ReceivedIn(Schema):
    number: str
    issuer_name: str
    title: str
    unit_id: int = Field(description="收文单位")
    urgency: str = Field("normal", description="extra_urgent 特急 / urgent 加急 / normal 一般")
    received_at: dt.datetime | None = None
    implements_id: int | None = None
    implements_text: str = ""
    needs_supporting: bool = False
    supporting_unit_id: int | None = None
    supporting_person_id: int | None = None
    supporting_review_due: dt.datetime | None = None
    supporting_issue_due: dt.datetime | None = None


class IssuedIn(Schema):
    title: str
    unit_id: int = Field(description="发文单位，计入其年度发文计划")
    urgency: str = "normal"
    layout: str = Field("red_head", description="red_head 红头文件 / white_head 白头文件 / note 便函")
    is_special: bool = False
    text: str = Field("", description="正文；给出时按字数计算篇幅")
    char_count: int | None = None
    length_reason: str = ""
    implements_id: int | None = None
    implements_text: str = ""
    meeting_name: str = ""
    meeting_at: dt.datetime | None = None
    assigns_work: bool = False
    tasks: list[TaskIn] = []


class NoteIn(Schema):
    note: str = ""


class SubmitIn(Schema):
    text: str = ""
    char_count: int | None = None
    length_reason: str | None = None


class RevisionIn(Schema):
    comments: str
    major: bool = False


class IssueIn(Schema):
    number: str = ""


class LimitOut(Schema):
    code: str
    name: str
    value: int
    unit_label: str
    seed_section: str


def _out(d) -> dict:
    return {
        "id": d.pk, "direction": d.direction, "state": d.state, "state_label": d.get_state_display(),
        "number": d.number, "issuer_name": d.issuer_name, "unit": _ref(d.unit), "title": d.title,
        "urgency": d.urgency, "layout": d.layout, "is_special": d.is_special, "char_count": d.char_count,
        "over_length": services.over_length(d), "length_reason": d.length_reason,
        "implements_id": d.implements_id, "implements_text": d.implements_text, "only_forwards": d.only_forwards,
        "forwarding_note": d.forwarding_note, "registered_at": d.registered_at, "received_at": d.received_at,
        "issued_at": d.issued_at, "next_due_at": d.open_due_at,
        "light": getattr(d, "light", None) if d.open_due_at else None,
    }


def _detail(request, pk) -> dict:
    detail = queries.document_detail(request.user, pk)
    d = detail.document
    now = timezone.now()
    out = _out(d)
    if d.current_clock_id and d.open_due_at:
        out["light"] = light(d.current_clock, now)
    out["clocks"] = [{"kind": c.kind, "label": c.label, "rule": c.rule.code if c.rule_id else None,
                      "state": c.state, "started_at": c.started_at, "due_at": c.due_at, "met_at": c.met_at,
                      "light": lt, "owner_unit": _ref(c.owner_unit)} for c, lt in detail.clocks]
    out["tasks"] = [{"seq": t.seq, "content": t.content, "unit": _ref(t.unit), "person": _ref(t.person),
                     "due_on": t.due_on} for t in detail.tasks]
    out["approval_note"], out["revision_note"] = d.approval_note, d.revision_note
    return out


def _doc(request, pk):
    return queries.document_detail(request.user, pk).document


def _ids(data: dict, *names) -> dict:
    for name in names:
        data[name] = data.pop(f"{name}_id", None)
    return data


@router.get("/documents", response=DocumentPage, summary="收文或发文列表（分页、筛选）",
            description="有时限在办的在前，按最近到期排序；其余按登记时间由近及远。")
def list_documents(request, filters: Query[Filters]):
    f = filters.dict()
    direction = f.pop("direction") if f.get("direction") in ("received", "issued") else "received"
    page, size = f.pop("page"), f.pop("page_size")
    qs = queries.filtered(request.user, direction, {**f, "unit": f.get("unit") or ""})
    rows = list(qs[(page - 1) * size: page * size])
    return {"count": qs.count(), "page": page, "page_size": size, "items": [_out(d) for d in rows]}


@router.get("/documents/{doc_id}", response={200: DocumentDetail, 404: ErrorOut}, summary="文件详情（含时限和工作安排）")
def document_detail(request, doc_id: int):
    return _detail(request, doc_id)


@router.post("/received", response={201: DocumentDetail, **ERRORS}, summary="登记收文",
             description="特急文件1小时内批办；要求制定配套文件的，须明确责任单位和责任人，上级未规定时限的按2个月送审、"
                         "3个月出台计时。")
@guarded
def register_received(request, payload: ReceivedIn):
    data = _ids(payload.dict(), "unit", "implements", "supporting_unit", "supporting_person")
    d = services.register_received(request.user, **data)
    return Status(201, _detail(request, d.pk))


@router.post("/issued", response={201: DocumentDetail, **ERRORS}, summary="登记发文（起草）",
             description="篇幅超过上限须说明理由；布置工作的须逐项明确时间节点、责任单位和责任人（DOC-2），"
                         "否则返回 422 并指出缺少什么；常务会议审定的代拟文件会后5个工作日内印发。")
@guarded
def register_issued(request, payload: IssuedIn):
    data = _ids(payload.dict(), "unit", "implements")
    data["tasks"] = [{"content": t["content"], "unit": t["unit_id"], "person": t["person_id"], "due_on": t["due_on"]}
                     for t in data["tasks"]]
    d = services.register_issued(request.user, **data)
    return Status(201, _detail(request, d.pk))


@router.post("/documents/{doc_id}/approve", response={200: DocumentDetail, **ERRORS}, summary="批办（收文）")
@guarded
def approve(request, doc_id: int, payload: NoteIn):
    services.approve(_doc(request, doc_id), request.user, note=payload.note)
    return _detail(request, doc_id)


@router.post("/documents/{doc_id}/submit", response={200: DocumentDetail, **ERRORS}, summary="送审（发文）")
@guarded
def submit(request, doc_id: int, payload: SubmitIn):
    services.submit(_doc(request, doc_id), request.user, text=payload.text, char_count=payload.char_count,
                    length_reason=payload.length_reason)
    return _detail(request, doc_id)


@router.post("/documents/{doc_id}/revision", response={200: DocumentDetail, **ERRORS},
             summary="领导提出修改意见（1个工作日内修改送审，重大修改3个工作日）")
@guarded
def revision(request, doc_id: int, payload: RevisionIn):
    services.request_revision(_doc(request, doc_id), request.user, comments=payload.comments, major=payload.major)
    return _detail(request, doc_id)


@router.post("/documents/{doc_id}/issue", response={200: DocumentDetail, **ERRORS},
             summary="登记印发（计入年度发文计划）")
@guarded
def issue(request, doc_id: int, payload: IssueIn):
    services.issue(_doc(request, doc_id), request.user, number=payload.number)
    return _detail(request, doc_id)


@router.post("/documents/{doc_id}/flag", response={200: DocumentDetail, **ERRORS}, summary="标记以文件落实文件")
@guarded
def flag(request, doc_id: int, payload: NoteIn):
    services.flag_forwarding(_doc(request, doc_id), request.user, note=payload.note)
    return _detail(request, doc_id)


@router.post("/documents/{doc_id}/unflag", response={200: DocumentDetail, **ERRORS}, summary="取消以文件落实文件标记")
@guarded
def unflag(request, doc_id: int, payload: NoteIn):
    services.unflag_forwarding(_doc(request, doc_id), request.user, reason=payload.note)
    return _detail(request, doc_id)


@router.get("/length-limits", response=list[LimitOut], summary="篇幅上限（管理员可调整）")
def length_limits(request):
    return [{"code": x.code, "name": x.name, "value": x.value, "unit_label": x.unit_label,
             "seed_section": x.seed_section} for x in LengthLimit.objects.order_by("code")]
