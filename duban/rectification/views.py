"""Pages of 作风整治 (issue 5): campaigns, the problem ledger with its
import and export, ledger submission, the problem page from discovery to
verified close-out, look-backs, spot checks and repeated problems.

Thin by design, like the supervision pages: reads come from
duban.rectification.queries (through the visibility module: what a user
may not see answers 404), every change is a call of
duban.rectification.services. A ValidationError is shown next to the form;
a PermissionDenied answers 404 (the page does not tell what the user may
not do)."""

import base64
import datetime as dt
import io
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core import imports
from duban.journal import evidence
from duban.org.models import Person, Unit, WorkGroup
from duban.org.visibility import get_visible_or_404, visible, visible_ids

from . import documents, draws, excel, forms, pages, queries, services
from .models import (
    LedgerSubmission,
    LookBack,
    LookBackItem,
    LookBackVerdict,
    Problem,
    ProblemEntry,
    Source,
    SpotCheck,
)

IMPORT_SESSION_KEY = "rectification_import"
IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _messages_of(e: ValidationError) -> list:
    if hasattr(e, "error_dict"):
        return [m for msgs in e.message_dict.values() for m in msgs]
    return list(e.messages)


def _campaign(request, pk):
    return queries.campaign_or_404(request.user, pk=pk)


def _require_manager(user, campaign):
    if not pages.may_manage(user, campaign):
        raise Http404("页面不存在")


# --- campaigns ---------------------------------------------------------------------------------

@login_required
@require_GET
def campaigns(request):
    rows = list(queries.campaigns_for(request.user).prefetch_related("phases"))
    today = timezone.localdate()
    for c in rows:
        c.current_phase = next((p for p in c.phases.all() if p.start_date <= today <= p.end_date), None)
    return render(request, "rectification/campaigns.html", {
        "campaigns": rows, "today": today, "may_create": pages.may_create_campaign(request.user)})


def _campaign_context(request, c, units_form=None):
    user = request.user
    now = timezone.now()
    ledgers = queries.ledger_status(c, user=user, now=now)
    d, whole = pages.dashboard_for(user, c, now)
    today = timezone.localdate()
    phases = list(c.phases.all())
    for p in phases:
        p.current = p.start_date <= today <= p.end_date
        p.ledger_count = sum(1 for s in ledgers if s.phase_id == p.pk)
    lights = {}
    for s in ledgers:
        lights[s.light] = lights.get(s.light, 0) + 1
    manager = pages.may_manage(user, c)
    if manager and units_form is None:
        units_form = forms.AddUnitsForm(units=pages.participant_choices(user, c), auto_id="id_add_%s")
    return {
        "c": c, "phases": phases, "ledgers": ledgers, "d": d, "whole": whole, "now": now,
        "manager": manager, "own_units": pages.own_units(user, c), "tab": "campaign",
        "ledger_lights": lights, "units": [p.unit for p in c.participations.select_related("unit")
                                           .order_by("unit__path")],
        "units_form": units_form if manager else None, "may_register": bool(pages.register_units(user, c)),
    }


@login_required
@require_GET
def campaign(request, pk):
    c = _campaign(request, pk)
    return render(request, "rectification/campaign.html", _campaign_context(request, c))


@login_required
@require_GET
def dashboard_xlsx(request, pk):
    c = _campaign(request, pk)
    if not pages.sees_whole_campaign(request.user, c):
        raise Http404("页面不存在")
    return excel.dashboard_response(c)


@login_required
@require_GET
def report_docx(request, pk):
    c = _campaign(request, pk)
    if not pages.sees_whole_campaign(request.user, c):
        raise Http404("页面不存在")
    return documents.report_response(c)


# --- creating a campaign, adding units --------------------------------------------------------

def _campaign_year(request):
    """The year whose seed-000 phases prefill the form: ?year=, else this
    year until 2月24日, then the next."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year is None or not 2000 <= year <= 2100:
        today = timezone.localdate()
        year = today.year if today < dt.date(today.year, 2, 24) else today.year + 1
    return year


@login_required
def create_campaign(request):
    """督查室: a campaign with its categories, phases (prefilled from the
    seed-000 plan) and participating units."""
    user = request.user
    organizers = pages.organizer_choices(user)
    if not organizers:
        raise Http404("页面不存在")
    kwargs = {"organizers": organizers, "task_forces": pages.task_force_choices(),
              "units": pages.participant_choices(user)}
    year = _campaign_year(request)
    status = 200
    if request.method == "POST":
        form = forms.CampaignForm(request.POST, **kwargs)
        rows = forms.PhaseFormSet(request.POST, prefix="phase")
        if form.is_valid() and rows.is_valid():
            d = form.cleaned_data
            phases = [f.service_data() for f in rows.forms if not f.is_blank()]
            task_force = WorkGroup.objects.filter(pk=d["task_force"]).first() if d.get("task_force") else None
            try:
                c = services.create_campaign(
                    code=d["code"], name=d["name"], basis=d.get("basis", ""), start_date=d["start_date"],
                    end_date=d["end_date"], organizer=Unit.objects.get(pk=d["organizer"]),
                    units=list(Unit.objects.filter(pk__in=d["units"]).order_by("path")), task_force=task_force,
                    category_set=d["category_set"], categories=form.category_list(), phases=phases, by=user)
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                forms.apply_errors(form, e, extra_fields=("phases",))
            else:
                messages.success(request, f"已创建专项行动“{c.name}”（{c.code}），"
                                          f"{c.participations.count()} 个参加单位")
                return redirect(reverse("rectification:campaign", args=[c.pk]))
        status = 422
    else:
        form = forms.CampaignForm(initial={
            "code": f"ZF-{year}", "start_date": dt.date(year, 2, 24), "end_date": dt.date(year, 12, 10),
            "organizer": organizers[0][0]}, **kwargs)
        rows = forms.PhaseFormSet(prefix="phase", initial=[
            {k: p[k] for k in ("kind", "name", "start_date", "end_date", "duty", "requires_ledger")}
            for p in services.seed000_phases(year)])
    return render(request, "rectification/campaign_new.html", {
        "form": form, "rows": rows, "year": year}, status=status)


@login_required
@require_POST
def add_units(request, pk):
    user = request.user
    c = _campaign(request, pk)
    _require_manager(user, c)
    form = forms.AddUnitsForm(request.POST, units=pages.participant_choices(user, c), auto_id="id_add_%s")
    if form.is_valid():
        units = list(Unit.objects.filter(pk__in=form.cleaned_data["units"]).order_by("path"))
        try:
            added = services.add_units(c, units, by=user)
        except PermissionDenied:
            raise Http404("页面不存在") from None
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            messages.success(request, f"已增加参加单位：{'、'.join(u.name for u in added)}" if added
                             else "所选单位已是参加单位")
            return redirect(reverse("rectification:campaign", args=[c.pk]) + "#units")
    return render(request, "rectification/campaign.html", _campaign_context(request, c, units_form=form),
                  status=422)


# --- the ledger --------------------------------------------------------------------------------

@login_required
@require_GET
def problems(request, pk):
    user = request.user
    c = _campaign(request, pk)
    now = timezone.now()
    error = None
    try:
        f = pages.read_filters(c, request.GET)
        page = Paginator(pages.ledger_queryset(user, c, f, now), pages.PAGE_SIZE).get_page(request.GET.get("page"))
        rows = pages.problem_rows(page.object_list, now)
    except ValidationError as e:
        error = "；".join(_messages_of(e))
        f = pages.Filters({k: request.GET.get(k, "") for k in pages.FILTER_KEYS}, {})
        page = Paginator([], pages.PAGE_SIZE).get_page(1)
        rows = []
    export_url = reverse("rectification:export", args=[c.pk]) + (f"?{f.query}" if f.query else "")
    return render(request, "rectification/problems.html", {
        "c": c, "page": page, "rows": rows, "filters": f.values, "query": f.query, "error": error,
        "export_url": export_url, "units": pages.unit_choices(c), "categories": pages.category_choices(c),
        "states": pages.STATE_CHOICES, "sources": Source.choices, "yes_no": pages.YES_NO,
        "may_publish": services.is_supervisor_for(user, c.organizer), "manager": pages.may_manage(user, c),
        "may_register": bool(pages.register_units(user, c)), "tab": "problems",
    })


@login_required
@require_GET
def export(request, pk):
    c = _campaign(request, pk)
    try:
        f = pages.read_filters(c, request.GET)
    except ValidationError as e:
        messages.error(request, "；".join(_messages_of(e)))
        return redirect(reverse("rectification:problems", args=[c.pk]))
    qs = queries.problems_for(request.user, c, **f.kwargs)
    return excel.export_response(qs, by=request.user, campaign=c, filters=f.values)


@login_required
@require_POST
def publish(request, pk):
    """The supervision office publishes (or withdraws) the ticked problems."""
    c = _campaign(request, pk)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    chosen = list(queries.problems_for(request.user, c).filter(pk__in=ids))
    public = request.POST.get("public", "1") == "1"
    back = reverse("rectification:problems", args=[c.pk]) + (
        f"?{request.POST['query']}" if request.POST.get("query") else "")
    if not chosen:
        messages.error(request, "请先勾选要公开的问题")
        return redirect(back)
    try:
        n = services.publish(chosen, request.user, public=public)
    except PermissionDenied as e:
        messages.error(request, str(e) or "只有督查室可以公开问题")
        return redirect(back)
    messages.success(request, f"已{'公开' if public else '取消公开'} {n} 个问题")
    return redirect(back)


# --- import ------------------------------------------------------------------------------------

@login_required
def import_ledger(request, pk):
    """Upload → the Chinese error report, or the preview (dry run) with a
    button that imports the same file; or import at once. All or nothing."""
    user = request.user
    c = _campaign(request, pk)
    units = pages.import_units(user, c)
    if not units:
        raise Http404("页面不存在")
    report, preview_token, status = None, None, 200
    form = forms.ImportForm(units=units, initial={"unit": units[0][0] if len(units) == 1 else ""})
    if request.method == "POST":
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        if request.POST.get("token"):
            # The confirmation of a preview: the file kept in the session.
            if stored.get("token") != request.POST["token"] or stored.get("campaign") != c.pk:
                messages.error(request, "预览已失效，请重新上传文件")
                return redirect(reverse("rectification:import", args=[c.pk]))
            data = base64.b64decode(stored["data"])
            unit_pk = stored.get("unit")
            name = stored.get("name", "")
            dry_run = False
            form = forms.ImportForm(units=units, initial={"unit": unit_pk or ""})
        else:
            form = forms.ImportForm(request.POST, request.FILES, units=units)
            if not form.is_valid():
                return render(request, "rectification/import.html", {"c": c, "form": form, "tab": "import"},
                              status=422)
            upload = form.cleaned_data["file"]
            if upload.size > IMPORT_MAX_BYTES:
                form.add_error("file", "文件超过20MB，请拆分后导入")
                return render(request, "rectification/import.html", {"c": c, "form": form, "tab": "import"},
                              status=422)
            data, name = upload.read(), upload.name
            unit_pk = form.cleaned_data.get("unit") or None
            dry_run = "preview" in request.POST
            if imports.in_background(data, excel.SHEET):
                # A large ledger: checked and imported by the background
                # worker, its progress and result on the job's page (no
                # preview of thousands of rows).
                if unit_pk is not None and unit_pk not in dict(units):
                    raise Http404("页面不存在")
                if unit_pk is None and not pages.may_manage(user, c) and len(units) == 1:
                    unit_pk = units[0][0]
                job = imports.submit("rectification.ledger", user, data=data, filename=name,
                                     title=f"导入{c.name}问题清单台账", params={"campaign": c.pk, "unit": unit_pk})
                return redirect("import_job", job.pk)
        if unit_pk is not None and unit_pk not in dict(units):
            raise Http404("页面不存在")
        if unit_pk is None and not pages.may_manage(user, c) and len(units) == 1:
            unit_pk = units[0][0]
        unit = next((p.unit for p in c.participations.select_related("unit") if p.unit_id == unit_pk), None)
        fileobj = io.BytesIO(data)
        fileobj.name = name
        report = excel.import_ledger(c, fileobj, by=user, unit=unit, dry_run=dry_run)
        request.session.pop(IMPORT_SESSION_KEY, None)
        if report.errors:
            status = 422
        elif dry_run:
            preview_token = secrets.token_urlsafe(16)
            request.session[IMPORT_SESSION_KEY] = {
                "token": preview_token, "campaign": c.pk, "unit": unit_pk, "name": name,
                "data": base64.b64encode(data).decode()}
        else:
            messages.success(request, f"已导入 {len(report.created)} 个问题" +
                             (f"，{len(report.unchanged)} 行与已有问题相同、已跳过" if report.unchanged else ""))
    return render(request, "rectification/import.html", {
        "c": c, "form": form, "report": report, "token": preview_token, "tab": "import",
        "columns": excel.COLUMNS, "required": set(excel.REQUIRED),
    }, status=status)


@login_required
@require_GET
def import_template(request, pk):
    c = _campaign(request, pk)
    return excel.template_response(c)


# --- registering a problem by hand ------------------------------------------------------------

def _person_in(user_pk, unit, *, leader=False):
    """The account `user_pk` when it is a person of `unit` (or below it; a
    leader may also be a 领导 elsewhere), else None."""
    person = Person.objects.filter(user_id=user_pk, user__is_active=True).select_related("user", "unit").first()
    if person is None:
        return None
    if person.unit.path.startswith(unit.path) or (leader and person.is_leader):
        return person.user
    return None


@login_required
def new_problem(request, pk):
    """A unit's people register a problem of their unit; the task force and
    the supervision office, of any participating unit."""
    user = request.user
    c = _campaign(request, pk)
    units = pages.register_units(user, c)
    if not units:
        raise Http404("页面不存在")
    kwargs = {"units": units, "categories": pages.category_choices(c),
              "people": pages.people_choices([u for u, _ in units])}
    status = 200
    if request.method == "POST":
        raw = (request.POST.get("unit") or "").strip()
        if raw.isdigit() and int(raw) not in dict(units):
            raise Http404("页面不存在")
        form = forms.ProblemForm(request.POST, **kwargs)
        if form.is_valid():
            d = form.cleaned_data
            unit = Unit.objects.get(pk=d["unit"])
            data = {k: d.get(k) for k in ("source", "subject", "subject_name", "description", "cause", "measures",
                                          "deadline", "long_term", "report_cycle")}
            data["category"] = c.categories.filter(pk=d["category"]).first() if d.get("category") else None
            for f, leader in (("responsible_leader", True), ("responsible_person", False)):
                data[f], data[f + "_name"] = None, d.get(f + "_name", "")
                if d.get(f):
                    account = _person_in(d[f], unit, leader=leader)
                    if account is None:
                        form.add_error(f, f"所选人员不是{unit.name}的人员，请重新选择或填写姓名")
                    else:
                        data[f], data[f + "_name"] = account, ""
            if form.is_valid():
                try:
                    p = services.create_problem(c, by=user, unit=unit, **data)
                except PermissionDenied:
                    raise Http404("页面不存在") from None
                except ValidationError as e:
                    forms.apply_errors(form, e)
                else:
                    messages.success(request, f"已登记问题 {p.number}")
                    return redirect(p.get_absolute_url())
        status = 422
    else:
        form = forms.ProblemForm(initial={"unit": units[0][0] if len(units) == 1 else ""}, **kwargs)
    return render(request, "rectification/problem_new.html", {"c": c, "form": form, "tab": "problems"},
                  status=status)


# --- ledger submission --------------------------------------------------------------------------

@login_required
def submission(request, pk):
    user = request.user
    s = get_visible_or_404(LedgerSubmission.objects.select_related("campaign", "phase", "unit", "submitted_by",
                                                                   "clock"), user, pk=pk)
    may_submit = s.state == "pending" and services.acts_for_unit(user, s.unit)
    form = forms.LedgerForm()
    status = 200
    if request.method == "POST":
        if not may_submit:
            raise Http404("页面不存在")
        form = forms.LedgerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.submit_ledger(s, user, situation_report=form.cleaned_data["situation_report"],
                                       files=form.cleaned_data["files"])
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                forms.apply_errors(form, e)
            else:
                s.refresh_from_db()
                messages.success(request, f"已报送{s.phase.name}情况报告和问题清单台账（{s.get_state_display()}）")
                return redirect(reverse("rectification:submission", args=[s.pk]))
        status = 422
    row = next((r for r in queries.ledger_status(s.campaign, phase=s.phase) if r.pk == s.pk), s)
    count = queries.problems_for(user, s.campaign, unit=s.unit).count()
    return render(request, "rectification/submission.html", {
        "s": row, "c": s.campaign, "form": form, "may_submit": may_submit, "problem_count": count,
        "files": list(s.evidence.all()), "tab": "campaign",
    }, status=status)


# --- the problem page --------------------------------------------------------------------------

def _problem_context(request, p, bound=None):
    user = request.user
    acts = pages.problem_actions(user, p)
    forms_ = {
        "progress": forms.ProgressForm(auto_id="id_progress_%s"),
        "submit": forms.ResultForm(auto_id="id_submit_%s"),
        "verify": forms.VerifyForm(auto_id="id_verify_%s"),
        "reopen": forms.ReopenForm(auto_id="id_reopen_%s"),
        "link": forms.LinkForm(auto_id="id_link_%s"),
    }
    if bound is not None:
        forms_[bound[0]] = bound[1]
    now = timezone.now()
    pages.problem_rows([p], now)
    group = []
    if p.is_repeated:
        root = p.repeat_root_id or p.pk
        group = list(visible(Problem, user).filter(Q(pk=root) | Q(repeat_root_id=root))
                     .select_related("campaign").order_by("created_at", "id"))
    look_backs = list(p.look_backs.select_related("look_back", "checked_by").order_by("look_back__started_at"))
    # A look-back's verdict on this problem is shown to all who see the
    # problem; the look-back itself is linked only for those who may open it.
    openable = visible_ids(LookBack, user, (i.look_back_id for i in look_backs))
    return {
        "p": p, "c": p.campaign, "history": queries.history(p), "acts": acts, "forms": forms_,
        "open_form": bound[0] if bound else None, "group": group, "now": now, "tab": "problems",
        "look_backs": look_backs, "openable_look_backs": openable,
    }


@login_required
@require_GET
def problem(request, pk):
    p = queries.problem_or_404(request.user, pk)
    return render(request, "rectification/problem.html", _problem_context(request, p))


def _do_progress(user, p, d):
    services.add_progress(p, user, d.get("text", ""), files=d.get("files") or [])
    return "已报送整改进展"


def _do_submit(user, p, d):
    services.submit_result(p, user, d.get("text", ""), files=d.get("files") or [])
    return "已提交整改结果，等待核验"


def _do_verify(user, p, d):
    services.verify_result(p, user, passed=d["passed"], note=d.get("note", ""),
                           onsite_check=d.get("onsite_check", False), onsite_note=d.get("onsite_note", ""),
                           files=d.get("files") or [])
    return "核验通过，已销号" if d["passed"] else "已退回整改"


def _do_reopen(user, p, d):
    services.reopen(p, user, d.get("reason", ""), deadline=d.get("deadline"), long_term=d.get("long_term", False))
    return f"已重新打开，进入第{p.round}轮整改（再整改）"


def _do_link(user, p, d):
    number = (d.get("other") or "").strip()
    other = visible(Problem, user).filter(number=number).first()
    if other is None:
        raise ValidationError({"other": [f"找不到编号为“{number}”的问题"]})
    services.link_repeated(p, other, user, reason=d.get("reason", ""))
    return f"已与{other.number}关联为重复问题"


ACTIONS = {
    "progress": (forms.ProgressForm, _do_progress),
    "submit": (forms.ResultForm, _do_submit),
    "verify": (forms.VerifyForm, _do_verify),
    "reopen": (forms.ReopenForm, _do_reopen),
    "link": (forms.LinkForm, _do_link),
}


@login_required
@require_POST
def problem_action(request, pk, action):
    user = request.user
    p = queries.problem_or_404(user, pk)
    if action in ("publish", "unpublish"):
        try:
            services.publish([p], user, public=action == "publish")
        except PermissionDenied:
            raise Http404("页面不存在") from None
        messages.success(request, "已公开" if action == "publish" else "已取消公开")
        return redirect(p.get_absolute_url())
    if action not in ACTIONS:
        raise Http404("页面不存在")
    form_class, handler = ACTIONS[action]
    form = form_class(request.POST, request.FILES, auto_id=f"id_{action}_%s")
    if form.is_valid():
        try:
            message = handler(user, p, form.cleaned_data)
        except PermissionDenied as e:
            if not pages.problem_actions(user, p).get(action):
                raise Http404("页面不存在") from None
            form.add_error(None, str(e))
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            messages.success(request, message)
            return redirect(p.get_absolute_url())
    p = queries.problem_or_404(user, pk)
    return render(request, "rectification/problem.html", _problem_context(request, p, bound=(action, form)),
                  status=422)


@login_required
@require_GET
def evidence_file(request, file_id):
    """An evidence file of a problem entry or a ledger submission the user
    may see, streamed from the store."""
    user = request.user
    return evidence.download_response(file_id, visible(ProblemEntry, user).filter(evidence=file_id),
                                      visible(LedgerSubmission, user).filter(evidence=file_id))


# --- look-back ---------------------------------------------------------------------------------

@login_required
def look_backs(request, pk):
    user = request.user
    c = _campaign(request, pk)
    manager = pages.may_manage(user, c)
    form = forms.LookBackForm()
    status = 200
    if request.method == "POST":
        if not manager:
            raise Http404("页面不存在")
        form = forms.LookBackForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                lb = services.start_look_back(c, user, title=d.get("title", ""), sample_size=d.get("sample_size"),
                                              seed=d.get("seed") or None)
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                forms.apply_errors(form, e)
            else:
                messages.success(request, f"已开始“{lb.title}”，抽中 {len(lb.selected)} 个已销号问题")
                return redirect(reverse("rectification:look_back", args=[lb.pk]))
        status = 422
    rows = list(queries.look_backs_for(user, c))
    for lb in rows:
        items = list(lb.items.all())
        lb.total = len(items)
        lb.done = sum(1 for i in items if i.verdict != LookBackVerdict.PENDING)
        lb.bad = sum(1 for i in items if i.verdict == LookBackVerdict.INEFFECTIVE)
    closed = Problem.objects.filter(campaign=c, state="closed").count()
    return render(request, "rectification/look_backs.html", {
        "c": c, "rows": rows, "form": form, "manager": manager, "closed": closed, "tab": "look_backs",
    }, status=status)


def _look_back_context(request, lb, bound=None):
    user = request.user
    items = list(lb.items.select_related("problem", "problem__unit", "problem__campaign", "checked_by")
                 .order_by("id"))
    visible_ids = set(visible(Problem, user).filter(pk__in=[i.problem_id for i in items])
                      .values_list("pk", flat=True))
    items = [i for i in items if i.problem_id in visible_ids]
    for i in items:
        i.refusal = services.verifier_refusal(user, i.problem) if i.verdict == LookBackVerdict.PENDING else None
        if bound is not None and bound[0] == i.pk:
            i.form = bound[1]
        else:
            i.form = forms.LookBackItemForm(auto_id=f"id_lb{i.pk}_%s")
    return {"lb": lb, "c": lb.campaign, "items": items, "tab": "look_backs",
            "open_item": bound[0] if bound else None}


@login_required
@require_GET
def look_back(request, pk):
    lb = get_visible_or_404(LookBack.objects.select_related("campaign", "started_by"), request.user, pk=pk)
    return render(request, "rectification/look_back.html", _look_back_context(request, lb))


@login_required
@require_POST
def record_look_back(request, pk):
    user = request.user
    item = get_visible_or_404(LookBackItem.objects.select_related("look_back", "look_back__campaign", "problem"),
                              user, pk=pk)
    lb = get_visible_or_404(LookBack.objects.select_related("campaign", "started_by"), user, pk=item.look_back_id)
    form = forms.LookBackItemForm(request.POST, auto_id=f"id_lb{item.pk}_%s")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_look_back(item, user, effective=d["effective"], note=d.get("note", ""),
                                      new_deadline=d.get("new_deadline"))
        except PermissionDenied as e:
            form.add_error(None, str(e))
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            messages.success(request, f"已记录{item.problem.number}的回头看结论" +
                             ("" if d["effective"] else "，已转入再整改"))
            return redirect(reverse("rectification:look_back", args=[lb.pk]))
    return render(request, "rectification/look_back.html", _look_back_context(request, lb, (item.pk, form)),
                  status=422)


# --- spot checks -------------------------------------------------------------------------------

@login_required
def spot_checks(request, pk):
    user = request.user
    c = _campaign(request, pk)
    manager = pages.may_manage(user, c)
    form = forms.SpotCheckForm(initial={"title": f"{timezone.localdate():%Y年%-m月}作风整治随机抽查"})
    status = 200
    if request.method == "POST":
        if not manager:
            raise Http404("页面不存在")
        form = forms.SpotCheckForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sc = services.draw_spot_check(c, user, title=d.get("title", ""), target_count=d["target_count"],
                                              inspector_count=d["inspector_count"], target_kind=d["target_kind"],
                                              seed=d.get("seed") or None, kind=d["kind"], note=d.get("note", ""))
            except PermissionDenied:
                raise Http404("页面不存在") from None
            except ValidationError as e:
                forms.apply_errors(form, e)
            else:
                messages.success(request, f"已抽取，随机种子 {sc.seed} 已记录")
                return redirect(reverse("rectification:spot_check", args=[sc.pk]))
        status = 422
    units = pages.unit_choices(c)
    inspectors = []
    if c.task_force_id:
        inspectors = [m.user.get_full_name() or m.user.get_username()
                      for m in c.task_force.memberships.select_related("user").order_by("id")]
    open_count = Problem.objects.filter(campaign=c, state__in=("rectifying", "submitted", "rerectifying")).count()
    return render(request, "rectification/spot_checks.html", {
        "c": c, "rows": list(queries.spot_checks_for(user, c)), "form": form, "manager": manager,
        "candidate_units": [n for _, n in units], "candidate_inspectors": inspectors, "open_count": open_count,
        "tab": "spot_checks",
    }, status=status)


def _spot_check_context(request, sc, finding_form=None):
    user = request.user
    c = sc.campaign
    replay = None
    replay_rows = []
    if request.GET.get("replay"):
        replay = draws.replay(sc)
        replay_rows = pages.replay_rows(replay, sc)
    inspector = sc.assignments.filter(inspectors=user).exists()
    may_find = pages.may_manage(user, c) or inspector
    if finding_form is None:
        finding_form = forms.FindingForm(units=pages.unit_choices(c), categories=pages.category_choices(c),
                                         auto_id="id_finding_%s")
    rows = pages.spot_check_rows(sc)
    findings = list(sc.findings.select_related("unit", "category"))
    # The draw is open to everyone who sees the spot check (its fairness is
    # the point); a problem itself only to those who may see it (ORG-3):
    # others get its number, without a link, and no findings' text.
    shown = visible_ids(Problem, user, [r["assignment"].problem_id for r in rows if r["assignment"]]
                        + [p.pk for p in findings])
    return {
        "sc": sc, "c": c, "rows": rows, "candidates": pages.candidate_names(sc),
        "replay": replay, "replay_rows": replay_rows, "may_find": may_find, "finding_form": finding_form,
        "findings": [p for p in findings if p.pk in shown], "hidden_findings": sum(p.pk not in shown for p in findings),
        "shown_problems": shown, "tab": "spot_checks",
    }


@login_required
@require_GET
def spot_check(request, pk):
    sc = get_visible_or_404(SpotCheck.objects.select_related("campaign", "drawn_by"), request.user, pk=pk)
    return render(request, "rectification/spot_check.html", _spot_check_context(request, sc))


@login_required
@require_POST
def record_finding(request, pk):
    user = request.user
    sc = get_visible_or_404(SpotCheck.objects.select_related("campaign", "drawn_by"), user, pk=pk)
    c = sc.campaign
    form = forms.FindingForm(request.POST, units=pages.unit_choices(c), categories=pages.category_choices(c),
                             auto_id="id_finding_%s")
    if form.is_valid():
        d = form.cleaned_data
        unit = next(p.unit for p in c.participations.select_related("unit") if p.unit_id == d["unit"])
        category = c.categories.get(pk=d["category"])
        try:
            p = services.record_finding(c, user, spot_check=sc, unit=unit, category=category,
                                        description=d.get("description", ""), measures=d.get("measures", ""),
                                        deadline=d.get("deadline"))
        except PermissionDenied:
            raise Http404("页面不存在") from None
        except ValidationError as e:
            forms.apply_errors(form, e)
        else:
            messages.success(request, f"已登记检查发现的问题 {p.number}，已交{unit.name}整改")
            return redirect(reverse("rectification:spot_check", args=[sc.pk]))
    return render(request, "rectification/spot_check.html", _spot_check_context(request, sc, form), status=422)


# --- repeated problems -------------------------------------------------------------------------

@login_required
@require_GET
def repeated(request, pk):
    c = _campaign(request, pk)
    groups = queries.repeated_problems(user=request.user, campaign=c)
    return render(request, "rectification/repeated.html", {"c": c, "groups": groups, "tab": "repeated",
                                                            "now": timezone.now()})


# --- the public pages (PUB-1): no login, only what queries.public_* give ----------------------------

@require_GET
def public_campaigns(request):
    rows = [{"campaign": c, "summary": queries.public_summary(c)} for c in queries.public_campaigns()]
    return render(request, "public/campaigns.html", {"rows": rows})


@require_GET
def public_campaign(request, code):
    c = queries.public_campaigns().filter(code=code).first()
    if c is None:
        raise Http404("未找到该专项行动")
    summary = queries.public_summary(c)
    units = []
    for row in queries.public_problems(c):
        if not units or units[-1]["name"] != row["unit"]:
            units.append({"name": row["unit"], "categories": [], "count": 0, "closed": 0})
        u = units[-1]
        if not u["categories"] or u["categories"][-1]["name"] != row["category"]:
            u["categories"].append({"name": row["category"], "problems": []})
        u["categories"][-1]["problems"].append(row)
        u["count"] += 1
        u["closed"] += 1 if row["closed"] else 0
    return render(request, "public/campaign.html", {"summary": summary, "units": units})
