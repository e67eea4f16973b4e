"""Pages of 问责 and the integrity review: suggestions with their facts,
statements and decisions (ACC-1, ACC-2, ACC-4), the ladder and the rules,
交办单 (ACC-5), reverse traces (ACC-3) and the signals (AUD-3). Thin: reads
from duban.accountability.queries (404 when not visible), writes through
duban.accountability.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.forms import Choices, run_service
from duban.org.models import Role
from duban.org.visibility import get_visible_or_404
from duban.security.permissions import require_role
from duban.timelimits.periods import day_end

from . import documents, forms, queries, services
from .models import Signal, SignalState, SuggestionState

OFFICE = (Role.SUPERVISOR, Role.LEADER)


def _tabs(current, user):
    tabs = [("suggestions", "问责建议", "accountability:suggestions"), ("rules", "措施与规则", "accountability:rules"),
            ("sheets", "交办单", "accountability:sheets")]
    if services.covers_any(user):
        tabs += [("traces", "倒查", "accountability:traces"), ("signals", "疑点核查", "accountability:signals")]
    return [{"url": reverse(name), "label": label, "current": key == current} for key, label, name in tabs]


# --- suggestions ----------------------------------------------------------------------------------

@login_required
def suggestions(request):
    if request.method == "POST":
        if not services.is_office(request.user):
            raise Http404("页面不存在")
        made = services.evaluate()
        messages.success(request, f"已按规则检查，新提出问责建议 {len(made)} 件" if made else "已按规则检查，没有新的问责建议")
        return redirect("accountability:suggestions")
    state = request.GET.get("state", "")
    page = queries.suggestion_page(request.user, state=state, page=request.GET.get("page") or 1)
    return render(request, "accountability/suggestions.html", {
        "tabs": _tabs("suggestions", request.user), "page": page, "rows": page.object_list, "state": state,
        "states": SuggestionState.choices, "office": services.is_office(request.user)})


def _suggestion_context(request, pk, bound=None):
    s = queries.suggestion_detail(request.user, pk)
    d = queries.decision_of(s)
    user, now = request.user, timezone.now()
    bound = bound or {}
    panel = {}
    if s.state == SuggestionState.PENDING and services.speaks_for(user, s.unit):
        panel["state"] = bound.get("state") or forms.StatementForm(auto_id="id_state_%s")
    if s.state == SuggestionState.PENDING and services.covers(user, s.unit):
        panel["decide"] = bound.get("decide") or forms.DecisionForm(auto_id="id_decide_%s",
                                                                    initial={"outcome": "adopted"})
    if d is not None and d.reply_clock_id and d.replied_at is None and services.speaks_for(user, s.unit):
        panel["reply"] = bound.get("reply") or forms.ReplyForm(auto_id="id_reply_%s")
    return {"s": s, "d": d, "now": now, "panel": panel, "tabs": _tabs("suggestions", user),
            "statement_open": now < s.statement_until,
            "reply_light": queries.clock_light(d.reply_clock if d else None, now)}


@login_required
@require_GET
def suggestion(request, pk):
    return render(request, "accountability/suggestion.html", _suggestion_context(request, pk))


@login_required
@require_POST
def suggestion_act(request, pk, action):
    s = queries.suggestion_detail(request.user, pk)  # 404 when not visible
    user = request.user
    if action == "state":
        form = forms.StatementForm(request.POST, request.FILES, auto_id="id_state_%s")
        call = lambda d: services.state_side(s, user, text=d["text"], files=d["files"])  # noqa: E731
        done = "已提交陈述申辩"
    elif action == "decide":
        form = forms.DecisionForm(request.POST, auto_id="id_decide_%s")
        call = lambda d: services.decide(s, user, outcome=d["outcome"], reasons=d["reasons"],  # noqa: E731
                                         measure=d["measure"] or None, grounds=form.grounds())
        done = "已作出决定"
    elif action == "reply":
        d = queries.decision_of(s)
        if d is None:
            raise Http404("页面不存在")
        form = forms.ReplyForm(request.POST, auto_id="id_reply_%s")
        call = lambda data: services.reply(d, user, text=data["text"])  # noqa: E731
        done = "已提交答复"
    else:
        raise Http404("页面不存在")
    status = run_service(form, call)
    if status is None:
        messages.success(request, done)
        return redirect(s.get_absolute_url())
    return render(request, "accountability/suggestion.html", _suggestion_context(request, pk, {action: form}),
                  status=status)


@login_required
@require_GET
def rules(request):
    return render(request, "accountability/rules.html", {
        "tabs": _tabs("rules", request.user), "ladder": queries.ladder(), "rules": queries.rules()})


# --- 交办单 ------------------------------------------------------------------------------------------

@login_required
def sheets(request):
    office = services.is_office(request.user)
    form, status = None, 200
    if office:
        choices = Choices()
        if request.method == "POST":
            form = forms.SheetForm(request.POST, choices=choices)
            holder = {}

            def call(d):
                holder["sheet"] = services.issue_sheet(
                    request.user, unit=d["unit"], title=d["title"], problems=d["problems"],
                    requirements=d["requirements"], due_at=day_end(d["due_date"]) if d["due_date"] else None)

            status = run_service(form, call, aliases={"due_at": "due_date"})
            if status is None:
                messages.success(request, f"已下发交办单 {holder['sheet'].number}")
                return redirect(holder["sheet"].get_absolute_url())
        else:
            form = forms.SheetForm(choices=choices)
    elif request.method == "POST":
        raise Http404("页面不存在")
    state = request.GET.get("state", "")
    page = queries.sheet_page(request.user, state=state, page=request.GET.get("page") or 1)
    return render(request, "accountability/sheets.html", {
        "tabs": _tabs("sheets", request.user), "page": page, "rows": page.object_list, "form": form,
        "now": timezone.now(), "state": state}, status=status)


def _sheet_context(request, pk, bound=None):
    sheet = queries.sheet_detail(request.user, pk)
    bound = bound or {}
    panel = {}
    if sheet.state == "open" and services.speaks_for(request.user, sheet.unit):
        panel["reply"] = bound.get("reply") or forms.SheetReplyForm(auto_id="id_reply_%s")
    if sheet.state == "replied" and services.is_office(request.user) and services.covers(request.user, sheet.unit):
        panel["close"] = bound.get("close") or forms.SheetCloseForm(auto_id="id_close_%s")
    return {"sheet": sheet, "panel": panel, "tabs": _tabs("sheets", request.user),
            "light": queries.clock_light(sheet.clock), "now": timezone.now()}


@login_required
@require_GET
def sheet(request, pk):
    return render(request, "accountability/sheet.html", _sheet_context(request, pk))


@login_required
@require_POST
def sheet_act(request, pk, action):
    sh = queries.sheet_detail(request.user, pk)
    if action == "reply":
        form = forms.SheetReplyForm(request.POST, request.FILES, auto_id="id_reply_%s")
        call = lambda d: services.reply_sheet(sh, request.user, text=d["text"], files=d["files"])  # noqa: E731
    elif action == "close":
        form = forms.SheetCloseForm(request.POST, auto_id="id_close_%s")
        call = lambda d: services.close_sheet(sh, request.user, accept=d["accept"] == "1",  # noqa: E731
                                              note=d["note"])
    else:
        raise Http404("页面不存在")
    status = run_service(form, call)
    if status is None:
        messages.success(request, "已提交")
        return redirect(sh.get_absolute_url())
    return render(request, "accountability/sheet.html", _sheet_context(request, pk, {action: form}), status=status)


@login_required
@require_GET
def sheet_docx(request, pk):
    return documents.sheet_response(queries.sheet_detail(request.user, pk))


# --- 倒查 -----------------------------------------------------------------------------------------

@require_role(*OFFICE)
def traces(request):
    if request.method == "POST":
        holder = {}
        form = forms.Form(request.POST)
        status = run_service(form, lambda d: holder.update(t=services.make_trace(
            request.user, source=request.POST.get("source", ""), key=request.POST.get("key", ""))))
        if status is None:
            messages.success(request, "已完成倒查")
            return redirect(holder["t"].get_absolute_url())
        for e in form.non_field_errors():
            messages.error(request, e)
        return redirect("accountability:traces")
    now = timezone.now()
    failed, units = queries.failures(request.user, now)
    page = queries.trace_page(request.user, request.GET.get("page") or 1)
    return render(request, "accountability/traces.html", {
        "tabs": _tabs("traces", request.user), "failed": failed[:100], "units": units, "page": page,
        "rows": page.object_list, "office": services.is_office(request.user)})


@require_role(*OFFICE)
@require_GET
def trace(request, pk):
    t = queries.trace_detail(request.user, pk)
    return render(request, "accountability/trace.html", {"t": t, "tabs": _tabs("traces", request.user)})


@require_role(*OFFICE)
@require_GET
def trace_docx(request, pk):
    return documents.trace_response(queries.trace_detail(request.user, pk))


# --- 疑点 -----------------------------------------------------------------------------------------

@require_role(*OFFICE)
def signals(request):
    if request.method == "POST":
        if not services.is_office(request.user):
            raise Http404("页面不存在")
        found, new = services.scan(request.user)
        messages.success(request, f"检测完成：发现疑点 {found} 条，其中新增 {new} 条")
        return redirect("accountability:signals")
    kind = request.GET.get("kind", "")
    state = request.GET.get("state") or SignalState.OPEN
    page = queries.signal_page(request.user, kind=kind, state=state, page=request.GET.get("page") or 1)
    return render(request, "accountability/signals.html", {
        "tabs": _tabs("signals", request.user), "page": page, "rows": page.object_list, "kind": kind,
        "state": state, "counts": queries.signal_counts(request.user, state), "states": SignalState.choices,
        "office": services.is_office(request.user), "form": forms.DismissForm(auto_id=False)})


@require_role(*OFFICE)
@require_POST
def dismiss(request, pk):
    s = get_visible_or_404(Signal, request.user, pk=pk)
    form = forms.DismissForm(request.POST, auto_id=False)
    status = run_service(form, lambda d: services.dismiss(s, request.user, reason=d["reason"]))
    if status is None:
        messages.success(request, "已排除该疑点，理由已记录")
    else:
        for e in form.non_field_errors():
            messages.error(request, e)
        for e in form.errors.get("reason", []):
            messages.error(request, e)
    return redirect(reverse("accountability:signals") + (f"?kind={s.kind}" if s.kind else ""))
