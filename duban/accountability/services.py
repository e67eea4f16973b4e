"""Writes of 问责 (ACC-1 … ACC-5) and of the integrity review (AUD-3). Each
change is one function, one transaction, one journal event, and the clocks
it implies: a decided measure that asks its subject to answer starts that
answer's clock (rule of the measure), a 交办单 starts its own.

Nobody is sanctioned automatically: `evaluate` only proposes
(`Suggestion`), the unit concerned may state its side (`state_side`), and a
person of the supervision office or a leader whose jurisdiction covers the
unit decides (`decide`) with reasons, after checking and recording the three
grounds of fault tolerance. When all three hold the decision is an
exemption (容错免责) instead of a sanction (ACC-4)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.clocks import services as clocks
from duban.clocks.models import ClockFlip, FlipKind
from duban.core import numbers, serials
from duban.core.feeds import feed_named
from duban.core.services import as_unit, fmt_moment, local_date, sync_fields
from duban.core.services import now as _now
from duban.journal import chain
from duban.journal import evidence as ev
from duban.journal.models import Event
from duban.notify.services import notify_user, unit_heads
from duban.org.models import Person, Role, Unit
from duban.org.services import has_role
from duban.org.visibility import scope_for
from duban.timelimits.services import get_rule

from .models import (
    GROUNDS,
    SANCTIONS,
    AccountabilityNumber,
    AssignmentSheet,
    Decision,
    Measure,
    Outcome,
    Period,
    RuleKind,
    SheetState,
    Statement,
    Suggestion,
    SuggestionRule,
    SuggestionState,
    Trace,
    Watch,
)

STATEMENT_RULE = "acc_statement_5wd"
SHEET_RULE = "acc_sheet_10wd"
SHEET_SERIES = "acc_sheet"
REPLY, SHEET = "reply", "sheet"


def number(code: str, default: int) -> int:
    return numbers.number(AccountabilityNumber, code, default)


def _err(field, message):
    return ValidationError({field: message})


# --- who may act -------------------------------------------------------------------------------

def covers(user, unit) -> bool:
    """The supervision office or a leader whose jurisdiction holds `unit`."""
    if unit is None or not has_role(user, Role.SUPERVISOR, Role.LEADER):
        return False
    return any(unit.path.startswith(j.path) for j in scope_for(user).jurisdictions)


def covers_any(user) -> bool:
    """The supervision office or a leader with a jurisdiction."""
    return has_role(user, Role.SUPERVISOR, Role.LEADER) and bool(scope_for(user).jurisdictions)


def is_office(user) -> bool:
    return has_role(user, Role.SUPERVISOR) and bool(scope_for(user).jurisdictions)


def speaks_for(user, unit) -> bool:
    """The liaison (联络员) or head (负责人) of `unit` itself."""
    person = getattr(user, "person", None)
    return (unit is not None and person is not None and person.unit_id == unit.pk
            and has_role(user, Role.LIAISON, Role.UNIT_HEAD))


def _require(ok, message):
    if not ok:
        raise PermissionDenied(message)


def _tell_unit(unit, subject, body, *, key, link, at):
    for user in unit_heads(unit):
        notify_user(user, subject, body, key=key, link=link, at=at)
    liaisons = Person.objects.filter(unit=unit, user__is_active=True,
                                     user__role_assignments__role=Role.LIAISON).select_related("user")
    for p in liaisons:
        notify_user(p.user, subject, body, key=key, link=link, at=at)


# --- periods -----------------------------------------------------------------------------------

def period_of(period: str, moment) -> tuple:
    """(start, end, key, label) of the calendar month, quarter or year that
    holds `moment` (local time)."""
    tz = timezone.get_current_timezone()
    d = local_date(moment)
    if period == Period.MONTH:
        start = dt.date(d.year, d.month, 1)
        end = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        key, label = f"{d.year}-{d.month:02d}", f"{d.year}年{d.month}月"
    elif period == Period.YEAR:
        start, end = dt.date(d.year, 1, 1), dt.date(d.year + 1, 1, 1)
        key, label = f"{d.year}", f"{d.year}年"
    else:
        q = (d.month - 1) // 3
        start = dt.date(d.year, q * 3 + 1, 1)
        end = dt.date(d.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
        key, label = f"{d.year}Q{q + 1}", f"{d.year}年第{'一二三四'[q]}季度"
    as_moment = lambda day: dt.datetime.combine(day, dt.time.min, tzinfo=tz)  # noqa: E731
    return as_moment(start), as_moment(end), key, label


def _recent_periods(period, now) -> list:
    """The period holding `now` and the one before it (a quarter that has
    just begun still judges the one that ended)."""
    current = period_of(period, now)
    return [period_of(period, current[0] - dt.timedelta(seconds=1)), current]


# --- suggestions (ACC-2) -------------------------------------------------------------------------

def _breach_fact(flip) -> dict:
    c = flip.clock
    return {"text": f"{c.label}：超期（期限 {fmt_moment(flip.moment)}）", "at": flip.moment.isoformat(),
            "url": c.link or ""}


def _breaches(unit_ids=None, since=None, until=None):
    qs = ClockFlip.objects.filter(kind=FlipKind.BREACH, clock__owner_unit__isnull=False).select_related("clock")
    if unit_ids is not None:
        qs = qs.filter(clock__owner_unit_id__in=list(unit_ids))
    if since is not None:
        qs = qs.filter(moment__gte=since)
    if until is not None:
        qs = qs.filter(moment__lt=until)
    return qs.order_by("moment", "id")


def _propose(rule, unit, period_key, period_label, facts, at) -> Suggestion | None:
    """One suggestion, its statement window and its journal event; None
    when the rule already proposed it for this unit and period."""
    if Suggestion.objects.filter(rule=rule, unit=unit, period_key=period_key).exists():
        return None
    until = get_rule(STATEMENT_RULE).compute_due_at(at)
    try:
        with transaction.atomic():
            s = Suggestion.objects.create(rule=rule, measure=rule.measure, unit=unit, period_key=period_key,
                                          period_label=period_label, facts=facts, created_at=at,
                                          statement_until=until)
            chain.record("accountability.suggestion.create", s, after={
                "rule": rule.code, "measure": rule.measure.code, "unit": unit.pk, "period": period_key,
                "facts": len(facts), "statement_until": until}, occurred_at=at)
            _tell_unit(unit, f"问责建议：{rule.measure.name}",
                       f"根据{rule.name}，平台对{unit.name}提出“{rule.measure.name}”的问责建议（{period_label}）。"
                       f"如有异议，可在{fmt_moment(until)}前陈述申辩。", key=f"acc-suggestion-{s.pk}",
                       link=s.get_absolute_url(), at=at)
    except IntegrityError:  # proposed meanwhile by another process
        return None
    return s


def evaluate(now=None) -> list:
    """Run the active rules over the record (the breaches of every unit's
    clocks) and propose what they call for. Proposes only: a person
    decides. Returns the new suggestions."""
    now = _now(now)
    created = []
    units = {}

    def unit_of(pk):
        if pk not in units:
            units[pk] = Unit.objects.get(pk=pk)
        return units[pk]

    for rule in SuggestionRule.objects.filter(is_active=True, measure__is_active=True).select_related(
            "measure", "after_measure"):
        if rule.kind == RuleKind.BREACHES:
            for start, end, key, label in _recent_periods(rule.period, now):
                by_unit = {}
                for flip in _breaches(since=start, until=min(end, now)):
                    by_unit.setdefault(flip.clock.owner_unit_id, []).append(flip)
                for unit_id, flips in sorted(by_unit.items()):
                    if len(flips) >= rule.threshold:
                        facts = [_breach_fact(f) for f in flips]
                        s = _propose(rule, unit_of(unit_id), key, label, facts, now)
                        if s is not None:
                            created.append(s)
        elif rule.kind == RuleKind.REPEAT and rule.after_measure_id:
            window = dt.timedelta(days=rule.window_days)
            decisions = (Decision.objects.filter(outcome__in=list(SANCTIONS), measure=rule.after_measure,
                                                 decided_at__gte=now - window, decided_at__lte=now)
                         .select_related("suggestion__unit", "measure"))
            for d in decisions:
                flips = list(_breaches([d.suggestion.unit_id], since=d.decided_at,
                                       until=min(now, d.decided_at + window)))
                if len(flips) >= max(rule.threshold, 1):
                    facts = [{"text": f"{fmt_moment(d.decided_at)}已决定{d.measure.name}：{d.reasons}",
                              "at": d.decided_at.isoformat(), "url": d.suggestion.get_absolute_url()}]
                    facts += [_breach_fact(f) for f in flips]
                    s = _propose(rule, d.suggestion.unit, f"after-{d.pk}",
                                 f"{local_date(d.decided_at):%Y-%m-%d}{d.measure.name}之后", facts, now)
                    if s is not None:
                        created.append(s)
    return created


def state_side(suggestion, by, *, text, files=(), at=None) -> Statement:
    """申辩: the unit concerned states its side; kept with the suggestion
    and read by whoever decides."""
    at = _now(at)
    text = (text or "").strip()
    with transaction.atomic():
        s = Suggestion.objects.select_for_update(of=("self",)).select_related("unit").get(pk=suggestion.pk)
        _require(speaks_for(by, s.unit), "只有被建议问责单位的联络员或负责人可以陈述申辩")
        if s.state != SuggestionState.PENDING:
            raise ValidationError("该问责建议已作出决定，不能再陈述申辩")
        if not text:
            raise _err("text", "请填写陈述申辩的内容")
        stored = [f if hasattr(f, "sm3") else ev.store(f, owner_unit=s.unit, uploaded_by=by, at=at) for f in files]
        st = Statement.objects.create(suggestion=s, text=text, by=by, at=at)
        st.files.set(stored)
        chain.record("accountability.suggestion.statement", st, after={
            "suggestion": s.pk, "text": text, "files": [{"id": str(f.pk), "sm3": f.sm3} for f in stored]},
            actor=by, occurred_at=at)
    return st


def _grounds(grounds) -> dict:
    grounds = grounds or {}
    unknown = set(grounds) - {name for name, _ in GROUNDS}
    if unknown:
        raise ValidationError({"grounds": f"未知的容错情形：{'、'.join(sorted(unknown))}"})
    return {name: bool(grounds.get(name)) for name, _ in GROUNDS}


def _measure(value):
    if value is None or value == "":
        return None
    if isinstance(value, Measure):
        return value
    m = Measure.objects.filter(code=value, is_active=True).first() if not str(value).isdigit() else \
        Measure.objects.filter(pk=int(value), is_active=True).first()
    if m is None:
        raise _err("measure", "所选问责措施不存在或已停用")
    return m


def decide(suggestion, by, *, outcome, reasons, measure=None, grounds=None, at=None) -> Decision:
    """A person decides (ACC-2, ACC-4): adopts the suggested measure,
    changes it to another, rejects it, or exempts under fault tolerance,
    with reasons; the three grounds of 三个区分开来 are checked and
    recorded every time. All three held → an exemption, never a sanction;
    an exemption needs all three. A sanction waits until the unit has
    stated its side or its statement window has ended. A measure that asks
    for an answer starts the answer's clock."""
    at = _now(at)
    reasons = (reasons or "").strip()
    held = _grounds(grounds)
    with transaction.atomic():
        s = Suggestion.objects.select_for_update(of=("self",)).select_related("unit", "measure").get(pk=suggestion.pk)
        _require(covers(by, s.unit), "只有管辖该单位的督查室或领导可以作出问责决定")
        if s.state != SuggestionState.PENDING:
            raise ValidationError("该问责建议已作出决定")
        if outcome not in Outcome.values:
            raise _err("outcome", "请选择决定：采纳、改为其他措施、不予采纳或容错免责")
        if not reasons:
            raise _err("reasons", "请写明决定的理由")
        all_held = all(held.values())
        if outcome == Outcome.EXEMPTED and not all_held:
            missing = "、".join(label for name, label in GROUNDS if not held[name])
            raise _err("grounds", f"容错免责须三项情形均经核实成立，尚未成立：{missing}")
        if outcome in SANCTIONS and all_held:
            raise _err("grounds", "三项容错情形均已成立，应当容错免责，不予问责；如核实后不成立，请取消相应勾选")
        chosen = None
        if outcome == Outcome.ADOPTED:
            chosen = s.measure
        elif outcome == Outcome.CHANGED:
            chosen = _measure(measure)
            if chosen is None:
                raise _err("measure", "改为其他措施时，请选择措施")
            if chosen.pk == s.measure_id:
                raise _err("measure", f"所选措施与建议相同（{chosen.name}），请选择“采纳”")
        if outcome in SANCTIONS and at < s.statement_until and not s.statements.exists():
            raise ValidationError(f"{s.unit.name}可在{fmt_moment(s.statement_until)}前陈述申辩；"
                                  "对方申辩或期满后方可作出问责决定")
        d = Decision.objects.create(suggestion=s, outcome=outcome, measure=chosen, reasons=reasons, decided_by=by,
                                    decided_at=at, **held)
        if chosen is not None and chosen.rule_id:
            d.reply_clock = clocks.start_clock(
                d, REPLY, rule=chosen.rule, started_at=at, owner_unit=s.unit,
                label=f"{s.unit.name}{chosen.name}：{chosen.duty or '答复'}"[:200], link=s.get_absolute_url())
            d.save(update_fields=["reply_clock"])
        s.state = SuggestionState.DECIDED
        s.save(update_fields=["state"])
        chain.record("accountability.suggestion.decide", d, after={
            "suggestion": s.pk, "outcome": outcome, "suggested": s.measure.code,
            "measure": chosen.code if chosen else None, "reasons": reasons, **held,
            "reply_due": d.reply_clock.due_at if d.reply_clock_id else None}, actor=by, occurred_at=at)
        what = {Outcome.ADOPTED: f"决定{chosen.name if chosen else ''}", Outcome.CHANGED: f"决定{chosen.name if chosen else ''}",
                Outcome.REJECTED: "不予问责", Outcome.EXEMPTED: "容错免责"}[outcome]
        due = f"请于{fmt_moment(d.reply_clock.due_at)}前{chosen.duty}。" if d.reply_clock_id else ""
        _tell_unit(s.unit, f"问责决定：{what}", f"对{s.unit.name}的问责建议已作出决定：{what}。理由：{reasons}。{due}",
                   key=f"acc-decision-{d.pk}", link=s.get_absolute_url(), at=at)
    sync_fields(suggestion, s)
    return d


def reply(decision, by, *, text, at=None) -> Decision:
    """The unit's answer the decided measure asks for (a 函询's written
    explanation): meets its clock, on time or late."""
    at = _now(at)
    text = (text or "").strip()
    with transaction.atomic():
        d = Decision.objects.select_for_update(of=("self",)).select_related("suggestion__unit", "measure").get(pk=decision.pk)
        _require(speaks_for(by, d.suggestion.unit), "只有被问责单位的联络员或负责人可以答复")
        if not d.reply_clock_id or d.replied_at is not None:
            raise ValidationError("该问责决定没有待答复的事项")
        if not text:
            raise _err("text", "请填写答复内容")
        clock = clocks.meet(d.reply_clock, at=at)
        d.reply_text, d.replied_by, d.replied_at = text, by, at
        d.save(update_fields=["reply_text", "replied_by", "replied_at"])
        chain.record("accountability.decision.reply", d, after={"text": text, "clock": clock.state}, actor=by,
                     occurred_at=at)
    sync_fields(decision, d)
    return d


# --- 交办单 (ACC-5) --------------------------------------------------------------------------------

def issue_sheet(by, *, unit, title, problems, requirements, due_at=None, facts=(), at=None) -> AssignmentSheet:
    """A numbered 交办单 to a unit whose rectification is not serious: what
    was not serious, what is required, by when (default rule
    acc_sheet_10wd, or a deadline the office sets) -- a clock of its own."""
    at = _now(at)
    try:
        unit = as_unit(unit)
    except ValidationError as e:
        raise _err("unit", e.messages[0]) from None
    errors = {}
    title, problems, requirements = ((x or "").strip() for x in (title, problems, requirements))
    if unit is None:
        errors["unit"] = "请选择承办单位"
    if not title:
        errors["title"] = "请填写事由"
    elif len(title) > 200:
        errors["title"] = "事由不能超过200个字"
    if not problems:
        errors["problems"] = "请写明整改不认真的具体表现"
    if not requirements:
        errors["requirements"] = "请写明整改要求"
    if due_at is not None and due_at <= at:
        errors["due_at"] = "反馈期限必须晚于交办时间"
    if errors:
        raise ValidationError(errors)
    _require(is_office(by) and covers(by, unit), "只有管辖该单位的督查室可以下发交办单")
    with transaction.atomic():
        year = local_date(at).year
        serial = serials.take(SHEET_SERIES, year)
        sheet = AssignmentSheet.objects.create(
            number=f"交办〔{year}〕{serial}号", year=year, serial=serial, unit=unit, title=title, problems=problems,
            requirements=requirements, facts=list(facts), issued_by=by, issued_at=at)
        label = f"{sheet.number}“{title[:40]}”整改反馈"
        common = dict(started_at=at, owner_unit=unit, label=label, link=sheet.get_absolute_url())
        sheet.clock = (clocks.start_clock(sheet, SHEET, due_at=due_at, **common) if due_at is not None
                       else clocks.start_clock(sheet, SHEET, rule=SHEET_RULE, **common))
        sheet.save(update_fields=["clock"])
        chain.record("accountability.sheet.issue", sheet, after={
            "number": sheet.number, "unit": unit.pk, "title": title, "due_at": sheet.clock.due_at,
            "explicit": due_at is not None}, actor=by, occurred_at=at)
        _tell_unit(unit, f"交办单 {sheet.number}", f"{title}。请于{fmt_moment(sheet.clock.due_at)}前反馈整改情况。",
                   key=f"acc-sheet-{sheet.pk}", link=sheet.get_absolute_url(), at=at)
    return sheet


def reply_sheet(sheet, by, *, text, files=(), at=None) -> AssignmentSheet:
    at = _now(at)
    text = (text or "").strip()
    with transaction.atomic():
        s = AssignmentSheet.objects.select_for_update(of=("self",)).select_related("unit").get(pk=sheet.pk)
        _require(speaks_for(by, s.unit), "只有承办单位的联络员或负责人可以反馈整改情况")
        if s.state != SheetState.OPEN:
            raise ValidationError(f"交办单{s.number}当前为“{s.get_state_display()}”，不能反馈")
        if not text:
            raise _err("text", "请填写整改情况")
        stored = [f if hasattr(f, "sm3") else ev.store(f, owner_unit=s.unit, uploaded_by=by, at=at) for f in files]
        clock = clocks.meet(s.clock, at=at) if s.clock_id else None
        s.state, s.reply_text, s.replied_by, s.replied_at = SheetState.REPLIED, text, by, at
        s.save(update_fields=["state", "reply_text", "replied_by", "replied_at"])
        s.files.add(*stored)
        chain.record("accountability.sheet.reply", s, after={
            "text": text, "clock": clock.state if clock else None,
            "files": [{"id": str(f.pk), "sm3": f.sm3} for f in stored]}, actor=by, occurred_at=at)
    return sync_fields(sheet, s)


def close_sheet(sheet, by, *, accept, note="", at=None) -> AssignmentSheet:
    """The office reviews the reply: accepted → 办结; not accepted → back to
    the unit, with a new deadline by the sheet's rule from now."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        s = AssignmentSheet.objects.select_for_update(of=("self",)).select_related("unit").get(pk=sheet.pk)
        _require(is_office(by) and covers(by, s.unit), "只有管辖该单位的督查室可以审核交办单")
        if s.state != SheetState.REPLIED:
            raise ValidationError(f"交办单{s.number}当前为“{s.get_state_display()}”，没有待审核的反馈")
        if not accept and not note:
            raise _err("note", "退回须写明理由")
        if accept:
            s.state, s.closed_by, s.closed_at, s.close_note = SheetState.CLOSED, by, at, note
        else:
            s.state, s.close_note = SheetState.OPEN, note
            s.clock = clocks.start_clock(s, SHEET, rule=SHEET_RULE, started_at=at, owner_unit=s.unit,
                                         label=f"{s.number}“{s.title[:40]}”再次整改反馈", link=s.get_absolute_url())
        s.save()
        chain.record("accountability.sheet.close" if accept else "accountability.sheet.return", s,
                     after={"state": s.state, "note": note}, actor=by, occurred_at=at)
        if not accept:
            _tell_unit(s.unit, f"交办单 {s.number} 退回", f"整改情况未通过审核：{note}。请于"
                       f"{fmt_moment(s.clock.due_at)}前再次反馈。", key=f"acc-sheet-{s.pk}-r{s.clock_id}",
                       link=s.get_absolute_url(), at=at)
    return sync_fields(sheet, s)


# --- reverse tracing (ACC-3) -------------------------------------------------------------------------

def _event_row(e, labels) -> dict:
    what = labels.get(e.action) or e.action
    after = e.after or {}
    detail = ""
    for k in ("reason", "text", "comment", "note"):
        if isinstance(after.get(k), str) and after[k]:
            detail = after[k][:120]
            break
    return {"seq": e.seq, "at": e.at.isoformat(), "recorded_at": e.recorded_at.isoformat(),
            "actor": e.actor_name, "action": e.action, "what": what, "object": e.object_repr, "detail": detail}


def make_trace(by, *, source, key, at=None) -> Trace:
    """倒查 (ACC-3): from a failed obligation of `source` (a feed's name),
    walk its decomposition and the journal back to each level's unit and
    person and to what each did and when; kept as a snapshot for the page
    and the 倒查报告."""
    at = _now(at)
    feed = feed_named(source)
    if feed is None:
        raise _err("source", "未知的记录来源")
    nodes = feed.trace(key)
    if not nodes:
        raise _err("key", "未找到该记录")
    top = nodes[0]
    unit = Unit.objects.filter(pk=top.ref.unit_id).first()
    _require(is_office(by) and covers(by, unit), "只有管辖该单位的督查室可以倒查")
    failed = {f.key: f for f in feed.failures(dt.datetime.min.replace(tzinfo=dt.UTC), at)}
    target = failed.get(str(key))
    if target is None:
        raise _err("key", "该事项没有超期或逾期记录，无需倒查")
    unit_ids = {u for n in nodes for u in (n.ref.unit_id, n.assigned_by_unit_id) if u}
    unit_names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    people = {p.user_id: p for p in Person.objects.filter(user_id__in={n.ref.person_id for n in nodes if n.ref.person_id})
              .select_related("user")}
    refs = {ref for n in nodes for ref in n.journal}
    events = {}
    by_type = {}
    for t, i in refs:
        by_type.setdefault(t, []).append(i)
    for t, ids in by_type.items():
        for e in Event.objects.filter(object_type=t, object_id__in=ids).order_by("seq"):
            events.setdefault((t, e.object_id), []).append(e)
    labels = getattr(feed, "action_labels", {}) or {}
    levels = []
    for n in nodes:
        person = people.get(n.ref.person_id)
        rows = sorted((e for ref in n.journal for e in events.get(ref, [])), key=lambda e: e.seq)
        levels.append({
            "key": n.key, "parent": n.parent_key, "depth": n.depth, "number": n.number, "title": n.ref.label,
            "url": n.ref.url, "unit": unit_names.get(n.ref.unit_id, ""),
            "person": (person.user.get_full_name() or person.user.username) if person else "",
            "position": person.position if person else "",
            "assigned_by": unit_names.get(n.assigned_by_unit_id, ""),
            "due_at": n.due_at.isoformat() if n.due_at else None, "state": n.state, "result": n.result,
            "failed": n.key == str(key) or n.result in ("已超期", "逾期完成"),
            "events": [_event_row(e, labels) for e in rows],
        })
    with transaction.atomic():
        t = Trace.objects.create(source=source, key=str(key), title=target.ref.label[:200], url=target.ref.url,
                                 unit=unit, failure=target.how, levels=levels, created_by=by, created_at=at)
        chain.record("accountability.trace.create", t, after={
            "source": source, "key": str(key), "levels": len(levels),
            "events": sum(len(x["events"]) for x in levels)}, actor=by, occurred_at=at)
    return t


# --- the integrity review (AUD-3) --------------------------------------------------------------------

def set_history_until(by, moment, *, note="", at=None) -> Watch:
    """Where the review starts judging claimed moments: records the journal
    received before `moment` are history loaded with their past dates."""
    at = _now(at)
    _require(by is None or is_office(by) or has_role(by, Role.SYSTEM_ADMIN), "只有督查室或系统管理员可以设置监测起点")
    with transaction.atomic():
        w = Watch.objects.select_for_update().order_by("pk").first()
        before = {"history_until": w.history_until} if w else None
        if w is None:
            w = Watch(history_until=moment, note=note[:200], set_by=by, set_at=at)
        else:
            w.history_until, w.note, w.set_by, w.set_at = moment, note[:200], by, at
        w.save()
        chain.record("accountability.watch.set", w, before=before, after={"history_until": moment, "note": note},
                     actor=by, occurred_at=at)
    return w


def history_until():
    w = Watch.objects.order_by("pk").first()
    return w.history_until if w else None


def scan(by=None, now=None):
    """Find the signals (duban.accountability.integrity) and keep the new
    ones; signals already found, dismissed or not, stay as they are.
    Returns (found, new)."""
    from .integrity import detect

    now = _now(now)
    found = detect(now)
    from .models import Signal

    with transaction.atomic():
        known = set(Signal.objects.filter(key__in=[f.key for f in found]).values_list("key", flat=True))
        fresh = [f for f in found if f.key not in known]
        Signal.objects.bulk_create([
            Signal(kind=f.kind, key=f.key, unit_id=f.unit_id, title=f.title[:300], evidence=f.evidence,
                   moment=f.moment, detected_at=now) for f in fresh], batch_size=500)
        chain.record("accountability.signals.scan", None, object_type="accountability.signal",
                     object_repr="弄虚作假疑点检测", after={"found": len(found), "new": len(fresh),
                                                    "kinds": sorted({f.kind for f in fresh})},
                     actor=by, occurred_at=now)
    return len(found), len(fresh)


def dismiss(signal, by, *, reason, at=None):
    """The office rules a signal out, with its reason (journaled)."""
    from .models import Signal, SignalState

    at = _now(at)
    reason = (reason or "").strip()
    with transaction.atomic():
        s = Signal.objects.select_for_update(of=("self",)).select_related("unit").get(pk=signal.pk)
        _require(is_office(by) and (s.unit is None or covers(by, s.unit)), "只有督查室可以排除疑点")
        if s.state != SignalState.OPEN:
            raise ValidationError("该疑点已排除")
        if not reason:
            raise _err("reason", "请写明排除疑点的理由")
        s.state, s.dismissed_by, s.dismissed_at, s.dismiss_reason = SignalState.DISMISSED, by, at, reason
        s.save(update_fields=["state", "dismissed_by", "dismissed_at", "dismiss_reason"])
        chain.record("accountability.signal.dismiss", s, before={"state": SignalState.OPEN},
                     after={"state": s.state, "kind": s.kind, "key": s.key, "reason": reason}, actor=by, occurred_at=at)
    return sync_fields(signal, s)
