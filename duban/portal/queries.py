"""Reads of the portal: the office's and units' lists (through the
visibility module), satisfaction rates (EVAL-5) and the public pages'
data, which carry only published fields."""

from django.db.models import Count, Exists, OuterRef, Q

from duban.clocks.services import annotate_light
from duban.org.models import Unit
from duban.org.visibility import scope_for, subtree_ids, visible

from .models import (
    BAD_LEVELS,
    OPEN_TICKET_STATES,
    BadRatingStep,
    CaseState,
    Dispatch,
    DispatchState,
    RaterKind,
    Rating,
    Ticket,
    TicketState,
    TypicalCase,
)

SATISFIED_LEVELS = (5, 4, 3)


def tickets_for(user, *, state="", scope="", q=""):
    """The tickets `user` may see, newest first, with what the list shows."""
    qs = visible(Ticket, user).select_related("office", "handling_unit", "subject_unit")
    if state == "open":
        qs = qs.filter(state__in=OPEN_TICKET_STATES)
    elif state in TicketState.values:
        qs = qs.filter(state=state)
    if scope == "hotline":
        qs = qs.exclude(hotline_number__isnull=True)
    elif scope == "repeats":
        qs = qs.filter(Q(repeat_count__gt=1) | Q(possible_repeat_of__isnull=False))
    if q:
        qs = qs.filter(Q(number__contains=q) | Q(hotline_number__contains=q) | Q(title__contains=q))
    return qs.order_by("-received_at", "-id")


def dispatches_of_unit(user):
    """The open dispatches of the user's own unit (and, while they stand in
    for an away A, of A's), what is due first first, lit."""
    scope = scope_for(user)
    units = [u for u in (scope.own_unit, *scope.deputy_units) if u is not None]
    if not units:
        return Dispatch.objects.none()
    qs = Dispatch.objects.filter(state=DispatchState.HANDLING, unit__in=subtree_ids(units)).select_related(
        "ticket", "unit", "clock")
    return annotate_light(qs, prefix="clock__").order_by("clock__due_at", "id")


def ratings_for(user, *, step=""):
    qs = visible(Rating, user).select_related("unit", "ticket")
    if step == "bad":
        qs = qs.filter(level__in=BAD_LEVELS)
    elif step == "open":
        qs = qs.filter(step__in=[BadRatingStep.VERIFY, BadRatingStep.RECTIFY, BadRatingStep.EXPLAIN,
                                 BadRatingStep.CALLBACK], excluded=False)
    return qs.order_by("-rated_at", "-id")


def _rate(part, whole):
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _ratings(since=None, until=None, rater_kind="", units=None):
    qs = Rating.objects.filter(excluded=False)
    if since is not None:
        qs = qs.filter(rated_at__gte=since)
    if until is not None:
        qs = qs.filter(rated_at__lt=until)
    if rater_kind:
        qs = qs.filter(rater_kind=rater_kind)
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


RATE_COUNTS = dict(total=Count("id"), satisfied=Count("id", filter=Q(level__in=SATISFIED_LEVELS)),
                   very=Count("id", filter=Q(level=5)), bad=Count("id", filter=Q(level__in=BAD_LEVELS)),
                   bad_done=Count("id", filter=Q(level__in=BAD_LEVELS, step=BadRatingStep.DONE)))


def _row(r, **extra):
    return {"total": r["total"], "satisfied": r["satisfied"], "very": r["very"], "bad": r["bad"],
            "bad_done": r["bad_done"], "rate": _rate(r["satisfied"], r["total"]),
            "rate_value": (r["satisfied"] / r["total"]) if r["total"] else None, **extra}


def satisfaction_by_service(*, since=None, until=None, units=None) -> list:
    """Per unit and service (EVAL-5), as satisfaction_by_unit. One query."""
    rows = (_ratings(since, until, "", units).values("unit__name", "unit__path", "service")
            .annotate(**RATE_COUNTS).order_by("unit__path", "service"))
    return [_row(r, unit=r["unit__name"], service=r["service"]) for r in rows]


def satisfaction_by_unit(*, since=None, until=None, rater_kind="", units=None) -> list:
    """Per unit: ratings counted (excluded 差评 are not), each level, the
    satisfaction rate (非常满意、满意、基本满意 over all), 差评 and how many of
    them are handled. One query. For the public page, the assessment and
    the office."""
    rows = (_ratings(since, until, rater_kind, units).values("unit_id", "unit__name", "unit__path")
            .annotate(**RATE_COUNTS).order_by("unit__path"))
    return [_row(r, unit=r["unit__name"], unit_id=r["unit_id"]) for r in rows]


def enterprise_rates() -> dict:
    """Enterprises' problems: how many, how many closed (closure rate), and
    enterprises' satisfaction (seed 004 §16)."""
    tickets = Ticket.objects.filter(is_enterprise=True, repeat_of__isnull=True)
    total = tickets.count()
    closed = tickets.filter(state__in=(TicketState.CLOSED, TicketState.DISMISSED)).count()
    ratings = Rating.objects.filter(rater_kind=RaterKind.ENTERPRISE, excluded=False)
    rated = ratings.count()
    satisfied = ratings.filter(level__in=SATISFIED_LEVELS).count()
    return {"tickets": total, "closed": closed, "closure_rate": _rate(closed, total), "rated": rated,
            "satisfied": satisfied, "satisfaction_rate": _rate(satisfied, rated)}


def unit_satisfaction_rates(*, since=None, until=None) -> dict:
    """{unit id: satisfaction rate (0..1)} for whoever ranks the units (the
    assessment app when it exists)."""
    return {r["unit_id"]: r["rate_value"] for r in satisfaction_by_unit(since=since, until=until)
            if r["rate_value"] is not None}


# --- the public pages ----------------------------------------------------------------------------------

def public_cases(kind=""):
    qs = TypicalCase.objects.filter(state=CaseState.PUBLISHED).select_related("unit")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-id")


def public_case_units():
    return Unit.objects.filter(Exists(TypicalCase.objects.filter(unit=OuterRef("pk"), state=CaseState.PUBLISHED)))
