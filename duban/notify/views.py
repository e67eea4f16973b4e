from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from duban.org.models import Role
from duban.org.services import has_role

from . import services
from .models import Channel, Message, MessageState

INBOX_PAGE = 20
OUTBOX_PAGE = 50


@login_required
def inbox(request):
    qs = services.inbox(request.user).only(
        "id", "subject", "body", "link", "source", "created_at", "read_at"
    ).order_by("-created_at", "-id")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, INBOX_PAGE).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request, pk):
    m = services.mark_read(request.user, pk)
    if m is None:
        raise Http404("未找到该消息")
    if request.htmx:
        return render(request, "notify/_message.html", {"m": m})
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request):
    n = services.mark_all_read(request.user)
    if n:
        flash.success(request, f"已将 {n} 条消息标为已读")
    return redirect("notify:inbox")


def _require_sysadmin(user):
    if not has_role(user, Role.SYSTEM_ADMIN):
        raise Http404("页面不存在")


OUTBOX_STATES = [MessageState.FAILED, MessageState.DEAD, MessageState.PENDING, MessageState.SENDING]


@login_required
def outbox(request):
    """E-mail that has not (yet) gone out, for the system administrator."""
    _require_sysadmin(request.user)
    state = request.GET.get("state", "")
    states = [state] if state in OUTBOX_STATES else OUTBOX_STATES
    qs = (
        Message.objects.filter(channel=Channel.EMAIL, state__in=states)
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )
    page = Paginator(qs, OUTBOX_PAGE).get_page(request.GET.get("page"))
    choices = [(s.value, s.label) for s in OUTBOX_STATES]
    return render(request, "notify/outbox.html", {"page": page, "state": state, "states": choices})


@login_required
@require_POST
def retry(request, pk):
    _require_sysadmin(request.user)
    m = get_object_or_404(Message, pk=pk, channel=Channel.EMAIL)
    try:
        services.retry(m, by=request.user)
    except ValueError as e:
        flash.error(request, str(e))
    else:
        flash.success(request, f"已重新排队：{m.subject}")
    return redirect("notify:outbox")
