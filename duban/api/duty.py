"""/api/duty/…: 值班信息报送 through the same services and visibility rules as
the pages (DUTY-1…5).

What the caller cannot see answers 404; an action they may not take answers
403; bad input or an illegal step answers 422 with the Chinese message (and,
per field, `errors`). Times are ISO 8601; naive times are Beijing time."""

import datetime as dt
import decimal
from typing import Annotated

from django.contrib.auth import get_user_model
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from duban.api.errors import IsoDate, IsoDateTime
from duban.api.supervision import ERRORS, Ref, guarded
from duban.core.officialdoc import docx_response
from duban.duty import documents, pages, queries, services
from duban.duty.models import Bulletin, BulletinItem, DutyShift, IncidentState, WrittenReport
from duban.org.models import Unit
from duban.org.visibility import get_visible_or_404, visible

router = Router(tags=["值班信息报送"])

# A roster's month: years the official calendar covers, months 1-12.
PathYear = Annotated[int, Path(..., ge=2004, le=2099, description="年份（2004–2099）")]
PathMonth = Annotated[int, Path(..., ge=1, le=12, description="月份（1–12）")]
User = get_user_model()


# --- schemas ------------------------------------------------------------------

class ClockOut(Schema):
    kind: str
    label: str
    state: str
    started_at: IsoDateTime
    due_at: IsoDateTime
    met_at: IsoDateTime | None
    light: str
    seconds_remaining: int | None = Field(description="正在计时：剩余秒数（超时为负）")
    late_minutes: int = Field(description="逾期完成：逾期分钟数（向上取整）")
    overdue_minutes: int = Field(description="正在计时且已超时的分钟数")
    status_text: str


class IncidentOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    occurred_at: IsoDateTime
    learned_at: IsoDateTime
    place: str
    reporting_unit: Ref
    involved_units: list[Ref]
    description: str
    state: str
    closed_at: IsoDateTime | None
    clocks: list[ClockOut]


class Figures(Schema):
    deaths: int | None = None
    injuries: int | None = None
    missing: int | None = None
    affected: int | None = None
    economic_loss: decimal.Decimal | None = Field(None, description="万元")


class SignatureOut(Schema):
    id: int
    version: int
    signer: Ref
    signer_name: str
    basis: str
    meaning: str
    signed_at: IsoDateTime
    content_hash: str
    valid: bool = Field(description="签名与所签版本内容一致")
    is_current: bool = Field(description="所签版本是否为报告当前版本")


class VersionOut(Schema):
    number: int
    kind: str
    text: str
    figures: Figures
    content_hash: str
    edited_by: Ref
    edited_at: IsoDateTime


class WrittenReportOut(Schema):
    id: int
    incident_id: int
    unit: Ref
    kind: str
    kind_label: str
    seq: int
    state: str
    state_label: str
    needs_resign: bool = Field(description="曾审签但已修改，需重新审签")
    current_version: int | None
    sent_version: int | None
    sent_at: IsoDateTime | None
    versions: list[VersionOut]
    signatures: list[SignatureOut]


class PhoneOut(Schema):
    id: int
    called_at: IsoDateTime
    caller_name: str
    caller_phone: str
    callee_name: str
    callee_unit: Ref | None
    summary: str


class UnitFiguresOut(Schema):
    unit: Ref
    kind: str
    version: int
    sent_at: IsoDateTime
    figures: Figures
    changed: list[str]


class HistoryOut(Schema):
    unit: Ref
    entries: list[UnitFiguresOut]


class ConflictOut(Schema):
    field: str
    values: list[dict]


class IncidentDetailOut(IncidentOut):
    phone_reports: list[PhoneOut]
    reports: list[WrittenReportOut]
    figure_history: list[HistoryOut]
    conflicts: list[ConflictOut]


class IncidentPage(Schema):
    count: int
    page: int
    items: list[IncidentOut]


class ShiftOut(Schema):
    date: IsoDate
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    unit: Ref
    officer: Ref
    leader: Ref
    note: str


class RunningOut(Schema):
    incident_id: int
    incident_title: str
    reporting_unit: Ref
    clock: ClockOut


class ScreenOut(Schema):
    now: IsoDateTime
    roster: list[ShiftOut]
    running: list[RunningOut]


class IncidentIn(Schema):
    title: str
    kind: str = Field(description="natural_disaster / accident / public_health / social_security / other")
    level: str = Field(description="general / larger / major / extraordinary")
    occurred_at: IsoDateTime
    learned_at: IsoDateTime
    place: str
    reporting_unit_id: int
    involved_unit_ids: list[int] = []
    description: str


class PhoneIn(Schema):
    called_at: IsoDateTime
    caller_name: str
    caller_phone: str = ""
    callee_name: str
    callee_unit_id: int | None = None
    summary: str


class ReportIn(Schema):
    kind: str = Field(description="first / follow_up / final")
    text: str
    unit_id: int | None = Field(None, description="默认为报告单位；也可为涉及单位")
    figures: dict[str, str | int | float | None] | None = Field(None, description="未给出的沿用本单位上一次报告")


class ReviseIn(Schema):
    text: str | None = None
    figures: dict[str, str | int | float | None] | None = None


class SignIn(Schema):
    password: str


class RosterRowIn(Schema):
    date: dt.date | int = Field(description="日期或当月日数")
    officer_id: int | None = None
    leader_id: int | None = None
    note: str = ""
    start: str = Field("", description="开始时间，如 18:00；留空用默认值班时间")
    end: str = Field("", description="结束时间，如 08:00；不晚于开始时间即为次日")


class RosterIn(Schema):
    rows: list[RosterRowIn]


class ItemIn(Schema):
    report_id: int
    heading: str = ""
    summary: str = ""


class BulletinIn(Schema):
    title: str
    items: list[ItemIn]


class BulletinPatch(Schema):
    title: str | None = None
    items: list[ItemIn] | None = None


class InstructionOut(Schema):
    id: int
    leader: Ref
    text: str
    instructed_at: IsoDateTime
    relayed_at: IsoDateTime
    lead_unit: Ref
    units: list[Ref]
    matter_id: int
    matter_number: str


class ItemOut(Schema):
    id: int
    report_id: int | None
    heading: str
    summary: str
    instructions: list[InstructionOut]


class BulletinOut(Schema):
    id: int
    title: str
    state: str
    year: int | None
    number: int | None
    number_text: str
    unit: Ref
    compiled_at: IsoDateTime
    issued_at: IsoDateTime | None
    items: list[ItemOut]


class InstructionIn(Schema):
    leader_id: int
    text: str
    unit_ids: list[int] = Field(description="第一个为牵头单位")
    instructed_at: IsoDateTime | None = None
    due_at: IsoDateTime | None = None


class IncidentFilters(Schema):
    state: str = Field("", description="open 处置中 / closed 已终报")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


# --- helpers --------------------------------------------------------------------

def _ref(obj):
    if obj is None:
        return None
    if hasattr(obj, "get_full_name"):
        return {"id": obj.pk, "name": obj.get_full_name() or obj.get_username()}
    return {"id": obj.pk, "name": obj.name}


def _clock(cv) -> dict:
    return {"kind": cv.kind, "label": cv.label, "state": cv.state, "started_at": cv.started_at,
            "due_at": cv.due_at, "met_at": cv.met_at, "light": cv.light, "seconds_remaining": cv.seconds_remaining,
            "late_minutes": cv.late_minutes, "overdue_minutes": cv.overdue_minutes, "status_text": cv.status_text}


def _incident(inc, clocks) -> dict:
    return {
        "id": inc.pk, "title": inc.title, "kind": inc.kind, "kind_label": inc.get_kind_display(),
        "level": inc.level, "level_label": inc.get_level_display(), "occurred_at": inc.occurred_at,
        "learned_at": inc.learned_at, "place": inc.place, "reporting_unit": _ref(inc.reporting_unit),
        "involved_units": [_ref(u) for u in inc.involved_units.all()], "description": inc.description,
        "state": inc.state, "closed_at": inc.closed_at, "clocks": [_clock(cv) for cv in clocks],
    }


def _report(r) -> dict:
    sigs = list(r.signatures.all())
    return {
        "id": r.pk, "incident_id": r.incident_id, "unit": _ref(r.unit), "kind": r.kind,
        "kind_label": r.get_kind_display(), "seq": r.seq, "state": r.state, "state_label": r.get_state_display(),
        "needs_resign": r.state != "sent" and bool(sigs),
        "current_version": r.current_version.number if r.current_version_id else None,
        "sent_version": r.sent_version.number if r.sent_version_id else None, "sent_at": r.sent_at,
        "versions": [{"number": v.number, "kind": v.kind, "text": v.text, "figures": v.figures,
                      "content_hash": v.content_hash, "edited_by": _ref(v.edited_by), "edited_at": v.edited_at}
                     for v in r.versions.all()],
        "signatures": [{"id": s.pk, "version": s.version.number, "signer": _ref(s.signer),
                        "signer_name": s.signer_name, "basis": s.basis, "meaning": s.meaning,
                        "signed_at": s.signed_at, "content_hash": s.content_hash,
                        "valid": services.verify_signature(s), "is_current": s.version_id == r.current_version_id}
                       for s in sigs],
    }


def _detail(request, pk) -> dict:
    d = queries.incident_detail(request.user, pk)
    out = _incident(d.incident, d.clocks)
    out["phone_reports"] = [{"id": p.pk, "called_at": p.called_at, "caller_name": p.caller_name,
                             "caller_phone": p.caller_phone, "callee_name": p.callee_name,
                             "callee_unit": _ref(p.callee_unit), "summary": p.summary} for p in d.phone_reports]
    out["reports"] = [_report(r) for r in d.reports]
    out["figure_history"] = [{"unit": _ref(h.unit), "entries": [
        {"unit": _ref(h.unit), "kind": e.kind, "version": e.version.number, "sent_at": e.sent_at,
         "figures": e.figures, "changed": sorted(e.changed)} for e in h.entries]} for h in d.history]
    out["conflicts"] = [{"field": f, "values": [{"unit": _ref(u), "value": v} for u, v in given]}
                        for f, given in d.conflicts.items()]
    return out


def _unit(pk):
    return Unit.objects.filter(pk=pk).first() if pk else None


def _visible_report(request, pk):
    return get_visible_or_404(WrittenReport.objects.select_related("incident", "unit"), request.user, pk=pk)


def _bulletin(request, b) -> dict:
    return {
        "id": b.pk, "title": b.title, "state": b.state, "year": b.year, "number": b.number,
        "number_text": b.number_text, "unit": _ref(b.unit), "compiled_at": b.compiled_at, "issued_at": b.issued_at,
        "items": [{"id": i.pk, "report_id": i.report_id, "heading": i.heading, "summary": i.summary,
                   "instructions": [{"id": x.pk, "leader": _ref(x.leader), "text": x.text,
                                     "instructed_at": x.instructed_at, "relayed_at": x.relayed_at,
                                     "lead_unit": _ref(x.lead_unit), "units": [_ref(u) for u in x.units.all()],
                                     "matter_id": x.matter_id, "matter_number": x.matter.number}
                                    for x in i.instruction_list]}
                  for i in pages.bulletin_items(b, request.user)],
    }


# --- the screen, roster ------------------------------------------------------------

def _shift(x, unit=None):
    return {"date": x.date, "starts_at": x.starts_at, "ends_at": x.ends_at, "unit": _ref(unit or x.unit),
            "officer": _ref(x.officer), "leader": _ref(x.leader), "note": x.note}


@router.get("/screen", response=ScreenOut, summary="值班室大屏：当前值班、正在计时")
def screen(request):
    s = queries.duty_screen(request.user)
    return {"now": s.now,
            "roster": [_shift(x) for x in s.roster],
            "running": [{"incident_id": rc.incident.pk, "incident_title": rc.incident.title,
                         "reporting_unit": _ref(rc.incident.reporting_unit), "clock": _clock(rc.view)}
                        for rc in s.running]}


@router.get("/roster/{unit_id}/{year}/{month}", response={200: list[ShiftOut], **ERRORS}, summary="某单位某月值班表")
def get_roster(request, unit_id: int, year: PathYear, month: PathMonth):
    unit = _unit(unit_id)
    if unit is None:
        return Status(404, {"detail": "未找到该单位", "errors": {}})
    shifts = (visible(DutyShift, request.user).filter(unit=unit, date__year=year, date__month=month)
              .select_related("unit", "officer", "leader").order_by("date"))
    return [_shift(x) for x in shifts]


@router.put("/roster/{unit_id}/{year}/{month}", response={200: list[ShiftOut], **ERRORS},
            summary="编排某单位某月值班表（整月替换）")
@guarded
def put_roster(request, unit_id: int, year: PathYear, month: PathMonth, data: RosterIn):
    unit = _unit(unit_id)
    if unit is None:
        return Status(404, {"detail": "未找到该单位", "errors": {}})
    rows = [{"date": r.date, "officer": r.officer_id, "leader": r.leader_id, "note": r.note, "start": r.start,
             "end": r.end} for r in data.rows]
    shifts = services.set_month_roster(unit, year, month, rows, request.user)
    return [_shift(x, unit) for x in shifts]


# --- incidents ---------------------------------------------------------------------

@router.get("/incidents", response=IncidentPage, summary="突发事件列表（按获知时间倒序）")
def list_incidents(request, filters: Query[IncidentFilters]):
    state = filters.state if filters.state in IncidentState.values else None
    p = queries.incident_page(request.user, page=filters.page, per_page=filters.page_size, state=state)
    return {"count": p.paginator.count, "page": p.number,
            "items": [_incident(i, i.clock_list) for i in p.object_list]}


@router.post("/incidents", response={201: IncidentDetailOut, **ERRORS}, summary="报告突发事件（开始计时）")
@guarded
def create_incident(request, data: IncidentIn):
    inc = services.report_incident(
        request.user, title=data.title, kind=data.kind, level=data.level, occurred_at=data.occurred_at,
        learned_at=data.learned_at, place=data.place, reporting_unit=data.reporting_unit_id,
        involved_units=data.involved_unit_ids, description=data.description)
    return Status(201, _detail(request, inc.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentDetailOut, **ERRORS}, summary="事件详情")
def get_incident(request, incident_id: int):
    return _detail(request, incident_id)


@router.post("/incidents/{incident_id}/phone-reports", response={201: IncidentDetailOut, **ERRORS},
             summary="记录电话报告")
@guarded
def phone_report(request, incident_id: int, data: PhoneIn):
    inc = queries.incident_detail(request.user, incident_id).incident
    services.record_phone_report(inc, request.user, called_at=data.called_at, caller_name=data.caller_name,
                                 caller_phone=data.caller_phone, callee_name=data.callee_name,
                                 callee_unit=data.callee_unit_id, summary=data.summary)
    return Status(201, _detail(request, incident_id))


@router.post("/incidents/{incident_id}/reports", response={201: WrittenReportOut, **ERRORS}, summary="起草书面报告")
@guarded
def create_report(request, incident_id: int, data: ReportIn):
    inc = queries.incident_detail(request.user, incident_id).incident
    r = services.create_written_report(inc, request.user, kind=data.kind, text=data.text, figures=data.figures,
                                       unit=data.unit_id)
    return Status(201, _report(_visible_report(request, r.pk)))


@router.post("/reports/{report_id}/revise", response={200: WrittenReportOut, **ERRORS}, summary="修改书面报告（新版本）")
@guarded
def revise(request, report_id: int, data: ReviseIn):
    r = _visible_report(request, report_id)
    services.revise_report(r, request.user, text=data.text, figures=data.figures)
    return _report(_visible_report(request, report_id))


@router.post("/reports/{report_id}/sign", response={200: WrittenReportOut, **ERRORS}, summary="审签并报送（再次输入密码）")
@guarded
def sign(request, report_id: int, data: SignIn):
    r = _visible_report(request, report_id)
    services.sign_report(r, request.user, data.password)
    return _report(_visible_report(request, report_id))


# --- the bulletin -------------------------------------------------------------------

@router.get("/bulletins", response=list[BulletinOut], summary="值班要情列表")
def list_bulletins(request):
    rows = visible(Bulletin, request.user).select_related("unit").order_by("-compiled_at", "-id")[:100]
    return [_bulletin(request, b) for b in rows]


@router.post("/bulletins", response={201: BulletinOut, **ERRORS}, summary="编辑值班要情")
@guarded
def create_bulletin(request, data: BulletinIn):
    b = services.create_bulletin(request.user, title=data.title, items=[
        {"report": i.report_id, "heading": i.heading, "summary": i.summary} for i in data.items])
    return Status(201, _bulletin(request, Bulletin.objects.select_related("unit").get(pk=b.pk)))


@router.get("/bulletins/{bulletin_id}", response={200: BulletinOut, **ERRORS}, summary="值班要情详情")
def get_bulletin(request, bulletin_id: int):
    return _bulletin(request, get_visible_or_404(Bulletin.objects.select_related("unit"), request.user,
                                                 pk=bulletin_id))


@router.patch("/bulletins/{bulletin_id}", response={200: BulletinOut, **ERRORS}, summary="修改待印发的值班要情")
@guarded
def patch_bulletin(request, bulletin_id: int, data: BulletinPatch):
    b = get_visible_or_404(Bulletin, request.user, pk=bulletin_id)
    items = None if data.items is None else [{"report": i.report_id, "heading": i.heading, "summary": i.summary}
                                             for i in data.items]
    services.update_bulletin(b, request.user, title=data.title, items=items)
    return _bulletin(request, Bulletin.objects.select_related("unit").get(pk=b.pk))


@router.post("/bulletins/{bulletin_id}/issue", response={200: BulletinOut, **ERRORS}, summary="印发（编第N期）")
@guarded
def issue(request, bulletin_id: int):
    b = get_visible_or_404(Bulletin, request.user, pk=bulletin_id)
    services.issue_bulletin(b, request.user)
    return _bulletin(request, Bulletin.objects.select_related("unit").get(pk=b.pk))


@router.get("/bulletins/{bulletin_id}/docx", summary="值班要情 Word 文件", response={200: None, **ERRORS})
def bulletin_docx(request, bulletin_id: int):
    b = get_visible_or_404(Bulletin, request.user, pk=bulletin_id)
    return docx_response(documents.bulletin_filename(b), documents.bulletin_docx(b))


@router.post("/bulletin-items/{item_id}/instructions", response={201: InstructionOut, **ERRORS},
             summary="录入领导批示并转为督办事项（督查室）")
@guarded
def instruct(request, item_id: int, data: InstructionIn):
    item = get_visible_or_404(BulletinItem, request.user, pk=item_id)
    leader = User.objects.filter(pk=data.leader_id).first()
    ins = services.record_instruction(item, leader, data.text, data.unit_ids, request.user,
                                      instructed_at=data.instructed_at, due_at=data.due_at)
    return Status(201, {"id": ins.pk, "leader": _ref(ins.leader), "text": ins.text,
                        "instructed_at": ins.instructed_at, "relayed_at": ins.relayed_at,
                        "lead_unit": _ref(ins.lead_unit), "units": [_ref(u) for u in ins.units.all()],
                        "matter_id": ins.matter_id, "matter_number": ins.matter.number})
