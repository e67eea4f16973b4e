"""Reads of supervised matters for worklists, the supervision office's list,
leaders' lists, the matter page's timeline and sub-task tree (SUP-4).

Every read goes through duban.org.visibility. Each row has the traffic
light of its matter's `current_clock` (the open clock due first), from the
clock's stored moments and now (duban.clocks.services.light; in SQL,
annotate_light, for the light filter and the counts); open matters are
sorted by that clock's due moment (what is due first, first), kept on the
matter as `open_due_at`. Rows come with their units, people and clocks
joined and their cooperating units prefetched: a page of any length costs
the same few queries. A matter without any clock (a draft) has no light:
`row.current_clock_id is None`; it is left out of the counts per light.
"""

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django.utils import timezone

from duban.clocks.models import DONE_STATES as CLOCK_DONE_STATES
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.clocks.models import Clock, ClockState, Light
from duban.clocks.services import annotate_light
from duban.clocks.services import light as clock_light
from duban.journal.models import Event
from duban.org.visibility import covers_every_unit, scope_for, subtree_in, visible

from .models import ExtensionRequest, Matter, MatterCooperation, Report, SourceKind, Urge, Urgency, drafts_q
from .transitions import CLOSED_STATES, OPEN_STATES, State

LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.STOPPED)
OPEN_LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN)  # an open matter's

FILTER_LABELS = {
    "source": "来源",
    "unit": "单位",
    "state": "状态",
    "light": "红黄绿灯",
    "leader": "领导",
    "urgency": "紧急程度",
    "date_from": "交办日期起",
    "date_to": "交办日期止",
    "due_from": "期限起",
    "due_to": "期限止",
    "q": "关键词",
    "top_only": "仅顶层事项",
}


def _date(value, name):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({name: f"{FILTER_LABELS[name]}格式应为 年-月-日，例如 2026-11-22"}) from None


def _int(value, name):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: f"{FILTER_LABELS[name]}无效"}) from None


def _many(value):
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple | set):
        return [v for v in value if v not in (None, "")]
    return [v for v in str(value).split(",") if v]


def _start_of(d):
    return dt.datetime.combine(d, dt.time.min, timezone.get_default_timezone())


def _end_of(d):
    return _start_of(d + dt.timedelta(days=1))


# The relations a list row shows (duban/templates/supervision/list.html):
# what a page of the list reads with its rows, and of them only the columns
# the row shows (a page is read often; a matter has some forty columns, its
# clocks twenty).
PAGE_RELATED = ("lead_unit", "lead_person", "current_clock")
PAGE_FIELDS = (
    "number", "title", "parent", "urgency", "source_kind", "state", "progress", "lead_unit__name",
    "lead_person__username", "lead_person__first_name", "lead_person__last_name",
    # the light (duban.clocks.services.light) and the next time limit
    "current_clock__kind", "current_clock__state", "current_clock__due_at", "current_clock__warn_at",
    "current_clock__paused_at",
    # whether that limit is provisional (暂定, Clock.provisional_years)
    "current_clock__started_at", "current_clock__limit", "current_clock__explicit",
)
# …and what the API's rows and the ledger show besides (every column).
FULL_RELATED = PAGE_RELATED + ("completion_clock", "supervising_unit", "instructing_leader", "responsible_leader",
                               "parent")


def _cooperations(fields=None, to_attr=None):
    """The cooperating units, each with its unit and person; with `fields`,
    only those columns and the relations they name; with `to_attr`, as a
    plain list in that attribute (`matter.cooperations` is then not filled:
    Django builds no queryset per row for it, about 0.6 ms a page)."""
    if fields is None:
        qs = MatterCooperation.objects.select_related("unit", "person")
    else:
        related = {f.split("__")[0] for f in fields if "__" in f}
        qs = MatterCooperation.objects.select_related(*related).only(*fields)
    return Prefetch("cooperations", queryset=qs.order_by("sort_order", "id"), to_attr=to_attr)


# What a list row shows of its cooperating units: their names (not their
# responsible persons: the matter's page shows those), as
# `row.page_cooperations` (ListQuerySet.for_page).
PAGE_COOPERATION_FIELDS = ("matter", "sort_order", "unit__name")
PAGE_COOPERATIONS = "page_cooperations"


def base_queryset(user, now=None):
    """Visible matters with everything a row shows (API, ledger), each with
    its `light`."""
    return _rows(visible(Matter, user), now)


def _rows(qs, now=None):
    """`qs` as a list: rows with their relations and cooperating units, each
    with `.light` (set when the row is read, from its current clock and
    `now`), in the list's order (ListQuerySet)."""
    qs = qs.select_related(*FULL_RELATED).prefetch_related(_cooperations()).order_by(*LIST_ORDER)
    qs.__class__ = ListQuerySet
    qs.now = now or timezone.now()
    qs._iterable_class = LitIterable
    return qs


# --- the list's order ----------------------------------------------------------------------------
#
# Open matters first, what is due first, first (by their current clock's due
# moment, kept on the matter as `open_due_at`); then closed ones (办结, 撤销),
# the most recently closed first; then drafts, the newest first. As one
# ORDER BY (exports, the API's counts, iteration):

_IS_OPEN = Q(state__in=list(OPEN_STATES))
LIST_ORDER = (
    Case(When(_IS_OPEN, then=Value(0)), When(closed_at__isnull=False, then=Value(1)), default=Value(2)),
    F("open_due_at").asc(nulls_last=True),
    Case(When(_IS_OPEN, then=F("id"))).asc(nulls_last=True),
    F("closed_at").desc(nulls_last=True),
    F("id").desc(),
)

# A page is read group by group (ListQuerySet), each along an index of the
# matters table; these are the groups, the states they hold, and each
# group's index: its condition, its key columns and their direction.
OPEN, CLOSED, DRAFTS = "open", "closed", "drafts"
GROUP_STATES = {OPEN: frozenset(OPEN_STATES), CLOSED: frozenset(CLOSED_STATES), DRAFTS: frozenset({State.DRAFT})}
GROUP_INDEX = {
    OPEN: (Q(open_due_at__isnull=False), ("open_due_at", "id"), False),  # supervision_open_due
    CLOSED: (Q(closed_at__isnull=False), ("closed_at", "id"), True),  # supervision_closed_order
}

# The walk of an index (ListQuerySet._walk): batches of its entries in its
# order, the first WALK_FIRST × (rows wanted) long, each next one
# WALK_GROWTH times longer (at most WALK_BATCH entries: ids in one
# statement, and SQLite takes up to 32766 parameters), until enough of them
# belong to the list or the index range ends -- or WALK_MAX entries were
# read: then the group is read by one ordinary query (filters and order;
# the database plans it), which costs less than walking on when few
# entries belong to the list.
WALK_FIRST = 4
WALK_GROWTH = 8
WALK_BATCH = 20000
WALK_MAX = 50000
# A light filter's ranges are walked only on PostgreSQL and only when the
# list holds at least this share of the units (its jurisdiction, its unit
# filter): there, PostgreSQL underestimates how many rows of the range pass
# the light and the list's other conditions, and plans a sort of all of
# them. SQLite reads each range along its index in order and stops at the
# page's end by itself; a small jurisdiction (a county: under 1% of a
# province) is best read through its units' indexes (supervision_lead_state,
# supervision_sup_state), which both databases choose when asked plainly.
# A list filtered to states is not walked either: each range is read along
# its state's index (supervision_open_state_due, supervision_frozen_state),
# which PostgreSQL plans well (a city's green + 在办: 29 ms plainly, 57 ms
# walked). Measured with bench/bench_lists.py at a province's size.
WALK_SHARE = 0.02
WALK_VENDORS = ("postgresql",)


class LitIterable(ModelIterable):
    """Rows with `.light`: their current clock's light at the list's `now`
    (duban.clocks.services.light, the same rule as annotate_light); None for
    a draft, which has no clock."""

    def __iter__(self):
        now = self.queryset.now
        for m in super().__iter__():
            m.light = clock_light(m.current_clock, now) if m.current_clock_id else None
            yield m


class ListQuerySet(QuerySet):
    """A list of matters (LIST_ORDER), read a page at a time along indexes.

    A slice with an end (a page: `rows[40:60]`, as the paginator and the API
    take it) reads the ids of the rows up to its end group by group (open,
    closed, drafts; only the groups the filters allow), each with a lean
    query -- the list's filters only: no relations, no prefetch:

    - open matters by their current clock's due moment, kept on the matter
      as `open_due_at` (index supervision_open_due, which holds the open
      matters only: the services' rule, tested, is that `open_due_at` is
      set exactly for the open matters and equals their current clock's
      due moment); with a red, yellow or green filter, in a list not
      small by nature, as two ranges of the matters' own columns, each
      read in order and then merged (`_ranges`);
    - closed matters by `closed_at` (index supervision_closed_order);
    - drafts by id.

    Each is one ordinary query (the filters, the order, a LIMIT: the
    database plans it), except a light's ranges on PostgreSQL in a list
    over at least WALK_SHARE of the units and not filtered by state,
    which are walked: the range's index is read in growing batches
    (WALK_FIRST, WALK_GROWTH), keeping the entries that belong to the list
    by their ids; when WALK_MAX entries yield fewer than wanted, the range
    is read by the ordinary query after all. Lists that are small by nature (a unit's worklist, a
    leader's) set `walk` off: each group is one query with every filter.
    Either way the ids are exact: the same rows in the same order as the
    whole list (tested for every path).

    The page is then those rows read by id with their relations (the
    page's: PAGE_RELATED, or all of them) and their cooperating units: a
    page costs a few queries however large the list, and at a province's
    size (a million matters) the first page reads a few hundred index
    entries instead of sorting every row in the jurisdiction. Anything else
    (counting, iterating, exporting) is an ordinary queryset in LIST_ORDER."""

    now = None
    groups = (OPEN, CLOSED, DRAFTS)
    walk = True
    light = ""  # the light filter's (filter_light)
    units = ()  # the unit sets the list is limited to (jurisdiction, unit filter), as subtree_in gives them
    states = ()  # the states the list is filtered to (apply_filters)

    def _clone(self):
        clone = super()._clone()
        clone.now, clone.groups, clone.walk, clone.light = self.now, self.groups, self.walk, self.light
        clone.units, clone.states = self.units, self.states
        return clone

    def _share(self):
        """Of all units, the share the smallest of the list's unit sets holds."""
        from duban.org.models import Unit

        if not self.units:
            return 1.0
        total = Unit.objects.count() or 1
        return min((len(u) if isinstance(u, list) else u.count()) / total for u in self.units)

    def for_page(self):
        """The same list, its rows read with what a page shows: PAGE_RELATED
        and, of them and the matter, the columns PAGE_FIELDS (another column
        is read when asked for, one query per row: the list template asks
        for none -- tested), and the names of their cooperating units as
        `row.page_cooperations` (a list, in their order)."""
        return (self.select_related(None).select_related(*PAGE_RELATED).only(*PAGE_FIELDS)
                .prefetch_related(None)
                .prefetch_related(_cooperations(PAGE_COOPERATION_FIELDS, to_attr=PAGE_COOPERATIONS)))

    def __getitem__(self, k):
        if (not isinstance(k, slice) or k.stop is None or k.step is not None or self._result_cache is not None
                or self.query.is_sliced or (k.start or 0) < 0 or k.stop <= (k.start or 0)):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        ids = []
        for group in self.groups:
            if len(ids) >= stop:
                break
            ids += self._group_ids(group, stop - len(ids))
        ids = ids[start:stop]
        if not ids:
            return []
        # The filters chose the ids; the page reads those rows by id alone
        # (its joins are all many-to-one: they neither add nor drop rows).
        page = self.order_by()
        page.query.clear_where()
        # Nor are the filters' annotations read (a light filter's CASE): a
        # row's light is set from its clock as it is read (LitIterable).
        page.query.set_annotation_mask(())
        found = {m.pk: m for m in page.filter(pk__in=ids)}
        return [found[pk] for pk in ids]

    def _lean(self):
        lean = self.prefetch_related(None).select_related(None).values_list("pk", flat=True)
        lean.__class__ = QuerySet  # its slices are plain LIMIT/OFFSET
        return lean

    def _group_ids(self, group, need):
        lean = self._lean()
        if group == DRAFTS:
            return list(lean.filter(state=State.DRAFT).order_by("-id")[:need])
        where, keys, desc = GROUP_INDEX[group]
        # The group's index condition alone: it holds exactly the group's
        # states (the services' rule, tested). Stated twice, a planner
        # multiplies the two shares and misjudges the group eightfold.
        rows = lean.filter(where)
        order = [f"-{k}" if desc else k for k in keys]
        ranges = self._ranges(group)
        if not ranges:
            return list(rows.order_by(*order)[:need])
        walk = (self.walk and not self.states and connection.vendor in WALK_VENDORS
                and self._share() >= WALK_SHARE)
        found = []
        for cond, start in ranges:
            if len(found) >= need:
                # The page is full up to the key of its last row so far: the
                # next range is read up to that key only (as a plain bound,
                # which the index answers; ties there are merged below). A
                # range that starts after it is an empty read.
                cond &= Q(open_due_at__lte=sorted(found)[need - 1][0])
            part = self._walk(rows, where & cond, start, need) if walk else None
            if part is None:
                part = list(rows.filter(cond & start if start else cond).order_by(*order).values_list(*keys)[:need])
            found += part
        return [pk for _, pk in sorted(set(found))[:need]]

    def _ranges(self, group):
        """For an open matter's light, the two ranges of the matters' own
        columns that hold every row of that light, each read in the list's
        order and then merged: the paused ones that froze with it (index
        supervision_open_frozen) and the running clocks' due moments of
        that light (a running clock is red from its due moment on; a
        breached one was due before now), yellow or green by their warning
        moments (index supervision_open_running). Asked separately, each is
        a plain range that the planner reads along its index; as one OR it
        is not. None: the group is read by its filters as they are."""
        if not self.walk or group != OPEN or self.light not in OPEN_LIGHTS:
            return None  # (a list small by nature is read in one go)
        running = Q(open_frozen_light__isnull=True)
        if self.light == Light.RED:
            # A list as of a moment before some clock's breach (not the
            # present): its red clocks are not all due by then.
            if Clock.objects.filter(state=ClockState.BREACHED, due_at__gt=self.now).exists():
                return None
            return [(Q(open_frozen_light=self.light), None), (running & Q(open_due_at__lte=self.now), None)]
        # (condition, where the range starts): a walk goes on from its last
        # key alone, which lies past that start. A running clock is yellow
        # from its warning moment (kept on the matter: `open_warn_at`, index
        # supervision_open_running) until it is due, green before. The
        # paused matters first: fewer, and often due before now (their
        # deadlines wait), so that the running ones' range is often not
        # read at all (_group_ids).
        colour = Q(open_warn_at__lte=self.now) if self.light == Light.YELLOW else Q(open_warn_at__gt=self.now)
        return [(Q(open_frozen_light=self.light), None), (running & colour, Q(open_due_at__gt=self.now))]

    @staticmethod
    def _walk(rows, where, start, need):
        """The first `need` rows of `rows` along the range `where` of the
        open matters' index (open_due_at, id) from `start` (a bound of its
        due moments, or None), as [(open_due_at, pk)] in the index's order
        (fewer when the range holds fewer); None when WALK_MAX entries were
        read without finding them. A batch is two statements -- its
        entries from the index, then which of them belong to the list (the
        list's filters on its rows by primary key, which every planner gets
        right) -- and, when it comes short, the next batch goes on from its
        last entry (read by its id): `(open_due_at, id) > (its due moment,
        its id)`, one comparison of row values that the index answers (as an
        OR of its parts, or beside the range's start, PostgreSQL misjudges
        how many entries follow and sorts them all)."""
        table = connection.ops.quote_name(Matter._meta.db_table)
        column = connection.ops.quote_name(Matter._meta.get_field("open_due_at").column)
        found, read, size, last = [], 0, max(1, WALK_FIRST * need), None
        while True:
            if last is None:
                batch = Matter.objects.filter(where & start if start else where)
            else:
                # The due moment as this database stores it (SQLite: text in UTC).
                due = Matter._meta.get_field("open_due_at").get_db_prep_value(last[0], connection)
                batch = Matter.objects.filter(where).extra(
                    where=[f"({table}.{column}, {table}.id) > (%s, %s)"], params=[due, last[1]])
            # The batch's entries as a list, not a LIMIT subquery: PostgreSQL
            # plans such a subquery under the list's own conditions (an OR
            # of unit subqueries) as a scan of the jurisdiction.
            # Ids only: the due moments of a whole batch would cost more to
            # read than the one of its last entry.
            entries = list(batch.order_by("open_due_at", "id").values_list("id", flat=True)[:size])
            found += sorted(rows.filter(pk__in=entries).order_by().values_list("open_due_at", "id"))
            if len(found) >= need:
                return found[:need]
            if len(entries) < size:  # the range ended within the batch
                return found
            last = Matter.objects.filter(pk=entries[-1]).values_list("open_due_at", "id").get()
            read += size
            if read >= WALK_MAX:
                return None
            size = min(size * WALK_GROWTH, WALK_BATCH)


def apply_filters(qs, filters=None):
    """Filters (a dict, e.g. request.GET): source, unit (lead or cooperating
    unit, its subtree included), state (one or several, comma-separated),
    leader (instructing or responsible), urgency, date_from/date_to (assigned
    date), due_from/due_to (deadline), q (number or title), top_only. The
    light filter is applied separately (`filter_light`), after the counts."""
    f = filters or {}
    errors = {}
    source = f.get("source") or ""
    if source:
        if source not in SourceKind.values:
            errors["source"] = "来源无效"
        qs = qs.filter(source_kind=source)
    states = _many(f.get("state"))
    if states:
        bad = [s for s in states if s not in State.values]
        if bad:
            errors["state"] = "状态无效：" + "、".join(bad)
        qs = qs.filter(state__in=states)
    urgency = f.get("urgency") or ""
    if urgency:
        if urgency not in Urgency.values:
            errors["urgency"] = "紧急程度无效"
        qs = qs.filter(urgency=urgency)
    try:
        unit_id = _int(f.get("unit"), "unit")
        leader_id = _int(f.get("leader"), "leader")
        bounds = {k: _date(f.get(k), k) for k in ("date_from", "date_to", "due_from", "due_to")}
    except ValidationError as e:
        raise ValidationError({**errors, **e.message_dict}) from None
    if errors:
        raise ValidationError(errors)
    if unit_id is not None:
        from duban.org.models import Unit

        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            return qs.none()
        units = subtree_in([unit])
        # The subtree's cooperations gathered once, from the index alone
        # (supervision_coop_unit_matter). Not as EXISTS: SQLite then probed
        # every unit of a city for every matter to count the list (8 s).
        coop = MatterCooperation.objects.filter(unit_id__in=units).values("matter_id")
        qs = qs.filter(Q(lead_unit_id__in=units) | Q(pk__in=coop))
        qs.units += (units,)
    if leader_id is not None:
        qs = qs.filter(Q(instructing_leader_id=leader_id) | Q(responsible_leader_id=leader_id))
    if bounds["date_from"]:
        qs = qs.filter(assigned_at__gte=_start_of(bounds["date_from"]))
    if bounds["date_to"]:
        qs = qs.filter(assigned_at__lt=_end_of(bounds["date_to"]))
    if bounds["due_from"]:
        qs = qs.filter(completion_clock__due_at__gte=_start_of(bounds["due_from"]))
    if bounds["due_to"]:
        qs = qs.filter(completion_clock__due_at__lt=_end_of(bounds["due_to"]))
    q = (f.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if str(f.get("top_only") or "").lower() in ("1", "true", "on", "yes"):
        qs = qs.filter(parent__isnull=True)
    if states:
        qs.groups = tuple(g for g in qs.groups if GROUP_STATES[g] & set(states))
        qs.states = tuple(states)
    return qs


def filter_light(qs, filters=None):
    light = (filters or {}).get("light") or ""
    if not light:
        return qs
    if light not in [x.value for x in LIGHTS]:
        raise ValidationError({"light": "红黄绿灯应为 red、yellow、green、done 或 stopped"})
    if light in OPEN_LIGHTS:
        # The running or paused clock's moments against now (annotate_light);
        # the clock states it comes from, implied, stated for the planner.
        qs = annotate_light(qs, qs.now, prefix="current_clock__", rank=False).filter(
            current_clock__isnull=False, current_clock__state__in=list(CLOCK_OPEN_STATES), light=light)
    else:
        # Done and stopped are their clocks' states alone (annotate_light):
        # asked as such, not through the light's expression, which a
        # planner cannot estimate (PostgreSQL judged 74 of 35,000 stopped
        # clocks and read them all).
        states = CLOCK_DONE_STATES if light == Light.DONE else (ClockState.STOPPED,)
        qs = qs.filter(current_clock__state__in=list(states))
    # Drafts have no light; an open matter's current clock is open (red,
    # yellow, green), a closed one's met (done) or stopped (cancelled): the
    # services' rule, tested. A light's rows are in one group.
    qs.groups = tuple(g for g in qs.groups if g != DRAFTS and (g == OPEN) == (light in OPEN_LIGHTS))
    if light == Light.STOPPED:
        # Stopped is cancelled, a few of the closed matters: stated on the
        # matter, the group is read along its state's index
        # (supervision_closed_state). (Done is nearly every closed matter:
        # read along the closed order.)
        qs = qs.filter(state=State.CANCELLED)
    qs.light = light
    return qs


@dataclass
class Worklist:
    """`rows`: the filtered list in its order (ListQuerySet; paginate it);
    `counts`: {"red": n, "yellow": n, "green": n, "done": n, "stopped": n,
    "drafts": n} over the list before the light filter, in one query --
    total counts the matters with a clock (the lights' sum); `rows_count`:
    the number of `rows` (from the counts: no second COUNT)."""

    unfiltered: object
    rows: object
    light: str = ""

    @cached_property
    def counts(self) -> dict:
        """Counted afresh, or -- when counting this list took longer than
        COUNTS_SLOW seconds (a province's office list: a million matters) --
        taken from the cache for up to settings.DUBAN_LIST_COUNTS_CACHE
        seconds (0: never), with `counted_at` saying when they were made."""
        ttl = getattr(settings, "DUBAN_LIST_COUNTS_CACHE", 0)
        key = None
        if ttl:
            sql, params = self.unfiltered.order_by().values("pk").query.sql_with_params()
            key = "duban.list-counts." + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                self.counted_at = hit["at"]
                return hit["counts"]
        began = time.monotonic()
        out = self._count()
        if key and time.monotonic() - began > COUNTS_SLOW:
            cache.set(key, {"counts": out, "at": timezone.now()}, ttl)
        return out

    counted_at = None  # set when the counts came from the cache

    def _count(self) -> dict:
        qs = annotate_light(self.unfiltered.order_by(), self.unfiltered.now, prefix="current_clock__", rank=False)
        clocked = Q(current_clock__isnull=False)
        found = qs.aggregate(
            **{x.value: Count("id", filter=clocked & Q(light=x.value)) for x in LIGHTS},
            drafts=Count("id", filter=Q(current_clock__isnull=True)),
        )
        out = {x.value: found[x.value] or 0 for x in LIGHTS}
        out["total"] = sum(out.values())
        out["drafts"] = found["drafts"] or 0
        return out

    @property
    def rows_count(self) -> int:
        if self.light:
            return self.counts.get(self.light, 0)
        return self.counts["total"] + self.counts["drafts"]


# Counting slower than this (seconds) is kept for a while (Worklist.counts).
COUNTS_SLOW = 0.2


def _worklist(qs, filters, walk=True):
    qs.walk = walk
    qs = apply_filters(qs, filters)
    return Worklist(unfiltered=qs, rows=filter_light(qs, filters), light=(filters or {}).get("light") or "")


def unit_worklist(user, filters=None, now=None) -> Worklist:
    """我的待办: open matters and sub-tasks whose lead or cooperating unit is
    the user's own unit, what is due first, first.

    Every such matter is visible to the user (its lead or cooperating unit
    is their own: ORG-3), so the list is read without the visibility
    module's full condition (tested: tests/supervision/test_list_paging.py)."""
    person = getattr(user, "person", None)
    if person is None or not user.is_active:
        return Worklist(unfiltered=_rows(Matter.objects.none(), now), rows=_rows(Matter.objects.none(), now))
    unit_id = person.unit_id
    open_states = list(OPEN_STATES)
    # One IN over a UNION of two index reads (led, cooperating), not an OR
    # with a subquery, which PostgreSQL can only answer by scanning every
    # matter. Both are open ones, and the list says so nowhere else: the
    # page reads its open group by `open_due_at` (ListQuerySet), and with
    # the open states beside it PostgreSQL multiplied the two shares, judged
    # the open matters 16,000 instead of 125,000 and read them all.
    mine = Matter.objects.filter(lead_unit_id=unit_id, state__in=open_states).order_by().values("pk").union(
        MatterCooperation.objects.filter(unit_id=unit_id, matter__state__in=open_states).order_by()
        .values("matter_id"), all=True)
    qs = _rows(Matter.objects.filter(pk__in=mine), now)
    qs.groups = (OPEN,)
    return _worklist(qs, filters, walk=False)


def supervision_list(user, filters=None, now=None) -> Worklist:
    """The supervision office's (or a leader's) list over its jurisdiction:
    every matter whose lead or supervising unit lies in it, in every state.

    Every such matter is visible to the user (ORG-3: a jurisdiction's
    subtree), so the list is read without the visibility module's full
    condition (tested: tests/supervision/test_list_paging.py)."""
    roots = scope_for(user).jurisdictions
    if not roots:
        raise PermissionDenied("只有督查室或领导可以查看督办总表")
    if covers_every_unit(roots):
        # Every matter has a supervising unit, and every unit lies in the
        # jurisdiction (a county's office over its county, a province's
        # over the province): no condition. As one over every unit it cost
        # SQLite two index reads of every matter to count the list (6 s).
        return _worklist(_rows(Matter.objects.all(), now), filters)
    # Unit ids as a subquery, not a join on the units' paths: the list keeps
    # the plan of its order (see ListQuerySet).
    units = subtree_in(roots)
    # A draft is listed by the office that supervises it only (drafts_q).
    q = (Q(lead_unit_id__in=units) & ~Q(state=State.DRAFT)) | Q(supervising_unit_id__in=units)
    qs = _rows(Matter.objects.filter(q), now)
    qs.units = (units,)
    return _worklist(qs, filters)


def leader_list(user, filters=None, now=None) -> Worklist:
    """What a leader instructed or is responsible for (visible to them by
    ORG-3's user fields)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return _worklist(_rows(Matter.objects.none(), now), filters)
    qs = _rows(Matter.objects.filter(Q(instructing_leader=user) | Q(responsible_leader=user))
               .filter(drafts_q(user, scope)), now)
    return _worklist(qs, filters, walk=False)


def visible_list(user, filters=None, now=None) -> Worklist:
    """Every matter the user may see, in every state."""
    return _worklist(base_queryset(user, now), filters)


def get_matter(user, pk, now=None) -> Matter:
    """One matter for its page (404 when not visible), lit, with its reports
    and their files, extensions, urges and clocks prefetched."""
    from django.http import Http404

    qs = base_queryset(user, now).prefetch_related(
        Prefetch("reports", queryset=Report.objects.select_related("submitted_by", "reviewed_by", "unit")
                 .prefetch_related("files").order_by("submitted_at", "id")),
        Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by")
                 .order_by("requested_at", "id")),
        Prefetch("urges", queryset=Urge.objects.select_related("urged_by", "urged_unit", "urged_person")
                 .order_by("urged_at", "id")),
    )
    try:
        return qs.get(pk=pk)
    except (Matter.DoesNotExist, ValueError, ValidationError):
        raise Http404("未找到该记录") from None


def matter_clocks(matter, now=None):
    """The matter's clocks, lit, in order of their deadlines."""
    ct = ContentType.objects.get_for_model(Matter)
    return annotate_light(
        Clock.objects.filter(owner_type=ct, owner_id=str(matter.pk)).select_related("rule"), now
    ).order_by("due_at", "id")


def matter_timeline(matter):
    """Journal events of the matter, its reports, extension requests, urges
    and clocks, and the splitting of its direct sub-tasks, oldest first:
    who did what when."""
    clock_ct = ContentType.objects.get_for_model(Matter)
    ids = {
        "supervision.report": list(Report.objects.filter(matter=matter).values_list("pk", flat=True)),
        "supervision.extensionrequest": list(ExtensionRequest.objects.filter(matter=matter)
                                             .values_list("pk", flat=True)),
        "supervision.urge": list(Urge.objects.filter(matter=matter).values_list("pk", flat=True)),
        "clocks.clock": list(Clock.objects.filter(owner_type=clock_ct, owner_id=str(matter.pk))
                             .values_list("pk", flat=True)),
    }
    q = Q(object_type="supervision.matter", object_id=str(matter.pk))
    for object_type, pks in ids.items():
        if pks:
            q |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
    children = list(Matter.objects.filter(parent=matter).values_list("pk", flat=True))
    if children:
        q |= Q(object_type="supervision.matter", object_id__in=[str(pk) for pk in children],
               action="supervision.matter.split")
    return Event.objects.filter(q).order_by("seq")


def subtree(matter, user=None, now=None) -> dict:
    """The matter and its sub-tasks (all levels) as nested nodes
    {"matter": m, "children": [...]}, in creation order, lit; with `user`,
    only what they may see (a sub-task they cannot see hides its own
    sub-tasks too). One query however deep or wide."""
    qs = (Matter.objects.filter(tree_path__startswith=matter.tree_path) if matter.tree_path
          else Matter.objects.filter(pk=matter.pk))
    if user is not None:
        qs = visible(qs, user)
    qs = annotate_light(
        qs.select_related("lead_unit", "lead_person", "current_clock", "completion_clock"),
        now or timezone.now(), prefix="current_clock__",
    ).order_by("tree_path")
    nodes = {}
    top = None
    for m in qs:
        node = {"matter": m, "children": []}
        nodes[m.pk] = node
        if m.pk == matter.pk:
            top = node
        elif m.parent_id in nodes:
            nodes[m.parent_id]["children"].append(node)
    return top or {"matter": matter, "children": []}
