"""Reads of supervised matters for worklists, the supervision office's list,
leaders' lists, the matter page's timeline and sub-task tree (SUP-4).

Every read goes through duban.org.visibility. Lists are annotated with the
traffic light of each matter's `current_clock` (the open clock due first),
computed in SQL from its stored moments and now by
duban.clocks.services.annotate_light, and sorted by that clock's due moment
(what is due first, first). Rows come with their units, people and clocks
joined and their cooperating units prefetched: a page of any length costs
the same few queries. A matter without any clock (a draft) has no light:
`row.current_clock_id is None`; it is left out of the counts per light.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from duban.clocks.models import DONE_STATES as CLOCK_DONE_STATES
from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.clocks.models import Clock, Light
from duban.clocks.services import annotate_light
from duban.journal.models import Event
from duban.org.visibility import scope_for, subtree_ids, visible

from .models import ExtensionRequest, Matter, MatterCooperation, Report, SourceKind, Urge, Urgency
from .transitions import OPEN_STATES, State

LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE)

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


def base_queryset(user, now=None):
    """Visible matters with everything a list row shows, lit."""
    qs = (
        visible(Matter, user)
        .select_related("lead_unit", "lead_person", "current_clock", "completion_clock", "supervising_unit",
                        "instructing_leader", "responsible_leader", "parent")
        .prefetch_related(Prefetch(
            "cooperations", queryset=MatterCooperation.objects.select_related("unit", "person").order_by(
                "sort_order", "id")))
    )
    return annotate_light(qs, now or timezone.now(), prefix="current_clock__")


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
        coop = MatterCooperation.objects.filter(unit__path__startswith=unit.path).values("matter_id")
        qs = qs.filter(Q(lead_unit__path__startswith=unit.path) | Q(pk__in=coop))
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
    return qs


def filter_light(qs, filters=None):
    light = (filters or {}).get("light") or ""
    if not light:
        return qs
    if light not in [x.value for x in LIGHTS]:
        raise ValidationError({"light": "红黄绿灯应为 red、yellow、green 或 done"})
    # The clock states each light comes from (annotate_light): implied by
    # the light, stated so that an index can find the clocks (the open
    # clocks' due index for red, yellow and green).
    states = CLOCK_DONE_STATES if light == Light.DONE else CLOCK_OPEN_STATES
    return qs.filter(current_clock__isnull=False, current_clock__state__in=list(states), light=light)


class DueOrderedQuerySet(QuerySet):
    """Rows sorted by `by_due`, read a page at a time in two steps.

    A slice with an end (a page: `rows[40:60]`, as the paginator and the API
    take it) first reads the ids of the rows up to its end with a lean query
    -- the list's filters and order only: no selected relations, no
    prefetch -- from the matters that have a clock (an inner join, so that
    the database can walk the clocks' due index instead of sorting the
    whole list), then, if those run short, from the matters without one
    (drafts, last, by id). The slice is then those rows, read by id in full
    with their relations. Same rows in the same order as one query; at a
    province's size (a million matters) the first page costs an index walk
    of a few dozen entries instead of a sort of every row in the
    jurisdiction. Anything else (counting, iterating, annotating, exporting)
    is an ordinary queryset."""

    walk = True  # see by_due

    def _clone(self):
        clone = super()._clone()
        clone.walk = self.walk
        return clone

    def __getitem__(self, k):
        if (not isinstance(k, slice) or k.stop is None or k.step is not None or self._result_cache is not None
                or self.query.is_sliced or (k.start or 0) < 0 or k.stop <= (k.start or 0)):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        lean = self.prefetch_related(None).values_list("pk", flat=True)
        lean.__class__ = QuerySet  # slices of the lean query are plain LIMIT/OFFSET
        if self.walk:
            ids = list(lean.filter(current_clock__isnull=False)[:stop])
            if len(ids) < stop:
                ids += lean.filter(current_clock__isnull=True)[: stop - len(ids)]
        else:
            ids = list(lean[:stop])
        # The list's filters chose the ids; the page reads those rows by id
        # alone (its joins are all many-to-one, so they neither add nor drop
        # any of them).
        page = self.all()
        page.query.clear_where()
        return page.filter(pk__in=ids[start:])


def by_due(qs, walk=True):
    """What is due first, first; matters without a clock last.

    `walk=False` when the list's filters select rows bunched in the due
    order (states, dates: open matters' clocks are the recent ones): a walk
    of the due index would pass most of the table before finding them, so
    the page's ids are read filters first (a DueOrderedQuerySet either way)."""
    qs = qs.order_by(F("current_clock__due_at").asc(nulls_last=True), "id")
    qs.__class__ = DueOrderedQuerySet
    qs.walk = walk
    return qs


@dataclass
class Worklist:
    """`rows`: the lit, filtered, sorted queryset (paginate it); `counts`:
    {"red": n, "yellow": n, "green": n, "done": n, "total": n} over the list
    before the light filter, in one query."""

    unfiltered: object
    rows: object
    extra: dict = field(default_factory=dict)

    @cached_property
    def counts(self) -> dict:
        found = dict(
            self.unfiltered.filter(current_clock__isnull=False).order_by()
            .values_list("light").annotate(n=Count("id")).values_list("light", "n")
        )
        out = {x.value: found.get(x.value, 0) for x in LIGHTS}
        out["total"] = sum(out.values())
        return out


# Filters whose rows lie together in the due order (see by_due).
BUNCHED = ("state", "date_from", "date_to", "due_from", "due_to")


def _worklist(qs, filters):
    qs = apply_filters(qs, filters)
    walk = not any((filters or {}).get(k) for k in BUNCHED)
    return Worklist(unfiltered=qs, rows=by_due(filter_light(qs, filters), walk=walk))


def unit_worklist(user, filters=None, now=None) -> Worklist:
    """我的待办: open matters and sub-tasks whose lead or cooperating unit is
    the user's own unit, what is due first, first."""
    person = getattr(user, "person", None)
    if person is None:
        return Worklist(unfiltered=Matter.objects.none(), rows=Matter.objects.none())
    unit_id = person.unit_id
    open_states = list(OPEN_STATES)
    # One IN over a UNION of two index reads (led, cooperating), not an OR
    # with a subquery, which PostgreSQL can only answer by scanning every
    # matter.
    mine = Matter.objects.filter(lead_unit_id=unit_id, state__in=open_states).order_by().values("pk").union(
        MatterCooperation.objects.filter(unit_id=unit_id).order_by().values("matter_id"), all=True)
    qs = base_queryset(user, now).filter(state__in=open_states).filter(pk__in=mine)
    return _worklist(qs, filters)


def supervision_list(user, filters=None, now=None) -> Worklist:
    """The supervision office's (or a leader's) list over its jurisdiction:
    every matter whose lead or supervising unit lies in it, in every state."""
    roots = scope_for(user).jurisdictions
    if not roots:
        raise PermissionDenied("只有督查室或领导可以查看督办总表")
    # Unit ids as a subquery, not a join on the units' paths: the list keeps
    # the plan of its order (see DueOrderedQuerySet).
    units = subtree_ids(roots)
    q = Q(lead_unit_id__in=units) | Q(supervising_unit_id__in=units)
    return _worklist(base_queryset(user, now).filter(q), filters)


def leader_list(user, filters=None, now=None) -> Worklist:
    """What a leader instructed or is responsible for."""
    qs = base_queryset(user, now).filter(Q(instructing_leader=user) | Q(responsible_leader=user))
    return _worklist(qs, filters)


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
