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
- the user is named in one of its user fields (e.g. the instructing leader);
and it meets the model's own limits, if any (`restrict`: a matter's draft is
the supervision office's until it is assigned).
Everything else is as if it did not exist: detail views answer 404.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from .models import JURISDICTION_ROLES, RoleAssignment, Unit


@dataclass(frozen=True)
class VisibilitySpec:
    unit_fields: tuple = ()
    multi_unit_fields: tuple = ()
    user_fields: tuple = ()
    extra: tuple = field(default=())  # callables (user, scope) -> Q, for app-specific grants
    # callables (user, scope) -> Q that a visible row must also meet, for
    # app-specific limits on the grants above (a matter's draft)
    restrict: tuple = field(default=())


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    own_unit: Unit | None
    jurisdictions: tuple  # Units whose subtrees this user supervises

    @property
    def roots(self) -> list:
        """The unit subtrees this user may see, without nested duplicates."""
        units = [u for u in (self.own_unit, *self.jurisdictions) if u is not None]
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
    jurisdictions = []
    for ra in RoleAssignment.objects.filter(user=user, role__in=list(JURISDICTION_ROLES)).select_related("scope"):
        unit = ra.scope or own
        if unit is not None:
            jurisdictions.append(unit)
    scope = Scope(user.pk, own, tuple(jurisdictions))
    user._duban_scope = scope
    return scope


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
    """The unit reached from `model` through the foreign keys of `path`
    ("lead_unit", "parent__assigning_unit") lies in `units`: the last hop as
    `unit_id IN (subquery)`, the hops before it as EXISTS on the related
    row's primary key. No join is added to the caller's query, so a list
    keeps the plan of its own filters and order (an index walk) at any size."""
    head, _, rest = path.partition("__")
    if not rest:
        return Q(**{f"{head}__in": units})
    field = model._meta.get_field(head)
    if not (field.concrete and (field.many_to_one or field.one_to_one)):
        return Q(**{f"{path}__in": units})  # a reverse or many-to-many hop: a join
    related = field.related_model
    return Q(Exists(related._base_manager.filter(_unit_field_q(related, rest, units), pk=OuterRef(head))))


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
        units = subtree_ids(roots)
        for f in spec.unit_fields:
            q |= _unit_field_q(model, f, units)
        for f in spec.multi_unit_fields:
            # EXISTS on the through table, not a join, so that rows are
            # never duplicated.
            field = model._meta.get_field(f)
            through = field.remote_field.through._base_manager.filter(**{
                field.m2m_field_name(): OuterRef("pk"), f"{field.m2m_reverse_field_name()}__in": units})
            q |= Q(Exists(through))
    for f in spec.user_fields:
        q |= Q(**{f: scope.user_id})
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
    the two are indistinguishable to the caller."""
    qs = visible(queryset_or_model, user)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, ValidationError):
        raise Http404("未找到该记录") from None


def can_see(user, obj) -> bool:
    return visible(type(obj).objects.filter(pk=obj.pk), user).exists()


def visible_units(user):
    """The organisation is shown to every signed-in official (the county's
    directory); anonymous users see none of it."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(is_active=True)
