"""/api/plans/…: 计划管理 (MEET-4) through the same services and visibility
rules as the pages: the year's plans with their usage, explanations for
going beyond them, inspections filed with their targets, inspection
frequency per unit with merge suggestions, and the statistics with the
annual table (xlsx) and the 简报 (docx)."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from duban.api.supervision import ERRORS, ErrorOut, Ref, _ref, guarded
from duban.core.exports import xlsx_response
from duban.core.forms import parse_month, parse_year
from duban.core.officialdoc import docx_response
from duban.org.visibility import get_visible_or_404
from duban.plans import documents, queries, services
from duban.plans.models import AnnualPlan, ExcessRequest, Inspection

router = Router(tags=["计划管理"])


class PlanOut(Schema):
    id: int
    unit: Ref
    year: int
    kind: str = Field(description="meeting 会议 / document 文件 / inspection 督查检查考核")
    baseline: int = Field(description="上年实际")
    quota: int = Field(description="年度计划数")
    reason: str
    used: int = Field(description="已计入")
    ceiling: int = Field(description="计划数加经批准可超出的数量")
    status: str = Field(description="ok 正常 / near 接近计划 / full 已达计划 / over 超出计划")
    status_label: str


class UsageOut(Schema):
    id: int
    occurred_on: dt.date
    title: str
    source_type: str
    source_id: str
    flags: list[str]
    over_plan: bool
    withdrawn_at: dt.datetime | None


class ExcessOut(Schema):
    id: int
    plan_id: int
    extra: int
    explanation: str
    state: str
    requested_by: Ref
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class PlanDetail(PlanOut):
    usage: list[UsageOut]
    usage_count: int
    excess_requests: list[ExcessOut]


class PlanIn(Schema):
    unit_id: int
    year: int
    kind: str
    quota: int | None = Field(None, description="留空：按不超过上年实际")
    baseline: int | None = Field(None, description="留空：按系统中上年已计入的数量")
    reason: str = ""


class ExcessIn(Schema):
    extra: int
    explanation: str


class ExcessDecideIn(Schema):
    approve: bool
    note: str = ""


class InspectionOut(Schema):
    id: int
    organizer: Ref
    kind: str
    title: str
    basis: str
    starts_on: dt.date
    ends_on: dt.date
    targets: list[Ref]
    state: str


class OverlapOut(Schema):
    unit: Ref
    inspection: InspectionOut


class InspectionDetail(InspectionOut):
    overlaps: list[OverlapOut] = Field(description="合并窗口内也将到同一单位的其他督查检查考核（建议合并）")


class InspectionPage(Schema):
    count: int
    page: int
    items: list[InspectionOut]


class InspectionIn(Schema):
    organizer_id: int
    kind: str = Field(description="inspection 督查 / check 检查 / assessment 考核")
    title: str
    basis: str = ""
    starts_on: dt.date
    ends_on: dt.date
    target_ids: list[int]


class InspectionCancelIn(Schema):
    reason: str


class FrequencyRowOut(Schema):
    unit: Ref
    month: int
    quarter: int
    month_by_kind: dict[str, int]
    too_often: bool


class FrequencyOut(Schema):
    year: int
    month: int
    month_max: int
    quarter_max: int
    rows: list[FrequencyRowOut]


class MergeSuggestionOut(Schema):
    unit: Ref
    inspections: list[InspectionOut]


class StatCellOut(Schema):
    last: int
    plan: int | None
    used: int


class StatRowOut(Schema):
    unit: Ref | None
    meeting: StatCellOut
    document: StatCellOut
    inspection: StatCellOut
    forwarding: int = Field(description="以文件落实文件")
    over_length: int
    over_plan: int


class StatsOut(Schema):
    year: int
    rows: list[StatRowOut]
    totals: StatRowOut
    monthly: dict[str, dict[str, list[int]]] = Field(description="类别 → {this: 本年各月, last: 上年各月}")


def _plan_out(plan, cell) -> dict:
    return {"id": plan.pk, "unit": _ref(plan.unit), "year": plan.year, "kind": plan.kind, "baseline": plan.baseline,
            "quota": plan.quota, "reason": plan.reason, "used": cell.used, "ceiling": cell.ceiling,
            "status": cell.status, "status_label": cell.status_label}


def _excess_out(r) -> dict:
    return {"id": r.pk, "plan_id": r.plan_id, "extra": r.extra, "explanation": r.explanation, "state": r.state,
            "requested_by": _ref(r.requested_by), "requested_at": r.requested_at, "decided_at": r.decided_at,
            "decision_note": r.decision_note}


def _plan_detail(request, pk, page=1) -> dict:
    plan = get_visible_or_404(AnnualPlan.objects.select_related("unit"), request.user, pk=pk)
    usage = queries.usage_page(request.user, plan, page=page, per_page=100)
    out = _plan_out(plan, queries.plan_cell(plan))
    out["usage"] = [{"id": u.pk, "occurred_on": u.occurred_on, "title": u.title, "source_type": u.source_type,
                     "source_id": u.source_id, "flags": u.flags, "over_plan": u.over_plan,
                     "withdrawn_at": u.withdrawn_at} for u in usage.object_list]
    out["usage_count"] = usage.paginator.count
    out["excess_requests"] = [_excess_out(r) for r in plan.excess_requests.select_related("requested_by")
                              .order_by("-requested_at")]
    return out


def _insp_out(i) -> dict:
    return {"id": i.pk, "organizer": _ref(i.organizer), "kind": i.kind, "title": i.title, "basis": i.basis,
            "starts_on": i.starts_on, "ends_on": i.ends_on, "targets": [_ref(u) for u in i.targets.all()],
            "state": i.state}


def _insp_detail(request, pk) -> dict:
    insp = get_visible_or_404(Inspection.objects.select_related("organizer"), request.user, pk=pk)
    out = _insp_out(insp)
    out["overlaps"] = [{"unit": _ref(u), "inspection": _insp_out(o)} for u, o in services.overlapping_visits(insp)]
    return out


@router.get("/plans", response=list[PlanOut], summary="某年度各单位的计划与已计入数量")
def list_plans(request, year: int | None = None, page: int = Query(1, ge=1)):
    year = year or timezone.localdate().year
    _, rows = queries.plan_overview(request.user, year, page=page, per_page=100)
    return [_plan_out(c.plan, c) for r in rows for c in r.cells if c.plan is not None]


@router.put("/plans", response={200: PlanOut, **ERRORS}, summary="制定或调整年度计划（督查室）",
            description="上年实际默认按系统中上年已计入的数量；计划数默认不超过上年实际，超过的须说明理由。")
@guarded
def set_plan(request, payload: PlanIn):
    plan = services.set_plan(request.user, unit=payload.unit_id, year=payload.year, kind=payload.kind,
                             quota=payload.quota, baseline=payload.baseline, reason=payload.reason)
    return _plan_out(plan, queries.plan_cell(plan))


@router.get("/plans/{plan_id}", response={200: PlanDetail, 404: ErrorOut}, summary="计划详情：计入记录和超计划说明")
def plan_detail(request, plan_id: int, page: int = Query(1, ge=1)):
    return _plan_detail(request, plan_id, page)


@router.post("/plans/{plan_id}/excess", response={201: ExcessOut, **ERRORS}, summary="提交超计划书面说明")
@guarded
def request_excess(request, plan_id: int, payload: ExcessIn):
    plan = get_visible_or_404(AnnualPlan.objects.select_related("unit"), request.user, pk=plan_id)
    req = services.request_excess(plan, request.user, extra=payload.extra, explanation=payload.explanation)
    return Status(201, _excess_out(req))


@router.post("/excess/{excess_id}/decide", response={200: ExcessOut, **ERRORS}, summary="审批超计划说明（督查室）")
@guarded
def decide_excess(request, excess_id: int, payload: ExcessDecideIn):
    req = get_visible_or_404(ExcessRequest, request.user, pk=excess_id)
    return _excess_out(services.decide_excess(req, request.user, approve=payload.approve, note=payload.note))


@router.get("/inspections", response=InspectionPage, summary="督查检查考核备案（分页）")
def list_inspections(request, state: str = "", page: int = Query(1, ge=1)):
    p = queries.inspection_page(request.user, page=page, state=state or None)
    return {"count": p.paginator.count, "page": p.number, "items": [_insp_out(i) for i in p.object_list]}


@router.post("/inspections", response={201: InspectionDetail, **ERRORS}, summary="备案督查检查考核",
             description="须明确被检查单位；计入组织单位的年度督查检查考核计划，超出计划须先经批准。"
                         "返回中的 overlaps 为建议合并的其他督查检查考核。")
@guarded
def file_inspection(request, payload: InspectionIn):
    data = payload.dict()
    insp = services.file_inspection(request.user, organizer=data["organizer_id"], kind=data["kind"],
                                    title=data["title"], basis=data["basis"], starts_on=data["starts_on"],
                                    ends_on=data["ends_on"], targets=data["target_ids"])
    return Status(201, _insp_detail(request, insp.pk))


@router.get("/inspections/{inspection_id}", response={200: InspectionDetail, 404: ErrorOut},
            summary="督查检查考核详情")
def inspection_detail(request, inspection_id: int):
    return _insp_detail(request, inspection_id)


@router.post("/inspections/{inspection_id}/cancel", response={200: InspectionDetail, **ERRORS}, summary="取消")
@guarded
def cancel_inspection(request, inspection_id: int, payload: InspectionCancelIn):
    insp = get_visible_or_404(Inspection, request.user, pk=inspection_id)
    services.cancel_inspection(insp, request.user, reason=payload.reason)
    return _insp_detail(request, inspection_id)


@router.get("/frequency", response=FrequencyOut, summary="各单位接受督查检查考核的频次（月、季度）")
def frequency(request, month: str = ""):
    year, m = parse_month(month)
    f = queries.frequency(request.user, year, m)
    return {"year": f.year, "month": f.month, "month_max": f.month_max, "quarter_max": f.quarter_max,
            "rows": [{"unit": _ref(r.unit), "month": r.month, "quarter": r.quarter, "month_by_kind": r.month_by_kind,
                      "too_often": r.too_often} for r in f.rows]}


@router.get("/merge-suggestions", response=list[MergeSuggestionOut], summary="建议合并的督查检查考核（督查过频）")
def merge_suggestions(request):
    return [{"unit": _ref(s.unit), "inspections": [_insp_out(i) for i in s.inspections]}
            for s in queries.merge_suggestions(request.user, timezone.localdate())]


def _stat_row(row) -> dict:
    cell = {k.value: {"last": c.last, "plan": c.plan, "used": c.used} for k, c in row.cells.items()}
    return {"unit": _ref(row.unit), **cell, "forwarding": row.forwarding, "over_length": row.over_length,
            "over_plan": row.over_plan}


@router.get("/statistics", response=StatsOut, summary="精文减会统计：本年与计划、与上年比较，按单位和月份")
def statistics(request, year: int | None = None):
    s = queries.statistics(request.user, parse_year(year))
    return {"year": s.year, "rows": [_stat_row(r) for r in s.rows], "totals": _stat_row(s.totals),
            "monthly": {k.value: {"this": a, "last": b} for k, (a, b) in s.monthly.items()}}


@router.get("/statistics.xlsx", response={200: None}, summary="年度精文减会统计表（Excel）")
def statistics_xlsx(request, year: int | None = None):
    s = queries.statistics(request.user, parse_year(year))
    title, columns, rows, widths = documents.statistics_table(s)
    return xlsx_response(f"{title}.xlsx", title, columns, rows, widths)


@router.get("/briefing.docx", response={200: None}, summary="精文减会工作简报（Word）")
def briefing_docx(request, year: int | None = None):
    today = timezone.localdate()
    s = queries.statistics(request.user, parse_year(year))
    data = documents.briefing_docx(s, queries.frequency(request.user, today.year, today.month),
                                   queries.merge_suggestions(request.user, today), today)
    return docx_response(documents.briefing_filename(s.year), data)


