"""Reads of the assessment pages and the API. Every list and detail goes
through duban.org.visibility.

period_table(period) -> Table     the ranking of each unit type with every indicator's score
figure_records(user, period, unit, code, page) -> Page of InputRecord
source_records(user, code, unit, start, end, now) -> [Entry]   live entries of a formula source
errors_page(user, page, state, unit, quarter) -> Page of ErrorRecord
achievement_record(user, person, year) -> Record           a person's 干事档案 for a year
field_progress(user, year, today) -> [Progress]             leaders' field work against the targets
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404

from duban.core import assessing
from duban.org.models import Person, Unit
from duban.org.visibility import scope_for, visible
from duban.timelimits.periods import day_start

from . import services
from .models import (
    Achievement,
    AchievementState,
    ErrorRecord,
    FieldWorkDay,
    Figure,
    InputRecord,
    Period,
    ResearchReport,
    Result,
)

PAGE_SIZE = 30


def periods(user):
    return visible(Period, user).select_related("scope").order_by("-starts_on", "kind", "-id")


@dataclass
class Column:
    code: str
    name: str
    weight: str
    unit_label: str
    measure: str
    direction: str


@dataclass
class Row:
    result: Result
    cells: list  # [(Column, Figure | None)] in column order


@dataclass
class Group:
    kind: str
    label: str
    columns: list
    rows: list


def columns(period) -> list:
    return [Column(c["code"], c["name"], c["weight"], c.get("unit_label", ""), c["measure"], c["direction"])
            for c in (period.config or {}).get("indicators", [])]


def period_table(period) -> list:
    """[Group] of the period's results, each unit with its figure per indicator."""
    cols = columns(period)
    results = list(Result.objects.filter(period=period).select_related("unit").order_by("group", "rank", "unit__path"))
    figures = defaultdict(dict)
    for f in Figure.objects.filter(period=period):
        figures[f.unit_id][f.indicator] = f
    kinds = {c["code"]: set(c["kinds"]) for c in (period.config or {}).get("indicators", [])}
    groups = {}
    for r in results:
        g = groups.get(r.group)
        if g is None:
            g = groups[r.group] = Group(r.group, r.get_group_display(), [c for c in cols if r.group in kinds[c.code]],
                                        [])
        g.rows.append(Row(r, [(c, figures[r.unit_id].get(c.code)) for c in g.columns]))
    return list(groups.values())


def result_figures(result) -> list:
    """[(Column, Figure, bounds text)] of one unit's result."""
    cols = {c.code: c for c in columns(result.period)}
    out = []
    for f in Figure.objects.filter(period=result.period, unit=result.unit):
        c = cols.get(f.indicator)
        if c is not None:
            out.append((c, f))
    order = list(cols)
    return sorted(out, key=lambda x: order.index(x[0].code))


def figure_records(user, period, unit, code, page=1):
    qs = (visible(InputRecord, user).filter(period=period, unit=unit, indicator=code)
          .order_by("at", "ref", "role", "id"))
    return Paginator(qs, PAGE_SIZE).get_page(page)


def viewer_roots(user) -> list:
    return scope_for(user).roots


def source_records(user, code, unit, start, end, now) -> list:
    """The live entries of formula source `code` in [start, end] (dates),
    for `unit` (its subtree) or every unit the viewer's roots cover; Http404
    for an unknown source or a unit out of sight."""
    source = assessing.sources("indicator").get(code)
    if source is None:
        raise Http404("没有该数据来源")
    roots = viewer_roots(user)
    if unit is not None:
        if not any(unit.path.startswith(r.path) for r in roots):
            raise Http404("未找到该单位")
        roots = [unit]
    if not roots:
        return []
    span = assessing.Span(day_start(start), day_start(end + dt.timedelta(days=1)), tuple(roots), now)
    entries = list(source.entries(span))
    names = dict(Unit.objects.filter(pk__in={e.unit_id for e in entries}).values_list("pk", "name"))
    rows = [(e, names.get(e.unit_id, "")) for e in entries]
    return sorted(rows, key=lambda r: (r[0].at or now, r[0].ref))


def errors_page(user, *, page=1, state="", unit=None, year=None, quarter=None):
    qs = visible(ErrorRecord, user).select_related("unit", "category", "notice").order_by("-occurred_on", "-id")
    if state:
        qs = qs.filter(state=state)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if year and quarter:
        start, end = services.quarter_bounds(year, quarter)
        qs = qs.filter(occurred_on__gte=start, occurred_on__lte=end)
    return Paginator(qs, PAGE_SIZE).get_page(page)


# --- achievement records (EVAL-3) ----------------------------------------------------------

@dataclass
class AchievementRecord:
    person: Person
    year: int
    automatic: list = field(default_factory=list)  # [(source name, [PersonEntry])]
    entered: list = field(default_factory=list)  # [Achievement]


def may_see_person(user, person) -> bool:
    return user.pk == person.user_id or scope_for(user).covers_unit(person.unit)


def achievement_record(user, person, year) -> AchievementRecord:
    if not may_see_person(user, person):
        raise Http404("未找到该人员")
    start = day_start(dt.date(year, 1, 1))
    end = day_start(dt.date(year + 1, 1, 1))
    rec = AchievementRecord(person, year)
    for _, source in sorted(assessing.sources("achievement").items()):
        entries = sorted(source.entries([person.user_id], start, end), key=lambda e: (e.at or start, e.label))
        rec.automatic.append((source.name, entries))
    rec.entered = list(visible(Achievement, user).filter(person_id=person.user_id, occurred_on__year=year)
                       .select_related("entered_by", "decided_by").order_by("-occurred_on", "-id"))
    return rec


def pending_achievements(user):
    """Entries waiting for this user's confirmation."""
    qs = visible(Achievement, user).filter(state=AchievementState.PENDING).select_related("person", "unit")
    return [a for a in qs.order_by("entered_at", "id")[:200] if services.may_confirm(user, a)]


# --- field work (EVAL-4) -------------------------------------------------------------------

@dataclass
class Progress:
    person: Person
    days: int
    reports: int
    target_days: int
    target_reports: int
    expected_days: int
    behind_days: bool
    behind_reports: bool

    @property
    def pct(self):
        return min(100, round(self.days * 100 / self.target_days)) if self.target_days else 100

    @property
    def warning(self) -> str:
        parts = []
        if self.behind_days:
            parts.append(f"一线工作进度滞后：应达{self.expected_days}天，实际{self.days}天")
        if self.behind_reports:
            parts.append(f"尚未完成调研报告（每年至少{self.target_reports}篇）")
        return "；".join(parts)


def pace(year, today, target) -> int:
    """The days a leader should have logged by `today` to reach `target` by the year's end, evenly."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if today < first:
        return 0
    if today >= last:
        return target
    elapsed = (today - first).days + 1
    return math.floor(target * elapsed / ((last - first).days + 1))


def leaders(user):
    """The leaders (领导干部) of the units the user sees: their own unit and jurisdictions."""
    roots = scope_for(user).roots
    if not roots:
        return Person.objects.none()
    from django.db.models import Q

    q = Q(pk__in=[])
    for r in roots:
        q |= Q(unit__path__startswith=r.path)
    return Person.objects.filter(q, is_leader=True, user__is_active=True).select_related("user", "unit")


def progress_for(people, year, today) -> list:
    target_days, target_reports = services.setting(services.FIELD_DAYS), services.setting(services.RESEARCH_REPORTS)
    tolerance, warn_month = services.setting(services.PACE_TOLERANCE), services.setting(services.REPORT_WARN_MONTH)
    ids = [p.user_id for p in people]
    days = dict(FieldWorkDay.objects.filter(leader_id__in=ids, date__year=year).order_by().values("leader_id")
                .annotate(n=Count("date", distinct=True)).values_list("leader_id", "n"))
    reports = dict(ResearchReport.objects.filter(leader_id__in=ids, submitted_on__year=year).order_by()
                   .values("leader_id").annotate(n=Count("id")).values_list("leader_id", "n"))
    expected = pace(year, today, target_days)
    out = []
    for p in people:
        d, r = days.get(p.user_id, 0), reports.get(p.user_id, 0)
        late_in_year = today.year > year or (today.year == year and today.month >= warn_month)
        out.append(Progress(p, d, r, target_days, target_reports, expected,
                            d < target_days and d < expected - tolerance, r < target_reports and late_in_year))
    return out


def field_progress(user, year, today) -> list:
    people = list(leaders(user).order_by("unit__path", "sort_order", "id"))
    return progress_for(people, year, today)


def leader_log(user, leader, year):
    days = visible(FieldWorkDay, user).filter(leader=leader, date__year=year).order_by("-date", "-id")
    reports = visible(ResearchReport, user).filter(leader=leader, submitted_on__year=year).order_by("-submitted_on")
    return list(days), list(reports)
