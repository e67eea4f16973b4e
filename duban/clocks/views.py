"""The reports of recomputed deadlines (TL-1): after the official calendar
or a time-limit rule changed, which rule-computed deadlines moved, by how
much, which breaches were withdrawn and what could not be recomputed. For
the system administrator and the supervision office (督查室); everybody
else gets 404."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from duban.org.models import Role
from duban.security.permissions import require_role

from . import queries

PAGE_SIZE = 50

report_readers = require_role(Role.SYSTEM_ADMIN, Role.SUPERVISOR)


@report_readers
@require_GET
def recomputation_list(request):
    page = Paginator(queries.recomputations_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clocks/recomputation_list.html", {"page": page})


@report_readers
@require_GET
def recomputation(request, pk):
    rec = get_object_or_404(queries.recomputations_for(request.user), pk=pk)
    page = Paginator(queries.moved_rows(rec, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"md": md, "shift": queries.shift_text(md)} for md in page]
    return render(request, "clocks/recomputation.html", {
        "rec": rec, "page": page, "rows": rows,
        "withdrawn": queries.moved_rows(rec, request.user).filter(old_state="breached").exclude(
            new_state="breached").count(),
        "failed": queries.failed_rows(rec, request.user),
    })
