"""Writes of the assessment (EVAL-1…4). Every function is one transaction
with one journal event; who may act is checked first (PermissionDenied,
Chinese message), then the state, then the input (ValidationError naming
the field). `at` is the moment of the action (default now).

Periods (EVAL-2)
    create_period(by, *, kind, year, number, scope=None, at=None) -> Period
    compute_period(period, by, *, at=None) -> Period          试算 (not when published)
    publish_period(period, by, *, at=None) -> Period          结算并发布: computed afresh and frozen
    recheck_period(period, by, *, at=None) -> Recheck         复核: recomputed, compared, nothing changed
Errors (EVAL-1)
    record_error(by, *, unit, category, occurred_on, description, at=None) -> ErrorRecord
    object_to_error(error, by, *, reason, at=None) -> ErrorRecord   once per error
    decide_objection(error, by, *, decision, reason, at=None) -> ErrorRecord
    issue_notice(by, *, year, quarter, scope=None, at=None) -> ErrorNotice
Achievement records and field work (EVAL-3, EVAL-4)
    enter_achievement(by, *, person, kind, title, description, occurred_on, at=None) -> Achievement
    decide_achievement(item, by, *, confirm, note="", at=None) -> Achievement
    log_field_day(by, *, leader, date, place, purpose, problems_found="", matters="", at=None) -> FieldWorkDay
    record_research_report(by, *, leader, title, summary, submitted_on, at=None) -> ResearchReport
Rows an administrator edits (indicators, tiers, error categories)
    save_row(row, *, by=None), delete_row(row, *, by=None)
"""

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings as dj_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from duban.core import assessing, serials
from duban.core.numbers import delete_number, number, save_number
from duban.core.officialdoc import format_doc_number
from duban.core.services import as_date, as_unit, as_user, local_date, sync_fields, user_name
from duban.core.services import now as _now
from duban.journal import chain
from duban.org.models import Person, Role, Unit
from duban.org.services import has_role
from duban.org.visibility import scope_for
from duban.timelimits.periods import day_start

from . import scoring
from .models import (
    Achievement,
    AchievementKind,
    AchievementState,
    AssessmentSetting,
    Decision,
    ErrorCategory,
    ErrorNotice,
    ErrorRecord,
    ErrorState,
    FieldWorkDay,
    Figure,
    Indicator,
    InputRecord,
    Period,
    PeriodKind,
    PeriodState,
    ResearchReport,
    Result,
    Tier,
)

User = get_user_model()

# The seed numbers (AssessmentSetting rows) and their seed values.
LEAD_WEIGHT, COOP_WEIGHT = "lead_weight_pct", "coop_weight_pct"
FIELD_DAYS, RESEARCH_REPORTS = "field_days_per_year", "research_reports_per_year"
PACE_TOLERANCE, REPORT_WARN_MONTH = "field_pace_tolerance_days", "research_report_warn_month"
OBJECTION_DAYS, REFRESH_SECONDS = "objection_days", "dashboard_refresh_seconds"
DEFAULTS = {LEAD_WEIGHT: 100, COOP_WEIGHT: 50, FIELD_DAYS: 60, RESEARCH_REPORTS: 1, PACE_TOLERANCE: 5,
            REPORT_WARN_MONTH: 10, OBJECTION_DAYS: 10, REFRESH_SECONDS: 60}
UNIT_ACTOR_ROLES = (Role.LIAISON, Role.UNIT_HEAD)
NOTICE_SERIES = "error_notice"
NOTICE_PREFIX = "政办差"


def setting(code) -> int:
    return number(AssessmentSetting, code, DEFAULTS[code])


def weights() -> dict:
    return {assessing.LEAD: Decimal(setting(LEAD_WEIGHT)) / 100, assessing.COOP: Decimal(setting(COOP_WEIGHT)) / 100}


def _day(value, field, label, at, errors):
    """A date not after the day of `at`, or an error on `field` (named
    `label`) in `errors`."""
    try:
        day = as_date(value)
    except (ValidationError, ValueError):
        errors[field] = f"{label}格式应为 年-月-日，例如 2026-11-22"
        return None
    if day is None:
        errors[field] = f"请填写{label}"
    elif day > local_date(at):
        errors[field] = f"{label}不能晚于今天"
    return day


# --- who may act ------------------------------------------------------------------------

def _own_unit(user):
    person = getattr(user, "person", None) if user is not None else None
    return person.unit if person is not None else None


def office_roots(user) -> list:
    """The jurisdictions in which `user` acts as 督查室 (assessment office)."""
    if not has_role(user, Role.SUPERVISOR):
        return []
    return list(scope_for(user).jurisdictions)


def is_office(user, unit) -> bool:
    """督查室 staff whose jurisdiction covers `unit`."""
    return unit is not None and any(unit.path.startswith(j.path) for j in office_roots(user))


def acts_for_unit(user, unit) -> bool:
    """The unit's liaison or head (or one of an office within it)."""
    own = _own_unit(user)
    return unit is not None and own is not None and own.path.startswith(unit.path) and has_role(
        user, *UNIT_ACTOR_ROLES)


def _require_office(user, unit, what):
    if not is_office(user, unit):
        raise PermissionDenied(f"只有管辖{unit.name if unit else '该单位'}的督查室可以{what}")


def default_scope(user):
    """The unit an office assesses by default: its first jurisdiction (the
    county's government)."""
    roots = office_roots(user)
    return min(roots, key=lambda u: len(u.path)) if roots else None


# --- periods (EVAL-2) ---------------------------------------------------------------------

def period_bounds(kind, year, number) -> tuple:
    if kind == PeriodKind.MONTH:
        if not 1 <= number <= 12:
            raise ValidationError({"number": "月份应为 1 至 12"})
        return dt.date(year, number, 1), dt.date(year, number, monthrange(year, number)[1])
    if kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValidationError({"number": "季度应为 1 至 4"})
        last = number * 3
        return dt.date(year, last - 2, 1), dt.date(year, last, monthrange(year, last)[1])
    if kind == PeriodKind.YEAR:
        if number != 1:
            raise ValidationError({"number": "年度考核的序号为 1"})
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValidationError({"kind": "考核周期应为月度、季度或年度"})


def create_period(by, *, kind, year, number=1, scope=None, at=None) -> Period:
    at = _now(at)
    scope = as_unit(scope) or default_scope(by)
    if scope is None:
        raise PermissionDenied("只有督查室可以设立考核周期")
    _require_office(by, scope, "设立考核周期")
    try:
        year, number = int(year), int(number or 1)
    except (TypeError, ValueError):
        raise ValidationError({"year": "年度和序号应为数字"}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应在 2000 至 2100 之间"})
    starts_on, ends_on = period_bounds(kind, year, number)
    with transaction.atomic():
        if Period.objects.filter(scope=scope, kind=kind, year=year, number=number).exists():
            raise ValidationError({"number": "该考核周期已设立"})
        p = Period.objects.create(scope=scope, kind=kind, year=year, number=number, starts_on=starts_on,
                                  ends_on=ends_on, created_at=at, created_by=by)
        chain.record("assessment.period.create", p, after={"scope": scope.pk, "kind": kind, "year": year,
                                                           "number": number}, actor=by, occurred_at=at)
    return p


@dataclass
class Gathered:
    units: list  # [UnitIn]
    unit_rows: dict  # id -> Unit
    indicators: list  # [IndicatorIn]
    entries: dict  # code -> [(EntryIn, Entry)]
    workload: list  # [(EntryIn, Entry)]
    weights: dict
    tiers: list
    notes: list
    config: dict
    span: assessing.Span

    def plain(self, key):
        return [e for e, _ in self.entries.get(key, ())] if key != "workload" else [e for e, _ in self.workload]

    def input_set(self, period) -> dict:
        return scoring.input_set(
            {"scope": period.scope_id, "kind": period.kind, "year": period.year, "number": period.number,
             "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()},
            self.units, self.indicators, {i.code: self.plain(i.code) for i in self.indicators},
            self.plain("workload"), self.weights, self.tiers)

    def outcome(self):
        return scoring.compute(self.units, self.indicators, {i.code: self.plain(i.code) for i in self.indicators},
                               self.plain("workload"), self.weights, self.tiers)


def assessed_units(scope, kinds) -> list:
    return list(Unit.objects.filter(parent=scope, is_active=True, kind__in=sorted(kinds)).order_by("path"))


def _roll_up(entries, by_prefix, depth) -> list:
    """[(EntryIn, Entry)] of the entries whose unit lies under an assessed
    unit, credited to it."""
    ids = {e.unit_id for e in entries}
    paths = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    cut = (depth + 1) * 5
    out = []
    for e in entries:
        path = paths.get(e.unit_id)
        target = by_prefix.get(path[:cut]) if path else None
        if target is not None:
            out.append((scoring.EntryIn(target, e.ref, Decimal(e.value), Decimal(e.base), e.role, e.unit_id), e))
    return out


def gather(period, now=None) -> Gathered:
    """Everything a computation of `period` reads, through the registry."""
    now = _now(now)
    registry = assessing.sources("indicator")
    notes, indicators = [], []
    for ind in Indicator.objects.filter(is_active=True).order_by("sort_order", "code"):
        source = registry.get(ind.source)
        if source is None:
            notes.append(f"指标“{ind.name}”的数据来源 {ind.source} 尚未接入，本期不计分")
            continue
        indicators.append(scoring.IndicatorIn(ind.code, ind.name, ind.source, source.measure, ind.direction,
                                              ind.weight, frozenset(ind.unit_kinds or []), ind.normalise,
                                              source.unit_label))
    kinds = set().union(*(i.kinds for i in indicators)) if indicators else set()
    units = assessed_units(period.scope, kinds)
    span = assessing.Span(day_start(period.starts_on), day_start(period.ends_on + dt.timedelta(days=1)),
                          tuple(units), now)
    depth = period.scope.depth + 1
    by_prefix = {u.path[:(depth + 1) * 5]: u.pk for u in units}
    cache = {}

    def read(code):
        if code not in cache:
            cache[code] = _roll_up(list(registry[code].entries(span)) if units else [], by_prefix, depth)
        return cache[code]

    entries = {i.code: read(i.source) for i in indicators}
    workload = [pair for code, s in sorted(registry.items()) if s.workload for pair in read(code)]
    tiers = [scoring.TierIn(t.name, t.share_pct, t.points) for t in Tier.objects.order_by("share_pct")]
    w = weights()
    config = {
        "indicators": [{"code": i.code, "name": i.name, "source": i.source, "measure": i.measure,
                        "direction": i.direction, "weight": str(i.weight), "kinds": sorted(i.kinds),
                        "normalise": i.normalise, "unit_label": i.unit_label} for i in indicators],
        "weights": {k: str(v) for k, v in w.items()},
        "tiers": [{"name": t.name, "share_pct": t.share_pct, "points": str(t.points)} for t in tiers],
    }
    return Gathered([scoring.UnitIn(u.pk, u.kind, u.name) for u in units], {u.pk: u for u in units}, indicators,
                    entries, workload, w, tiers, notes, config, span)


def _write(period, g: Gathered, outcome):
    InputRecord.objects.filter(period=period).delete()
    Figure.objects.filter(period=period).delete()
    # A unit's result keeps its row (and its address) from one computation to the next.
    existing = {r.unit_id: r for r in Result.objects.filter(period=period)}
    Result.objects.filter(period=period).exclude(unit_id__in=list(outcome.results)).delete()
    fields = ["group", "total", "max_total", "rank", "group_size", "tier", "tier_points"]
    changed, created = [], []
    for r in outcome.results.values():
        row = existing.get(r.unit_id) or Result(period=period, unit_id=r.unit_id)
        for f in fields:
            setattr(row, f, getattr(r, f))
        (changed if row.pk else created).append(row)
    Result.objects.bulk_update(changed, fields, batch_size=500)
    Result.objects.bulk_create(created, batch_size=500)
    Figure.objects.bulk_create([
        Figure(period=period, unit_id=uid, indicator=code, value=f.value, base=f.base, workload=f.workload,
               raw=f.raw, score=f.score, note=f.note) for (uid, code), f in outcome.figures.items()], batch_size=500)
    rows = []
    for code, pairs in [*((i.code, g.entries[i.code]) for i in g.indicators), ("workload", g.workload)]:
        for e_in, e in pairs:
            rows.append(InputRecord(period=period, indicator=code, unit_id=e_in.unit_id, source_unit_id=e.unit_id,
                                    ref=e.ref[:120], label=(e.label or e.ref)[:300], url=(e.url or "")[:300],
                                    value=e_in.value, base=e_in.base, role=e.role, weight=g.weights.get(e.role, 1),
                                    at=e.at, note=(e.note or "")[:300]))
    InputRecord.objects.bulk_create(rows, batch_size=500)


def _locked(period) -> Period:
    return Period.objects.select_for_update(of=("self",)).select_related("scope").get(pk=period.pk)


def _ranking(outcome) -> list:
    return sorted([[r.group, r.unit_id, str(r.total), r.rank, r.tier] for r in outcome.results.values()])


def _compute(p, by, at):
    g = gather(p, at)
    outcome = g.outcome()
    digest = scoring.input_hash(g.input_set(p))
    _write(p, g, outcome)
    p.input_hash, p.computed_at, p.computed_by, p.config, p.notes = digest, at, by, g.config, g.notes
    return g, outcome, digest


def compute_period(period, by, *, at=None) -> Period:
    """试算: compute the period from the records as they are now and keep
    the figures (replacing an earlier computation). A published period is
    frozen."""
    at = _now(at)
    with transaction.atomic():
        p = _locked(period)
        _require_office(by, p.scope, "计算考核结果")
        if p.is_published:
            raise ValidationError("该考核周期已发布、已冻结；如需核对数据是否变化，请使用“复核”")
        g, outcome, digest = _compute(p, by, at)
        p.save(update_fields=["input_hash", "computed_at", "computed_by", "config", "notes"])
        chain.record("assessment.period.compute", p, after={
            "input_hash": digest, "units": len(g.units), "records": sum(len(v) for v in g.entries.values()),
            "ranking": _ranking(outcome), "notes": g.notes}, actor=by, occurred_at=at)
    return sync(period, p)


def publish_period(period, by, *, at=None) -> Period:
    """结算并发布: after the period has ended, compute it afresh from the
    records, freeze it and journal the SM3 hash of its input set."""
    at = _now(at)
    with transaction.atomic():
        p = _locked(period)
        _require_office(by, p.scope, "发布考核结果")
        if p.is_published:
            raise ValidationError("该考核周期已经发布")
        if local_date(at) <= p.ends_on:
            raise ValidationError(f"{p.title}至{p.ends_on:%Y-%m-%d}结束，结束后才能结算发布")
        g, outcome, digest = _compute(p, by, at)
        if not g.units:
            raise ValidationError("考核范围内没有可考核的单位")
        p.state, p.published_at, p.published_by = PeriodState.PUBLISHED, at, by
        p.save(update_fields=["input_hash", "computed_at", "computed_by", "config", "notes", "state",
                              "published_at", "published_by"])
        chain.record("assessment.period.publish", p, before={"state": PeriodState.DRAFT}, after={
            "state": PeriodState.PUBLISHED, "input_hash": digest, "ranking": _ranking(outcome)},
            actor=by, occurred_at=at)
    return sync(period, p)


def sync(target, source):
    return sync_fields(target, source)


@dataclass
class Change:
    indicator: str
    ref: str
    label: str
    unit_id: int
    role: str
    before: tuple | None  # (value, base)
    after: tuple | None


@dataclass
class Recheck:
    period: Period
    same: bool
    old_hash: str
    new_hash: str
    added: list = field(default_factory=list)  # [Change]
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    config_changed: bool = False
    results: list = field(default_factory=list)  # [(unit_id, old total, new total, old rank, new rank)]


def _diff(p, g) -> tuple:
    old = {}
    for r in InputRecord.objects.filter(period=p).values("indicator", "ref", "unit_id", "role", "value", "base",
                                                           "label"):
        old[(r["indicator"], r["ref"], r["unit_id"], r["role"])] = ((r["value"], r["base"]), r["label"])
    new = {}
    for code, pairs in [*((i.code, g.entries[i.code]) for i in g.indicators), ("workload", g.workload)]:
        for e_in, e in pairs:
            key = (code, e.ref[:120], e_in.unit_id, e.role)
            prev = new.get(key)
            value = (scoring.q4(e_in.value), scoring.q4(e_in.base))
            if prev is not None:
                value = (prev[0][0] + value[0], prev[0][1] + value[1])
            new[key] = (value, e.label)
    added = [Change(k[0], k[1], lbl, k[2], k[3], None, v) for k, (v, lbl) in new.items() if k not in old]
    removed = [Change(k[0], k[1], lbl, k[2], k[3], v, None) for k, (v, lbl) in old.items() if k not in new]
    changed = [Change(k[0], k[1], new[k][1], k[2], k[3], old[k][0], new[k][0]) for k in new
               if k in old and tuple(scoring.q4(x) for x in old[k][0]) != new[k][0]]
    key = lambda c: (c.indicator, c.unit_id, c.ref)  # noqa: E731
    return sorted(added, key=key), sorted(removed, key=key), sorted(changed, key=key)


def recheck_period(period, by, *, at=None) -> Recheck:
    """复核: recompute the period from the records as they are now, without
    changing what was computed or published, and say whether its input set
    still has the same hash -- if not, which records and totals differ.
    Journaled with both hashes."""
    at = _now(at)
    with transaction.atomic():
        p = _locked(period)
        _require_office(by, p.scope, "复核考核结果")
        if not p.input_hash:
            raise ValidationError("该考核周期尚未计算")
        g = gather(p, at)
        digest = scoring.input_hash(g.input_set(p))
        outcome = g.outcome()
        added, removed, changed = _diff(p, g)
        stored = {r.unit_id: r for r in Result.objects.filter(period=p)}
        results = []
        for uid, r in outcome.results.items():
            old = stored.get(uid)
            if old is None or old.total != r.total or old.rank != r.rank:
                results.append((uid, old.total if old else None, r.total, old.rank if old else None, r.rank))
        check = Recheck(p, digest == p.input_hash, p.input_hash, digest, added, removed, changed,
                        g.config != p.config, sorted(results))
        p.checked_at, p.check_hash = at, digest
        p.save(update_fields=["checked_at", "check_hash"])
        chain.record("assessment.period.recheck", p, before={"input_hash": p.input_hash}, after={
            "input_hash": digest, "same": check.same, "added": len(added), "removed": len(removed),
            "changed": len(changed), "config_changed": check.config_changed,
            "totals_changed": [[u, str(a) if a is not None else None, str(b)] for u, a, b, _, _ in results]},
            actor=by, occurred_at=at)
    return check


# --- errors (EVAL-1) -------------------------------------------------------------------------

def _error_snapshot(e):
    return chain.snapshot(e, ["unit_id", "category_id", "deduction", "occurred_on", "state", "notice_id",
                              "decision"])


def record_error(by, *, unit, category, occurred_on, description, at=None) -> ErrorRecord:
    at = _now(at)
    try:
        unit = as_unit(unit)
    except ValidationError as e:
        raise ValidationError({"unit": e.messages[0]}) from None
    if unit is None:
        raise ValidationError({"unit": "请选择单位"})
    _require_office(by, unit, "登记差错")
    errors = {}
    cat = category if isinstance(category, ErrorCategory) else ErrorCategory.objects.filter(
        pk=category if str(category).isdigit() else None).first() or ErrorCategory.objects.filter(
        code=str(category or "")).first()
    if cat is None or not cat.is_active:
        errors["category"] = "请选择差错类别"
    day = _day(occurred_on, "occurred_on", "发生日期", at, errors)
    description = (description or "").strip()
    if not description:
        errors["description"] = "请写明差错情况"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        e = ErrorRecord.objects.create(unit=unit, category=cat, area=cat.area, deduction=cat.deduction,
                                       occurred_on=day, description=description, recorded_by=by, recorded_at=at)
        chain.record("assessment.error.record", e, after={**_error_snapshot(e), "description": description},
                     actor=by, occurred_at=at)
    return e


def objection_deadline(error) -> dt.datetime:
    """Until when the unit may object: `objection_days` after the error was
    recorded or, when later, after the notice that lists it was issued."""
    start = error.recorded_at
    if error.notice_id and error.notice.issued_at > start:
        start = error.notice.issued_at
    return start + dt.timedelta(days=setting(OBJECTION_DAYS))


def may_object(user, error, at=None) -> bool:
    return (acts_for_unit(user, error.unit) and error.objected_at is None
            and _now(at) <= objection_deadline(error))


def object_to_error(error, by, *, reason, at=None) -> ErrorRecord:
    """The unit's objection (异议): once per error, with reasons, within the
    objection window; decided by the office."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        e = ErrorRecord.objects.select_for_update(of=("self",)).select_related("unit", "notice").get(pk=error.pk)
        if not acts_for_unit(by, e.unit):
            raise PermissionDenied(f"只有{e.unit.name}的联络员或负责人可以提出异议")
        if e.objected_at is not None:
            raise ValidationError("每条差错只能提出一次异议，本条已于"
                                  f"{timezone.localtime(e.objected_at):%Y-%m-%d %H:%M}提出")
        if at > objection_deadline(e):
            raise ValidationError(f"异议期已过（{setting(OBJECTION_DAYS)}天内可提出）")
        if not reason:
            raise ValidationError({"reason": "请写明异议理由"})
        before = _error_snapshot(e)
        e.objection, e.objected_by, e.objected_at, e.state = reason, by, at, ErrorState.OBJECTED
        e.save(update_fields=["objection", "objected_by", "objected_at", "state"])
        chain.record("assessment.error.object", e, before=before, after={**_error_snapshot(e), "reason": reason},
                     actor=by, occurred_at=at)
    return sync(error, e)


def decide_objection(error, by, *, decision, reason, at=None) -> ErrorRecord:
    """The office decides the objection: 维持 (the deduction stands) or 撤销
    (it no longer counts), with reasons, recorded."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        e = ErrorRecord.objects.select_for_update(of=("self",)).select_related("unit").get(pk=error.pk)
        _require_office(by, e.unit, "处理异议")
        if e.state != ErrorState.OBJECTED:
            raise ValidationError("该差错没有待处理的异议")
        if decision not in Decision.values:
            raise ValidationError({"decision": "请选择维持或撤销"})
        if not reason:
            raise ValidationError({"reason": "请写明处理理由"})
        before = _error_snapshot(e)
        e.decision, e.decision_reason, e.decided_by, e.decided_at = decision, reason, by, at
        e.state = ErrorState.UPHELD if decision == Decision.UPHOLD else ErrorState.REVOKED
        e.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at", "state"])
        chain.record("assessment.error.decide", e, before=before, after={**_error_snapshot(e), "reason": reason},
                     actor=by, occurred_at=at)
    return sync(error, e)


def quarter_bounds(year, quarter) -> tuple:
    return period_bounds(PeriodKind.QUARTER, int(year), int(quarter))


def notice_errors(scope, year, quarter):
    """The errors a quarter's notice lists: in the scope's subtree, in the
    quarter, not revoked."""
    start, end = quarter_bounds(year, quarter)
    return (ErrorRecord.objects.filter(unit__path__startswith=scope.path, occurred_on__gte=start,
                                       occurred_on__lte=end).exclude(state=ErrorState.REVOKED)
            .select_related("unit", "category").order_by("unit__path", "occurred_on", "id"))


def issue_notice(by, *, year, quarter, scope=None, at=None) -> ErrorNotice:
    """差错通报 of a quarter: numbered, listing every error of the quarter
    that stands. Refused while an objection waits for its decision."""
    at = _now(at)
    scope = as_unit(scope) or default_scope(by)
    if scope is None:
        raise PermissionDenied("只有督查室可以印发差错通报")
    _require_office(by, scope, "印发差错通报")
    try:
        year, quarter = int(year), int(quarter)
        start, end = quarter_bounds(year, quarter)
    except (TypeError, ValueError):
        raise ValidationError({"quarter": "请选择年度和季度"}) from None
    if local_date(at) <= end:
        raise ValidationError({"quarter": f"{year}年第{quarter}季度尚未结束，结束后才能通报"})
    with transaction.atomic():
        if ErrorNotice.objects.filter(scope=scope, year=year, quarter=quarter).exists():
            raise ValidationError({"quarter": f"{year}年第{quarter}季度的差错通报已印发"})
        errors = list(notice_errors(scope, year, quarter).select_for_update(of=("self",)))
        pending = [e for e in errors if e.state == ErrorState.OBJECTED]
        if pending:
            raise ValidationError({"quarter": f"尚有{len(pending)}条差错的异议待处理（"
                                              + "、".join(e.unit.name for e in pending[:5]) + "），处理后才能通报"})
        if not errors:
            raise ValidationError({"quarter": f"{year}年第{quarter}季度没有需要通报的差错"})
        serial = serials.take(NOTICE_SERIES, year)
        notice = ErrorNotice.objects.create(
            scope=scope, year=year, quarter=quarter, serial=serial,
            number=format_doc_number(f"{dj_settings.DUBAN_COUNTY_NAME[:1]}{NOTICE_PREFIX}", year, serial),
            title=f"关于{year}年第{'一二三四'[quarter - 1]}季度工作差错情况的通报", issued_at=at, issued_by=by)
        ErrorRecord.objects.filter(pk__in=[e.pk for e in errors]).update(notice=notice)
        chain.record("assessment.notice.issue", notice, after={
            "number": notice.number, "year": year, "quarter": quarter, "errors": [e.pk for e in errors],
            "deduction": str(sum((e.deduction for e in errors), Decimal(0)))}, actor=by, occurred_at=at)
    return notice


# --- achievement records (EVAL-3) ----------------------------------------------------------

def may_enter_for(user, person_user) -> bool:
    """The person, or a liaison or head of the person's unit."""
    if user is None or person_user is None:
        return False
    if user.pk == person_user.pk:
        return True
    person = getattr(person_user, "person", None)
    return person is not None and acts_for_unit(user, person.unit)


def may_confirm(user, item) -> bool:
    """A head of the person's unit (not the person), or the office over it."""
    if user.pk == item.person_id:
        return False
    own = _own_unit(user)
    if own is not None and own.pk == item.unit_id and has_role(user, Role.UNIT_HEAD):
        return True
    return is_office(user, item.unit)


def enter_achievement(by, *, person, kind, title, description, occurred_on, at=None) -> Achievement:
    at = _now(at)
    try:
        user = as_user(person)
    except ValidationError as e:
        raise ValidationError({"person": e.messages[0]}) from None
    p = Person.objects.select_related("unit").filter(user=user).first() if user else None
    if p is None:
        raise ValidationError({"person": "请选择干部"})
    if not may_enter_for(by, user):
        raise PermissionDenied("只能为本人或本单位干部录入干事档案")
    errors = {}
    if kind not in AchievementKind.values:
        errors["kind"] = "请选择类别"
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    if not description:
        errors["description"] = "请填写具体内容"
    day = _day(occurred_on, "occurred_on", "日期", at, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        a = Achievement.objects.create(person=user, unit=p.unit, kind=kind, title=title, description=description,
                                       occurred_on=day, entered_by=by, entered_at=at)
        chain.record("assessment.achievement.enter", a, after={"person": user.pk, "kind": kind, "title": title},
                     actor=by, occurred_at=at)
    return a


def decide_achievement(item, by, *, confirm, note="", at=None) -> Achievement:
    at = _now(at)
    with transaction.atomic():
        a = Achievement.objects.select_for_update(of=("self",)).select_related("unit").get(pk=item.pk)
        if not may_confirm(by, a):
            raise PermissionDenied("由本单位负责人确认（本人不能确认自己的记录）")
        if a.state != AchievementState.PENDING:
            raise ValidationError("该记录已经处理")
        note = (note or "").strip()
        if not confirm and not note:
            raise ValidationError({"note": "不予确认的，请写明理由"})
        a.state = AchievementState.CONFIRMED if confirm else AchievementState.REJECTED
        a.decided_by, a.decided_at, a.decision_note = by, at, note
        a.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        chain.record("assessment.achievement.decide", a, before={"state": AchievementState.PENDING},
                     after={"state": a.state, "note": note}, actor=by, occurred_at=at)
    return sync(item, a)


# --- field work (EVAL-4) -------------------------------------------------------------------

def is_leader(user) -> bool:
    person = getattr(user, "person", None)
    return bool(person is not None and person.is_leader) or has_role(user, Role.LEADER)


def _leader(by, leader):
    try:
        user = as_user(leader) or by
    except ValidationError as e:
        raise ValidationError({"leader": e.messages[0]}) from None
    p = Person.objects.select_related("unit").filter(user=user).first()
    if p is None or not is_leader(user):
        raise ValidationError({"leader": f"{user_name(user)}不是领导干部"})
    if user.pk != by.pk and not acts_for_unit(by, p.unit) and not is_office(by, p.unit):
        raise PermissionDenied("只能记录本人或本单位领导干部的一线工作")
    return user, p


def log_field_day(by, *, leader=None, date, place, purpose, problems_found="", matters="", at=None) -> FieldWorkDay:
    at = _now(at)
    user, p = _leader(by, leader)
    errors = {}
    day = _day(date, "date", "日期", at, errors)
    place, purpose = (place or "").strip(), (purpose or "").strip()
    if not place:
        errors["place"] = "请填写地点"
    if not purpose:
        errors["purpose"] = "请填写事由"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        f = FieldWorkDay.objects.create(leader=user, unit=p.unit, date=day, place=place, purpose=purpose,
                                        problems_found=(problems_found or "").strip(),
                                        matters=(matters or "").strip()[:500], recorded_by=by, recorded_at=at)
        chain.record("assessment.fieldwork.log", f, after={"leader": user.pk, "date": day, "place": place,
                                                          "purpose": purpose, "matters": f.matters},
                     actor=by, occurred_at=day_start(day) if day < local_date(at) else at)
    return f


def record_research_report(by, *, leader=None, title, summary, submitted_on, at=None) -> ResearchReport:
    at = _now(at)
    user, p = _leader(by, leader)
    errors = {}
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title:
        errors["title"] = "请填写题目"
    if not summary:
        errors["summary"] = "请填写主要内容"
    day = _day(submitted_on, "submitted_on", "完成日期", at, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        r = ResearchReport.objects.create(leader=user, unit=p.unit, title=title, summary=summary, submitted_on=day,
                                          recorded_by=by, recorded_at=at)
        chain.record("assessment.research.record", r, after={"leader": user.pk, "title": title,
                                                              "submitted_on": day}, actor=by, occurred_at=at)
    return r


# --- rows an administrator edits -------------------------------------------------------------

ROW_FIELDS = {
    Indicator: ["code", "name", "source", "direction", "weight", "unit_kinds", "normalise", "is_active",
                "sort_order"],
    Tier: ["name", "share_pct", "points", "sort_order"],
    ErrorCategory: ["code", "name", "area", "deduction", "is_active", "sort_order"],
}


def save_row(row, *, by=None):
    """Create or change an indicator, a tier or an error category,
    journaled with its values before and after."""
    return save_number(row, by=by, fields=ROW_FIELDS[type(row)])


def delete_row(row, *, by=None):
    delete_number(row, by=by, fields=ROW_FIELDS[type(row)])
