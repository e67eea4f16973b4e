"""Writes to clocks, and the traffic light that lists read.

Each write is one transaction with one journal event. Business apps call
`start_clock` when an obligation begins and `meet` when it is delivered;
`pause`/`resume` while, for example, an extension request waits; `stop`
when the obligation is withdrawn (its owner cancelled); `change_deadline`
when a person sets the deadline (it is explicit from then on and never
recomputed). `recompute_rule_clocks` runs when the calendar announces a
changed year or a rule is edited (timelimits' signals, connected in
ClocksConfig.ready: the calendar does not know the clocks) and recomputes
every deadline that a rule computed.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.fields import CharField
from django.dispatch import Signal
from django.utils import timezone

from duban.core.batch import ItemFailed, builder, create_rows, update_rows
from duban.core.services import now as _now
from duban.core.services import sync_fields
from duban.journal import chain

from . import arith
from .models import Clock, ClockPause, ClockState, Light, MovedDeadline, Recomputation

log = logging.getLogger(__name__)

CLOCK_FIELDS = [
    "kind", "label", "owner_unit_id", "owner_person_id", "rule_id", "explicit", "limit", "warn_before",
    "roll_forward", "started_at", "base_set_at", "base_due_at", "base_warn_at", "due_at", "warn_at", "state",
]


# Sent (sender=Clock, clock=…, old_due_at=…, reason=…, at=…) inside the
# transaction that moved an open clock's deadline without its owner's app
# asking for it: a calendar or rule change (recompute_rule_clocks). Owners
# that keep a copy of a clock's due moment (a matter's list sort key) update
# it; notify tells the clock's owner.
clock_moved = Signal()


def _lock(clock) -> Clock:
    return Clock.objects.select_for_update().get(pk=clock.pk)


def _resolve_rule(rule):
    """A TimeLimitRule, or the active rule with this code."""
    if rule is None or not isinstance(rule, str):
        return rule
    from duban.timelimits.models import TimeLimitRule
    from duban.timelimits.services import get_rule

    try:
        return get_rule(rule, active_only=True)
    except TimeLimitRule.DoesNotExist as e:
        raise ValidationError({"rule": str(e)}) from None


def clocks_for(owner, kind=None):
    """The clocks of one obligation (any model instance)."""
    qs = Clock.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=str(owner.pk))
    return qs.filter(kind=kind) if kind else qs


@transaction.atomic
def start_clock(owner, kind, *, rule=None, limit=None, due_at=None, warn_at=None, started_at=None,
                owner_unit=None, owner_person=None, label="", link=None, roll_forward=None, at=None) -> Clock:
    """Start a clock for `owner` (any saved model instance).

    Exactly one of `rule` (a TimeLimitRule or its code: the limit, warning
    point and roll-forward switch are copied from it), `limit` (text such as
    "7wd", or a Limit) or `due_at` (an explicit deadline a person set) is
    given. `warn_at` overrides the warning point. `at`: the moment of the
    action that sets the clock up, the event's business moment, when it
    differs from `started_at` (a period that begins later)."""
    given = [x is not None for x in (rule, limit, due_at)]
    if sum(given) != 1:
        raise ValidationError("开始计时须且只须给出时限规则、时限或到期时间之一")
    started_at = _now(started_at)
    rule = _resolve_rule(rule)
    warn_before = ""
    if rule is not None:
        limit_text, warn_before = rule.limit, rule.warn_before or ""
        roll = rule.roll_forward if roll_forward is None else roll_forward
    elif limit is not None:
        limit_text = str(arith.parse(str(limit)))
        roll = True if roll_forward is None else roll_forward
    else:
        limit_text, roll = "", True if roll_forward is None else roll_forward
        if due_at <= started_at:
            raise ValidationError({"due_at": "到期时间必须晚于开始时间"})
    base_due, base_warn = arith.base_moments(
        started_at=started_at, limit_text=limit_text, roll_forward=roll, warn_before=warn_before,
        due_at=due_at, warn_at=warn_at,
    )
    if link is None:
        link = owner.get_absolute_url() if hasattr(owner, "get_absolute_url") else ""
    clock = Clock.objects.create(
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=str(owner.pk),
        kind=kind,
        label=(label or kind)[:200],
        link=link or "",
        owner_unit=owner_unit,
        owner_person=owner_person,
        rule=rule,
        explicit=due_at is not None,
        limit=limit_text,
        warn_before=warn_before,
        roll_forward=roll,
        started_at=started_at,
        base_set_at=started_at,
        base_due_at=base_due,
        base_warn_at=base_warn,
        due_at=base_due,
        warn_at=base_warn,
        state=ClockState.RUNNING,
    )
    chain.record("clocks.start", clock, after={
        "owner": f"{clock.owner_type.app_label}.{clock.owner_type.model}#{clock.owner_id}",
        **chain.snapshot(clock, CLOCK_FIELDS),
    }, occurred_at=at or started_at)
    return clock


@dataclass
class ClockSpec:
    """One clock of a bulk start (`start_clocks`): the arguments of
    `start_clock`, and what happened to it since, as [("pause", at,
    reason), ("meet", at)] in order (an imported ledger's past)."""

    owner: object
    kind: str
    rule: object = None
    limit: object = None
    due_at: object = None
    warn_at: object = None
    started_at: object = None
    owner_unit: object = None
    owner_person: object = None
    label: str = ""
    link: object = None
    roll_forward: object = None
    at: object = None
    history: list = field(default_factory=list)


def _new_clock(spec: ClockSpec, now, content_types, rules, moments=None, make=None) -> Clock:
    given = [x is not None for x in (spec.rule, spec.limit, spec.due_at)]
    if sum(given) != 1:
        raise ValidationError("开始计时须且只须给出时限规则、时限或到期时间之一")
    started_at = spec.started_at or now
    rule = spec.rule
    if isinstance(rule, str):
        if rule not in rules:
            rules[rule] = _resolve_rule(rule)
        rule = rules[rule]
    warn_before = ""
    if rule is not None:
        limit_text, warn_before = rule.limit, rule.warn_before or ""
        roll = rule.roll_forward if spec.roll_forward is None else spec.roll_forward
    elif spec.limit is not None:
        limit_text = str(arith.parse(str(spec.limit)))
        roll = True if spec.roll_forward is None else spec.roll_forward
    else:
        limit_text, roll = "", True if spec.roll_forward is None else spec.roll_forward
        if spec.due_at <= started_at:
            raise ValidationError({"due_at": "到期时间必须晚于开始时间"})
    # A batch computes each distinct deadline once (`moments`: a memo for
    # the batch): an import's rows mostly share the start and the limit.
    key = (started_at, limit_text, roll, warn_before, spec.due_at, spec.warn_at)
    if moments is not None and key in moments:
        base_due, base_warn = moments[key]
    else:
        base_due, base_warn = arith.base_moments(
            started_at=started_at, limit_text=limit_text, roll_forward=roll, warn_before=warn_before,
            due_at=spec.due_at, warn_at=spec.warn_at,
        )
        if moments is not None:
            moments[key] = (base_due, base_warn)
    owner = spec.owner
    model = type(owner)
    if model not in content_types:
        content_types[model] = ContentType.objects.get_for_model(owner)
    link = spec.link
    if link is None:
        link = owner.get_absolute_url() if hasattr(owner, "get_absolute_url") else ""
    return (make or builder(Clock))(
        owner_type=content_types[model], owner_id=str(owner.pk), kind=spec.kind, label=(spec.label or spec.kind)[:200],
        link=link or "", owner_unit=spec.owner_unit, owner_person=spec.owner_person, rule=rule,
        explicit=spec.due_at is not None, limit=limit_text, warn_before=warn_before, roll_forward=roll,
        started_at=started_at, base_set_at=started_at, base_due_at=base_due, base_warn_at=base_warn,
        due_at=base_due, warn_at=base_warn, state=ClockState.RUNNING,
    )


def start_clocks(specs, *, journal=True) -> tuple[list, list]:
    """Many clocks at once, as `start_clock` would start them one by one
    (same moments, same journal events), with their past (`ClockSpec.history`:
    pauses and the meeting) applied in memory: the clocks and their pauses
    are inserted in bulk, and the events ("clocks.start", "clocks.pause",
    "clocks.meet") are chained in one pass. For imports of many obligations.

    Returns (clocks, events): with `journal=False` the events are not
    recorded but returned as entries for chain.record_many, in order per
    clock ([entries of clock 1], [entries of clock 2], …), so that the
    caller can interleave them with its own in one pass. In the caller's
    transaction. A spec that cannot start raises duban.core.batch.ItemFailed
    with its index."""
    now = timezone.now()
    content_types, rules, moments, make = {}, {}, {}, builder(Clock)
    built = []
    for i, spec in enumerate(specs):
        try:
            built.append((spec, _new_clock(spec, now, content_types, rules, moments, make)))
        except ValidationError as e:
            raise ItemFailed(i, e) from None
    clocks_ = create_rows([c for _, c in built])
    pauses = []
    steps = []  # per clock: [("start"|"pause"|"meet", data)]
    for spec, clock in built:
        mine, own_pauses = [("start", None)], []
        for step in spec.history:
            what, at = step[0], step[1]
            if what == "pause":
                _require_open(clock, ClockState.RUNNING)
                p = ClockPause(clock=clock, started_at=at, reason=(step[2] or "")[:200])
                own_pauses.append(p)
                pauses.append(p)
                clock.state, clock.paused_at = ClockState.PAUSED, at
                mine.append(("pause", (p, at)))
            elif what == "meet":
                _require_open(clock, ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
                before = {"state": clock.state, "due_at": clock.due_at}
                if clock.state == ClockState.PAUSED:
                    own_pauses[-1].ended_at = max(at, clock.paused_at)
                    clock.due_at, clock.warn_at = arith.effective_moments(clock, own_pauses)
                    clock.paused_at = None
                late = (at - clock.due_at).total_seconds()
                clock.state, clock.late_seconds = ((ClockState.MET_LATE, int(late)) if late > 0
                                                   else (ClockState.MET, 0))
                clock.met_at = at
                mine.append(("meet", (before, at)))
            else:
                raise ValueError(f"unknown clock step {what!r}")
        steps.append(mine)
    ClockPause.objects.bulk_create(pauses, batch_size=500)
    changed = [c for spec, c in built if spec.history]
    if changed:
        update_rows(changed, ["state", "paused_at", "due_at", "warn_at", "met_at", "late_seconds"])
    events = []
    for (spec, clock), mine in zip(built, steps, strict=True):
        entries = []
        for what, data in mine:
            if what == "start":
                snap = chain.snapshot(clock, CLOCK_FIELDS)
                # The start as it was, before the history moved it on.
                snap.update(chain.snapshot(SimpleNamespace(due_at=clock.base_due_at, warn_at=clock.base_warn_at,
                                                           state=ClockState.RUNNING), ["due_at", "warn_at", "state"]))
                entries.append({"action": "clocks.start", "obj": clock, "occurred_at": spec.at or clock.started_at,
                                "after": {"owner": f"{clock.owner_type.app_label}.{clock.owner_type.model}"
                                                   f"#{clock.owner_id}", **snap}})
            elif what == "pause":
                p, at = data
                entries.append({"action": "clocks.pause", "obj": clock, "before": {"state": ClockState.RUNNING},
                                "after": {"state": ClockState.PAUSED, "pause_id": p.pk, "at": at, "reason": p.reason},
                                "occurred_at": at})
            else:
                before, at = data
                entries.append({"action": "clocks.meet", "obj": clock, "before": before, "after": {
                    "state": clock.state, "met_at": at, "due_at": clock.due_at, "late_seconds": clock.late_seconds,
                }, "occurred_at": at})
        events.append(entries)
    if journal:
        chain.record_many([e for entries in events for e in entries])
    return clocks_, events


def _require_open(clock, *states):
    if clock.state not in states:
        raise ValidationError(f"计时器“{clock}”当前状态为{clock.get_state_display()}，不能执行此操作")


@transaction.atomic
def pause(clock, reason, *, at=None) -> Clock:
    """Stop the clock (e.g. while an extension request waits). The pause is
    a recorded interval; on resume it moves the deadline."""
    at = _now(at)
    original, clock = clock, _lock(clock)
    _require_open(clock, ClockState.RUNNING)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写暂停原因"})
    p = ClockPause.objects.create(clock=clock, started_at=at, reason=reason[:200])
    clock.state, clock.paused_at = ClockState.PAUSED, at
    clock.save(update_fields=["state", "paused_at"])
    chain.record("clocks.pause", clock, before={"state": ClockState.RUNNING},
                 after={"state": clock.state, "pause_id": p.pk, "at": at, "reason": p.reason}, occurred_at=at)
    return sync_fields(original, clock)


def _apply_effective(clock, now):
    """Recompute due_at/warn_at from the base moments and closed pauses.
    A warning already given stays given, unless the warning point moved into
    the future (then the new point warns again)."""
    due, warn = arith.effective_moments(clock, list(clock.pauses.all()))
    changed = (due, warn) != (clock.due_at, clock.warn_at)
    if warn != clock.warn_at and clock.warned_at is not None and warn > now:
        clock.warned_at = None
    clock.due_at, clock.warn_at = due, warn
    return changed


@transaction.atomic
def resume(clock, *, at=None) -> Clock:
    at = _now(at)
    original, clock = clock, _lock(clock)
    _require_open(clock, ClockState.PAUSED)
    p = ClockPause.objects.select_for_update().get(clock=clock, ended_at__isnull=True)
    if at < p.started_at:
        raise ValidationError({"at": "恢复时间不能早于暂停时间"})
    p.ended_at = at
    p.save(update_fields=["ended_at"])
    before = {"state": clock.state, "due_at": clock.due_at, "warn_at": clock.warn_at}
    _apply_effective(clock, at)
    clock.state, clock.paused_at = ClockState.RUNNING, None
    clock.save(update_fields=["state", "paused_at", "due_at", "warn_at", "warned_at"])
    chain.record("clocks.resume", clock, before=before, after={
        "state": clock.state, "due_at": clock.due_at, "warn_at": clock.warn_at, "pause_id": p.pk, "at": at,
    }, occurred_at=at)
    return sync_fields(original, clock)


@transaction.atomic
def meet(clock, at=None) -> Clock:
    """The obligation was delivered: met, or met late (with how late) when
    after the effective deadline. A breached clock can still be met late."""
    at = _now(at)
    original, clock = clock, _lock(clock)
    _require_open(clock, ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
    before = {"state": clock.state, "due_at": clock.due_at}
    if clock.state == ClockState.PAUSED:
        ClockPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=max(at, clock.paused_at))
        _apply_effective(clock, at)
        clock.paused_at = None
    late = (at - clock.due_at).total_seconds()
    if late > 0:
        clock.state, clock.late_seconds = ClockState.MET_LATE, int(late)
    else:
        clock.state, clock.late_seconds = ClockState.MET, 0
    clock.met_at = at
    clock.save(update_fields=["state", "late_seconds", "met_at", "paused_at", "due_at", "warn_at",
                              "warned_at"])
    chain.record("clocks.meet", clock, before=before, after={
        "state": clock.state, "met_at": at, "due_at": clock.due_at, "late_seconds": clock.late_seconds,
    }, occurred_at=at)
    return sync_fields(original, clock)


@transaction.atomic
def stop(clock, reason, *, at=None) -> Clock:
    """The obligation was withdrawn (e.g. its matter cancelled): the clock
    ends, neither met nor late, and no longer warns, breaches or shows a
    red, yellow or green light. An open pause ends with it; the deadline
    stays as it stood. A breach before now stays recorded (`breached_at`,
    its flip and journal event)."""
    at = _now(at)
    original, clock = clock, _lock(clock)
    _require_open(clock, ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写终止原因"})
    before = {"state": clock.state, "paused_at": clock.paused_at}
    if clock.state == ClockState.PAUSED:
        ClockPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=max(at, clock.paused_at))
    clock.state, clock.paused_at, clock.stopped_at = ClockState.STOPPED, None, at
    clock.save(update_fields=["state", "paused_at", "stopped_at"])
    chain.record("clocks.stop", clock, before=before, after={"state": clock.state, "at": at, "reason": reason[:200]}, occurred_at=at)
    return sync_fields(original, clock)


@transaction.atomic
def change_deadline(clock, new_due, reason, by=None, *, at=None) -> Clock:
    """A person sets the deadline (e.g. an approved extension). From then on
    it is explicit: rule and calendar changes leave it alone, and only pauses
    begun after this moment move it."""
    at = _now(at)
    original, clock = clock, _lock(clock)
    _require_open(clock, ClockState.RUNNING, ClockState.PAUSED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写调整期限的理由"})
    if new_due <= clock.started_at:
        raise ValidationError({"new_due": "新的到期时间必须晚于开始时间"})
    before = chain.snapshot(clock, ["explicit", "due_at", "warn_at", "base_due_at", "base_warn_at"])
    base_warn = arith.warn_for(clock.started_at, clock.limit, new_due, clock.warn_before)
    clock.explicit = True
    clock.base_set_at = at
    clock.base_due_at, clock.base_warn_at = new_due, base_warn
    _apply_effective(clock, at)
    clock.save(update_fields=["explicit", "base_set_at", "base_due_at", "base_warn_at", "due_at", "warn_at",
                              "warned_at"])
    after = chain.snapshot(clock, ["explicit", "due_at", "warn_at", "base_due_at", "base_warn_at"])
    chain.record("clocks.deadline", clock, before=before, after={**after, "reason": reason[:200]}, actor=by, occurred_at=at)
    return sync_fields(original, clock)


@dataclass
class Recomputed:
    examined: int = 0
    changed: list = field(default_factory=list)  # (clock_id, old_due, new_due)
    failed: list = field(default_factory=list)  # (clock_id, message)
    recomputation: object = None  # the Recomputation row (the report)

    def summary(self) -> str:
        text = f"检查{self.examined}项按规则计算的期限，调整{len(self.changed)}项"
        if self.failed:
            text += f"，{len(self.failed)}项未能重算"
        return text


TIMING_FIELDS = ["limit", "warn_before", "roll_forward", "due_at", "warn_at", "state"]
RECOMPUTED_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


def _span_touching(qs, years):
    """Clocks whose span (started_at, due_at] reaches into one of `years`:
    they started before the last year ended and fall due after the first
    one's notice can begin (late December of the year before, where a
    notice may place 元旦)."""
    from duban.timelimits.calendar import get_calendar

    tz = get_calendar().tz
    first, last = min(years), max(years)
    return qs.filter(started_at__lt=dt.datetime(last + 1, 1, 1, tzinfo=tz),
                     due_at__gte=dt.datetime(first - 1, 12, 20, tzinfo=tz))


def recompute_rule_clocks(reason, *, rule=None, years=None, now=None, by=None, chunk=500) -> Recomputed:
    """Recompute the deadlines that a rule computed, after a calendar change
    (with `years`: only the clocks whose span reaches those years) or after
    `rule` was edited (then the limit, warning point and roll-forward switch
    are copied from the rule again). Deadlines a person set are never
    touched; finished and stopped clocks are history and left alone.

    A breached clock is recomputed too: when the new deadline lies ahead
    (the official notice gave more rest days than the provisional year
    had), the breach is withdrawn and the clock runs again; the breach's
    flip and journal event stay.

    The recomputation is recorded (Recomputation, one MovedDeadline per
    moved clock: the report for the administrator); each moved clock gets
    its journal event (old and new moment, the reason) and `clock_moved`
    (its owner is told, its owner's app updates its copies), a chunk of
    clocks per transaction."""
    now = _now(now)
    result = Recomputed()
    qs = Clock.objects.filter(explicit=False, state__in=list(RECOMPUTED_STATES)).exclude(limit="")
    if rule is not None:
        qs = qs.filter(rule=rule)
    if years:
        qs = _span_touching(qs, years)
    ids = list(qs.order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        rec = Recomputation.objects.create(reason=reason[:200], years=sorted(years or []), rule=rule,
                                           by=by if getattr(by, "pk", None) else None, started_at=now)
        chain.record("clocks.recomputation", rec, after={"reason": rec.reason, "years": rec.years,
                                                          "rule": rule.code if rule else None,
                                                          "candidates": len(ids)}, actor=by)
    result.recomputation = rec
    for k in range(0, len(ids), chunk):
        with transaction.atomic():
            clocks = (Clock.objects.select_for_update().filter(id__in=ids[k:k + chunk], explicit=False,
                                                                state__in=list(RECOMPUTED_STATES))
                      .order_by("id").prefetch_related("pauses"))
            for clock in clocks:
                result.examined += 1
                try:
                    with transaction.atomic():
                        change = _recompute_one(clock, rec, reason, rule, now, by)
                except (ValidationError, IntegrityError, ValueError) as e:
                    log.warning("clock %s not recomputed: %s", clock.pk, e)
                    result.failed.append((clock.pk, "; ".join(getattr(e, "messages", [str(e)]))))
                    continue
                if change:
                    result.changed.append(change)
            rec.examined = result.examined
            rec.moved_count = len(result.changed)
            rec.failed = [{"clock": cid, "message": msg} for cid, msg in result.failed]
            rec.save(update_fields=["examined", "moved_count", "failed"])
    rec.finished_at = _now()
    rec.save(update_fields=["finished_at"])
    return result


def _recompute_fields(clock, rule, now):
    """Set the clock's timing fields from its rule (or its copied limit) and
    pauses, in memory; a breached clock whose new deadline lies ahead runs
    again."""
    if rule is not None:
        clock.limit, clock.warn_before, clock.roll_forward = rule.limit, rule.warn_before or "", rule.roll_forward
    clock.base_due_at, clock.base_warn_at = arith.base_moments(
        started_at=clock.started_at, limit_text=clock.limit, roll_forward=clock.roll_forward,
        warn_before=clock.warn_before,
    )
    _apply_effective(clock, now)
    if clock.state == ClockState.BREACHED and clock.due_at > now:
        clock.state, clock.breached_at = ClockState.RUNNING, None
        if clock.warn_at > now:
            clock.warned_at = None


def _recompute_one(clock, rec, reason, rule, now, by):
    """Recompute one locked clock; returns (id, old_due, new_due) when its
    timing changed."""
    before = chain.snapshot(clock, TIMING_FIELDS)
    _recompute_fields(clock, rule, now)
    after = chain.snapshot(clock, TIMING_FIELDS)
    if after == before:
        return None
    old_due = dt.datetime.fromisoformat(before["due_at"])
    clock.save(update_fields=["limit", "warn_before", "roll_forward", "base_due_at", "base_warn_at", "due_at",
                              "warn_at", "warned_at", "state", "breached_at"])
    if old_due != clock.due_at or before["state"] != clock.state:
        MovedDeadline.objects.create(recomputation=rec, clock=clock, old_due_at=old_due, new_due_at=clock.due_at,
                                     old_state=before["state"], new_state=clock.state)
    chain.record("clocks.recompute", clock, before=before,
                 after={**after, "reason": reason, "recomputation": rec.pk}, actor=by)
    clock_moved.send(sender=Clock, clock=clock, old_due_at=old_due, reason=reason, at=now)
    return (clock.pk, old_due, clock.due_at)


def on_calendar_changed(sender, years, reason, by=None, **kwargs):
    """Receiver of duban.timelimits.signals.calendar_changed: the official
    calendar of `years` changed (a notice entered, a provisional year made
    official); recompute the rule-computed deadlines that reach them.
    Returns the Recomputed result (the report)."""
    return recompute_rule_clocks(reason, years=years, by=by)


def on_rule_changed(sender, rule, code, reason, by=None, **kwargs):
    """Receiver of duban.timelimits.signals.rule_changed: a rule's limit,
    warning point or roll-forward switch changed."""
    if rule is None:
        return None
    return recompute_rule_clocks(reason, rule=rule, by=by)


# --- the traffic light ----------------------------------------------------

def light(clock, now=None) -> str:
    """red / yellow / green / done / stopped from the stored moments and the
    current time; it never waits for the sweep. A paused clock keeps the
    colour it had when it was paused; a stopped one (the obligation was
    withdrawn) has none of the three."""
    if clock.state in (ClockState.MET, ClockState.MET_LATE):
        return Light.DONE
    if clock.state == ClockState.STOPPED:
        return Light.STOPPED
    if clock.state == ClockState.BREACHED:
        return Light.RED
    ref = clock.paused_at if clock.state == ClockState.PAUSED and clock.paused_at else _now(now)
    if clock.due_at <= ref:
        return Light.RED
    if clock.warn_at <= ref:
        return Light.YELLOW
    return Light.GREEN


LIGHT_RANK = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.DONE: 3, Light.STOPPED: 4}


def _light_whens(now, value):
    paused = Q(state=ClockState.PAUSED, paused_at__isnull=False)
    running = ~Q(state__in=[ClockState.MET, ClockState.MET_LATE, ClockState.BREACHED, ClockState.STOPPED]) & ~paused
    return [
        When(state__in=[ClockState.MET, ClockState.MET_LATE], then=value(Light.DONE)),
        When(state=ClockState.STOPPED, then=value(Light.STOPPED)),
        When(state=ClockState.BREACHED, then=value(Light.RED)),
        When(paused & Q(due_at__lte=F("paused_at")), then=value(Light.RED)),
        When(paused & Q(warn_at__lte=F("paused_at")), then=value(Light.YELLOW)),
        When(paused, then=value(Light.GREEN)),
        When(running & Q(due_at__lte=now), then=value(Light.RED)),
        When(running & Q(warn_at__lte=now), then=value(Light.YELLOW)),
    ]


def annotate_light(qs, now=None, *, prefix="", rank=True):
    """Annotate a Clock queryset (or, with `prefix` such as "clock__", a
    queryset that reaches one clock through a relation) with `light`
    ("red"/"yellow"/"green"/"done"/"stopped") and, unless `rank` is False
    (a filter or a count needs only the light), `light_rank` (0 red … 3
    done, 4 stopped), so that lists sort and count by light in SQL:
    `.order_by("light_rank", "due_at")`,
    `.values("light").annotate(n=Count("id"))`."""
    now = _now(now)

    def prefixed(whens):
        if not prefix:
            return whens
        out = []
        for w in whens:
            out.append(When(_prefix_q(w.condition, prefix), then=w.result))
        return out

    out = {"light": Case(*prefixed(_light_whens(now, lambda v: Value(v.value))), default=Value(Light.GREEN.value),
                         output_field=CharField())}
    if rank:
        out["light_rank"] = Case(*prefixed(_light_whens(now, lambda v: Value(LIGHT_RANK[v]))),
                                 default=Value(LIGHT_RANK[Light.GREEN]), output_field=IntegerField())
    return qs.annotate(**out)


def _prefix_q(q, prefix):
    new = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        if isinstance(child, Q):
            new.children.append(_prefix_q(child, prefix))
        else:
            key, value = child
            if isinstance(value, F):
                value = F(prefix + value.name)
            new.children.append((prefix + key, value))
    return new
