from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from . import queries, services
from .models import WorkGroup
from .visibility import visible_units


@login_required
def tree(request):
    groups = WorkGroup.objects.select_related("unit").order_by("kind", "name")
    return render(request, "org/tree.html", {"tree": queries.unit_tree(request.user), "groups": groups})


@login_required
def unit_detail(request, pk):
    unit = get_object_or_404(visible_units(request.user).select_related("parent"), pk=pk)
    paths = services.reveal_paths(request.user)
    unit_open = paths is None or any(unit.path.startswith(p) for p in paths)
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": unit.children.filter(is_active=True).order_by("sort_order", "path"),
            "people": [(p, unit_open or p.user_id == request.user.pk) for p in queries.people_of(unit)],
            "groups": queries.groups_of(unit),
        },
    )


@login_required
def group_detail(request, pk):
    # Groups are part of the county's directory, like units.
    group = get_object_or_404(WorkGroup.objects.select_related("unit", "parent_group"), pk=pk)
    return render(request, "org/group.html", {"group": group, "members": queries.group_members(group)})


@login_required
@require_POST
def reveal(request, pk, field):
    """A person's number in full, for someone who may see it (journaled);
    404 for a person outside the user's view, as for any other object."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404, HttpResponse
    from django.utils.html import format_html

    from . import services
    from .models import Person

    person = get_object_or_404(Person.objects.select_related("unit", "user").filter(
        unit__in=visible_units(request.user)), pk=pk)
    if field not in services.PERSONAL_FIELDS:
        raise Http404("页面不存在")
    try:
        value = services.reveal(request.user, person, field)
    except PermissionDenied as e:
        raise Http404("页面不存在") from e
    return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))
