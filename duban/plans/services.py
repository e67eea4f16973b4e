"""Writes of the plan app. `count_against_plan` and `withdraw_from_plan` are
the hand-overs other apps call when a meeting, a document or an inspection
is registered or cancelled (MEET-4: they count automatically, by content,
not by letterhead)."""

from django.db import transaction

from duban.core.services import local_date
from duban.core.services import now as _now
from duban.journal import chain

from .models import PlanKind, PlanUsage


def _source(obj) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


@transaction.atomic
def count_against_plan(obj, *, unit, kind, when, title, by=None, at=None) -> PlanUsage:
    """Hand-over: the record `obj` (a meeting, a document, an inspection) of
    `unit`, happening at `when` (a date or a moment), counts against that
    unit's plan of `kind` for its year. Idempotent per record: counting it
    again (a meeting moved to another day) updates its row."""
    at = _now(at)
    kind = PlanKind(kind)
    day = when if not hasattr(when, "hour") else local_date(when)
    source_type, source_id = _source(obj)
    usage, created = PlanUsage.objects.select_for_update().get_or_create(
        source_type=source_type, source_id=source_id,
        defaults=dict(unit=unit, year=day.year, kind=kind, occurred_on=day, title=title[:200], counted_at=at,
                      counted_by=by))
    if not created:
        usage.unit, usage.year, usage.kind, usage.occurred_on = unit, day.year, kind, day
        usage.title, usage.withdrawn_at, usage.withdrawn_reason = title[:200], None, ""
        usage.save()
    chain.record("plans.usage.count", usage, actor=by, occurred_at=at, after=chain.snapshot(
        usage, ["unit_id", "year", "kind", "occurred_on", "source_type", "source_id", "title"]))
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
    usage.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    chain.record("plans.usage.withdraw", usage, actor=by, occurred_at=at, after={"reason": reason})
    return usage
