from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .visibility import visible_units


@login_required
def tree(request):
    return render(request, "org/tree.html", {"units": visible_units(request.user)})


@login_required
def unit_detail(request, pk):
    unit = get_object_or_404(visible_units(request.user), pk=pk)
    return render(request, "org/unit.html", {"unit": unit})
