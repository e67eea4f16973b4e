"""/api/accountability/…: 问责 (ACC-1 … ACC-5) and the falsification
signals (AUD-3) through the same services and visibility as the pages."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from duban.accountability import documents, queries, services
from duban.accountability.models import GROUNDS, AssignmentSheet, Signal
from duban.api.supervision import ERRORS, ErrorOut, Ref, _ref, guarded
from duban.org.visibility import get_visible_or_404
from duban.timelimits.periods import day_end

router = Router(tags=["问责与监督"])


class FactOut(Schema):
    text: str
    url: str = ""


class MeasureOut(Schema):
    code: str
    name: str
    rung: int
    duty: str
    limit: str | None = Field(None, description="答复时限，如 15wd")


class RuleOut(Schema):
    code: str
    name: str
    kind: str = Field(description="breaches 周期内超期次数 / repeat 某措施后再次超期")
    period: str
    threshold: int
    after_measure: str | None
    window_days: int
    measure: str
    is_active: bool
    seed_section: str


class StatementOut(Schema):
    text: str
    by: Ref
    at: dt.datetime


class MeasureDecisionOut(Schema):
    outcome: str = Field(description="adopted 采纳 / changed 改为其他措施 / rejected 不予采纳 / exempted 容错免责")
    measure: str | None
    reasons: str
    grounds: dict[str, bool]
    decided_by: Ref
    decided_at: dt.datetime
    reply_due_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply_text: str


class MeasureSuggestionOut(Schema):
    id: int
    unit: Ref
    measure: str
    rule: str
    period: str
    state: str
    created_at: dt.datetime
    statement_until: dt.datetime
    facts: list[FactOut]
    statements: list[StatementOut] = []
    decision: MeasureDecisionOut | None = None


class SuggestionPage(Schema):
    count: int
    page: int
    items: list[MeasureSuggestionOut]


class StatementIn(Schema):
    text: str


class MeasureDecideIn(Schema):
    outcome: str
    reasons: str
    measure: str | None = Field(None, description="改为其他措施时的措施代码")
    ground_reform: bool = Field(False, description=GROUNDS[0][1])
    ground_no_gain: bool = Field(False, description=GROUNDS[1][1])
    ground_procedure: bool = Field(False, description=GROUNDS[2][1])


class TextIn(Schema):
    text: str


class SheetOut(Schema):
    id: int
    number: str
    unit: Ref
    title: str
    problems: str
    requirements: str
    state: str
    issued_at: dt.datetime
    due_at: dt.datetime | None
    reply_text: str
    replied_at: dt.datetime | None


class SheetIn(Schema):
    unit_id: int
    title: str
    problems: str
    requirements: str
    due_date: dt.date | None = Field(None, description="留空：10个工作日")


class CloseIn(Schema):
    accept: bool
    note: str = ""


class TraceIn(Schema):
    source: str = Field(description="如 supervision.matter")
    key: str


class TraceOut(Schema):
    id: int
    title: str
    unit: Ref
    failure: str
    created_at: dt.datetime
    levels: list[dict]


class SignalOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    unit: Ref | None
    moment: dt.datetime | None
    detected_at: dt.datetime
    state: str
    evidence: list[FactOut]
    dismiss_reason: str


class SignalPage(Schema):
    count: int
    page: int
    items: list[SignalOut]


class ScanOut(Schema):
    found: int
    new: int


class DismissReasonIn(Schema):
    reason: str


def _suggestion_out(s, full=False) -> dict:
    out = {"id": s.pk, "unit": _ref(s.unit), "measure": s.measure.code, "rule": s.rule.code,
           "period": s.period_label, "state": s.state, "created_at": s.created_at,
           "statement_until": s.statement_until, "facts": s.facts}
    d = queries.decision_of(s)
    if d is not None:
        out["decision"] = {
            "outcome": d.outcome, "measure": d.measure.code if d.measure else None, "reasons": d.reasons,
            "grounds": {name: getattr(d, name) for name, _ in GROUNDS}, "decided_by": _ref(d.decided_by),
            "decided_at": d.decided_at, "reply_due_at": d.reply_clock.due_at if d.reply_clock_id else None,
            "replied_at": d.replied_at, "reply_text": d.reply_text}
    if full:
        out["statements"] = [{"text": st.text, "by": _ref(st.by), "at": st.at} for st in s.statements.all()]
    return out


def _detail(request, pk):
    return _suggestion_out(queries.suggestion_detail(request.user, pk), full=True)


@router.get("/measures", response=list[MeasureOut], summary="问责措施（由轻到重）及答复时限")
def measures(request):
    return [{"code": m.code, "name": m.name, "rung": m.rung, "duty": m.duty,
             "limit": m.rule.limit if m.rule_id else None} for m in queries.ladder()]


@router.get("/rules", response=list[RuleOut], summary="问责建议规则")
def rules(request):
    return [{"code": r.code, "name": r.name, "kind": r.kind, "period": r.period, "threshold": r.threshold,
             "after_measure": r.after_measure.code if r.after_measure_id else None, "window_days": r.window_days,
             "measure": r.measure.code, "is_active": r.is_active, "seed_section": r.seed_section}
            for r in queries.rules()]


@router.get("/suggestions", response=SuggestionPage, summary="问责建议（分页）")
def list_suggestions(request, state: str = "", page: int = Query(1, ge=1)):
    p = queries.suggestion_page(request.user, state=state, page=page)
    return {"count": p.paginator.count, "page": p.number, "items": [_suggestion_out(s) for s in p.object_list]}


@router.post("/suggestions/evaluate", response={200: list[MeasureSuggestionOut], **ERRORS},
             summary="按规则检查并提出问责建议（督查室）")
@guarded
def evaluate(request):
    if not services.is_office(request.user):
        return Status(403, {"detail": "只有督查室可以按规则检查", "errors": {}})
    return [_suggestion_out(s) for s in services.evaluate()]


@router.get("/suggestions/{suggestion_id}", response={200: MeasureSuggestionOut, 404: ErrorOut}, summary="问责建议详情")
def suggestion(request, suggestion_id: int):
    return _detail(request, suggestion_id)


@router.post("/suggestions/{suggestion_id}/statements", response={201: MeasureSuggestionOut, **ERRORS},
             summary="陈述申辩（被建议问责单位）")
@guarded
def state_side(request, suggestion_id: int, payload: StatementIn):
    s = queries.suggestion_detail(request.user, suggestion_id)
    services.state_side(s, request.user, text=payload.text)
    return Status(201, _detail(request, suggestion_id))


@router.post("/suggestions/{suggestion_id}/decide", response={200: MeasureSuggestionOut, **ERRORS},
             summary="作出问责决定（采纳、改为其他措施、不予采纳或容错免责）",
             description="须写明理由并核实三项容错情形；三项均成立的只能容错免责，容错免责须三项均成立。")
@guarded
def decide(request, suggestion_id: int, payload: MeasureDecideIn):
    s = queries.suggestion_detail(request.user, suggestion_id)
    services.decide(s, request.user, outcome=payload.outcome, reasons=payload.reasons, measure=payload.measure,
                    grounds={name: getattr(payload, name) for name, _ in GROUNDS})
    return _detail(request, suggestion_id)


@router.post("/suggestions/{suggestion_id}/reply", response={200: MeasureSuggestionOut, **ERRORS},
             summary="答复问责决定（如函询的书面说明）")
@guarded
def reply(request, suggestion_id: int, payload: TextIn):
    s = queries.suggestion_detail(request.user, suggestion_id)
    d = queries.decision_of(s)
    if d is None:
        return Status(422, {"detail": "该问责建议尚未作出决定", "errors": {}})
    services.reply(d, request.user, text=payload.text)
    return _detail(request, suggestion_id)


def _sheet_out(s) -> dict:
    return {"id": s.pk, "number": s.number, "unit": _ref(s.unit), "title": s.title, "problems": s.problems,
            "requirements": s.requirements, "state": s.state, "issued_at": s.issued_at, "due_at": s.due_at,
            "reply_text": s.reply_text, "replied_at": s.replied_at}


@router.get("/sheets", response=list[SheetOut], summary="交办单")
def sheets(request, state: str = "", page: int = Query(1, ge=1)):
    return [_sheet_out(s) for s in queries.sheet_page(request.user, state=state, page=page).object_list]


@router.post("/sheets", response={201: SheetOut, **ERRORS}, summary="下发交办单（督查室）")
@guarded
def issue_sheet(request, payload: SheetIn):
    s = services.issue_sheet(request.user, unit=payload.unit_id, title=payload.title, problems=payload.problems,
                             requirements=payload.requirements,
                             due_at=day_end(payload.due_date) if payload.due_date else None)
    return Status(201, _sheet_out(s))


@router.get("/sheets/{sheet_id}", response={200: SheetOut, 404: ErrorOut}, summary="交办单详情")
def sheet(request, sheet_id: int):
    return _sheet_out(queries.sheet_detail(request.user, sheet_id))


@router.get("/sheets/{sheet_id}/docx", response={200: None, 404: ErrorOut}, summary="交办单（Word）")
def sheet_docx(request, sheet_id: int):
    return documents.sheet_response(queries.sheet_detail(request.user, sheet_id))


@router.post("/sheets/{sheet_id}/reply", response={200: SheetOut, **ERRORS}, summary="反馈整改情况（承办单位）")
@guarded
def reply_sheet(request, sheet_id: int, payload: TextIn):
    s = get_visible_or_404(AssignmentSheet, request.user, pk=sheet_id)
    return _sheet_out(services.reply_sheet(s, request.user, text=payload.text))


@router.post("/sheets/{sheet_id}/close", response={200: SheetOut, **ERRORS}, summary="审核交办单反馈（督查室）")
@guarded
def close_sheet(request, sheet_id: int, payload: CloseIn):
    s = get_visible_or_404(AssignmentSheet, request.user, pk=sheet_id)
    return _sheet_out(services.close_sheet(s, request.user, accept=payload.accept, note=payload.note))


def _trace_out(t) -> dict:
    return {"id": t.pk, "title": t.title, "unit": _ref(t.unit), "failure": t.failure, "created_at": t.created_at,
            "levels": t.levels}


@router.post("/traces", response={201: TraceOut, **ERRORS}, summary="倒查超期事项（督查室）")
@guarded
def make_trace(request, payload: TraceIn):
    return Status(201, _trace_out(services.make_trace(request.user, source=payload.source, key=payload.key)))


@router.get("/traces/{trace_id}", response={200: TraceOut, 404: ErrorOut}, summary="倒查结果：逐级单位、责任人和办理记录")
def trace(request, trace_id: int):
    return _trace_out(queries.trace_detail(request.user, trace_id))


@router.get("/traces/{trace_id}/docx", response={200: None, 404: ErrorOut}, summary="倒查报告（Word）")
def trace_docx(request, trace_id: int):
    return documents.trace_response(queries.trace_detail(request.user, trace_id))


def _signal_out(s) -> dict:
    return {"id": s.pk, "kind": s.kind, "kind_label": s.get_kind_display(), "title": s.title,
            "unit": _ref(s.unit), "moment": s.moment, "detected_at": s.detected_at, "state": s.state,
            "evidence": s.evidence, "dismiss_reason": s.dismiss_reason}


@router.get("/signals", response=SignalPage, summary="弄虚作假疑点（督查室、领导）")
def signals(request, kind: str = "", state: str = "open", page: int = Query(1, ge=1)):
    p = queries.signal_page(request.user, kind=kind, state=state, page=page)
    return {"count": p.paginator.count, "page": p.number, "items": [_signal_out(s) for s in p.object_list]}


@router.post("/signals/scan", response={200: ScanOut, **ERRORS}, summary="重新检测疑点（督查室）")
@guarded
def scan(request):
    if not services.is_office(request.user):
        return Status(403, {"detail": "只有督查室可以检测疑点", "errors": {}})
    found, new = services.scan(request.user, now=timezone.now())
    return {"found": found, "new": new}


@router.post("/signals/{signal_id}/dismiss", response={200: SignalOut, **ERRORS}, summary="排除疑点（须写明理由）")
@guarded
def dismiss(request, signal_id: int, payload: DismissReasonIn):
    s = get_visible_or_404(Signal, request.user, pk=signal_id)
    return _signal_out(services.dismiss(s, request.user, reason=payload.reason))
