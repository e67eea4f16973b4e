"""Pages of 公文办理 (DOC-1, DOC-2, TL-3): the lists of received and issued
documents (paginated, their next deadline first, with its light), the two
registration forms, and a document's page with its clocks, arrangements
and the actions the reader may take. Thin: reads from
duban.documents.queries (404 when not visible), writes through
duban.documents.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.choices import Urgency
from duban.core.choices import unit_choices as all_units
from duban.core.forms import Choices, apply_errors, run_service
from duban.org.visibility import visible

from . import forms, queries, services
from .models import Direction, DocState, Document

ACTIONS = {
    # action: (form class, label)
    "approve": (forms.ApproveForm, "批办"),
    "submit": (forms.SubmitForm, "送审"),
    "revise": (forms.RevisionForm, "提出修改意见"),
    "issue": (forms.IssueForm, "登记印发"),
    "flag": (forms.FlagForm, "标记为以文件落实文件"),
    "unflag": (forms.FlagForm, "取消以文件落实文件标记"),
}
DONE = {"approve": "已批办", "submit": "已送审", "revise": "已记录修改意见，修改送审时限开始计时",
        "issue": "已登记印发，计入本单位年度发文计划", "flag": "已标记为以文件落实文件", "unflag": "已取消标记"}


def _tabs(current):
    tabs = [("received", "收文", "documents:received"), ("issued", "发文", "documents:issued"),
            ("new_received", "登记收文", "documents:new_received"), ("new_issued", "登记发文", "documents:new_issued")]
    return [{"url": reverse(name), "label": label, "current": key == current} for key, label, name in tabs]


def _filters(request):
    g = request.GET
    out = {k: (g.get(k) or "").strip() for k in ("q", "state", "unit", "urgency", "light", "flagged")}
    if out["unit"] and not out["unit"].isdigit():
        out["unit"] = ""
    return out


def _list(request, direction):
    filters = _filters(request)
    now = timezone.now()
    page = queries.document_page(request.user, direction, page=request.GET.get("page") or 1, filters=filters,
                                 now=now)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    states = [(s.value, s.label) for s in DocState
              if (s in (DocState.REGISTERED, DocState.APPROVED)) == (direction == Direction.RECEIVED)]
    return render(request, "documents/list.html", {
        "tabs": _tabs(direction), "direction": direction, "page": page, "rows": page.object_list,
        "filters": filters, "query": query, "states": states, "urgencies": Urgency.choices,
        "title": "收文" if direction == Direction.RECEIVED else "发文",
        "units": all_units(), "now": now,
    })


@login_required
@require_GET
def received(request):
    return _list(request, Direction.RECEIVED)


@login_required
@require_GET
def issued(request):
    return _list(request, Direction.ISSUED)


def _register(request, form_class, template, service, current, **form_kw):
    choices = Choices()
    if request.method == "POST":
        form = form_class(request.POST, choices=choices, **form_kw)
        if form.is_valid():
            try:
                doc = service(request.user, **form.service_data())
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                apply_errors(form, e, extra_fields=("tasks",))
            else:
                messages.success(request, f"已登记：{doc.title}")
                return redirect(doc.get_absolute_url())
    else:
        initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
        own = getattr(getattr(request.user, "person", None), "unit_id", None)
        if own:
            initial["unit"] = str(own)
        form = form_class(choices=choices, initial=initial, **form_kw)
    limits = {"general": services.length_limit(False), "special": services.length_limit(True)}
    return render(request, template, {"form": form, "tabs": _tabs(current), "limits": limits},
                  status=422 if request.method == "POST" else 200)


@login_required
def new_received(request):
    return _register(request, forms.ReceivedForm, "documents/received_form.html", services.register_received,
                     "new_received")


@login_required
def new_issued(request):
    received_docs = (visible(Document, request.user).filter(direction=Direction.RECEIVED)
                     .order_by("-registered_at")[:200])
    return _register(request, forms.IssuedForm, "documents/issued_form.html", services.register_issued,
                     "new_issued", received=received_docs)


def _detail_context(request, pk, bound=None):
    detail = queries.document_detail(request.user, pk)
    doc = detail.document
    allowed = services.available_actions(request.user, doc)
    panel = []
    for action, (form_class, label) in ACTIONS.items():
        if action not in allowed:
            continue
        form = (bound or {}).get(action) or form_class(auto_id=f"id_{action}_%s")
        panel.append({"action": action, "label": label, "form": form, "open": action in (bound or {}),
                      "url": reverse("documents:act", args=[doc.pk, action])})
    return {"d": doc, "detail": detail, "panel": panel, "now": timezone.now(),
            "limit": services.length_limit(doc.is_special), "over_length": services.over_length(doc),
            "tabs": _tabs("received" if doc.is_received else "issued")}


@login_required
@require_GET
def document(request, pk):
    return render(request, "documents/document.html", _detail_context(request, pk))


def _call(action, doc, user, data):
    if action == "approve":
        return services.approve(doc, user, note=data.get("note"))
    if action == "submit":
        return services.submit(doc, user, text=data.get("text"), char_count=data.get("char_count"),
                               length_reason=data.get("length_reason") or None)
    if action == "revise":
        return services.request_revision(doc, user, comments=data.get("comments"), major=data.get("major"))
    if action == "issue":
        return services.issue(doc, user, number=data.get("number"))
    if action == "flag":
        return services.flag_forwarding(doc, user, note=data.get("note"))
    return services.unflag_forwarding(doc, user, reason=data.get("note"))


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404("页面不存在")
    doc = queries.document_detail(request.user, pk).document  # 404 when not visible
    form = ACTIONS[action][0](request.POST, auto_id=f"id_{action}_%s")
    status = run_service(form, lambda d: _call(action, doc, request.user, d),
                         aliases={"reason": "note", "comments": "comments"})
    if status is None:
        messages.success(request, DONE[action])
        return redirect(doc.get_absolute_url())
    return render(request, "documents/document.html", _detail_context(request, pk, {action: form}), status=status)

