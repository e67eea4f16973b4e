"""Writes of the plan app (MEET-4). `count_against_plan`, `withdraw_from_plan`
and `require_plan_room` are the hand-overs other apps call when a meeting,
a document or an inspection is registered or cancelled (they count
automatically, by content, not by letterhead); `set_usage_flags` lets them
mark a counted record (以文件落实文件) for the statistics.

Every write is one transaction with one journal event. The controlling
office (归口管理：督查室) is the supervision office whose jurisdiction covers
the unit: it sets plans, approves explanations for going beyond them and
is warned with the unit at the thresholds (PlanSetting rows, 80% and 100%
by default)."""

import datetime as dt
import math

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from duban.core import numbers
from duban.core.services import as_date, as_unit, blank, local_date, user_name
from duban.core.services import now as _now
from duban.journal import chain
from duban.notify import services as notify
from duban.org.models import Role, RoleAssignment
from duban.org.services import has_role
from duban.org.visibility import scope_for

from .models import (
    AnnualPlan,
    ExcessRequest,
    ExcessState,
    Inspection,
    InspectionKind,
    InspectionState,
    PlanKind,
    PlanSetting,
    PlanUsage,
)

User = get_user_model()

# The seed's numbers, used when an administrator has deleted a row.
GROWTH = "growth_over_baseline_pct"
WARN_NEAR = "warn_near_pct"
WARN_FULL = "warn_full_pct"
MONTH_MAX = "inspections_month_max"
QUARTER_MAX = "inspections_quarter_max"
MERGE_WINDOW = "merge_window_days"
DEFAULTS = {GROWTH: 0, WARN_NEAR: 80, WARN_FULL: 100, MONTH_MAX: 2, QUARTER_MAX: 4, MERGE_WINDOW: 15}
UNIT_ACTOR_ROLES = (Role.LIAISON, Role.UNIT_HEAD, Role.SUPERVISOR)


def setting(code: str) -> int:
    return numbers.number(PlanSetting, code, DEFAULTS[code])


def kind_label(kind) -> str:
    return PlanKind(kind).label


# --- who -------------------------------------------------------------------------

def _own_unit(user):
    person = getattr(user, "person", None)
    return person.unit if person is not None else None


def is_controlling_office(user, unit) -> bool:
    """督查室 staff whose jurisdiction covers `unit`: they set its plans,
    approve its explanations and see its statistics."""
    if unit is None or not has_role(user, Role.SUPERVISOR):
        return False
    return any(unit.path.startswith(j.path) for j in scope_for(user).jurisdictions)


def is_controlling_office_anywhere(user) -> bool:
    return has_role(user, Role.SUPERVISOR) and bool(scope_for(user).jurisdictions)


def may_act_for(user, unit) -> bool:
    """Record for `unit` (its plan explanations, its inspections, its
    documents): its liaison, head or 督查室 staff (or an office's within
    it), or the controlling office."""
    if unit is None:
        return False
    if is_controlling_office(user, unit):
        return True
    own = _own_unit(user)
    return own is not None and own.path.startswith(unit.path) and has_role(user, *UNIT_ACTOR_ROLES)


def controlling_office_staff(unit) -> list:
    """The active 督查室 staff whose jurisdiction covers `unit`."""
    if unit is None:
        return []
    out = []
    for ra in (RoleAssignment.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
               .select_related("scope", "user__person__unit").order_by("user_id")):
        person = getattr(ra.user, "person", None)
        juris = ra.scope or (person.unit if person is not None else None)
        if juris is not None and unit.path.startswith(juris.path) and ra.user not in out:
            out.append(ra.user)
    return out


def unit_contacts(unit) -> list:
    """The active liaisons and heads of `unit` itself."""
    return list(User.objects.filter(is_active=True, person__unit=unit,
                                    role_assignments__role__in=[Role.LIAISON, Role.UNIT_HEAD])
                .distinct().order_by("id"))


def _require(cond, message):
    if not cond:
        raise PermissionDenied(message)


# --- counting ---------------------------------------------------------------------

def _source(obj) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def _usage(unit, year, kind):
    return PlanUsage.objects.filter(unit=unit, year=year, kind=kind, withdrawn_at__isnull=True)


def used(unit, year, kind) -> int:
    """How many records of `kind` count against `unit`'s plan of `year`."""
    return _usage(unit, year, kind).count()


def ceiling(plan) -> int:
    """The quota plus what approved explanations allow beyond it."""
    extra = sum(plan.excess_requests.filter(state=ExcessState.APPROVED).values_list("extra", flat=True))
    return plan.quota + extra


def _plan_of(unit, year, kind, *, lock=False):
    qs = AnnualPlan.objects.filter(unit=unit, year=year, kind=kind)
    return (qs.select_for_update() if lock else qs).first()


def _mark_over(plan):
    """Mark the records beyond the plan's ceiling (in the order they happened)
    as over the plan, and the others not."""
    rows = list(_usage(plan.unit, plan.year, plan.kind).order_by("occurred_on", "id").values_list("id", "over_plan"))
    top = ceiling(plan)
    over = [pk for i, (pk, flag) in enumerate(rows) if i >= top and not flag]
    back = [pk for i, (pk, flag) in enumerate(rows) if i < top and flag]
    if over:
        PlanUsage.objects.filter(pk__in=over).update(over_plan=True)
    if back:
        PlanUsage.objects.filter(pk__in=back).update(over_plan=False)


def threshold(quota: int, pct: int) -> int:
    """The count at which `pct` per cent of `quota` is reached (at least 1)."""
    return max(1, math.ceil(quota * pct / 100))


def _warn(plan, level, n, *, by=None, at):
    """Tell the unit and its controlling office that `plan` reached `level`
    ("near" / "full"); journaled; once per level (the plan remembers)."""
    pct = setting(WARN_NEAR if level == "near" else WARN_FULL)
    what = f"{plan.unit.name}{plan.year}年{plan.get_kind_display()}"
    subject = f"【计划预警】{what}已达计划的{pct}%（{n}/{plan.quota}）"
    body = (f"{what}计划{plan.quota}项（上年实际{plan.baseline}项），已计入{n}项，达到计划的{pct}%。"
            + ("再有新增须先提交书面说明，经督查室批准。" if level == "full"
               else "请从严控制，确需超出计划的，须提交书面说明，经督查室批准。"))
    people = unit_contacts(plan.unit) + [u for u in controlling_office_staff(plan.unit)]
    seen = set()
    for user in people:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notify.notify_user(user, subject, body, key=f"plans:{plan.pk}:{level}:{plan.quota}",
                           link=plan.get_absolute_url(), at=at)
    field = "warned_near_at" if level == "near" else "warned_full_at"
    setattr(plan, field, at)
    plan.save(update_fields=[field])
    chain.record("plans.plan.warn", plan, actor=by, occurred_at=at,
                 after={"level": level, "pct": pct, "used": n, "quota": plan.quota, "recipients": len(seen)})


def _check_thresholds(plan, *, by=None, at):
    n = used(plan.unit, plan.year, plan.kind)
    full = n >= threshold(plan.quota, setting(WARN_FULL)) if plan.quota else n > 0
    near = n >= threshold(plan.quota, setting(WARN_NEAR)) if plan.quota else n > 0
    if full and plan.warned_full_at is None:
        _warn(plan, "full", n, by=by, at=at)
    elif near and not full and plan.warned_near_at is None:
        _warn(plan, "near", n, by=by, at=at)


@transaction.atomic
def count_against_plan(obj, *, unit, kind, when, title, by=None, at=None, flags=None) -> PlanUsage:
    """Hand-over: the record `obj` (a meeting, a document, an inspection) of
    `unit`, happening at `when` (a date or a moment), counts against that
    unit's plan of `kind` for its year. Idempotent per record: counting it
    again (a meeting moved to another day) updates its row. `flags`: marks
    for the statistics (["以文件落实文件"]); None keeps the row's. The unit
    and its controlling office are warned when the count reaches the
    thresholds; a record beyond the plan is marked over it (the caller
    refuses one beforehand with `require_plan_room` where it must)."""
    at = _now(at)
    kind = PlanKind(kind)
    day = when if not hasattr(when, "hour") else local_date(when)
    source_type, source_id = _source(obj)
    usage, created = PlanUsage.objects.select_for_update().get_or_create(
        source_type=source_type, source_id=source_id,
        defaults=dict(unit=unit, year=day.year, kind=kind, occurred_on=day, title=title[:200], counted_at=at,
                      counted_by=by, flags=list(flags or [])))
    old_plan = None
    if not created:
        if (usage.unit_id, usage.year, usage.kind) != (unit.pk, day.year, kind):
            old_plan = _plan_of(usage.unit, usage.year, usage.kind)
        usage.unit, usage.year, usage.kind, usage.occurred_on = unit, day.year, kind, day
        usage.title, usage.withdrawn_at, usage.withdrawn_reason = title[:200], None, ""
        if flags is not None:
            usage.flags = list(flags)
        usage.save()
    chain.record("plans.usage.count", usage, actor=by, occurred_at=at, after=chain.snapshot(
        usage, ["unit_id", "year", "kind", "occurred_on", "source_type", "source_id", "title", "flags"]))
    if old_plan is not None:
        _mark_over(old_plan)
    plan = _plan_of(unit, day.year, kind, lock=True)  # one count at a time per plan: each warning once
    if plan is not None:
        _mark_over(plan)
        _check_thresholds(plan, by=by, at=at)
        usage.refresh_from_db(fields=["over_plan"])
    return usage


@transaction.atomic
def withdraw_from_plan(obj, *, reason, by=None, at=None):
    """Hand-over: the record `obj` no longer counts (a meeting cancelled
    before it was held). Its row stays, marked withdrawn. Nothing happens
    for a record that never counted."""
    at = _now(at)
    source_type, source_id = _source(obj)
    usage = PlanUsage.objects.select_for_update().filter(source_type=source_type, source_id=source_id).first()
    if usage is None or usage.withdrawn_at is not None:
        return usage
    usage.withdrawn_at, usage.withdrawn_reason = at, reason[:200]
    usage.over_plan = False
    usage.save(update_fields=["withdrawn_at", "withdrawn_reason", "over_plan"])
    chain.record("plans.usage.withdraw", usage, actor=by, occurred_at=at, after={"reason": reason})
    plan = _plan_of(usage.unit, usage.year, usage.kind)
    if plan is not None:
        _mark_over(plan)
    return usage


@transaction.atomic
def set_usage_flags(obj, flags, *, by=None, at=None):
    """Hand-over: mark the counted record `obj` for the statistics (a
    document flagged 以文件落实文件, or the flag removed). Nothing happens
    for a record that never counted."""
    at = _now(at)
    source_type, source_id = _source(obj)
    usage = PlanUsage.objects.select_for_update().filter(source_type=source_type, source_id=source_id).first()
    if usage is None or sorted(usage.flags) == sorted(flags):
        return usage
    before = list(usage.flags)
    usage.flags = list(flags)
    usage.save(update_fields=["flags"])
    chain.record("plans.usage.flags", usage, actor=by, occurred_at=at, before={"flags": before},
                 after={"flags": usage.flags})
    return usage


def require_plan_room(unit, kind, when, *, obj=None):
    """Hand-over: refuse (ValidationError naming the plan) a new record of
    `kind` for `unit` on `when` that would go beyond the unit's plan of that
    year and what approved explanations allow (MEET-4: going beyond needs a
    written explanation approved by the controlling office). `obj`: the
    record, when it may already count (it is not counted twice). Units
    without a plan for the year are not limited."""
    kind = PlanKind(kind)
    day = when if not hasattr(when, "hour") else local_date(when)
    # Inside the caller's transaction the plan stays locked until the record
    # is counted, so that two records never both take the last place.
    plan = _plan_of(unit, day.year, kind, lock=transaction.get_connection().in_atomic_block)
    if plan is None:
        return
    qs = _usage(unit, day.year, kind)
    if obj is not None:
        source_type, source_id = _source(obj)
        qs = qs.exclude(source_type=source_type, source_id=source_id)
    n, top = qs.count(), ceiling(plan)
    if n + 1 > top:
        raise ValidationError(
            f"{unit.name}{day.year}年{plan.get_kind_display()}计划{plan.quota}项"
            + (f"（经批准可超出{top - plan.quota}项）" if top > plan.quota else "")
            + f"，已计入{n}项。超出计划须先提交书面说明，经督查室批准。", code="over_plan")


# --- plans --------------------------------------------------------------------------

PLAN_FIELDS = ["unit_id", "year", "kind", "baseline", "quota", "reason"]


def _as_count(value, field, label, errors):
    if blank(value):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}应为整数"
        return None
    if n < 0:
        errors[field] = f"{label}不能为负数"
        return None
    return n


def allowed_quota(baseline: int) -> int:
    """The plan the default rule allows: last year's count plus the growth
    allowed (0%: no growth)."""
    return baseline * (100 + setting(GROWTH)) // 100


def quota_problem(baseline: int, quota: int, reason: str) -> str:
    """Why a quota above what the rule allows cannot stand without a
    reason; "" when it may."""
    allowed = allowed_quota(baseline)
    if quota <= allowed or (reason or "").strip():
        return ""
    growth = setting(GROWTH)
    rule = "不超过上年实际" if growth == 0 else f"比上年实际增长不超过{growth}%"
    return f"年度计划数{quota}超过按“{rule}”可定的{allowed}项（上年实际{baseline}项），须说明理由"


def set_plan(by, *, unit, year, kind, quota=None, baseline=None, reason="", at=None, as_admin=False) -> AnnualPlan:
    """The controlling office sets `unit`'s plan of `kind` for `year`
    (`as_admin`: the system administrator corrects it in the admin).
    `baseline` (上年实际) defaults to last year's counted records; `quota`
    to what the rule allows over it (no growth by default). A quota above
    that needs a reason. Setting it again replaces it (journaled with the
    values before); the warnings follow the new quota."""
    at = _now(at)
    errors = {}
    try:
        unit = as_unit(unit)
    except ValidationError as e:
        errors["unit"] = e.messages[0]
        unit = None
    if unit is None and "unit" not in errors:
        errors["unit"] = "请选择计划单位"
    if kind not in PlanKind.values:
        errors["kind"] = "类别应为：" + "、".join(PlanKind.labels)
    try:
        year = int(year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = "年度应为四位数年份"
    quota = _as_count(quota, "quota", "年度计划数", errors)
    baseline = _as_count(baseline, "baseline", "上年实际", errors)
    reason = (reason or "").strip()
    if errors:
        raise ValidationError(errors)
    _require(is_controlling_office(by, unit) or (as_admin and has_role(by, Role.SYSTEM_ADMIN)),
             f"只有管辖{unit.name}的督查室可以制定其年度计划")
    if baseline is None:
        baseline = used(unit, year - 1, kind)
    if quota is None:
        quota = allowed_quota(baseline)
    problem = quota_problem(baseline, quota, reason)
    if problem:
        raise ValidationError({"reason": problem})
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().filter(unit=unit, year=year, kind=kind).first()
        before = chain.snapshot(plan, PLAN_FIELDS) if plan else None
        if plan is None:
            plan = AnnualPlan(unit=unit, year=year, kind=kind)
        plan.baseline, plan.quota, plan.reason, plan.set_by, plan.set_at = baseline, quota, reason, by, at
        n = used(unit, year, kind)
        if n < threshold(quota, setting(WARN_NEAR)):
            plan.warned_near_at = None
        if n < threshold(quota, setting(WARN_FULL)):
            plan.warned_full_at = None
        plan.save()
        chain.record("plans.plan.set", plan, before=before, after=chain.snapshot(plan, PLAN_FIELDS), actor=by,
                     occurred_at=at)
        _mark_over(plan)
        _check_thresholds(plan, by=by, at=at)
    return plan


# --- going beyond the plan ------------------------------------------------------

EXCESS_FIELDS = ["plan_id", "extra", "explanation", "state", "decision_note"]


def request_excess(plan, by, *, extra, explanation, at=None) -> ExcessRequest:
    """The unit explains in writing why it must go `extra` records beyond
    its plan (超计划说明); the controlling office is told."""
    at = _now(at)
    _require(may_act_for(by, plan.unit), f"只有{plan.unit.name}的联络员、负责人或督查室可以提交超计划说明")
    errors = {}
    n = _as_count(extra, "extra", "申请超出数量", errors)
    if n is None and "extra" not in errors:
        errors["extra"] = "请填写申请超出的数量"
    elif n == 0:
        errors["extra"] = "申请超出数量至少为1"
    explanation = (explanation or "").strip()
    if not explanation:
        errors["explanation"] = "请填写书面说明：为什么必须超出年度计划"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.excess_requests.filter(state=ExcessState.PENDING).exists():
            raise ValidationError("已有一份超计划说明待审批，请等待督查室审批后再提交")
        req = ExcessRequest.objects.create(plan=plan, extra=n, explanation=explanation, requested_by=by,
                                           requested_at=at)
        chain.record("plans.excess.request", req, after=chain.snapshot(req, EXCESS_FIELDS), actor=by, occurred_at=at)
        what = f"{plan.unit.name}{plan.year}年{plan.get_kind_display()}"
        for user in controlling_office_staff(plan.unit):
            notify.notify_user(user, f"【超计划说明】{what}申请超出{n}项",
                               f"{user_name(by)}提交{what}超计划说明：{explanation}\n请审批。",
                               key=f"plans:excess:{req.pk}", link=plan.get_absolute_url(), at=at)
    return req


def decide_excess(req, by, *, approve, note="", at=None) -> ExcessRequest:
    """The controlling office approves (or not) an explanation; the
    requester is told. Approved, the plan's ceiling rises by its extra."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        req = ExcessRequest.objects.select_for_update(of=("self",)).select_related("plan__unit").get(pk=req.pk)
        plan = req.plan
        _require(is_controlling_office(by, plan.unit), f"只有管辖{plan.unit.name}的督查室可以审批超计划说明")
        if req.state != ExcessState.PENDING:
            raise ValidationError(f"该说明已{req.get_state_display()}，不能再次审批")
        if not approve and not note:
            raise ValidationError({"note": "不批准时请写明意见"})
        before = chain.snapshot(req, EXCESS_FIELDS)
        req.state = ExcessState.APPROVED if approve else ExcessState.REJECTED
        req.decided_by, req.decided_at, req.decision_note = by, at, note[:300]
        req.save()
        chain.record("plans.excess.decide", req, before=before, after=chain.snapshot(req, EXCESS_FIELDS),
                     actor=by, occurred_at=at)
        _mark_over(plan)
        what = f"{plan.unit.name}{plan.year}年{plan.get_kind_display()}超出{req.extra}项的说明"
        notify.notify_user(req.requested_by, f"【超计划说明】{what}{req.get_state_display()}",
                           f"{user_name(by)}：{what}{req.get_state_display()}。{note}",
                           key=f"plans:excess:{req.pk}:decided", link=plan.get_absolute_url(), at=at)
    return req


# --- inspections (督查检查考核) -------------------------------------------------------

INSPECTION_FIELDS = ["organizer_id", "kind", "title", "basis", "starts_on", "ends_on", "state"]


def clean_inspection(data: dict) -> dict:
    errors = {}
    out = {}
    try:
        out["organizer"] = as_unit(data.get("organizer"))
    except ValidationError as e:
        errors["organizer"] = e.messages[0]
        out["organizer"] = None
    if out["organizer"] is None and "organizer" not in errors:
        errors["organizer"] = "请选择组织单位"
    kind = data.get("kind") or ""
    if kind not in InspectionKind.values:
        errors["kind"] = "类别应为：" + "、".join(InspectionKind.labels)
    out["kind"] = kind
    for f, label, limit in (("title", "名称", 200), ("basis", "依据", 200)):
        v = str(data.get(f) or "").strip()
        if len(v) > limit:
            errors[f] = f"{label}不能超过{limit}个字"
        out[f] = v
    if not out["title"]:
        errors["title"] = "请填写督查检查考核的名称"
    for f, label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
        try:
            out[f] = as_date(data.get(f))
        except ValidationError as e:
            errors[f] = f"{label}：{e.messages[0]}"
            out[f] = None
        if out[f] is None and f not in errors:
            errors[f] = f"请填写{label}"
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        errors["ends_on"] = "结束日期不能早于开始日期"
    targets, seen = [], set()
    for value in data.get("targets") or ():
        try:
            unit = as_unit(value)
        except ValidationError as e:
            errors["targets"] = f"被检查单位：{e.messages[0]}"
            continue
        if unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            targets.append(unit)
    if not targets and "targets" not in errors:
        errors["targets"] = "请选择被检查单位：每一项督查检查考核都须明确对象，纳入计划备案"
    if out["organizer"] is not None and out["organizer"].pk in seen:
        errors["targets"] = f"被检查单位不能是组织单位“{out['organizer'].name}”本身"
    out["targets"] = targets
    if errors:
        raise ValidationError(errors)
    return out


def file_inspection(by, *, at=None, **data) -> Inspection:
    """备案 a 督查、检查 or 考核 in the organizer's plan: it names its target
    units and dates and counts against the organizer's inspection plan
    (refused beyond it without an approved explanation)."""
    at = _now(at)
    clean = clean_inspection(data)
    organizer = clean["organizer"]
    _require(may_act_for(by, organizer), f"只有{organizer.name}的联络员、负责人或督查室可以为其备案督查检查考核")
    targets = clean.pop("targets")
    with transaction.atomic():
        require_plan_room(organizer, PlanKind.INSPECTION, clean["starts_on"])
        insp = Inspection.objects.create(**clean, filed_by=by, filed_at=at)
        insp.targets.set(targets)
        chain.record("plans.inspection.file", insp, actor=by, occurred_at=at, after={
            **chain.snapshot(insp, INSPECTION_FIELDS), "targets": sorted(u.pk for u in targets)})
        count_against_plan(insp, unit=organizer, kind=PlanKind.INSPECTION, when=clean["starts_on"],
                           title=f"{insp.get_kind_display()}：{insp.title}", by=by, at=at)
    return insp


def cancel_inspection(insp, by, *, reason, at=None) -> Inspection:
    """An inspection called off: it no longer counts, nor burdens its targets."""
    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        insp = Inspection.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=insp.pk)
        _require(may_act_for(by, insp.organizer), f"只有{insp.organizer.name}的联络员、负责人或督查室可以取消")
        if insp.state == InspectionState.CANCELLED:
            raise ValidationError("该督查检查考核已取消")
        if not reason:
            raise ValidationError({"reason": "请填写取消原因"})
        insp.state, insp.cancelled_at, insp.cancel_reason = InspectionState.CANCELLED, at, reason[:200]
        insp.save(update_fields=["state", "cancelled_at", "cancel_reason"])
        chain.record("plans.inspection.cancel", insp, actor=by, occurred_at=at,
                     before={"state": InspectionState.FILED}, after={"state": insp.state, "reason": reason[:200]})
        withdraw_from_plan(insp, reason=f"取消：{reason}", by=by, at=at)
    return insp


def overlapping_visits(insp, window_days=None) -> list:
    """The other filed inspections that visit one of `insp`'s targets
    within the merge window of its dates: [(unit, other inspection)]."""
    window = dt.timedelta(days=setting(MERGE_WINDOW) if window_days is None else window_days)
    targets = list(insp.targets.all())
    others = (Inspection.objects.filter(state=InspectionState.FILED, targets__in=targets,
                                        starts_on__lte=insp.ends_on + window, ends_on__gte=insp.starts_on - window)
              .exclude(pk=insp.pk).select_related("organizer").prefetch_related("targets").distinct()
              .order_by("starts_on", "id"))
    ids = {u.pk for u in targets}
    out = []
    for other in others:
        for unit in other.targets.all():
            if unit.pk in ids:
                out.append((unit, other))
    return out
