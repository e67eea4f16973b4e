from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from duban.org.visibility import get_visible_or_404, visible

from .models import ProbeRecord


@login_required
def probe_list(request):
    titles = visible(ProbeRecord, request.user).order_by("pk").values_list("title", flat=True)
    return HttpResponse("\n".join(titles), content_type="text/plain; charset=utf-8")


@login_required
def probe_detail(request, pk):
    record = get_visible_or_404(ProbeRecord, request.user, pk=pk)
    return HttpResponse(record.title, content_type="text/plain; charset=utf-8")
