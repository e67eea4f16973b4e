"""/api/assessment/…: 考核评价 (EVAL-1…4, OUT-3) through the same services and
visibility rules as the pages: periods with their rankings and every
figure down to its records, computing, publishing (frozen, the input set's
hash journaled) and rechecking; errors with the unit's one objection and
its decision, the quarterly 差错通报 (docx); achievement records; leaders'
field work; the dashboards' figures; the indicators and the formula
sources registered by the apps."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from duban.api.supervision import ERRORS, ErrorOut, Ref, _ref, guarded
from duban.assessment import dashboard as dash
from duban.assessment import documents, queries, services
from duban.assessment.models import (
    Achievement,
    ErrorNotice,
    ErrorRecord,
    Indicator,
    Period,
    Result,
)
from duban.core import assessing
from duban.core.exports import xlsx_response
from duban.core.forms import parse_year
from duban.core.officialdoc import docx_response
from duban.org.models import Person
from duban.org.visibility import get_visible_or_404, visible

router = Router(tags=["考核评价"])


class PeriodOut(Schema):
    id: int
    scope: Ref
    kind: str = Field(description="month 月度 / quarter 季度 / year 年度")
    year: int
    number: int
    title: str
    starts_on: dt.date
    ends_on: dt.date
    state: str = Field(description="draft 试算 / published 已发布（冻结）")
    input_hash: str = Field(description="输入数据集的 SM3 摘要（发布时记入审计日志）")
    computed_at: dt.datetime | None
    published_at: dt.datetime | None
    notes: list[str]


class FigureOut(Schema):
    indicator: str
    name: str
    weight: Decimal
    value: Decimal
    base: Decimal
    workload: Decimal
    raw: Decimal | None = Field(description="指标值：比率为百分数；计数按工作量折算后")
    score: Decimal
    note: str


class ResultOut(Schema):
    id: int
    unit: Ref
    group: str
    total: Decimal
    max_total: Decimal
    rank: int
    group_size: int
    tier: str
    tier_points: Decimal


class ResultDetail(ResultOut):
    period_id: int
    figures: list[FigureOut]


class PeriodDetail(PeriodOut):
    results: list[ResultOut]


class PeriodIn(Schema):
    kind: str
    year: int
    number: int = 1


class RecordOut(Schema):
    ref: str
    label: str
    url: str
    unit_id: int
    source_unit_id: int
    role: str
    value: Decimal
    base: Decimal
    weight: Decimal
    at: dt.datetime | None
    note: str


class RecordPage(Schema):
    count: int
    page: int
    items: list[RecordOut]


class ChangeOut(Schema):
    indicator: str
    ref: str
    label: str
    unit_id: int
    role: str
    before: list[Decimal] | None
    after: list[Decimal] | None


class RecheckOut(Schema):
    same: bool
    old_hash: str
    new_hash: str
    config_changed: bool
    added: list[ChangeOut]
    removed: list[ChangeOut]
    changed: list[ChangeOut]


class ErrorOutSchema(Schema):
    id: int
    unit: Ref
    category: str
    area: str
    deduction: Decimal
    occurred_on: dt.date
    description: str
    state: str
    notice_id: int | None
    objection: str
    objected_at: dt.datetime | None
    decision: str
    decision_reason: str
    decided_at: dt.datetime | None


class ErrorIn(Schema):
    unit_id: int
    category: str = Field(description="差错类别的代码或编号")
    occurred_on: dt.date
    description: str


class ObjectionIn(Schema):
    reason: str


class ObjectionDecisionIn(Schema):
    decision: str = Field(description="upheld 维持 / revoked 撤销")
    reason: str


class NoticeIn(Schema):
    year: int
    quarter: int


class NoticeOut(Schema):
    id: int
    number: str
    title: str
    year: int
    quarter: int
    issued_at: dt.datetime
    errors: list[ErrorOutSchema]


class AssessmentEntryOut(Schema):
    kind: str
    label: str
    url: str
    at: dt.datetime | None


class AchievementOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    occurred_on: dt.date
    state: str
    decision_note: str


class AchievementIn(Schema):
    kind: str = Field(description="innovation 创新思路 / key_task 重点任务 / highlight 亮点 / experience 典型经验")
    title: str
    description: str
    occurred_on: dt.date


class ConfirmIn(Schema):
    confirm: bool
    note: str = ""


class RecordBookOut(Schema):
    person: Ref
    year: int
    automatic: dict[str, list[AssessmentEntryOut]]
    entered: list[AchievementOut]


class ProgressOut(Schema):
    person: Ref
    unit: Ref
    days: int
    reports: int
    target_days: int
    target_reports: int
    expected_days: int
    warning: str


class FieldDayIn(Schema):
    date: dt.date
    place: str
    purpose: str
    problems_found: str = ""
    matters: str = Field("", description="由此立项的督办事项编号，顿号分隔")


class FieldDayOut(Schema):
    id: int
    date: dt.date
    place: str
    purpose: str
    problems_found: str
    matters: list[str]


class ResearchIn(Schema):
    title: str
    summary: str
    submitted_on: dt.date


class ResearchOut(Schema):
    id: int
    title: str
    summary: str
    submitted_on: dt.date


class LeaderLogOut(Schema):
    progress: ProgressOut
    days: list[FieldDayOut]
    reports: list[ResearchOut]


class CellOut(Schema):
    text: str
    link: str


class ChartOut(Schema):
    id: str
    title: str
    headers: list[str]
    rows: list[list[CellOut]]


class AssessmentDashboardOut(Schema):
    refreshed_at: dt.datetime | None
    roots: list[Ref]
    charts: list[ChartOut]
    mine: dict[str, int] = Field(description="本人批示或负责的在办事项：红灯、黄灯、绿灯")


class IndicatorOut(Schema):
    code: str
    name: str
    source: str
    source_available: bool
    direction: str
    weight: Decimal
    unit_kinds: list[str]
    normalise: bool
    is_active: bool


class SourceOut(Schema):
    code: str
    name: str
    measure: str
    unit_label: str
    workload: bool
    description: str


def _period_out(p) -> dict:
    return {"id": p.pk, "scope": _ref(p.scope), "kind": p.kind, "year": p.year, "number": p.number, "title": p.title,
            "starts_on": p.starts_on, "ends_on": p.ends_on, "state": p.state, "input_hash": p.input_hash,
            "computed_at": p.computed_at, "published_at": p.published_at, "notes": p.notes or []}


def _result_out(r) -> dict:
    return {"id": r.pk, "unit": _ref(r.unit), "group": r.group, "total": r.total, "max_total": r.max_total,
            "rank": r.rank, "group_size": r.group_size, "tier": r.tier, "tier_points": r.tier_points}


def _period_detail(request, pk) -> dict:
    p = get_visible_or_404(Period.objects.select_related("scope"), request.user, pk=pk)
    out = _period_out(p)
    out["results"] = [_result_out(r) for r in Result.objects.filter(period=p).select_related("unit")
                      .order_by("group", "rank", "unit__path")]
    return out


@router.get("/periods", response=list[PeriodOut], summary="考核周期")
def list_periods(request):
    return [_period_out(p) for p in queries.periods(request.user)[:200]]


@router.post("/periods", response={201: PeriodOut, **ERRORS}, summary="设立考核周期（督查室）")
@guarded
def create_period(request, payload: PeriodIn):
    p = services.create_period(request.user, kind=payload.kind, year=payload.year, number=payload.number)
    return Status(201, _period_out(p))


@router.get("/periods/{period_id}", response={200: PeriodDetail, 404: ErrorOut}, summary="考核周期及各单位排名")
def period_detail(request, period_id: int):
    return _period_detail(request, period_id)


@router.post("/periods/{period_id}/compute", response={200: PeriodDetail, **ERRORS}, summary="按当前数据试算")
@guarded
def compute(request, period_id: int):
    p = get_visible_or_404(Period, request.user, pk=period_id)
    services.compute_period(p, request.user)
    return _period_detail(request, period_id)


@router.post("/periods/{period_id}/publish", response={200: PeriodDetail, **ERRORS},
             summary="结算并发布（冻结，输入数据摘要记入审计日志）")
@guarded
def publish(request, period_id: int):
    p = get_visible_or_404(Period, request.user, pk=period_id)
    services.publish_period(p, request.user)
    return _period_detail(request, period_id)


def _change(c) -> dict:
    return {"indicator": c.indicator, "ref": c.ref, "label": c.label, "unit_id": c.unit_id, "role": c.role,
            "before": list(c.before) if c.before else None, "after": list(c.after) if c.after else None}


@router.post("/periods/{period_id}/recheck", response={200: RecheckOut, **ERRORS},
             summary="复核：按现有记录重新计算，比较输入数据摘要")
@guarded
def recheck(request, period_id: int):
    p = get_visible_or_404(Period, request.user, pk=period_id)
    c = services.recheck_period(p, request.user)
    return {"same": c.same, "old_hash": c.old_hash, "new_hash": c.new_hash, "config_changed": c.config_changed,
            "added": [_change(x) for x in c.added], "removed": [_change(x) for x in c.removed],
            "changed": [_change(x) for x in c.changed]}


@router.get("/periods/{period_id}/results.xlsx", response={200: None}, summary="考核结果表（Excel）")
def results_xlsx(request, period_id: int):
    p = get_visible_or_404(Period.objects.select_related("scope"), request.user, pk=period_id)
    title, columns, rows, widths = documents.result_table(p)
    return xlsx_response(documents.result_filename(p), title, columns, rows, widths)


@router.get("/results/{result_id}", response={200: ResultDetail, 404: ErrorOut}, summary="一个单位的各项得分")
def result_detail(request, result_id: int):
    r = get_visible_or_404(Result.objects.select_related("unit", "period"), request.user, pk=result_id)
    out = _result_out(r)
    out["period_id"] = r.period_id
    out["figures"] = [{"indicator": c.code, "name": c.name, "weight": Decimal(c.weight), "value": f.value,
                       "base": f.base, "workload": f.workload, "raw": f.raw, "score": f.score, "note": f.note}
                      for c, f in queries.result_figures(r)]
    return out


@router.get("/results/{result_id}/records", response={200: RecordPage, 404: ErrorOut},
            summary="形成某项得分的记录（indicator=workload 为工作量）")
def result_records(request, result_id: int, indicator: str = "", page: int = Query(1, ge=1)):
    # The result is looked up first: another unit's result answers 404 whatever the query.
    r = get_visible_or_404(Result.objects.select_related("unit", "period"), request.user, pk=result_id)
    if not indicator:
        raise HttpError(422, "请指定指标（indicator）")
    p = queries.figure_records(request.user, r.period, r.unit, indicator, page)
    return {"count": p.paginator.count, "page": p.number, "items": [
        {"ref": x.ref, "label": x.label, "url": x.url, "unit_id": x.unit_id, "source_unit_id": x.source_unit_id,
         "role": x.role, "value": x.value, "base": x.base, "weight": x.weight, "at": x.at, "note": x.note}
        for x in p.object_list]}


def _error_out(e) -> dict:
    return {"id": e.pk, "unit": _ref(e.unit), "category": e.category.name, "area": e.area, "deduction": e.deduction,
            "occurred_on": e.occurred_on, "description": e.description, "state": e.state, "notice_id": e.notice_id,
            "objection": e.objection, "objected_at": e.objected_at, "decision": e.decision,
            "decision_reason": e.decision_reason, "decided_at": e.decided_at}


def _error(request, pk):
    return get_visible_or_404(ErrorRecord.objects.select_related("unit", "category"), request.user, pk=pk)


@router.get("/errors", response=list[ErrorOutSchema], summary="差错记录（分页）")
def list_errors(request, state: str = "", page: int = Query(1, ge=1)):
    return [_error_out(e) for e in queries.errors_page(request.user, page=page, state=state).object_list]


@router.post("/errors", response={201: ErrorOutSchema, **ERRORS}, summary="登记差错（督查室）")
@guarded
def record_error(request, payload: ErrorIn):
    e = services.record_error(request.user, unit=payload.unit_id, category=payload.category,
                              occurred_on=payload.occurred_on, description=payload.description)
    return Status(201, _error_out(e))


@router.get("/errors/{error_id}", response={200: ErrorOutSchema, 404: ErrorOut}, summary="差错详情")
def error_detail(request, error_id: int):
    return _error_out(_error(request, error_id))


@router.post("/errors/{error_id}/objection", response={200: ErrorOutSchema, **ERRORS},
             summary="提出异议（本单位，每条差错一次）")
@guarded
def object_error(request, error_id: int, payload: ObjectionIn):
    return _error_out(services.object_to_error(_error(request, error_id), request.user, reason=payload.reason))


@router.post("/errors/{error_id}/decision", response={200: ErrorOutSchema, **ERRORS}, summary="处理异议（督查室）")
@guarded
def decide_error(request, error_id: int, payload: ObjectionDecisionIn):
    return _error_out(services.decide_objection(_error(request, error_id), request.user, decision=payload.decision,
                                                reason=payload.reason))


def _notice_out(n) -> dict:
    errors = n.errors.select_related("unit", "category").order_by("unit__path", "occurred_on", "id")
    return {"id": n.pk, "number": n.number, "title": n.title, "year": n.year, "quarter": n.quarter,
            "issued_at": n.issued_at, "errors": [_error_out(e) for e in errors]}


@router.get("/notices", response=list[NoticeOut], summary="差错通报")
def list_notices(request):
    return [_notice_out(n) for n in visible(ErrorNotice, request.user).order_by("-year", "-quarter")[:50]]


@router.post("/notices", response={201: NoticeOut, **ERRORS}, summary="印发季度差错通报（督查室）")
@guarded
def issue_notice(request, payload: NoticeIn):
    return Status(201, _notice_out(services.issue_notice(request.user, year=payload.year, quarter=payload.quarter)))


@router.get("/notices/{notice_id}", response={200: NoticeOut, 404: ErrorOut}, summary="差错通报详情")
def notice_detail(request, notice_id: int):
    return _notice_out(get_visible_or_404(ErrorNotice, request.user, pk=notice_id))


@router.get("/notices/{notice_id}/notice.docx", response={200: None}, summary="差错通报（Word，GB/T 9704）")
def notice_docx(request, notice_id: int):
    n = get_visible_or_404(ErrorNotice, request.user, pk=notice_id)
    rows = list(n.errors.select_related("unit", "category").order_by("unit__path", "occurred_on", "id"))
    return docx_response(documents.notice_filename(n), documents.notice_docx(n, rows))


def _person(request, user_id):
    # A person of another unit answers exactly as one who does not exist.
    person = Person.objects.select_related("user", "unit").filter(user_id=user_id).first()
    if person is None or not queries.may_see_person(request.user, person):
        raise HttpError(404, "未找到该人员")
    return person


def _achievement_out(a) -> dict:
    return {"id": a.pk, "kind": a.kind, "title": a.title, "description": a.description,
            "occurred_on": a.occurred_on, "state": a.state, "decision_note": a.decision_note}


@router.get("/people/{user_id}/record", response={200: RecordBookOut, 404: ErrorOut}, summary="干事档案")
def record_book(request, user_id: int, year: int | None = None):
    person = _person(request, user_id)
    rec = queries.achievement_record(request.user, person, parse_year(year))
    return {"person": _ref(person.user), "year": rec.year,
            "automatic": {name: [{"kind": e.kind, "label": e.label, "url": e.url, "at": e.at} for e in entries]
                          for name, entries in rec.automatic},
            "entered": [_achievement_out(a) for a in rec.entered]}


@router.post("/people/{user_id}/achievements", response={201: AchievementOut, **ERRORS},
             summary="录入干事档案（创新思路、重点任务、亮点、典型经验）")
@guarded
def enter_achievement(request, user_id: int, payload: AchievementIn):
    person = _person(request, user_id)
    a = services.enter_achievement(request.user, person=person.user, kind=payload.kind, title=payload.title,
                                   description=payload.description, occurred_on=payload.occurred_on)
    return Status(201, _achievement_out(a))


@router.post("/achievements/{achievement_id}/decision", response={200: AchievementOut, **ERRORS},
             summary="单位负责人确认干事档案记录")
@guarded
def decide_achievement(request, achievement_id: int, payload: ConfirmIn):
    a = get_visible_or_404(Achievement, request.user, pk=achievement_id)
    return _achievement_out(services.decide_achievement(a, request.user, confirm=payload.confirm, note=payload.note))


def _progress_out(p) -> dict:
    return {"person": _ref(p.person.user), "unit": _ref(p.person.unit), "days": p.days, "reports": p.reports,
            "target_days": p.target_days, "target_reports": p.target_reports, "expected_days": p.expected_days,
            "warning": p.warning}


@router.get("/fieldwork", response=list[ProgressOut], summary="领导干部一线工作进度")
def fieldwork(request, year: int | None = None):
    return [_progress_out(p) for p in queries.field_progress(request.user, parse_year(year), timezone.localdate())]


def _leader_log(request, person, year) -> dict:
    days, reports = queries.leader_log(request.user, person.user, year)
    return {"progress": _progress_out(queries.progress_for([person], year, timezone.localdate())[0]),
            "days": [{"id": d.pk, "date": d.date, "place": d.place, "purpose": d.purpose,
                      "problems_found": d.problems_found, "matters": d.matter_numbers} for d in days],
            "reports": [{"id": r.pk, "title": r.title, "summary": r.summary, "submitted_on": r.submitted_on}
                        for r in reports]}


@router.get("/fieldwork/{user_id}", response={200: LeaderLogOut, 404: ErrorOut}, summary="一位领导干部的一线工作记录")
def leader_log(request, user_id: int, year: int | None = None):
    person = _person(request, user_id)
    if not services.is_leader(person.user):
        raise HttpError(404, "未找到该领导干部")
    return _leader_log(request, person, parse_year(year))


@router.post("/fieldwork/{user_id}/days", response={201: FieldDayOut, **ERRORS}, summary="记录一天的一线工作")
@guarded
def log_day(request, user_id: int, payload: FieldDayIn):
    _person(request, user_id)
    d = services.log_field_day(request.user, leader=user_id, date=payload.date, place=payload.place,
                               purpose=payload.purpose, problems_found=payload.problems_found, matters=payload.matters)
    return Status(201, {"id": d.pk, "date": d.date, "place": d.place, "purpose": d.purpose,
                        "problems_found": d.problems_found, "matters": d.matter_numbers})


@router.post("/fieldwork/{user_id}/reports", response={201: ResearchOut, **ERRORS}, summary="登记调研报告")
@guarded
def record_report(request, user_id: int, payload: ResearchIn):
    _person(request, user_id)
    r = services.record_research_report(request.user, leader=user_id, title=payload.title, summary=payload.summary,
                                        submitted_on=payload.submitted_on)
    return Status(201, {"id": r.pk, "title": r.title, "summary": r.summary, "submitted_on": r.submitted_on})


@router.get("/dashboard", response={200: AssessmentDashboardOut, 404: ErrorOut},
            summary="驾驶舱：超期、趋势、来源与类别构成、排名、整改进度、值班迟报（预先统计）")
def dashboard(request, campaign: str = ""):
    if not dash.roots_of(request.user):
        raise HttpError(404, "页面不存在")
    b = dash.board(request.user, campaign=campaign)
    return {"refreshed_at": b.refreshed_at, "roots": [_ref(r) for r in b.roots],
            "charts": [{"id": c.id, "title": c.title, "headers": c.headers,
                        "rows": [[{"text": str(t), "link": u or ""} for t, u in row] for row in c.rows]}
                       for c in b.charts],
            "mine": {k: n for (k, _), (_, n, _) in zip(dash.LIGHTS[:3], b.mine, strict=True)}}


@router.get("/indicators", response=list[IndicatorOut], summary="考核指标（管理员在管理后台调整）")
def indicators(request):
    found = assessing.sources("indicator")
    return [{"code": i.code, "name": i.name, "source": i.source, "source_available": i.source in found,
             "direction": i.direction, "weight": i.weight, "unit_kinds": i.unit_kinds or [], "normalise": i.normalise,
             "is_active": i.is_active} for i in Indicator.objects.order_by("sort_order", "code")]


@router.get("/sources", response=list[SourceOut], summary="各业务模块登记的指标数据来源")
def sources(request):
    return [{"code": s.code, "name": s.name, "measure": s.measure, "unit_label": s.unit_label, "workload": s.workload,
             "description": s.description} for _, s in sorted(assessing.sources("indicator").items())]
