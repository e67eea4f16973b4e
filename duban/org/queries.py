"""Reads for the organisation pages: few queries, no N+1."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q

from .models import GroupMembership, Person, Role, RoleAssignment, WorkGroup
from .visibility import visible_units


def unit_tree(user):
    """The visible units as nested nodes [(unit, children)] in tree order,
    with each unit's head count, in one query."""
    units = list(
        visible_units(user)
        .annotate(head_count=Count("people", filter=Q(people__user__is_active=True)))
        .order_by("depth", "sort_order", "path")
    )
    children = defaultdict(list)
    roots = []
    by_id = {u.pk: u for u in units}
    for u in units:
        if u.parent_id in by_id:
            children[u.parent_id].append(u)
        else:
            roots.append(u)

    def build(u):
        return {"unit": u, "children": [build(c) for c in children[u.pk]]}

    return [build(r) for r in roots]


def people_of(unit):
    """People of a unit with their roles and backups, in three queries."""
    return (
        Person.objects.filter(unit=unit, user__is_active=True)
        .select_related("user", "backup")
        .prefetch_related(Prefetch("user__role_assignments", queryset=RoleAssignment.objects.order_by("role")))
        .order_by("sort_order", "id")
    )


def groups_of(unit):
    """Working groups whose node is this unit or that have members from it."""
    return (
        WorkGroup.objects.filter(Q(unit=unit) | Q(memberships__user__person__unit=unit))
        .distinct()
        .order_by("name")
    )


def group_members(group):
    return (
        GroupMembership.objects.filter(group=group)
        .select_related("user", "user__person", "user__person__unit")
        .order_by("sort_order", "id")
    )


def first_holder(unit, *roles):
    """The person of exactly `unit` (not its offices) who answers for it in
    the first of `roles` anyone there holds (the first by the people's
    order), or None: a unit's 联络员, else its 单位负责人, receives a matter;
    its 单位负责人 attends a meeting. Default roles: LIAISON, UNIT_HEAD."""
    for role in roles or (Role.LIAISON, Role.UNIT_HEAD):
        ra = (RoleAssignment.objects.filter(role=role, user__person__unit=unit, user__is_active=True)
              .select_related("user").order_by("user__person__sort_order", "user_id").first())
        if ra is not None:
            return ra.user
    return None
