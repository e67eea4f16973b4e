"""What business apps tell the accountability and integrity reviews about
their records (ACC-2, ACC-3, AUD-3), the way the workbench learns its cards
(core.home): core knows no business app, and no business app knows the
reviews. An app that has something to tell declares `record_feed` on its
AppConfig, the dotted path of a function `() -> Feed`; readers ask
`feeds()` and read only what the feeds hand over.

A feed answers, for its own records (every method is optional):

- `texts(since)`: progress reports and close-out texts, to find copies
  between units and repeats of earlier reports (`Text`);
- `closeouts(since)`: close-outs with their owner and verifier, the moment
  the completion was claimed and the evidence files (`CloseOut`);
- `claim_actions`: the journal actions whose `occurred_at` is a moment a
  person claimed (a completion, a close-out) -- the journal keeps the
  server's `recorded_at` beside it -- and `describe(object_type, ids)`,
  what those events' objects are (`Ref`);
- `file_holders(file_ids)`: which records hold these evidence files;
- `typed_moments(since)`: moments a person typed (learned at, phoned at)
  on which a clock was judged (`TypedMoment`);
- `failures(since, until)`: obligations that failed (`Failure`), and
  `trace(key)`: a failed one's decomposition, level by level (`TraceNode`).

Everything is plain data: ids, labels, links and moments."""

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Ref:
    """A record as a reader names and links it."""

    label: str
    url: str = ""
    unit_id: int | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Text:
    """A text a unit wrote. `namespace`: which texts may copy each other
    (progress reports with progress reports, close-outs with close-outs);
    `record`: the record it belongs to (two texts of one record repeat
    each other only across units)."""

    namespace: str
    key: str  # unique within the namespace, e.g. "supervision.report#12"
    record: str  # e.g. "supervision.matter#3"
    text: str
    at: dt.datetime
    ref: Ref


@dataclass(frozen=True)
class CloseOut:
    """A close-out (办结, 销号): who owned the obligation, who verified it,
    when its completion was claimed, and the evidence handed in for it."""

    key: str
    ref: Ref  # unit_id, person_id: the owner unit and person
    owner_ids: frozenset  # user ids answerable for the obligation
    verifier_id: int | None
    verifier_unit_id: int | None
    verified_at: dt.datetime | None
    claimed_at: dt.datetime | None
    started_at: dt.datetime | None  # when the obligation began (assignment)
    file_ids: tuple = ()  # EvidenceFile ids (UUID as text)
    split_by_unit_id: int | None = None  # a sub-task: the unit that split it (and reviews it)


@dataclass(frozen=True)
class TypedMoment:
    """A moment a person typed (`typed_at`) in a record the server wrote
    at `recorded_at`, and the clock judged on it: due at `due_at`, met at
    the typed moment."""

    key: str
    ref: Ref
    what: str  # e.g. "通话时间"
    typed_at: dt.datetime
    recorded_at: dt.datetime
    clock_label: str
    due_at: dt.datetime | None
    object_type: str = ""  # the journal's object of the record
    object_id: str = ""


@dataclass(frozen=True)
class Failure:
    """An obligation that failed: overdue and not delivered, or delivered late."""

    source: str  # the feed's name for the kind of record, e.g. "supervision.matter"
    key: str  # the record's id within the source
    ref: Ref
    due_at: dt.datetime | None
    how: str  # e.g. "逾期未办结", "逾期办结"
    at: dt.datetime | None  # when it failed (the deadline passed)


@dataclass
class TraceNode:
    """One level of a failed obligation's decomposition."""

    key: str
    parent_key: str
    depth: int
    ref: Ref  # its lead unit and person
    number: str = ""
    assigned_by_unit_id: int | None = None
    due_at: dt.datetime | None = None
    state: str = ""
    result: str = ""
    # [(object_type, object_id)] whose journal events tell what was done
    journal: list = field(default_factory=list)


class Feed:
    """A business app's feed; subclasses override what they have."""

    name = ""
    claim_actions: dict = {}

    def texts(self, since):
        return []

    def closeouts(self, since):
        return []

    def describe(self, object_type, ids) -> dict:
        return {}

    def file_holders(self, file_ids) -> dict:
        return {}

    def typed_moments(self, since):
        return []

    def failures(self, since, until):
        return []

    def trace(self, key) -> list:
        return []


def feeds() -> list:
    """Every installed app's feed, in the order of INSTALLED_APPS."""
    out = []
    for config in apps.get_app_configs():
        path = getattr(config, "record_feed", None)
        if path:
            out.append(import_string(path)())
    return out


def failed(model, kind, since, until, *, late, missed):
    """The records of `model` whose `kind` clock fell due in [since, until)
    and was missed (breached) or met late, as (record, clock, how) with
    `how` = `late` or `missed`, in the order of the records."""
    from django.contrib.contenttypes.models import ContentType

    from duban.clocks.models import Clock, ClockState

    clocks = Clock.objects.filter(owner_type=ContentType.objects.get_for_model(model), kind=kind, due_at__gte=since,
                                  due_at__lt=until, state__in=[ClockState.BREACHED, ClockState.MET_LATE])
    ids = {int(c.owner_id): c for c in clocks}
    for record in model.objects.filter(pk__in=list(ids)).order_by("pk"):
        c = ids[record.pk]
        yield record, c, (late if c.state == ClockState.MET_LATE else missed)


def feed_named(name):
    for f in feeds():
        if f.name == name:
            return f
    return None
