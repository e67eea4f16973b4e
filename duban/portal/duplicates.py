"""Repeated complaints (PUB-2, RECT-6): is a new ticket about the same thing
as an earlier one? One small, isolated function, `find_repeat`, so that
the near-duplicate text engine can take its place; everything else calls
only it."""

import datetime as dt

from django.db.models import Q

from duban.core.text import normalize_text, similar

WINDOW_DAYS = 180
RATIO = 0.8


def same_complaint(a: str, b: str) -> bool:
    """Two normalised texts say the same thing."""
    return similar(a, b, RATIO)


def find_repeat(ticket, candidates):
    """The earliest of `candidates` (tickets, as a queryset) received within
    WINDOW_DAYS before `ticket` whose title and content say the same, or
    None. A repeat found is the first of its chain (never a merged copy)."""
    since = ticket.received_at - dt.timedelta(days=WINDOW_DAYS)
    qs = candidates.filter(received_at__gte=since, received_at__lte=ticket.received_at,
                           repeat_of__isnull=True).exclude(pk=ticket.pk)
    if ticket.subject_unit_id:
        qs = qs.filter(Q(subject_unit_id=ticket.subject_unit_id) | Q(subject_unit__isnull=True))
    for other in qs.order_by("received_at", "id").only("pk", "normalized", "received_at")[:500]:
        if same_complaint(ticket.normalized, other.normalized):
            return other
    return None


def normalized(title: str, content: str) -> str:
    return normalize_text(f"{title}{content}")
