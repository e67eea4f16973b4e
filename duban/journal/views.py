"""The auditor's journal pages: browse, filter, inspect, export. Read-only:
there is no form that changes an event, and the database refuses it anyway."""

import json

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.exports import xlsx_response
from duban.org.models import Role
from duban.security.permissions import require_role

from . import chain, queries
from .models import Event

PAGE_SIZE = 50


# Only the 审计管理员 reads the journal (三员分立); everyone else gets 404.
auditor_only = require_role(Role.AUDIT_ADMIN)


@auditor_only
@require_GET
def event_list(request):
    error = None
    try:
        qs, filters = queries.filtered_events(request.GET)
    except ValidationError as exc:
        error = exc.messages[0]
        qs, filters = Event.objects.none(), {k: request.GET.get(k, "") for k in queries.FILTERS}
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "journal/list.html", {
        "page": page, "filters": filters, "error": error, "query": query.urlencode(),
        "actions": queries.action_choices(),
    })


@auditor_only
@require_GET
def event_detail(request, seq):
    event = get_object_or_404(Event.objects.select_related("actor"), seq=seq)
    intact = chain.compute_hash(event) == event.hash
    previous = Event.objects.filter(seq=seq - 1).only("hash").first()
    linked = (previous.hash if previous else chain.GENESIS) == event.prev_hash
    return render(request, "journal/detail.html", {
        "event": event, "intact": intact, "linked": linked,
        "before": json.dumps(event.before, ensure_ascii=False, indent=2) if event.before is not None else "",
        "after": json.dumps(event.after, ensure_ascii=False, indent=2) if event.after is not None else "",
    })


@auditor_only
@require_POST
def verify(request):
    result = chain.verify()
    return render(request, "journal/_verify.html", {"result": result})


EXPORT_COLUMNS = ["序号", "记录时间", "发生时间", "操作人", "账号", "来源地址", "动作", "对象类型", "对象编号", "对象",
                  "变更前", "变更后", "前一哈希", "哈希"]


@auditor_only
@require_GET
def export(request):
    try:
        qs, filters = queries.filtered_events(request.GET)
    except ValidationError as exc:
        return HttpResponse(exc.messages[0], status=400, content_type="text/plain; charset=utf-8")
    tz = timezone.get_current_timezone()

    def rows():
        for e in qs.iterator(chunk_size=2000):
            yield [
                e.seq, e.recorded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                e.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if e.occurred_at else "", e.actor_name,
                e.actor.username if e.actor else "", e.ip, e.action, e.object_type, e.object_id, e.object_repr,
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                e.prev_hash, e.hash,
            ]

    # The export itself is an audited act.
    with transaction.atomic():
        chain.record("journal.export", object_type="journal.event",
                     after={k: v for k, v in filters.items() if v})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return xlsx_response(f"审计日志-{stamp}.xlsx", "审计日志", EXPORT_COLUMNS, rows(),
                         widths=[8, 20, 20, 12, 14, 16, 26, 18, 12, 24, 40, 40, 30, 30])
