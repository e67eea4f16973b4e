"""Pages of 督查督办 (SUP-4, OUT-2): the worklists, the matter page with its
action panel (htmx), creating matters, a meeting's decisions, documents,
ledgers and the batch import.

Thin by design: lists and the matter come from duban.supervision.queries
(through the visibility module: what a user may not see answers 404), every
change is a call of duban.supervision.services. A refusal of the services
is shown next to the form (ValidationError) or answered 404
(PermissionDenied: the page does not leak what the user may not do)."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from duban.core import imports
from duban.core.choices import unit_choices
from duban.core.forms import Choices
from duban.core.officialdoc import docx_response
from duban.core.services import fmt_moment
from duban.journal import evidence
from duban.org.visibility import get_visible_or_404, scope_for, visible
from duban.savedviews import services as saved

from . import documents, forms, ledger, pages, queries, services
from .models import Matter, Report, ReportKind, ReviewState, Urge
from .transitions import Action

# --- lists ---------------------------------------------------------------------------------


def _list(request, kind):
    spec = pages.LISTS[kind]
    user = request.user
    error = None
    try:
        wl = pages.worklist_for(kind, user, request.GET)
        counts = pages.light_counts(wl)
        page = pages.CountedPaginator(wl.rows.for_page(), pages.PAGE_SIZE, wl.rows_count).get_page(
            request.GET.get("page"))
        rows = pages.decorate(list(page.object_list))
    except PermissionDenied:
        raise Http404("页面不存在") from None
    except ValidationError as e:
        error = "；".join(m for msgs in e.message_dict.values() for m in msgs) if hasattr(e, "error_dict") \
            else "；".join(e.messages)
        counts, rows = pages.light_counts_empty(), []
        page = Paginator([], pages.PAGE_SIZE).get_page(1)
    my_unit = getattr(getattr(user, "person", None), "unit_id", None)
    query = pages.query_without_page(request.GET)
    choices = Choices()
    ctx = {
        "spec": spec, "tabs": pages.tabs_for(user), "page": page, "rows": rows, "counts": counts,
        "filters": pages.filter_values(request.GET), "query": query, "error": error, "my_unit": my_unit,
        "choices": pages.filter_choices(), "saved_views": saved.views_for(user, spec.page_key),
        "is_supervisor": services.is_supervisor(user),
        "export_url": reverse(spec.export_url_name) + (f"?{query}" if query else ""),
        "light_query": pages.query_without(request.GET, "light"),
        "total": sum(n for _, _, n in counts),
        "counted_at": wl.counted_at if error is None else None,
        "acting_for": pages.principal_for(user, request.GET) if kind == "unit" else None,
    }
    if kind != "unit":
        # The units of the user's jurisdiction (a province office's list
        # does not offer every unit of the country's other provinces).
        roots = scope_for(user).jurisdictions
        ctx["unit_choices"] = unit_choices(roots) if roots else choices.units
        ctx["leader_choices"] = choices.leaders
    return render(request, "supervision/list.html", ctx)


@login_required
@require_GET
def worklist(request):
    """我的待办: the open matters and sub-tasks of the user's unit."""
    return _list(request, "unit")


@login_required
@require_GET
def office_list(request):
    """督办总表: every matter in the user's jurisdiction (督查室, 领导)."""
    return _list(request, "office")


@login_required
@require_GET
def leader_list(request):
    """What a leader instructed or is responsible for."""
    return _list(request, "leader")


def _export(request, kind):
    spec = pages.LISTS[kind]
    try:
        # The filters are checked here (a ValidationError names the bad one).
        rows = pages.worklist_for(kind, request.user, request.GET).rows
    except PermissionDenied:
        raise Http404("页面不存在") from None
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(reverse(spec.url_name) + "?" + pages.query_without_page(request.GET))
    return ledger.export_response(request, rows, spec.sheet, filters=pages.filter_values(request.GET))


@login_required
@require_GET
def export_unit(request):
    return _export(request, "unit")


@login_required
@require_GET
def export_office(request):
    return _export(request, "office")


@login_required
@require_GET
def export_leader(request):
    return _export(request, "leader")


# --- saved views ------------------------------------------------------------------------------

def _list_kind_of(page_key):
    for kind, spec in pages.LISTS.items():
        if spec.page_key == page_key:
            return kind
    raise Http404("页面不存在")


@login_required
@require_POST
def save_view(request):
    kind = _list_kind_of(request.POST.get("page", ""))
    spec = pages.LISTS[kind]
    query = request.POST.get("query", "")
    try:
        view = saved.save_view(request.user, spec.page_key, request.POST.get("name", ""), query)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(reverse(spec.url_name) + (f"?{query}" if query else ""))
    messages.success(request, f"已保存常用筛选“{view.name}”")
    return redirect(reverse(spec.url_name) + (f"?{view.query}" if view.query else ""))


@login_required
@require_POST
def delete_view(request, pk):
    kind = _list_kind_of(request.POST.get("page", ""))
    if not saved.delete_view(request.user, pk):
        raise Http404("未找到该常用筛选")
    messages.success(request, "已删除常用筛选")
    return redirect(pages.LISTS[kind].url_name)


# --- the matter page --------------------------------------------------------------------------

# action: (form class, handler, whether it is offered in the panel)
def _assign(request, m, form):
    m = services.assign_matter(m, request.user)
    return f"已交办，编号 {m.number}，可下载督办通知单"


def _acknowledge(request, m, form):
    services.acknowledge(m, request.user)
    return "已签收"


def _start(request, m, form):
    services.start_work(m, request.user)
    return "已开始办理"


def _report(request, m, form):
    d = form.cleaned_data
    services.submit_report(m, request.user, text=d.get("text", ""), files=d.get("files") or [],
                           kind=d.get("kind") or ReportKind.PROGRESS, progress=d.get("progress"))
    return "已报送进展反馈"


def _request_completion(request, m, form):
    d = form.cleaned_data
    services.request_completion(m, request.user, text=d.get("text", ""), files=d.get("files") or [])
    return "已提交办结申请，等待审核"


def _complete(request, m, form):
    services.complete_matter(m, request.user, comment=form.cleaned_data.get("comment", ""))
    return "已审核办结"


def _return(request, m, form):
    services.return_matter(m, request.user, reason=form.cleaned_data.get("reason", ""))
    return "已退回重办"


def _archive(request, m, form):
    services.archive_matter(m, request.user)
    return "已归档"


def _suspend(request, m, form):
    services.suspend_matter(m, request.user, reason=form.cleaned_data.get("reason", ""))
    return "已暂停，计时随之暂停"


def _resume(request, m, form):
    services.resume_matter(m, request.user, reason=form.cleaned_data.get("reason", ""))
    return "已恢复办理"


def _cancel(request, m, form):
    services.cancel_matter(m, request.user, reason=form.cleaned_data.get("reason", ""))
    return "已撤销"


def _split(request, m, form):
    child = services.split_matter(m, request.user, **form.service_data())
    return f"已分解子任务 {child.number}，已通知承办单位"


def _request_extension(request, m, form):
    d = form.cleaned_data
    services.request_extension(m, request.user, reason=d.get("reason", ""), proposed_due=d.get("proposed_due"))
    return "已提交延期申请，等待督查室审批"


def _decide_extension(request, m, form):
    d = form.cleaned_data
    ext = m.extensions.filter(pk=d["extension"]).first()
    if ext is None:
        raise Http404("未找到该延期申请")
    approve = d.get("decision") == "approve"
    services.decide_extension(ext, request.user, approve=approve, reason=d.get("reason", ""),
                              new_due=d.get("new_due"))
    return "已批准延期" if approve else "已驳回延期申请"


def _adjust_deadline(request, m, form):
    d = form.cleaned_data
    services.adjust_deadline(m, request.user, due_at=d.get("due_at"), reason=d.get("reason", ""))
    m.refresh_from_db()
    return f"已调整办结期限为 {fmt_moment(m.deadline)}，并通知有关单位"


def _urge(request, m, form):
    d = form.cleaned_data
    u = services.urge_matter(m, request.user, channel=d["channel"], note=d.get("note", ""),
                             urged_unit=d.get("urged_unit") or None)
    return f"已催办（{u.get_channel_display()}），可下载催办单"


def _review_report(request, m, form):
    d = form.cleaned_data
    r = m.reports.filter(pk=d["report"]).first()
    if r is None:
        raise Http404("未找到该反馈")
    accept = d.get("decision") == "accept"
    services.review_report(r, request.user, accept=accept, comment=d.get("comment", ""))
    return "已认可该反馈" if accept else "已退回该反馈"


ACTIONS = {
    Action.ASSIGN: (forms.EmptyForm, _assign),
    Action.ACKNOWLEDGE: (forms.EmptyForm, _acknowledge),
    Action.START: (forms.EmptyForm, _start),
    Action.REPORT: (forms.ReportForm, _report),
    Action.REQUEST_COMPLETION: (forms.CompletionForm, _request_completion),
    Action.COMPLETE: (forms.CommentForm, _complete),
    Action.RETURN: (forms.ReasonForm, _return),
    Action.ARCHIVE: (forms.EmptyForm, _archive),
    Action.SUSPEND: (forms.ReasonForm, _suspend),
    Action.RESUME: (forms.ReasonForm, _resume),
    Action.CANCEL: (forms.ReasonForm, _cancel),
    Action.SPLIT: (forms.SplitForm, _split),
    Action.REQUEST_EXTENSION: (forms.ExtensionForm, _request_extension),
    Action.DECIDE_EXTENSION: (forms.DecideExtensionForm, _decide_extension),
    Action.URGE: (forms.UrgeForm, _urge),
    Action.REVIEW_REPORT: (forms.ReviewReportForm, _review_report),
    Action.ADJUST_DEADLINE: (forms.AdjustDeadlineForm, _adjust_deadline),
}

# What the panel says about each action.
HINTS = {
    Action.ASSIGN: "交办后生成编号和督办通知单，开始签收和办结计时，并通知责任人。",
    Action.ACKNOWLEDGE: "签收后开始办理；签收时限默认为1个工作日。",
    Action.REPORT: "报送办理进展，可附佐证材料；首次反馈即进入办理中。",
    Action.REQUEST_COMPLETION: "办结申请须写明办理情况并附至少一份佐证材料；审核期间暂停计时。",
    Action.COMPLETE: "确认办结：按申请办结的时间判定是否按期。",
    Action.RETURN: "退回重办须写明理由；仍按原期限考核。",
    Action.SUSPEND: "暂停须写明理由，计时随之暂停。",
    Action.CANCEL: "撤销须写明理由，未办结的子任务一并撤销。",
    Action.SPLIT: "把本单位承担的任务分解给科室、乡镇或其他单位，期限不得晚于本事项期限。",
    Action.REQUEST_EXTENSION: "须在期限届满前申请；审批期间暂停计时。",
    Action.URGE: "记录催办人、被催办单位和渠道，并向被催办人发送消息。",
    Action.ADJUST_DEADLINE: "督查室核定办结期限（如值班室夜间按默认规则传达的批示事项），须写明理由；调整后不再随规则或日历变化，并通知责任单位。",
}

# The actions that stop or undo work: shown last, in grey.
DANGER = {Action.CANCEL, Action.SUSPEND, Action.RETURN}


def _panel(request, m, actions, choices, bound=None):
    """The action panel: one small form per action the user may take now.
    `bound`: (form_id, form) of a form that failed, shown with its errors."""
    items = []
    for action in actions:
        if action == Action.UPDATE:
            items.append({"action": action, "link": reverse("supervision:edit", args=[m.pk]),
                          "label": Action(action).label})
            continue
        if action not in ACTIONS:
            continue
        form_class, _ = ACTIONS[action]
        targets = [None]
        if action == Action.DECIDE_EXTENSION:
            targets = [e for e in m.extensions.all() if e.state == "pending"]
        elif action == Action.REVIEW_REPORT:
            targets = [r for r in m.reports.all()
                       if r.review_state == ReviewState.PENDING and r.kind != ReportKind.COMPLETION]
        for target in targets:
            form_id = action.value if target is None else f"{action.value}-{target.pk}"
            if bound is not None and bound[0] == form_id:
                form = bound[1]
            else:
                initial = {}
                if action == Action.DECIDE_EXTENSION:
                    initial = {"extension": target.pk}
                elif action == Action.REVIEW_REPORT:
                    initial = {"report": target.pk}
                form = form_class(initial=initial, matter=m, user=request.user, choices=choices,
                                  auto_id=f"id_{form_id}_%s")
                if action == Action.REPORT and not m.is_long_term:
                    form.fields.pop("kind")
            items.append({
                "action": action, "label": Action(action).label, "form": form, "form_id": form_id,
                "target": target, "hint": HINTS.get(action, ""), "danger": action in DANGER,
                "url": reverse("supervision:act", args=[m.pk, action.value]),
                "multipart": form_class.multipart,
                "open": bound is not None and bound[0] == form_id,
            })
    items.sort(key=lambda i: i.get("danger", False))
    return items


def _matter_context(request, m, bound=None):
    user = request.user
    choices = Choices()
    actions = services.available_actions(user, m)
    tree = queries.subtree(m, user)
    return {
        "m": m,
        "light": pages.matter_light(m),
        "particulars": pages.particulars(m),
        "pclass": pages.progress_class(m.progress),
        "clocks": pages.clock_rows(m),
        "reports": list(m.reports.all()),
        "extensions": list(m.extensions.all()),
        "urges": list(m.urges.all()),
        "tree": pages.flatten_tree(tree),
        "timeline": pages.timeline_rows(m),
        "panel": _panel(request, m, actions, choices, bound),
        "can_notice": documents.has_notice(m),
        "may_urge": pages.may_urge(user, m),
        "ancestors": _ancestors(user, m),
        "now": timezone.now(),
    }


def _ancestors(user, m):
    """The chain of parents the user may see, top first, for the breadcrumb."""
    if not m.parent_id:
        return []
    ids = [int(x) for x in m.tree_path.strip(".").split(".")[:-1] if x]
    found = {x.pk: x for x in visible(Matter.objects.filter(pk__in=ids), user).only("pk", "number",
                                                                                             "title")}
    return [found[i] for i in ids if i in found]


@login_required
@require_GET
def matter_detail(request, pk):
    m = queries.get_matter(request.user, pk)
    return render(request, "supervision/matter.html", _matter_context(request, m))


def _int_or_blank(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return ""


@login_required
@require_POST
def matter_action(request, pk, action):
    """One action of the panel. htmx: the refreshed page body (success) or the
    form with its errors; without htmx: a redirect or the whole page."""
    m = queries.get_matter(request.user, pk)
    try:
        action = Action(action)
        form_class, handler = ACTIONS[action]
    except (ValueError, KeyError):
        raise Http404("页面不存在") from None
    form_id = action.value
    if action == Action.DECIDE_EXTENSION:
        form_id = f"{action.value}-{_int_or_blank(request.POST.get('extension'))}"
    elif action == Action.REVIEW_REPORT:
        form_id = f"{action.value}-{_int_or_blank(request.POST.get('report'))}"
    form = form_class(request.POST, request.FILES, matter=m, user=request.user, auto_id=f"id_{form_id}_%s")
    if action == Action.REPORT and not m.is_long_term:
        form.fields.pop("kind")
    if form.is_valid():
        try:
            with transaction.atomic():
                message = handler(request, m, form)
        except PermissionDenied:
            raise Http404("页面不存在") from None
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            messages.success(request, message)
            if request.htmx:
                m = queries.get_matter(request.user, pk)
                return render(request, "supervision/_matter_body.html",
                              {**_matter_context(request, m), "partial": True})
            return redirect(m.get_absolute_url())
    if request.htmx:
        ctx = _matter_context(request, m, bound=(form_id, form))
        item = next((i for i in ctx["panel"] if i.get("form_id") == form_id), None)
        if item is None:
            # The action is no longer offered (e.g. another user acted first):
            # show the page as it is now, with the reason.
            for error in form.non_field_errors():
                messages.error(request, error)
            return render(request, "supervision/_matter_body.html", {**ctx, "partial": True})
        response = render(request, "supervision/_action.html", {"item": item, "m": m})
        return reswap(retarget(response, f"#act-{form_id}"), "outerHTML")
    ctx = _matter_context(request, m, bound=(form_id, form))
    if not any(i.get("form_id") == form_id for i in ctx["panel"]):
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "supervision/matter.html", ctx, status=422)


# --- documents and evidence ---------------------------------------------------------------------

@login_required
@require_GET
def notice_docx(request, pk):
    """督办通知单 of an assigned matter."""
    m = queries.get_matter(request.user, pk)
    try:
        return docx_response(*documents.notice_file(m))
    except ValidationError as e:
        raise Http404(e.messages[0]) from None


@login_required
@require_GET
def urge_docx(request, pk):
    """催办单 of an urge; the first download gives it its number (by those
    who may urge)."""
    urge = get_visible_or_404(Urge.objects.select_related("matter"), request.user, pk=pk)
    m = queries.get_matter(request.user, urge.matter_id)
    try:
        return docx_response(*documents.urge_file(request.user, urge, m))
    except PermissionDenied:
        raise Http404("催办单尚未生成") from None


@login_required
@require_GET
def evidence_file(request, file_id):
    """An evidence file of a report the user may see, streamed from the store."""
    return evidence.download_response(file_id, visible(Report, request.user).filter(files=file_id))


# --- creating ------------------------------------------------------------------------------------

def _require_supervisor(user):
    if not services.is_supervisor(user):
        raise Http404("页面不存在")


def _matter_form_page(request, m=None):
    choices = Choices()
    if request.method == "POST":
        form = forms.MatterForm(request.POST, choices=choices)
        coops = forms.CoopFormSet(request.POST, prefix="coop", form_kwargs={"choices": choices})
        if form.is_valid() and coops.is_valid():
            data = form.service_data(forms.coop_rows(coops))
            assign = "assign" in request.POST
            try:
                with transaction.atomic():
                    if m is None:
                        m = services.create_matter(request.user, assign=assign, **data)
                    else:
                        m = services.update_draft(m, request.user, **data)
                        if assign:
                            m = services.assign_matter(m, request.user)
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                forms.apply_errors(form, e, extra_fields=("cooperating",))
            else:
                if assign:
                    messages.success(request, f"已创建并交办督办事项 {m.number}")
                else:
                    messages.success(request, "已保存为草稿，核对后可交办")
                return redirect(m.get_absolute_url())
    elif m is not None:
        initial, coop_initial = forms.initial_from_matter(m)
        form = forms.MatterForm(initial=initial, choices=choices)
        coops = forms.CoopFormSet(initial=coop_initial, prefix="coop", form_kwargs={"choices": choices})
    else:
        initial = {"source_kind": request.GET.get("source", "")}
        form = forms.MatterForm(initial=initial, choices=choices)
        coops = forms.CoopFormSet(prefix="coop", form_kwargs={"choices": choices})
    return render(request, "supervision/matter_form.html", {
        "form": form, "coops": coops, "m": m, "tabs": pages.tabs_for(request.user),
    }, status=422 if request.method == "POST" else 200)


@login_required
def create_matter(request):
    _require_supervisor(request.user)
    return _matter_form_page(request)


@login_required
def edit_matter(request, pk):
    m = queries.get_matter(request.user, pk)
    if not services.may(request.user, m, Action.UPDATE) or m.state != "draft":
        raise Http404("页面不存在")
    return _matter_form_page(request, m)


def _row_message(error, rows):
    """A meeting decision's error, naming the row as numbered on the screen."""
    text = error.message % error.params if error.params and "%(" in error.message else error.message
    n = (error.params or {}).get("row")
    if n and 1 <= n <= len(rows):
        prefix = f"第{n}行"
        if text.startswith(prefix):
            text = f"第{rows[n - 1]}行" + text[len(prefix):]
    return text


@login_required
def meeting_decisions(request):
    """议定事项: several decisions of one meeting become matters at once."""
    _require_supervisor(request.user)
    choices = Choices()
    errors = []
    if request.method == "POST":
        form = forms.MeetingForm(request.POST)
        rows = forms.DecisionFormSet(request.POST, prefix="d", form_kwargs={"choices": choices})
        if form.is_valid() and rows.is_valid():
            decisions, numbers = [], []
            for i, f in enumerate(rows.forms, 1):
                if not f.is_blank():
                    decisions.append(f.service_data())
                    numbers.append(i)
            info = {"kind": form.cleaned_data["kind"], "name": form.cleaned_data["name"],
                    "date": form.cleaned_data["date"], "minutes_number": form.cleaned_data["minutes_number"]}
            try:
                matters = services.create_matters_from_meeting(info, decisions, request.user,
                                                               assign=form.cleaned_data["assign"])
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                errors = [_row_message(x, numbers) for x in e.error_list] if not hasattr(e, "error_dict") \
                    else [m for msgs in e.message_dict.values() for m in msgs]
            else:
                numbers = "、".join(m.number for m in matters if m.number)
                messages.success(request, f"已录入 {len(matters)} 项议定事项" + (f"：{numbers}" if numbers else ""))
                return redirect("supervision:office")
    else:
        form = forms.MeetingForm()
        rows = forms.DecisionFormSet(prefix="d", form_kwargs={"choices": choices})
    return render(request, "supervision/meeting.html", {
        "form": form, "rows": rows, "errors": errors, "tabs": pages.tabs_for(request.user),
    }, status=422 if request.method == "POST" else 200)


# --- batch import --------------------------------------------------------------------------------

@login_required
def import_matters(request):
    _require_supervisor(request.user)
    result = None
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            if imports.in_background(data, ledger.SHEET):
                job = imports.submit("supervision.matters", request.user, data=data, filename=upload.name,
                                     title="批量导入督办事项", params={"assign": form.cleaned_data["assign"]})
                return redirect("import_job", job.pk)
            fileobj = io.BytesIO(data)
            fileobj.name = upload.name
            result = ledger.import_matters(request.user, fileobj, assign=form.cleaned_data["assign"])
            if result.ok:
                messages.success(request, f"已导入 {len(result.matters)} 项督办事项")
    else:
        form = forms.ImportForm()
    return render(request, "supervision/import.html", {
        "form": form, "result": result, "tabs": pages.tabs_for(request.user), "columns": ledger.IMPORT_COLUMNS,
    }, status=422 if result is not None and not result.ok else 200)


@login_required
@require_GET
def import_template(request):
    _require_supervisor(request.user)
    return ledger.template_response()
