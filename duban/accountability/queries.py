"""Reads of 问责 and the integrity review for pages and the API. Every list
and detail goes through duban.org.visibility: a unit sees the suggestions,
decisions and 交办单 about itself; the supervision office and leaders those
of their jurisdiction; signals and traces only the office and leaders."""

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch

from duban.clocks.services import light
from duban.core.feeds import feeds
from duban.org.visibility import get_visible_or_404, scope_for, visible

from .models import (
    AssignmentSheet,
    Decision,
    Measure,
    SheetState,
    Signal,
    SignalKind,
    SignalState,
    Statement,
    Suggestion,
    SuggestionRule,
    SuggestionState,
    Trace,
)

PER_PAGE = 30


def card_counts(user, *, office) -> dict:
    out = {"pending": visible(Suggestion, user).filter(state=SuggestionState.PENDING).count(),
           "sheets": visible(AssignmentSheet, user).filter(state=SheetState.OPEN).count(), "signals": 0}
    if office:
        out["signals"] = visible(Signal, user).filter(state=SignalState.OPEN).count()
    return out


def suggestion_page(user, *, state="", page=1):
    qs = (visible(Suggestion, user).select_related("unit", "measure", "rule", "decision__measure",
                                                    "decision__decided_by")
          .annotate(statement_count=Count("statements")).order_by("state", "-created_at", "-id"))
    if state in SuggestionState.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PER_PAGE).get_page(page)


def suggestion_detail(user, pk) -> Suggestion:
    qs = (Suggestion.objects.select_related("unit", "measure", "rule", "decision__measure", "decision__decided_by",
                                            "decision__reply_clock", "decision__replied_by")
          .prefetch_related(Prefetch("statements", Statement.objects.select_related("by").prefetch_related("files"))))
    return get_visible_or_404(qs, user, pk=pk)


def decision_of(s):
    try:
        return s.decision
    except Decision.DoesNotExist:
        return None


def ladder():
    return list(Measure.objects.filter(is_active=True).select_related("rule").order_by("rung"))


def rules():
    return list(SuggestionRule.objects.select_related("measure", "after_measure").order_by("measure__rung", "code"))


def sheet_page(user, *, state="", page=1):
    qs = visible(AssignmentSheet, user).select_related("unit", "clock", "issued_by").order_by("-issued_at", "-id")
    if state in SheetState.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PER_PAGE).get_page(page)


def sheet_detail(user, pk) -> AssignmentSheet:
    qs = AssignmentSheet.objects.select_related("unit", "clock", "issued_by", "replied_by", "closed_by")
    return get_visible_or_404(qs.prefetch_related("files"), user, pk=pk)


def signal_page(user, *, kind="", state=SignalState.OPEN, page=1):
    qs = visible(Signal, user).select_related("unit", "dismissed_by").order_by("-detected_at", "-id")
    if kind in SignalKind.values:
        qs = qs.filter(kind=kind)
    if state in SignalState.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PER_PAGE).get_page(page)


def signal_counts(user, state=SignalState.OPEN) -> dict:
    rows = visible(Signal, user).filter(state=state).values("kind").annotate(n=Count("id"))
    counts = {r["kind"]: r["n"] for r in rows}
    return [(k.value, k.label, counts.get(k.value, 0)) for k in SignalKind]


def failures(user, now, days=400) -> list:
    """The failed obligations of the user's jurisdiction, from every feed,
    the latest first."""
    scope = scope_for(user)
    out = []
    from duban.org.models import Unit

    for feed in feeds():
        out.extend(feed.failures(now - dt.timedelta(days=days), now))
    units = {u.pk: u for u in Unit.objects.filter(pk__in={f.ref.unit_id for f in out if f.ref.unit_id})}
    kept = [f for f in out if any(units.get(f.ref.unit_id) and units[f.ref.unit_id].path.startswith(j.path)
                                  for j in scope.jurisdictions)]
    return sorted(kept, key=lambda f: f.at or now, reverse=True), units


def trace_page(user, page=1):
    qs = visible(Trace, user).select_related("unit", "created_by").order_by("-created_at", "-id")
    return Paginator(qs, PER_PAGE).get_page(page)


def trace_detail(user, pk) -> Trace:
    return get_visible_or_404(Trace.objects.select_related("unit", "created_by"), user, pk=pk)


def clock_light(clock, now=None):
    return light(clock, now) if clock is not None else None
