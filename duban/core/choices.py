"""How units and people are named on pages and offered in forms: every
app's forms choose a unit, a person or a leader the same way; and the
urgency scale (特急 / 加急 / 一般) that matters and documents share. Reads
only."""

from django.db import models

from duban.org.models import Person, Role, RoleAssignment, Unit
from duban.timelimits.models import TimeLimitRule


class Urgency(models.TextChoices):
    EXTRA_URGENT = "extra_urgent", "特急"
    URGENT = "urgent", "加急"
    NORMAL = "normal", "一般"


def unit_label(unit) -> str:
    """A unit as people say it: offices with their department
    (县教育局·办公室), since office names repeat."""
    if unit.depth >= 2 and unit.parent is not None:
        return f"{unit.parent.name}·{unit.name}"
    return unit.name


def unit_choices(roots=None):
    """[(pk, label, path)] of the units in use, in tree order; with `roots`,
    of their subtrees only (a jurisdiction's)."""
    units = Unit.objects.filter(is_active=True).select_related("parent").order_by("path")
    if roots:
        from duban.org.visibility import subtree_ids

        units = units.filter(pk__in=subtree_ids(roots))
    return [(u.pk, ("　" * max(u.depth - 1, 0)) + unit_label(u), u.path) for u in units]


def person_label(person) -> str:
    name = person.user.get_full_name() or person.user.get_username()
    return f"{name}（{person.position}）" if person.position else name


def people_choices():
    """[(unit label, [(user pk, label, unit path)])] of active people, by unit."""
    people = (Person.objects.filter(user__is_active=True).select_related("user", "unit", "unit__parent")
              .order_by("unit__path", "sort_order", "id"))
    groups, current, key = [], None, None
    for p in people:
        if p.unit_id != key:
            key = p.unit_id
            current = []
            groups.append((unit_label(p.unit), current))
        current.append((p.user_id, person_label(p), p.unit.path))
    return groups


def leader_choices():
    """[(user pk, label)] of the people holding the 领导 role."""
    ids = RoleAssignment.objects.filter(role=Role.LEADER).values("user_id")
    people = (Person.objects.filter(user_id__in=ids, user__is_active=True).select_related("user", "unit")
              .order_by("unit__path", "sort_order", "id"))
    return [(p.user_id, person_label(p)) for p in people]


def rule_choices():
    """[(code, label)] of the active time-limit rules."""
    return [(r.code, f"{r.name}（{r.limit}）") for r in TimeLimitRule.objects.filter(is_active=True).order_by("code")]
