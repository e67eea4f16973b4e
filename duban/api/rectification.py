"""/api/rectification/…: 作风整治 (issue 5) through the same queries,
services and visibility as the pages.

A record the caller cannot see answers 404, as if it did not exist; an
action the caller may not take on a record they can see answers 403; an
illegal step or bad input answers 422 with the Chinese message (and, per
field, `errors`). `/public/…` needs no login and gives only what
queries.public_* give."""


from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from duban.org.models import Unit, WorkGroup
from duban.org.visibility import get_visible_or_404, visible
from duban.rectification import draws, excel, pages, queries, services
from duban.rectification.models import (
    CategorySet,
    LedgerSubmission,
    LookBackItem,
    PhaseKind,
    Problem,
    SpotCheck,
)

from .errors import IsoDate, IsoDateTime
from .supervision import ERRORS, ErrorOut, Ref, guarded

router = Router(tags=["作风整治"])


# --- schemas ------------------------------------------------------------------

class PhaseOut(Schema):
    id: int
    kind: str
    name: str
    start_date: IsoDate
    end_date: IsoDate
    duty: str
    requires_ledger: bool


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    basis: str
    organizer: Ref
    task_force: Ref | None
    start_date: IsoDate
    end_date: IsoDate
    category_set: str
    categories: list[str]
    phases: list[PhaseOut]


class FiguresOut(Schema):
    label: str
    key: int | None
    found: int
    rectifying: int
    closed: int
    overdue: int
    closed_rate: float


class DashboardOut(Schema):
    whole: bool = Field(description="false：仅为当前用户可见的问题")
    by_unit: list[FiguresOut]
    by_category: list[FiguresOut]
    total: FiguresOut


class LedgerOut(Schema):
    id: int
    phase: str
    unit: Ref
    state: str
    state_text: str
    light: str
    due_at: IsoDateTime | None
    submitted_at: IsoDateTime | None
    problem_count: int


class ProblemOut(Schema):
    id: int
    number: str
    campaign_id: int
    unit: Ref
    category: str
    source: str
    source_label: str
    subject: str
    subject_name: str
    description: str
    cause: str
    measures: str
    responsible_leader_name: str
    responsible_leader_linked: bool
    responsible_person_name: str
    responsible_person_linked: bool
    deadline: IsoDate | None
    long_term: bool
    report_cycle: str
    due_at: IsoDateTime | None
    state: str
    state_label: str
    round: int
    overdue: bool
    latest_progress: str
    closed_at: IsoDateTime | None
    is_public: bool
    repeat_count: int


class ProblemFileOut(Schema):
    id: str
    name: str
    size: int


class EntryOut(Schema):
    id: int
    round: int
    kind: str
    kind_label: str
    at: IsoDateTime
    by: Ref | None
    text: str
    onsite: bool
    files: list[ProblemFileOut]


class RoundOut(Schema):
    number: int
    started_at: IsoDateTime | None
    reason: str
    deadline: IsoDate | None
    long_term: bool
    result_text: str
    submitted_at: IsoDateTime | None
    verified_at: IsoDateTime | None
    verified_by: Ref | None
    verdict: str
    verify_note: str
    onsite_checked: bool
    onsite_note: str
    closed_at: IsoDateTime | None
    entries: list[EntryOut]


class ProblemDetail(ProblemOut):
    rounds: list[RoundOut]
    actions: list[str] = Field(description="当前用户现在可执行的操作")
    verify_refusal: str | None = Field(None, description="待核验时，当前用户不能核验的原因")


class ProblemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProblemOut]


class ProblemFilters(Schema):
    unit: int | None = None
    state: str = Field("", description="rectifying / submitted / closed / rerectifying / open")
    category: int | None = None
    source: str = ""
    overdue: bool | None = None
    public: bool | None = None
    repeated: bool = False
    q: str = ""
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=200)


class PhaseIn(Schema):
    kind: str = "other"
    name: str
    start_date: IsoDate
    end_date: IsoDate
    duty: str = ""
    requires_ledger: bool = False


class CampaignIn(Schema):
    code: str = Field(description="如 ZF-2027：字母、数字、短横线")
    name: str
    basis: str = ""
    start_date: IsoDate
    end_date: IsoDate
    organizer_id: int
    task_force_id: int | None = None
    category_set: str = Field("six", description="six / seven_a / seven_b / custom")
    categories: list[str] | None = Field(None, description="category_set 为 custom 时的类别")
    phases: list[PhaseIn] = Field(default_factory=list, description="不填则无阶段")
    unit_ids: list[int] = Field(default_factory=list, description="参加单位")


class UnitsIn(Schema):
    unit_ids: list[int]


class UnitsOut(Schema):
    added: list[Ref]
    units: list[Ref]


class ProblemIn(Schema):
    unit_id: int
    category: str = Field(description="问题类别名称")
    source: str = "self"
    subject: str = "team"
    subject_name: str = ""
    description: str
    cause: str = ""
    measures: str
    responsible_leader_name: str = ""
    responsible_person_name: str = ""
    deadline: IsoDate | None = None
    long_term: bool = False
    report_cycle: str = ""


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    errors: list[str]
    rows: list[dict]
    created: list[str]
    unchanged: int
    text: str


class VerifyIn(Schema):
    passed: bool
    note: str = ""
    onsite_check: bool = False
    onsite_note: str = ""


class ReopenIn(Schema):
    reason: str
    deadline: IsoDate | None = None
    long_term: bool = False


class LinkIn(Schema):
    other_id: int
    reason: str = ""


class PublishIn(Schema):
    problem_ids: list[int]
    public: bool = True


class CountOut(Schema):
    changed: int


class RepeatOut(Schema):
    unit: Ref
    count: int
    problems: list[ProblemOut]


class SpotCheckIn(Schema):
    title: str
    target_count: int
    inspector_count: int
    target_kind: str = "unit"
    kind: str = "spot_check"
    seed: str | None = None
    note: str = ""


class AssignmentOut(Schema):
    order: int
    unit: Ref
    problem_id: int | None
    inspectors: list[Ref]


class SpotCheckOut(Schema):
    id: int
    campaign_id: int
    title: str
    kind: str
    target_kind: str
    target_count: int
    inspector_count: int
    seed: str
    algorithm: str
    target_candidates: list
    inspector_candidates: list
    result: list
    drawn_at: IsoDateTime
    assignments: list[AssignmentOut]


class ReplayOut(Schema):
    ok: bool
    message: str
    recorded: list
    recomputed: list


class LookBackIn(Schema):
    title: str = ""
    sample_size: int | None = None
    seed: str | None = None


class LookBackItemOut(Schema):
    id: int
    problem_id: int
    verdict: str
    note: str
    new_deadline: IsoDate | None


class LookBackOut(Schema):
    id: int
    title: str
    sample_size: int | None
    seed: str
    candidates: list[int]
    selected: list[int]
    started_at: IsoDateTime
    items: list[LookBackItemOut]


class LookBackRecordIn(Schema):
    effective: bool
    note: str
    new_deadline: IsoDate | None = None


class SubmissionOut(Schema):
    id: int
    state: str
    submitted_at: IsoDateTime | None
    problem_count: int


class PublicProblemOut(Schema):
    number: str
    unit: str
    category: str
    source: str
    description: str
    measures: str
    deadline: str
    state: str
    closed: bool
    closed_on: str


class PublicCampaignOut(Schema):
    summary: dict
    problems: list[PublicProblemOut]


# --- helpers -------------------------------------------------------------------

def _ref(obj):
    if obj is None:
        return None
    if hasattr(obj, "get_full_name"):
        return {"id": obj.pk, "name": obj.get_full_name() or obj.get_username()}
    return {"id": obj.pk, "name": obj.name}


def _campaign_out(c) -> dict:
    return {
        "id": c.pk, "code": c.code, "name": c.name, "basis": c.basis, "organizer": _ref(c.organizer),
        "task_force": _ref(c.task_force) if c.task_force_id else None, "start_date": c.start_date,
        "end_date": c.end_date, "category_set": c.category_set, "categories": c.category_names(),
        "phases": [{"id": p.pk, "kind": p.kind, "name": p.name, "start_date": p.start_date, "end_date": p.end_date,
                    "duty": p.duty, "requires_ledger": p.requires_ledger} for p in c.phases.all()],
    }


def _problem_out(p, now=None) -> dict:
    return {
        "id": p.pk, "number": p.number, "campaign_id": p.campaign_id, "unit": _ref(p.unit),
        "category": p.category.name, "source": p.source, "source_label": p.get_source_display(),
        "subject": p.subject, "subject_name": p.subject_name, "description": p.description, "cause": p.cause,
        "measures": p.measures, "responsible_leader_name": p.responsible_leader_name,
        "responsible_leader_linked": p.responsible_leader_linked,
        "responsible_person_name": p.responsible_person_name,
        "responsible_person_linked": p.responsible_person_linked, "deadline": p.deadline,
        "long_term": p.long_term, "report_cycle": p.report_cycle, "due_at": p.due_at, "state": p.state,
        "state_label": p.state_text, "round": p.round, "overdue": queries.is_overdue(p, now),
        "latest_progress": p.latest_progress, "closed_at": p.closed_at, "is_public": p.is_public,
        "repeat_count": p.repeat_count,
    }


def _problem_detail(request, pk) -> dict:
    p = queries.problem_or_404(request.user, pk)
    data = _problem_out(p)
    rounds = []
    for h in queries.history(p):
        r = h.round
        rounds.append({
            "number": r.number if r else (h.entries[0].round if h.entries else 0),
            "started_at": r.started_at if r else None, "reason": r.reason if r else "",
            "deadline": r.deadline if r else None, "long_term": r.long_term if r else False,
            "result_text": r.result_text if r else "", "submitted_at": r.submitted_at if r else None,
            "verified_at": r.verified_at if r else None, "verified_by": _ref(r.verified_by) if r else None,
            "verdict": r.verdict if r else "", "verify_note": r.verify_note if r else "",
            "onsite_checked": r.onsite_checked if r else False, "onsite_note": r.onsite_note if r else "",
            "closed_at": r.closed_at if r else None,
            "entries": [{"id": e.pk, "round": e.round, "kind": e.kind, "kind_label": e.get_kind_display(),
                         "at": e.at, "by": _ref(e.by), "text": e.text, "onsite": e.onsite,
                         "files": [{"id": str(f.pk), "name": f.original_name, "size": f.size}
                                   for f in e.evidence.all()]} for e in h.entries],
        })
    data["rounds"] = rounds
    acts = pages.problem_actions(request.user, p)
    data["actions"] = [k for k in ("progress", "submit", "verify", "reopen", "link", "publish") if acts.get(k)]
    data["verify_refusal"] = acts.get("verify_refusal")
    return data


def _figures(f) -> dict:
    return {"label": f.label, "key": f.key, "found": f.found, "rectifying": f.rectifying, "closed": f.closed,
            "overdue": f.overdue, "closed_rate": round(f.closed_rate, 4)}


def _spot_check_out(sc) -> dict:
    return {
        "id": sc.pk, "campaign_id": sc.campaign_id, "title": sc.title, "kind": sc.kind,
        "target_kind": sc.target_kind, "target_count": sc.target_count, "inspector_count": sc.inspector_count,
        "seed": sc.seed, "algorithm": sc.algorithm, "target_candidates": sc.target_candidates,
        "inspector_candidates": sc.inspector_candidates, "result": sc.result, "drawn_at": sc.drawn_at,
        "assignments": [{"order": a.order, "unit": _ref(a.unit), "problem_id": a.problem_id,
                         "inspectors": [_ref(u) for u in a.inspectors.all()]}
                        for a in sc.assignments.select_related("unit").prefetch_related("inspectors")],
    }


def _look_back_out(lb) -> dict:
    return {"id": lb.pk, "title": lb.title, "sample_size": lb.sample_size, "seed": lb.seed,
            "candidates": lb.candidates, "selected": lb.selected, "started_at": lb.started_at,
            "items": [{"id": i.pk, "problem_id": i.problem_id, "verdict": i.verdict, "note": i.note,
                       "new_deadline": i.new_deadline} for i in lb.items.order_by("id")]}


def _campaign(request, pk):
    return queries.campaign_or_404(request.user, pk=pk)


# --- reads ----------------------------------------------------------------------

@router.get("/campaigns", response=list[CampaignOut], summary="专项行动列表")
def list_campaigns(request):
    return [_campaign_out(c) for c in queries.campaigns_for(request.user).prefetch_related("phases")]


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, 404: ErrorOut}, summary="专项行动详情")
def campaign_detail(request, campaign_id: int):
    return _campaign_out(_campaign(request, campaign_id))


@router.get("/campaigns/{campaign_id}/ledgers", response={200: list[LedgerOut], 404: ErrorOut},
            summary="各单位台账报送情况（红黄绿灯）")
def ledgers(request, campaign_id: int):
    c = _campaign(request, campaign_id)
    return [{"id": s.pk, "phase": s.phase.name, "unit": _ref(s.unit), "state": s.state, "state_text": s.state_text,
             "light": s.light, "due_at": s.clock.due_at if s.clock_id else None, "submitted_at": s.submitted_at,
             "problem_count": s.problem_count} for s in queries.ledger_status(c, user=request.user)]


@router.get("/campaigns/{campaign_id}/dashboard", response={200: DashboardOut, 404: ErrorOut},
            summary="整改进度（按单位、按类别）")
def dashboard(request, campaign_id: int):
    c = _campaign(request, campaign_id)
    d, whole = pages.dashboard_for(request.user, c)
    return {"whole": whole, "by_unit": [_figures(f) for f in d.by_unit],
            "by_category": [_figures(f) for f in d.by_category], "total": _figures(d.total)}


@router.get("/campaigns/{campaign_id}/problems", response={200: ProblemPage, 404: ErrorOut, 422: ErrorOut},
            summary="问题清单台账（筛选、分页；未销号的按时限先后）")
@guarded
def list_problems(request, campaign_id: int, filters: Query[ProblemFilters]):
    c = _campaign(request, campaign_id)
    kwargs = {}
    if filters.unit is not None:
        kwargs["unit"] = get_object_or_404(Unit, pk=filters.unit)
    if filters.category is not None:
        kwargs["category"] = c.categories.filter(pk=filters.category).first()
        if kwargs["category"] is None:
            raise ValidationError({"category": ["问题类别不属于本专项行动"]})
    now = timezone.now()
    qs = queries.problems_for(request.user, c, state=filters.state or None, source=filters.source or None,
                              overdue=filters.overdue, public=filters.public, repeated=filters.repeated or None,
                              q=filters.q, now=now, **kwargs)
    start = (filters.page - 1) * filters.page_size
    items = list(qs[start:start + filters.page_size])
    return {"count": qs.count(), "page": filters.page, "page_size": filters.page_size,
            "items": [_problem_out(p, now) for p in items]}


@router.get("/problems/{problem_id}", response={200: ProblemDetail, 404: ErrorOut},
            summary="问题详情（含各轮整改过程）")
def problem_detail(request, problem_id: int):
    return _problem_detail(request, problem_id)


@router.get("/campaigns/{campaign_id}/repeated", response={200: list[RepeatOut], 404: ErrorOut},
            summary="反复出现的问题")
def repeated(request, campaign_id: int):
    c = _campaign(request, campaign_id)
    return [{"unit": _ref(g.unit), "count": g.count, "problems": [_problem_out(p) for p in g.problems]}
            for g in queries.repeated_problems(user=request.user, campaign=c)]


@router.get("/spot-checks/{spot_check_id}", response={200: SpotCheckOut, 404: ErrorOut}, summary="随机抽查结果")
def spot_check_detail(request, spot_check_id: int):
    return _spot_check_out(get_visible_or_404(SpotCheck, request.user, pk=spot_check_id))


@router.get("/spot-checks/{spot_check_id}/replay", response={200: ReplayOut, 404: ErrorOut},
            summary="用记录的种子和候选名单重新抽取核验")
def spot_check_replay(request, spot_check_id: int):
    r = draws.replay(get_visible_or_404(SpotCheck, request.user, pk=spot_check_id))
    return {"ok": r.ok, "message": r.message, "recorded": r.recorded, "recomputed": r.recomputed}


# --- writes ---------------------------------------------------------------------

def _units(ids) -> list:
    units = list(Unit.objects.filter(pk__in=set(ids)).order_by("path"))
    if len(units) != len(set(ids)):
        raise ValidationError({"units": ["参加单位中有不存在的单位"]})
    return units


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="创建专项行动：督查室")
@guarded
def create_campaign(request, payload: CampaignIn):
    data = payload.dict()
    organizer = get_object_or_404(Unit, pk=data.pop("organizer_id"))
    tf_id = data.pop("task_force_id")
    task_force = get_object_or_404(WorkGroup, pk=tf_id) if tf_id else None
    if data["category_set"] not in CategorySet.values:
        raise ValidationError({"category_set": ["问题类别应为：" + "、".join(CategorySet.values)]})
    if data["category_set"] != CategorySet.CUSTOM and not data["categories"]:
        data["categories"] = None
    for ph in data["phases"]:
        if ph["kind"] not in PhaseKind.values:
            raise ValidationError({"phases": [f"阶段“{ph['name']}”的类型应为：" + "、".join(PhaseKind.values)]})
    units = _units(data.pop("unit_ids"))
    c = services.create_campaign(organizer=organizer, task_force=task_force, units=units, by=request.user, **data)
    return Status(201, _campaign_out(_campaign(request, c.pk)))


@router.post("/campaigns/{campaign_id}/units", response={200: UnitsOut, **ERRORS},
             summary="增加参加单位（工作专班、督查室）")
@guarded
def add_units(request, campaign_id: int, payload: UnitsIn):
    c = _campaign(request, campaign_id)
    added = services.add_units(c, _units(payload.unit_ids), by=request.user)
    return {"added": [_ref(u) for u in added],
            "units": [_ref(p.unit) for p in c.participations.select_related("unit").order_by("unit__path")]}


@router.post("/campaigns/{campaign_id}/problems", response={201: ProblemDetail, **ERRORS}, summary="登记问题")
@guarded
def create_problem(request, campaign_id: int, payload: ProblemIn):
    c = _campaign(request, campaign_id)
    data = payload.dict()
    data["unit"] = get_object_or_404(Unit, pk=data.pop("unit_id"))
    p = services.create_problem(c, by=request.user, **data)
    return Status(201, _problem_detail(request, p.pk))


@router.post("/campaigns/{campaign_id}/import", response={200: ImportOut, **ERRORS},
             summary="导入问题清单台账（multipart；有任何错误则不导入；dry_run 只校验预览）")
@guarded
def import_ledger(request, campaign_id: int, file: File[UploadedFile], unit_id: Form[int | None] = None,
                  dry_run: Form[bool] = False):
    c = _campaign(request, campaign_id)
    unit = get_object_or_404(Unit, pk=unit_id) if unit_id else None
    report = excel.import_ledger(c, file, by=request.user, unit=unit, dry_run=dry_run)
    if not report.ok:
        return Status(422, {"detail": "；".join(report.errors), "errors": {"file": report.errors}})
    return {"ok": True, "dry_run": dry_run, "errors": [], "rows": report.rows,
            "created": [p.number for p in report.created], "unchanged": len(report.unchanged),
            "text": report.text()}


@router.post("/ledgers/{submission_id}/submit", response={200: SubmissionOut, **ERRORS},
             summary="报送情况报告和问题清单台账（multipart）")
@guarded
def submit_ledger(request, submission_id: int, situation_report: Form[str] = "",
                  files: File[list[UploadedFile]] = None):
    s = get_visible_or_404(LedgerSubmission, request.user, pk=submission_id)
    s = services.submit_ledger(s, request.user, situation_report=situation_report, files=files or [])
    return {"id": s.pk, "state": s.state, "submitted_at": s.submitted_at, "problem_count": s.problem_count}


@router.post("/problems/{problem_id}/progress", response={201: ProblemDetail, **ERRORS},
             summary="报送整改进展（multipart，可附佐证材料）")
@guarded
def add_progress(request, problem_id: int, text: Form[str], files: File[list[UploadedFile]] = None):
    services.add_progress(queries.problem_or_404(request.user, problem_id), request.user, text, files=files or [])
    return Status(201, _problem_detail(request, problem_id))


@router.post("/problems/{problem_id}/result", response={200: ProblemDetail, **ERRORS},
             summary="提交整改结果（multipart，须附佐证材料）")
@guarded
def submit_result(request, problem_id: int, text: Form[str], files: File[list[UploadedFile]] = None):
    services.submit_result(queries.problem_or_404(request.user, problem_id), request.user, text,
                           files=files or [])
    return _problem_detail(request, problem_id)


@router.post("/problems/{problem_id}/verify", response={200: ProblemDetail, **ERRORS},
             summary="核验整改结果（通过即销号）")
@guarded
def verify(request, problem_id: int, payload: VerifyIn):
    services.verify_result(queries.problem_or_404(request.user, problem_id), request.user, **payload.dict())
    return _problem_detail(request, problem_id)


@router.post("/problems/{problem_id}/reopen", response={200: ProblemDetail, **ERRORS},
             summary="重新打开已销号的问题（再整改）")
@guarded
def reopen(request, problem_id: int, payload: ReopenIn):
    services.reopen(queries.problem_or_404(request.user, problem_id), request.user, payload.reason,
                    deadline=payload.deadline, long_term=payload.long_term)
    return _problem_detail(request, problem_id)


@router.post("/problems/{problem_id}/link", response={200: ProblemDetail, **ERRORS}, summary="关联重复问题")
@guarded
def link(request, problem_id: int, payload: LinkIn):
    p = queries.problem_or_404(request.user, problem_id)
    other = queries.problem_or_404(request.user, payload.other_id)
    services.link_repeated(p, other, request.user, reason=payload.reason)
    return _problem_detail(request, problem_id)


@router.post("/publish", response={200: CountOut, **ERRORS}, summary="公开（或取消公开）问题：督查室")
@guarded
def publish(request, payload: PublishIn):
    found = list(visible(Problem, request.user).filter(pk__in=payload.problem_ids))
    if len(found) != len(set(payload.problem_ids)):
        return Status(404, {"detail": "未找到该记录", "errors": {}})
    return {"changed": services.publish(found, request.user, public=payload.public)}


@router.post("/campaigns/{campaign_id}/spot-checks", response={201: SpotCheckOut, **ERRORS},
             summary="随机抽取对象和检查人（记录种子和候选名单）")
@guarded
def draw_spot_check(request, campaign_id: int, payload: SpotCheckIn):
    c = _campaign(request, campaign_id)
    sc = services.draw_spot_check(c, request.user, **payload.dict())
    return Status(201, _spot_check_out(sc))


@router.post("/campaigns/{campaign_id}/look-backs", response={201: LookBackOut, **ERRORS}, summary="开展回头看")
@guarded
def start_look_back(request, campaign_id: int, payload: LookBackIn):
    c = _campaign(request, campaign_id)
    lb = services.start_look_back(c, request.user, **payload.dict())
    return Status(201, _look_back_out(lb))


@router.post("/look-back-items/{item_id}", response={200: LookBackItemOut, **ERRORS}, summary="记录回头看结论")
@guarded
def record_look_back(request, item_id: int, payload: LookBackRecordIn):
    item = get_visible_or_404(LookBackItem, request.user, pk=item_id)
    item = services.record_look_back(item, request.user, **payload.dict())
    return {"id": item.pk, "problem_id": item.problem_id, "verdict": item.verdict, "note": item.note,
            "new_deadline": item.new_deadline}


# --- public (no login) ------------------------------------------------------------

@router.get("/public/{code}", auth=None, response={200: PublicCampaignOut, 404: ErrorOut},
            summary="公示：专项行动的公开问题和整改进度（无需登录，不含个人信息）")
def public_campaign(request, code: str):
    c = get_object_or_404(queries.public_campaigns(), code=code)
    problems = [{k: v for k, v in row.items() if k != "id"} for row in queries.public_problems(c)]
    return {"summary": queries.public_summary(c), "problems": problems}
