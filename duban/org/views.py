from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import queries
from .models import WorkGroup
from .visibility import visible_units


@login_required
def tree(request):
    groups = WorkGroup.objects.select_related("unit").order_by("kind", "name")
    return render(request, "org/tree.html", {"tree": queries.unit_tree(request.user), "groups": groups})


@login_required
def unit_detail(request, pk):
    unit = get_object_or_404(visible_units(request.user).select_related("parent"), pk=pk)
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": unit.children.filter(is_active=True).order_by("sort_order", "path"),
            "people": queries.people_of(unit),
            "groups": queries.groups_of(unit),
        },
    )


@login_required
def group_detail(request, pk):
    # Groups are part of the county's directory, like units.
    group = get_object_or_404(WorkGroup.objects.select_related("unit", "parent_group"), pk=pk)
    return render(request, "org/group.html", {"group": group, "members": queries.group_members(group)})
