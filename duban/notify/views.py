from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import forms, services
from .models import EXTERNAL_CHANNELS, Attempt, Channel, Endpoint, MessageState

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


OUTBOX_STATES = [MessageState.FAILED, MessageState.DEAD, MessageState.PENDING, MessageState.SENDING,
                 MessageState.SENT, MessageState.MERGED, MessageState.SKIPPED]
UNSENT = [MessageState.FAILED, MessageState.DEAD, MessageState.PENDING, MessageState.SENDING]


@login_required
def outbox(request):
    """External messages (e-mail, SMS, group robots) with every attempt and
    the channel's answer: all of them for the system administrator, those
    about its jurisdiction's units for the supervision office, and one's
    own sent messages for everyone."""
    state = request.GET.get("state", "")
    channel = request.GET.get("channel", "")
    states = [state] if state in OUTBOX_STATES else UNSENT
    qs = services.outbox_for(request.user).filter(state__in=states)
    if channel in EXTERNAL_CHANNELS:
        qs = qs.filter(channel=channel)
    qs = (qs.select_related("recipient", "endpoint", "unit", "merged_into")
          .prefetch_related(Prefetch("attempt_rows", queryset=Attempt.objects.order_by("started_at", "id")))
          .order_by("-created_at", "-id"))
    page = Paginator(qs, OUTBOX_PAGE).get_page(request.GET.get("page"))
    return render(request, "notify/outbox.html", {
        "page": page, "state": state, "channel": channel,
        "states": [(s.value, s.label) for s in OUTBOX_STATES],
        "channels": [(c.value, c.label) for c in Channel if c in EXTERNAL_CHANNELS],
        "is_admin": services.may_configure(request.user),
    })


@login_required
@require_POST
def retry(request, pk):
    m = get_object_or_404(services.outbox_for(request.user), pk=pk)
    if not (services.may_configure(request.user) or services.may_see_outbox(request.user)):
        raise Http404("页面不存在")
    try:
        services.retry(m, by=request.user)
    except ValueError as e:
        flash.error(request, str(e))
    else:
        flash.success(request, f"已重新排队：{m.subject}")
    return redirect("notify:outbox")


# --- channels (system administrator) ----------------------------------------------------------

def _require_admin(user):
    if not services.may_configure(user):
        raise Http404("页面不存在")


@login_required
def endpoints(request):
    _require_admin(request.user)
    rows = Endpoint.objects.select_related("unit").order_by("kind", "name")
    return render(request, "notify/endpoints.html", {"rows": rows})


def _apply(form, error):
    for key, msgs in (error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]):
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


@login_required
def endpoint_new(request):
    _require_admin(request.user)
    if request.method == "POST":
        form = forms.EndpointForm(request.POST)
        if form.is_valid():
            try:
                ep = services.create_endpoint(request.user, **form.values())
            except ValidationError as e:
                _apply(form, e)
            else:
                flash.success(request, f"已添加：{ep}")
                return redirect("notify:endpoint", ep.pk)
    else:
        kind = request.GET.get("kind", "wecom")
        initial = {"kind": kind, "is_active": True, **services.endpoint_defaults(kind)}
        form = forms.EndpointForm(initial=initial)
    return render(request, "notify/endpoint_form.html", {"form": form, "endpoint": None})


@login_required
def endpoint_detail(request, pk):
    _require_admin(request.user)
    ep = get_object_or_404(Endpoint.objects.select_related("unit"), pk=pk)
    form = forms.EndpointForm(initial=forms.EndpointForm.initial_of(ep))
    test_form = forms.TestForm()
    attempt = None
    if request.method == "POST":
        if request.POST.get("action") == "test":
            test_form = forms.TestForm(request.POST)
            if test_form.is_valid():
                try:
                    attempt = services.send_test(ep, request.user, **test_form.cleaned_data)
                except ValidationError as e:
                    _apply(test_form, e)
        else:
            form = forms.EndpointForm(request.POST)
            if form.is_valid():
                try:
                    ep = services.update_endpoint(ep, request.user, **form.values())
                except ValidationError as e:
                    _apply(form, e)
                else:
                    flash.success(request, "已保存")
                    return redirect("notify:endpoint", ep.pk)
    recent = ep.attempts.select_related("message").order_by("-started_at", "-id")[:20]
    ctx = {"form": form, "endpoint": ep, "test_form": test_form, "attempt": attempt, "recent": recent}
    if request.htmx and attempt is not None:
        return render(request, "notify/_test_answer.html", ctx)
    return render(request, "notify/endpoint_form.html", ctx)


# --- preferences (everyone) --------------------------------------------------------------------

@login_required
def preferences(request):
    pref = services.preference_for(request.user)
    if request.method == "POST":
        form = forms.PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.set_preferences(request.user, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as e:
                _apply(form, e if isinstance(e, ValidationError) else ValidationError(str(e)))
            else:
                flash.success(request, "消息偏好已保存")
                return redirect("notify:preferences")
    else:
        form = forms.PreferenceForm(initial={f: getattr(pref, f) for f in services.PREFERENCE_FIELDS})
    person = getattr(request.user, "person", None)
    return render(request, "notify/preferences.html", {
        "form": form, "mobile": getattr(person, "mobile", ""), "email": request.user.email,
        "failures": services.failures_for(request.user).filter(sender=request.user).order_by("-created_at")[:10],
    })
