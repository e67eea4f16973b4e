"""Reads of 作风整治 for pages, dashboards and the public page. Every list
for a signed-in user goes through duban.org.visibility; the public reads
(`public_*`) return plain dicts with only what may be published."""

import re
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from duban.clocks.services import light
from duban.org.visibility import get_visible_or_404, visible

from .models import (
    OPEN_PROBLEM_STATES,
    Campaign,
    EntryKind,
    LedgerSubmission,
    LookBack,
    Problem,
    ProblemState,
    Source,
    SpotCheck,
)


def _now(now=None):
    return now or timezone.now()


# --- campaigns and problems ------------------------------------------------------------------------

def campaigns_for(user):
    return visible(Campaign, user).select_related("organizer", "task_force").order_by("-start_date", "-id")


def campaign_or_404(user, **lookup):
    """One campaign by pk or code, or 404 when not visible."""
    return get_visible_or_404(Campaign.objects.select_related("organizer", "task_force"), user, **lookup)


def problems_for(user, campaign=None, *, unit=None, state=None, category=None, source=None, overdue=None,
                 public=None, repeated=None, q="", now=None):
    """The problems `user` may see, filtered, open ones due first, then the
    closed. `unit` includes its subtree; `state` a ProblemState value or
    "open"; `overdue` True = open and past the deadline."""
    now = _now(now)
    qs = visible(Problem, user).select_related("unit", "category", "campaign", "responsible_person")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if state == "open":
        qs = qs.filter(state__in=OPEN_PROBLEM_STATES)
    elif state:
        qs = qs.filter(state=state)
    if category is not None:
        qs = qs.filter(category=category)
    if source:
        qs = qs.filter(source=source)
    if overdue is True:
        qs = qs.filter(_overdue_q(now))
    elif overdue is False:
        qs = qs.exclude(_overdue_q(now))
    if public is not None:
        qs = qs.filter(is_public=public)
    if repeated:
        qs = qs.filter(repeat_count__gt=1)
    if q:
        qs = qs.filter(Q(description__icontains=q) | Q(number__icontains=q) | Q(measures__icontains=q))
    closed_last = Q(state=ProblemState.CLOSED)
    return qs.annotate(closed_rank=Case(When(closed_last, then=Value(1)), default=Value(0),
                                        output_field=IntegerField())).order_by(
        "closed_rank", "due_at", "unit__path", "id")


def _overdue_q(now):
    return Q(state__in=OPEN_PROBLEM_STATES, due_at__lte=now)


def is_overdue(problem, now=None) -> bool:
    return problem.is_open and problem.due_at is not None and problem.due_at <= _now(now)


def problem_or_404(user, pk):
    return get_visible_or_404(
        Problem.objects.select_related("unit", "category", "campaign", "responsible_person", "responsible_leader",
                                       "deadline_clock", "report_clock", "repeat_root"), user, pk=pk)


@dataclass
class RoundHistory:
    round: object  # ProblemRound
    entries: list = field(default_factory=list)


def history(problem) -> list:
    """The problem's rounds, each with its timeline entries (and their
    evidence), oldest first: a re-rectified problem shows both rounds."""
    rounds = {r.number: RoundHistory(r) for r in problem.rounds.select_related("submitted_by", "verified_by")}
    for e in problem.entries.select_related("by").prefetch_related("evidence").order_by("at", "id"):
        rounds.setdefault(e.round, RoundHistory(None)).entries.append(e)
    return [rounds[k] for k in sorted(rounds)]


# --- ledgers of the units (RECT-3) -----------------------------------------------------------------

def ledger_status(campaign, *, user=None, phase=None, now=None) -> list:
    """The LedgerSubmissions of a campaign (visible to `user` when given),
    each with `.light` (red/yellow/green/done) and `.state_text`:
    待报送 / 逾期未报 / 按时报送 / 逾期报送."""
    now = _now(now)
    qs = LedgerSubmission.objects.filter(campaign=campaign)
    if user is not None:
        qs = visible(qs, user)
    if phase is not None:
        qs = qs.filter(phase=phase)
    rows = list(qs.select_related("unit", "phase", "clock", "submitted_by").order_by("phase__sort_order",
                                                                                     "unit__path"))
    for s in rows:
        s.light = light(s.clock, now) if s.clock_id else "done"
        if s.state == "pending":
            s.state_text = "逾期未报" if s.light == "red" else "待报送"
        else:
            s.state_text = s.get_state_display()
    return rows


# --- dashboard (item 8) ------------------------------------------------------------------------------

@dataclass
class Figures:
    label: str
    key: object = None
    found: int = 0
    rectifying: int = 0
    closed: int = 0
    overdue: int = 0

    @property
    def closed_rate(self) -> float:
        return self.closed / self.found if self.found else 0.0

    @property
    def closed_rate_text(self) -> str:
        return f"{self.closed_rate * 100:.1f}%" if self.found else "—"

    def add(self, other):
        self.found += other.found
        self.rectifying += other.rectifying
        self.closed += other.closed
        self.overdue += other.overdue


@dataclass
class Dashboard:
    campaign: object
    now: object
    by_unit: list
    by_category: list
    total: Figures


def _counts(qs, now, key):
    return qs.values(key).annotate(
        found=Count("id"),
        rectifying=Count("id", filter=Q(state__in=OPEN_PROBLEM_STATES)),
        closed=Count("id", filter=Q(state=ProblemState.CLOSED)),
        overdue=Count("id", filter=_overdue_q(now)),
    )


def dashboard(campaign, *, now=None, problems=None) -> Dashboard:
    """Found, rectifying (open), closed, overdue and closed rate by
    participating unit (a 股室's problems count for its bureau) and by
    category, with the campaign's total. `problems` narrows the queryset
    (e.g. to what a user may see)."""
    now = _now(now)
    qs = problems if problems is not None else Problem.objects.filter(campaign=campaign)
    participants = sorted((p.unit for p in campaign.participations.select_related("unit")), key=lambda u: u.path)
    by_unit = {u.pk: Figures(u.name, u.pk) for u in participants}
    unit_paths = dict(Problem.objects.filter(campaign=campaign).values_list("unit_id", "unit__path").distinct())
    for row in _counts(qs, now, "unit_id"):
        path = unit_paths.get(row["unit_id"], "")
        owner = next((u for u in sorted(participants, key=lambda u: -len(u.path)) if path.startswith(u.path)), None)
        fig = by_unit.get(owner.pk) if owner else None
        if fig is None:
            continue
        fig.add(Figures("", None, row["found"], row["rectifying"], row["closed"], row["overdue"]))
    by_category = []
    counted = {r["category_id"]: r for r in _counts(qs, now, "category_id")}
    for c in campaign.categories.order_by("sort_order", "id"):
        r = counted.get(c.pk, {})
        by_category.append(Figures(c.name, c.pk, r.get("found", 0), r.get("rectifying", 0), r.get("closed", 0),
                                   r.get("overdue", 0)))
    total = Figures("合计")
    for f in by_category:
        total.add(f)
    return Dashboard(campaign, now, list(by_unit.values()), by_category, total)


# --- repeated problems (RECT-6) ---------------------------------------------------------------------

@dataclass
class RepeatGroup:
    root: object  # the first Problem raised
    problems: list  # every Problem of the group, oldest first
    count: int

    @property
    def unit(self):
        return self.root.unit

    @property
    def latest(self):
        return self.problems[-1]

    @property
    def open_problems(self):
        return [p for p in self.problems if p.is_open]


def repeated_problems(*, user=None, campaign=None, unit=None) -> list:
    """Problems raised again and again for the same unit (the same or a
    near-identical description, or linked by hand), grouped, with the count,
    the owner and the time limit of each; most repeated first. For the task
    force's list."""
    qs = Problem.objects.filter(repeat_count__gt=1)
    if user is not None:
        qs = visible(qs, user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    members = list(qs.select_related("unit", "category", "campaign").order_by("created_at", "id"))
    groups = {}
    for p in members:
        groups.setdefault(p.repeat_root_id or p.pk, []).append(p)
    if campaign is not None:
        groups = {k: v for k, v in groups.items() if any(p.campaign_id == campaign.pk for p in v)}
    out = []
    for _root_id, problems in groups.items():
        out.append(RepeatGroup(problems[0], problems, max(p.repeat_count for p in problems)))
    out.sort(key=lambda g: (-g.count, g.unit.path, g.root.pk))
    return out


# --- spot checks and look-backs -----------------------------------------------------------------

def spot_checks_for(user, campaign=None):
    qs = visible(SpotCheck, user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("campaign", "drawn_by").prefetch_related("assignments__inspectors",
                                                                      "assignments__unit")


def look_backs_for(user, campaign=None):
    qs = visible(LookBack, user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.prefetch_related("items__problem__unit")


# --- public disclosure (PUB-1) -------------------------------------------------------------------

_CONTACT = [
    re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[\s-]?)?\d{7,8}(?!\d)"),  # landline
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"),  # ID card number
]


def mask_contacts(text: str) -> str:
    """Text for the public page: phone and mobile numbers, e-mail addresses
    and ID numbers written into a description are replaced by ***."""
    for pattern in _CONTACT:
        text = pattern.sub("***", text or "")
    return text


def public_campaigns():
    """Campaigns with at least one published problem."""
    return Campaign.objects.filter(problems__is_public=True).distinct().order_by("-start_date", "-id")


def public_problems(campaign) -> list:
    """The campaign's published problems for the page without login, by
    unit and category: number, unit, category, source, description,
    measures, deadline, state and close-out date. No person appears (no
    names, accounts, phones or mobiles), and contact data written into the
    texts is masked."""
    rows = (Problem.objects.filter(campaign=campaign, is_public=True)
            .order_by("unit__path", "category__sort_order", "id")
            .values("pk", "number", "unit__name", "category__name", "source", "description", "measures",
                    "deadline", "long_term", "state", "round", "closed_at"))
    states = dict(ProblemState.choices)
    sources = dict(Source.choices)
    out = []
    for r in rows:
        state = states[r["state"]] + (f"（第{r['round']}轮）" if r["round"] > 1 else "")
        out.append({
            "id": r["pk"], "number": r["number"], "unit": r["unit__name"], "category": r["category__name"],
            "source": sources.get(r["source"], ""), "description": mask_contacts(r["description"]),
            "measures": mask_contacts(r["measures"]),
            "deadline": "长期坚持" if r["long_term"] else (r["deadline"].isoformat() if r["deadline"] else ""),
            "state": state, "closed": r["state"] == ProblemState.CLOSED,
            "closed_on": timezone.localtime(r["closed_at"]).date().isoformat() if r["closed_at"] else "",
        })
    return out


def public_summary(campaign, *, now=None) -> dict:
    """The campaign's progress figures for the public page (counts only)."""
    d = dashboard(campaign, now=now)
    t = d.total
    return {"name": campaign.name, "code": campaign.code, "found": t.found, "rectifying": t.rectifying,
            "closed": t.closed, "overdue": t.overdue, "closed_rate": t.closed_rate_text,
            "published": Problem.objects.filter(campaign=campaign, is_public=True).count(),
            "phases": [{"name": p.name, "start": p.start_date.isoformat(), "end": p.end_date.isoformat()}
                       for p in campaign.phases.order_by("sort_order", "id")]}


def entries_of_kind(problem, kind: EntryKind):
    return problem.entries.filter(kind=kind).order_by("at", "id")
