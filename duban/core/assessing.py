"""What the business apps hand to the assessment (EVAL-2, EVAL-3) and to the
dashboards (OUT-3), without knowing who reads it.

Core knows no business app, and the assessment knows none either: each app
that has figures to contribute declares `assessment_sources` on its
AppConfig, the dotted path of a function `() -> [source]`, and writes the
sources in its own code (for example duban.supervision.assessing). A source
is one of the three kinds below; `sources(kind)` collects every installed
app's, by code.

IndicatorSource -- a formula source (指标数据来源) an indicator row names:
    `entries(span)` yields one Entry per record behind the figure of a unit
    in a period: the record's unit (the assessment rolls it up to the unit
    it assesses), a stable `ref` ("supervision.matter:12"; the frozen
    period's hash covers it), what to show and where to open it, and what
    it adds: `value` to the numerator, `base` to the denominator of a rate,
    `role` "lead" or "coop" (牵头 / 配合, weighed by the assessment's
    numbers). `measure` says how the figure is read: "rate" = Σvalue/Σbase
    (a unit without base has no figure), "count" or "sum" = Σvalue.
    `workload=True` marks a source of workload (工作量), by which the
    assessment normalises the counts of indicators that ask for it.
AchievementSource -- entries of people's achievement records (干事档案):
    `entries(user_ids, start, end)` yields PersonEntry rows: what a person
    completed on time, closed, delivered.
TallySource -- a precomputed aggregate of the dashboards: `compute(now)`
    yields Tally rows (the leaf units involved, a bucket such as "2026-03",
    a key such as a light or a category, a value); the dashboards roll them
    up the unit tree, keep them in a table kept current by the sweep, and
    read only that. `link(unit_id, bucket, key, metric)` is the list behind
    a bar (or `records`: the entries of an indicator source).

Public ratings (好差评, EVAL-5) come from the portal app: the indicator row
"public_rating" names the formula source "portal.ratings", which the portal
provides as an IndicatorSource with measure "rate" (value 1 for a good
rating, base 1 for every rating, the rated unit). Until an app provides it,
the assessment leaves that indicator out and says so.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import import_string

LEAD, COOP = "lead", "coop"
MEASURES = ("rate", "count", "sum")


@dataclass(frozen=True)
class Span:
    """The period a figure is asked for: [start, end) as aware moments; the
    units whose subtrees are assessed (`roots`); the moment of asking."""

    start: dt.datetime
    end: dt.datetime
    roots: tuple
    now: dt.datetime

    def subtree(self):
        """The ids of the units in the subtrees of `roots` (a subquery)."""
        from duban.org.visibility import subtree_ids

        return subtree_ids(list(self.roots))

    def within(self, moment) -> bool:
        return moment is not None and self.start <= moment < self.end


@dataclass(frozen=True)
class Entry:
    unit_id: int
    ref: str
    label: str
    url: str = ""
    value: Decimal = Decimal(1)
    base: Decimal = Decimal(0)
    role: str = LEAD
    at: dt.datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class IndicatorSource:
    code: str
    name: str
    measure: str
    unit_label: str
    entries: object  # callable(Span) -> iterable[Entry]
    description: str = ""
    workload: bool = False


@dataclass(frozen=True)
class PersonEntry:
    user_id: int
    kind: str  # what it is: 按期办结督办事项, 整改销号问题, 按时报送紧急信息
    label: str
    url: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class AchievementSource:
    code: str
    name: str
    entries: object  # callable(user_ids, start, end) -> iterable[PersonEntry]


@dataclass(frozen=True)
class Tally:
    unit_ids: tuple  # the leaf units involved; each is counted once with its ancestors
    bucket: str = ""  # "2026-03", "2026", a campaign's id, "leader:12" (a person's own figures)
    key: str = ""
    value: int = 1
    key_label: str = ""
    bucket_label: str = ""


@dataclass(frozen=True)
class TallySource:
    metric: str
    title: str
    compute: object  # callable(now) -> iterable[Tally]
    # callable(unit_id | None, bucket, key, metric) -> the list behind a bar;
    # None: the dashboard's own list of the entries of indicator source
    # `records` in the bucket's month
    link: object = None
    records: str = ""


KINDS = {"indicator": IndicatorSource, "achievement": AchievementSource, "tally": TallySource}


def _all():
    out = []
    for config in apps.get_app_configs():
        path = getattr(config, "assessment_sources", None)
        if path:
            out.extend(import_string(path)())
    return out


def sources(kind: str) -> dict:
    """{code or metric: source} of one kind ("indicator", "achievement",
    "tally") over every installed app."""
    cls = KINDS[kind]
    found = {}
    for s in _all():
        if isinstance(s, cls):
            key = s.metric if cls is TallySource else s.code
            if key in found:
                raise ValueError(f"assessment source {key!r} is declared twice")
            found[key] = s
    return found
