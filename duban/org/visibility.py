"""The one visibility module (ORG-3).

Every list, detail, export and API endpoint that shows business records goes
through `visible()` or `get_visible_or_404()`. A model declares who may see
its rows with a `visibility` attribute:

    class Matter(models.Model):
        visibility = VisibilitySpec(
            unit_fields=("lead_unit", "owner_unit"),      # FK to org.Unit
            multi_unit_fields=("cooperating_units",),      # M2M to org.Unit
            user_fields=("instructed_by",),                # FK to the user
        )

A user sees a row when
- one of its units lies in the subtree of the user's own unit (what their
  unit owns, leads or cooperates on, including their offices' work), or
- one of its units lies in the subtree of a jurisdiction the user holds as
  督查室 or 领导 (the role's scope unit, or their own unit), or
- the user is named in one of its user fields (e.g. the instructing leader),
- (ORG-4) while an A whose B role the user is is away, any of the above
  holds for A: B sees what A sees,
- or an app-specific grant gives sight (`grants`: "the duty office sees the
  incidents whose reporting or involved units lie in its jurisdictions" is
  `SubtreeGrant(roots=duty_jurisdictions, unit_fields=("reporting_unit",),
  multi_unit_fields=("involved_units",))`: the app names the units and the
  roots, this module builds the condition);
and it meets the model's own limits, if any (`restrict`: a matter's draft is
the supervision office's until it is assigned).
Everything else is as if it did not exist: detail views answer 404.

The condition never joins a to-many relation: foreign-key hops become
EXISTS on the related row, many-to-many fields EXISTS on the through table,
so a row reachable along several paths (two involved units, a lead and a
cooperating unit in one subtree) is listed, counted and fetched once.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from .models import JURISDICTION_ROLES, RoleAssignment, Unit
from .services import principals_of


@dataclass(frozen=True)
class SubtreeGrant:
    """Sight granted by an app: rows whose `unit_fields` (foreign-key paths to
    org.Unit, e.g. "reporting_unit", "incident__reporting_unit") or
    `multi_unit_fields` (many-to-many fields to org.Unit) lie in the
    subtrees of the units `roots(user)` returns."""

    roots: object  # callable(user) -> list of Unit
    unit_fields: tuple = ()
    multi_unit_fields: tuple = ()


@dataclass(frozen=True)
class RowsGrant:
    """Sight granted by an app over rows it selects, not over units: the
    rows whose foreign key `path` (e.g. "campaign"; empty: the row itself)
    points into the queryset `rows(user)` returns (a task force's
    campaigns)."""

    rows: object  # callable(user) -> QuerySet
    path: str = ""


@dataclass(frozen=True)
class VisibilitySpec:
    unit_fields: tuple = ()
    multi_unit_fields: tuple = ()
    user_fields: tuple = ()
    grants: tuple = field(default=())  # SubtreeGrant / RowsGrant: app-specific sight
    # foreign-key paths to a parent whose visibility this row shares (a
    # matter's reports, an incident's written reports): visible exactly when
    # the row reached through one of them is
    via: tuple = field(default=())
    # callables (user, scope) -> Q, for app-specific grants that are not about
    # units (a task force's campaigns); they must not join to-many relations
    extra: tuple = field(default=())
    # callables (user, scope) -> Q that a visible row must also meet, for
    # app-specific limits on the grants above (a matter's draft)
    restrict: tuple = field(default=())


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    own_unit: Unit | None
    jurisdictions: tuple  # Units whose subtrees this user supervises
    # ORG-4: while A is away, A's B role sees what A sees: A's own unit and
    # A's jurisdictions join B's, and rows naming A in a user field.
    deputy_for: tuple = ()  # ids of the away users this user stands in for
    deputy_units: tuple = ()  # their own units

    @property
    def user_ids(self) -> list:
        return [self.user_id, *self.deputy_for]

    @property
    def roots(self) -> list:
        """The unit subtrees this user may see, without nested duplicates."""
        units = [u for u in (self.own_unit, *self.deputy_units, *self.jurisdictions) if u is not None]
        units.sort(key=lambda u: len(u.path))
        kept = []
        for u in units:
            if not any(u.path.startswith(k.path) for k in kept):
                kept.append(u)
        return kept

    def covers_unit(self, unit) -> bool:
        return unit is not None and any(unit.path.startswith(r.path) for r in self.roots)


def scope_for(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(None, None, ())
    cached = getattr(user, "_duban_scope", None)
    if cached is not None:
        return cached
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    own = person.unit if person is not None else None
    jurisdictions = _jurisdictions(user, own)
    deputy_for, deputy_units = [], []
    for principal in principals_of(user):
        deputy_for.append(principal.pk)
        principal_unit = principal.person.unit
        if principal_unit is not None:
            deputy_units.append(principal_unit)
        jurisdictions += [u for u in _jurisdictions(principal, principal_unit) if u not in jurisdictions]
    scope = Scope(user.pk, own, tuple(jurisdictions), tuple(deputy_for), tuple(deputy_units))
    user._duban_scope = scope
    return scope


def _jurisdictions(user, own) -> list:
    out = []
    for ra in RoleAssignment.objects.filter(user=user, role__in=list(JURISDICTION_ROLES)).select_related("scope"):
        unit = ra.scope or own
        if unit is not None:
            out.append(unit)
    return out


def covers_every_unit(roots) -> bool:
    """Whether the subtrees of `roots` hold every unit: every top unit (one
    without a parent) is one of them. One indexed query."""
    return bool(roots) and not Unit.objects.filter(parent__isnull=True).exclude(
        pk__in=[r.pk for r in roots]).exists()


def subtree_ids(roots):
    """The ids of the units in the subtrees of `roots`, as a subquery."""
    return Unit.objects.filter(_path_q(roots)).values("pk")


def subtree_in(roots):
    """The units of the subtrees of `roots` as what `field__in=` takes in a
    list's own filters. For one county-size subtree on PostgreSQL, their ids
    (a short list: PostgreSQL costs a subquery under an OR as a hashed
    subplan rebuilt for every index lookup and so would scan a province's
    matters to find a county's); otherwise the subquery (SQLite builds it
    once; a province's ten thousand ids would cost more to send than to
    look up)."""
    units = subtree_ids(roots)
    if connection.vendor == "postgresql" and len(roots) == 1 and roots[0].depth >= 2:
        return list(units.values_list("pk", flat=True))
    return units


def _path_q(roots) -> Q:
    sqlite = connection.vendor == "sqlite"
    q = Q(pk__in=[])
    for r in roots:
        prefix = Q(path__startswith=r.path)
        if sqlite:
            # SQLite's LIKE ignores case and so cannot use the index on the
            # path; the same prefix as a range can (exact there: SQLite
            # compares text byte by byte; a path ends with ".", and "/" follows
            # it). Not on PostgreSQL, whose collation may order otherwise; its
            # LIKE uses the path's pattern index.
            prefix &= Q(path__gte=r.path, path__lt=r.path[:-1] + chr(ord(r.path[-1]) + 1))
        q |= prefix
    return q


def _unit_field_q(model, path: str, units) -> Q:
    """The row reached from `model` through the foreign keys of `path`
    ("lead_unit", "parent__assigning_unit", "item__bulletin") lies in
    `units` (a subquery or list of its primary keys): the last hop as
    `field_id IN (subquery)`, the hops before it as EXISTS on the related
    row's primary key. No join is added to the caller's query, so a list
    keeps the plan of its own filters and order (an index walk) at any size,
    and a row is never repeated. A hop that is not a forward foreign key is
    refused: it would join a to-many relation."""
    head, _, rest = path.partition("__")
    field = model._meta.get_field(head)
    if not (field.concrete and (field.many_to_one or field.one_to_one)):
        raise TypeError(f"{model.__name__}.{head} in visibility path {path!r} is not a foreign key "
                        "(name many-to-many unit fields in multi_unit_fields)")
    if not rest:
        return Q(**{f"{head}__in": units})
    related = field.related_model
    return Q(Exists(related._base_manager.filter(_unit_field_q(related, rest, units), pk=OuterRef(head))))


def _multi_unit_field_q(model, name: str, units) -> Q:
    """A unit of the many-to-many field `name` lies in `units`: EXISTS on the
    through table, not a join, so that rows are never duplicated."""
    field = model._meta.get_field(name)
    if not field.many_to_many or field.auto_created:
        raise TypeError(f"{model.__name__}.{name} is not a many-to-many field to org.Unit")
    through = field.remote_field.through._base_manager.filter(**{
        field.m2m_field_name(): OuterRef("pk"), f"{field.m2m_reverse_field_name()}__in": units})
    return Q(Exists(through))


def units_q(model, units, unit_fields=(), multi_unit_fields=()) -> Q:
    """Rows of `model` one of whose unit fields (foreign-key paths) or
    many-to-many unit fields lies in `units` (a subquery or list of ids)."""
    q = Q(pk__in=[])
    for f in unit_fields:
        q |= _unit_field_q(model, f, units)
    for f in multi_unit_fields:
        q |= _multi_unit_field_q(model, f, units)
    return q


def _related_model(model, path: str):
    for head in path.split("__"):
        model = model._meta.get_field(head).related_model
    return model


def visibility_q(model, user) -> Q:
    spec: VisibilitySpec | None = getattr(model, "visibility", None)
    if spec is None:
        raise TypeError(f"{model.__name__} declares no visibility; add a VisibilitySpec")
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    roots = scope.roots
    q = Q(pk__in=[])
    if roots:
        q |= units_q(model, subtree_ids(roots), spec.unit_fields, spec.multi_unit_fields)
    for grant in spec.grants:
        if isinstance(grant, RowsGrant):
            rows = grant.rows(user).values("pk")
            q |= _unit_field_q(model, grant.path, rows) if grant.path else Q(pk__in=rows)
            continue
        granted = [u for u in (grant.roots(user) or ()) if u is not None]
        if granted:
            q |= units_q(model, subtree_ids(granted), grant.unit_fields, grant.multi_unit_fields)
    for path in spec.via:
        parent = _related_model(model, path)
        q |= _unit_field_q(model, path, visible(parent, user).values("pk"))
    for f in spec.user_fields:
        q |= Q(**{f"{f}__in": scope.user_ids}) if scope.deputy_for else Q(**{f: scope.user_id})
    for grant in spec.extra:
        q |= grant(user, scope)
    for limit in spec.restrict:
        q &= limit(user, scope)
    return q


def visible(queryset_or_model, user):
    """The rows of a queryset (or model) that `user` may see."""
    qs = queryset_or_model if hasattr(queryset_or_model, "model") else queryset_or_model.objects.all()
    return qs.filter(visibility_q(qs.model, user))


def visible_ids(model, user, ids) -> set:
    """Of the primary keys `ids`, those of rows `user` may see (one query;
    none for no ids): for a page that names records it may only link to
    when the reader may open them."""
    ids = {i for i in ids if i is not None}
    return set(visible(model, user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def get_visible_or_404(queryset_or_model, user, **lookup):
    """One row by lookup, or 404 when it does not exist or is not visible:
    the two are indistinguishable to the caller. A row is one row however
    many paths make it visible: should a caller's own queryset join a
    to-many relation, its duplicates of one row still give that row (a
    lookup that matches different rows is a programming error)."""
    qs = visible(queryset_or_model, user)
    try:
        rows = list(qs.filter(**lookup)[:21])
    except (ValueError, ValidationError):
        raise Http404("未找到该记录") from None
    if not rows:
        raise Http404("未找到该记录")
    if len({r.pk for r in rows}) > 1:
        raise qs.model.MultipleObjectsReturned(f"{qs.model.__name__}: {lookup} matches several rows")
    return rows[0]


def can_see(user, obj) -> bool:
    return visible(type(obj).objects.filter(pk=obj.pk), user).exists()


def visible_units(user):
    """The organisation is shown to every signed-in official (the county's
    directory); anonymous users see none of it."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(is_active=True)
