"""Reads of the plan pages, the statistics and the API (MEET-4). Every read
goes through duban.org.visibility.

plan_overview(user, year, *, page) -> (Page of unit ids, [UnitRow])
    per unit (in tree order, paginated), per kind: its plan, how many
    records count, the ceiling and the state (正常 / 接近计划 / 已达计划 /
    超出计划). A fixed number of queries, whatever the page size.
usage_page(user, plan, *, page) -> Page of PlanUsage
inspection_page(user, *, page, state) -> Page of Inspection (targets prefetched)
frequency(user, year, month) -> Frequency
    per target unit, the inspections, checks and assessments it receives
    in the month and in its quarter (by starting day), marked too often
    over the PlanSetting limits.
merge_suggestions(user, today) -> [Suggestion]
    the units that filed inspections plan to visit within the merge window
    of one another, with those inspections (督查过频: 建议合并).
statistics(user, year) -> Stats
    per unit and kind: last year, the plan, this year; per month this year
    and last year; documents flagged 以文件落实文件 and over the length.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from duban.org.models import Unit
from duban.org.visibility import visible

from . import services
from .models import (
    AnnualPlan,
    ExcessRequest,
    ExcessState,
    Inspection,
    InspectionKind,
    InspectionState,
    PlanKind,
    PlanUsage,
)

KINDS = list(PlanKind)
FORWARDING, OVER_LENGTH = "以文件落实文件", "超篇幅"


@dataclass
class Cell:
    kind: str
    plan: AnnualPlan | None
    used: int
    ceiling: int | None
    near_pct: int = 80  # the warning lines (PlanSetting), read once per page
    full_pct: int = 100

    @property
    def pct(self):
        if self.plan is None or not self.plan.quota:
            return None
        return round(self.used * 100 / self.plan.quota)

    @cached_property
    def status(self) -> str:
        """ok / near / full / over / none (no plan)."""
        if self.plan is None:
            return "none"
        if self.used > self.plan.quota:
            return "over"
        if self.used >= services.threshold(self.plan.quota, self.full_pct):
            return "full"
        if self.used >= services.threshold(self.plan.quota, self.near_pct):
            return "near"
        return "ok"

    @property
    def status_label(self) -> str:
        return {"none": "未定计划", "ok": "正常", "near": "接近计划", "full": "已达计划", "over": "超出计划"}[self.status]


@dataclass
class UnitRow:
    unit: Unit
    cells: list  # [Cell] in KINDS order


def _usage(user, year):
    return visible(PlanUsage, user).filter(year=year, withdrawn_at__isnull=True)


def _approved_extra(plan_ids) -> dict:
    rows = (ExcessRequest.objects.filter(plan_id__in=plan_ids, state=ExcessState.APPROVED).order_by()
            .values("plan_id").annotate(n=Sum("extra")))
    return {r["plan_id"]: r["n"] for r in rows}


def plan_overview(user, year, *, page=1, per_page=30):
    plans = list(visible(AnnualPlan, user).filter(year=year).select_related("unit"))
    counts = {(r["unit_id"], r["kind"]): r["n"] for r in _usage(user, year).order_by()
              .values("unit_id", "kind").annotate(n=Count("id"))}
    unit_ids = {p.unit_id for p in plans} | {u for u, _ in counts}
    ordered = list(Unit.objects.filter(pk__in=unit_ids).order_by("path").values_list("pk", flat=True))
    p = Paginator(ordered, per_page).get_page(page)
    units = Unit.objects.in_bulk(list(p.object_list))
    extra = _approved_extra([x.pk for x in plans])
    by_key = {(x.unit_id, x.kind): x for x in plans}
    lines = warning_lines()
    rows = []
    for uid in p.object_list:
        cells = []
        for kind in KINDS:
            plan = by_key.get((uid, kind))
            cells.append(Cell(kind, plan, counts.get((uid, kind), 0),
                              plan.quota + extra.get(plan.pk, 0) if plan else None, *lines))
        rows.append(UnitRow(units[uid], cells))
    return p, rows


def warning_lines() -> tuple[int, int]:
    """(near, full): the per cent at which a plan warns (PlanSetting rows)."""
    return services.setting(services.WARN_NEAR), services.setting(services.WARN_FULL)


def plan_cell(plan) -> Cell:
    return Cell(plan.kind, plan, services.used(plan.unit, plan.year, plan.kind), services.ceiling(plan),
                *warning_lines())


def usage_page(user, plan, *, page=1, per_page=30):
    qs = (visible(PlanUsage, user).filter(unit=plan.unit, year=plan.year, kind=plan.kind)
          .select_related("counted_by").order_by("-occurred_on", "-id"))
    return Paginator(qs, per_page).get_page(page)


def inspection_page(user, *, page=1, state=None, per_page=20):
    qs = visible(Inspection, user).select_related("organizer").prefetch_related("targets")
    if state:
        qs = qs.filter(state=state)
    return Paginator(qs.order_by("-starts_on", "-id"), per_page).get_page(page)


# --- how often each unit is inspected ------------------------------------------------

def quarter_of(year, month) -> tuple[dt.date, dt.date]:
    first = (month - 1) // 3 * 3 + 1
    last = first + 2
    return dt.date(year, first, 1), _month_end(year, last)


def _month_end(year, month) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass
class FrequencyRow:
    unit: Unit
    month: int
    quarter: int
    month_by_kind: dict  # kind label -> n
    too_often: bool


@dataclass
class Frequency:
    year: int
    month: int
    month_max: int
    quarter_max: int
    rows: list = field(default_factory=list)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1


def frequency(user, year, month) -> Frequency:
    q_start, q_end = quarter_of(year, month)
    m_start, m_end = dt.date(year, month, 1), _month_end(year, month)
    inspections = visible(Inspection, user).filter(state=InspectionState.FILED, starts_on__gte=q_start,
                                                   starts_on__lte=q_end)
    through = Inspection.targets.through
    in_month = Q(inspection__starts_on__gte=m_start, inspection__starts_on__lte=m_end)
    agg = {"quarter": Count("id"), "month": Count("id", filter=in_month)}
    for kind in InspectionKind:
        agg[f"m_{kind.value}"] = Count("id", filter=in_month & Q(inspection__kind=kind.value))
    rows = (through.objects.filter(inspection__in=inspections.values("pk")).order_by().values("unit_id")
            .annotate(**agg))
    units = Unit.objects.in_bulk([r["unit_id"] for r in rows])
    out = Frequency(year, month, services.setting(services.MONTH_MAX), services.setting(services.QUARTER_MAX))
    for r in rows:
        out.rows.append(FrequencyRow(
            units[r["unit_id"]], r["month"], r["quarter"],
            {k.label: r[f"m_{k.value}"] for k in InspectionKind},
            r["month"] > out.month_max or r["quarter"] > out.quarter_max))
    out.rows.sort(key=lambda x: (not x.too_often, -x.month, -x.quarter, x.unit.path))
    return out


@dataclass
class Suggestion:
    unit: Unit
    inspections: list  # Inspection, by start

    @property
    def span_days(self) -> int:
        return (self.inspections[-1].starts_on - self.inspections[0].starts_on).days


def merge_suggestions(user, today, *, horizon_days=180) -> list:
    """Units that two or more filed inspections (not yet over) plan to visit
    within the merge window of one another: a suggestion to merge them."""
    window = services.setting(services.MERGE_WINDOW)
    inspections = (visible(Inspection, user).filter(state=InspectionState.FILED, ends_on__gte=today,
                                                    starts_on__lte=today + dt.timedelta(days=horizon_days))
                   .select_related("organizer"))
    by_id = {i.pk: i for i in inspections}
    through = Inspection.targets.through
    pairs = through.objects.filter(inspection_id__in=list(by_id)).values_list("unit_id", "inspection_id")
    per_unit = {}
    for unit_id, insp_id in pairs:
        per_unit.setdefault(unit_id, []).append(by_id[insp_id])
    units = Unit.objects.in_bulk(list(per_unit))
    out = []
    for unit_id, items in per_unit.items():
        items.sort(key=lambda i: (i.starts_on, i.pk))
        cluster = [items[0]]
        for insp in items[1:]:
            if (insp.starts_on - cluster[-1].ends_on).days <= window:
                cluster.append(insp)
                continue
            if len(cluster) > 1:
                out.append(Suggestion(units[unit_id], cluster))
            cluster = [insp]
        if len(cluster) > 1:
            out.append(Suggestion(units[unit_id], cluster))
    out.sort(key=lambda s: (s.inspections[0].starts_on, s.unit.path))
    return out


# --- statistics -----------------------------------------------------------------------

@dataclass
class StatCell:
    last: int
    plan: int | None
    used: int

    @property
    def change(self) -> int:
        return self.used - self.last

    @property
    def change_pct(self):
        return round(self.change * 100 / self.last) if self.last else None


@dataclass
class StatRow:
    unit: Unit
    cells: dict  # kind -> StatCell
    forwarding: int = 0
    over_length: int = 0
    over_plan: int = 0


@dataclass
class Stats:
    year: int
    rows: list
    totals: StatRow
    monthly: dict  # kind -> (this year's 12 counts, last year's 12 counts)


def statistics(user, year) -> Stats:
    this = _usage(user, year)
    last = _usage(user, year - 1)
    used = {(r["unit_id"], r["kind"]): r for r in this.order_by().values("unit_id", "kind").annotate(
        n=Count("id"), over=Count("id", filter=Q(over_plan=True)))}
    last_counts = {(r["unit_id"], r["kind"]): r["n"] for r in last.order_by().values("unit_id", "kind")
                   .annotate(n=Count("id"))}
    plans = {(p.unit_id, p.kind): p for p in visible(AnnualPlan, user).filter(year=year)}
    flags = {}
    for unit_id, marks in this.filter(kind=PlanKind.DOCUMENT).exclude(flags=[]).values_list("unit_id", "flags"):
        entry = flags.setdefault(unit_id, [0, 0])
        entry[0] += FORWARDING in marks
        entry[1] += OVER_LENGTH in marks
    unit_ids = {u for u, _ in used} | {u for u, _ in plans} | {u for u, _ in last_counts}
    units = Unit.objects.filter(pk__in=unit_ids).order_by("path")
    rows = []
    total = StatRow(None, {k: StatCell(0, 0, 0) for k in KINDS})
    for unit in units:
        row = StatRow(unit, {})
        for kind in KINDS:
            plan = plans.get((unit.pk, kind))
            base = plan.baseline if plan is not None else last_counts.get((unit.pk, kind), 0)
            u = used.get((unit.pk, kind), {"n": 0, "over": 0})
            row.cells[kind] = StatCell(base, plan.quota if plan else None, u["n"])
            row.over_plan += u["over"]
            t = total.cells[kind]
            t.last += base
            t.used += u["n"]
            t.plan += plan.quota if plan else 0
        row.forwarding, row.over_length = flags.get(unit.pk, (0, 0))
        for f in ("forwarding", "over_length", "over_plan"):
            setattr(total, f, getattr(total, f) + getattr(row, f))
        rows.append(row)
    monthly = {k: ([0] * 12, [0] * 12) for k in KINDS}
    for index, qs in ((0, this), (1, last)):
        for r in qs.order_by().annotate(m=ExtractMonth("occurred_on")).values("kind", "m").annotate(n=Count("id")):
            monthly[PlanKind(r["kind"])][index][r["m"] - 1] = r["n"]
    return Stats(year, rows, total, monthly)
