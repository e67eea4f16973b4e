"""Reads of the document pages and the API. Every read goes through
duban.org.visibility.

document_page(user, direction, *, page, filters, now) -> django Page
    the documents of one direction, the open ones first (by their next
    deadline), then the rest newest first; each row carries `light`
    (annotated from its current clock in SQL) and its unit and clock
    (2 queries with the count, whatever the page size).
document_detail(user, pk, *, now) -> Detail   (404 when not visible)
light_counts(user, *, now) -> {"red", "yellow", "green", "total"}
    the open deadlines of the documents the user sees (the workbench).
forwarding_by_unit(user, year) -> [(unit, n)]
    the documents flagged 以文件落实文件, per issuing unit.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.utils import timezone

from duban.clocks.services import annotate_light, clocks_for, light
from duban.org.visibility import get_visible_or_404, visible

from .models import Direction, Document

PER_PAGE = 20


def _now(now=None):
    return now or timezone.now()


def base_queryset(user, now=None):
    qs = visible(Document, user).select_related("unit", "current_clock")
    return annotate_light(qs, _now(now), prefix="current_clock__")


def filtered(user, direction, filters=None, now=None):
    f = filters or {}
    qs = base_queryset(user, now).filter(direction=direction)
    if f.get("q"):
        qs = qs.filter(Q(title__icontains=f["q"]) | Q(number__icontains=f["q"]) | Q(issuer_name__icontains=f["q"]))
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("unit"):
        qs = qs.filter(unit_id=f["unit"])
    if f.get("urgency"):
        qs = qs.filter(urgency=f["urgency"])
    if f.get("flagged"):
        qs = qs.filter(only_forwards=True)
    if f.get("light") in ("red", "yellow", "green"):
        qs = qs.filter(open_due_at__isnull=False, light=f["light"])
    if f.get("year"):
        qs = qs.filter(registered_at__year=f["year"])
    return qs.order_by(F("open_due_at").asc(nulls_last=True), "-registered_at", "-id")


def document_page(user, direction, *, page=1, filters=None, now=None, per_page=PER_PAGE):
    return Paginator(filtered(user, direction, filters, now), per_page).get_page(page)


@dataclass
class Detail:
    document: Document
    clocks: list = field(default_factory=list)  # (clock, light)
    tasks: list = field(default_factory=list)
    implementations: list = field(default_factory=list)


def document_detail(user, pk, *, now=None) -> Detail:
    now = _now(now)
    doc = get_visible_or_404(
        Document.objects.select_related("unit", "implements", "supporting_unit", "supporting_person",
                                        "approved_by", "issued_by", "registered_by", "flagged_by"), user, pk=pk)
    clocks = [(c, light(c, now)) for c in clocks_for(doc).select_related("owner_unit", "owner_person", "rule")
              .order_by("started_at", "id")]
    tasks = list(doc.tasks.select_related("unit", "person").order_by("seq"))
    impls = list(visible(Document, user).filter(implements=doc).select_related("unit").order_by("registered_at"))
    return Detail(doc, clocks, tasks, impls)


def light_counts(user, *, now=None) -> dict:
    rows = (base_queryset(user, now).filter(open_due_at__isnull=False).order_by()
            .values("light").annotate(n=Count("id")))
    counts = {r["light"]: r["n"] for r in rows}
    counts["total"] = sum(counts.values())
    return counts


def forwarding_by_unit(user, year) -> list:
    rows = (visible(Document, user).filter(direction=Direction.ISSUED, only_forwards=True, issued_at__year=year)
            .order_by().values("unit_id", "unit__name").annotate(n=Count("id")).order_by("-n", "unit__name"))
    return [(r["unit__name"], r["n"]) for r in rows]
