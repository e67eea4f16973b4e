"""Repeated complaints (PUB-2, RECT-6): is a new ticket about the same thing
as an earlier one? Answered by the near-duplicate engine (duban.neardup):
every ticket's title and content are fed to its index under one
namespace, and a lookup verifies at most the engine's CANDIDATES texts,
whatever the number of tickets. The portal's own rules (a window of
WINDOW_DAYS, the same unit or none named, never a merged copy) then pick
the earliest of the matches."""

import datetime as dt

from django.db.models import Q

from duban.neardup import engine as neardup

WINDOW_DAYS = 180
RATIO = 0.8
NAMESPACE = "portal.ticket"


def normalized(title: str, content: str) -> str:
    return neardup.normalize(f"{title}{content}")


def index(ticket) -> None:
    """Feed a saved ticket to the index (in the caller's transaction)."""
    neardup.put(NAMESPACE, ticket.pk, ticket.normalized, normalized=True)


def find_repeat(ticket, candidates):
    """The earliest of `candidates` (tickets, as a queryset) received within
    WINDOW_DAYS before `ticket` whose title and content say the same, or
    None. A repeat found is the first of its chain (never a merged copy)."""
    matches = neardup.find(NAMESPACE, ticket.normalized, ratio=RATIO, exclude=[ticket.pk], normalized=True)
    if not matches:
        return None
    since = ticket.received_at - dt.timedelta(days=WINDOW_DAYS)
    qs = candidates.filter(pk__in=[int(m.key) for m in matches], received_at__gte=since,
                           received_at__lte=ticket.received_at, repeat_of__isnull=True).exclude(pk=ticket.pk)
    if ticket.subject_unit_id:
        qs = qs.filter(Q(subject_unit_id=ticket.subject_unit_id) | Q(subject_unit__isnull=True))
    return qs.order_by("received_at", "id").first()
