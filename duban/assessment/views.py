"""Pages of 考核评价 (EVAL-1…4, OUT-3): the periods with their rankings,
every figure down to its records, the error records with objections and
the quarterly 差错通报, people's achievement records, leaders' field work,
and the dashboards. Thin: reads from duban.assessment.queries and
.dashboard, writes through duban.assessment.services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core import assessing
from duban.core.choices import unit_choices
from duban.core.exports import xlsx_response
from duban.core.forms import parse_year, run_service
from duban.core.officialdoc import docx_response
from duban.core.services import as_date
from duban.org.models import Person, Role, Unit
from duban.org.services import has_role
from duban.org.visibility import get_visible_or_404, visible, visible_ids

from . import dashboard as dash
from . import documents, forms, queries, services
from .models import (
    Achievement,
    ErrorNotice,
    ErrorRecord,
    ErrorState,
    Period,
    PeriodKind,
    Result,
)

User = get_user_model()


def _tabs(request, current):
    tabs = [("index", "考核排名", "assessment:index"), ("errors", "差错通报", "assessment:errors"),
            ("person", "干事档案", "assessment:me"), ("fieldwork", "一线工作", "assessment:fieldwork")]
    if dash.roots_of(request.user):
        tabs.append(("dashboard", "驾驶舱", "assessment:dashboard"))
    return [{"url": reverse(name), "label": label, "current": key == current} for key, label, name in tabs]


def _render(request, template, ctx, current, status=200):
    ctx["tabs"] = _tabs(request, current)
    return render(request, template, ctx, status=status)


# --- periods and rankings (EVAL-2) -----------------------------------------------------------

@login_required
def index(request):
    scope = services.default_scope(request.user)
    form, status = None, 200
    if scope is not None:
        if request.method == "POST":
            form = forms.PeriodForm(request.POST)
            created = {}
            status = run_service(form, lambda d: created.setdefault("p", services.create_period(
                request.user, kind=d["kind"], year=d["year"] or timezone.localdate().year, number=d["number"] or 1,
                scope=scope)))
            if status is None:
                messages.success(request, f"已设立考核周期：{created['p'].title}")
                return redirect(created["p"].get_absolute_url())
        else:
            today = timezone.localdate()
            last_q = (today.month - 1) // 3 or 4
            form = forms.PeriodForm(initial={"kind": PeriodKind.QUARTER, "number": last_q,
                                             "year": today.year if last_q < 4 or today.month > 3 else today.year - 1})
    elif request.method == "POST":
        raise Http404("页面不存在")
    rows = list(queries.periods(request.user)[:60])
    return _render(request, "assessment/index.html", {"periods": rows, "form": form}, "index", status)


def _period_context(request, pk):
    period = get_visible_or_404(Period.objects.select_related("scope", "published_by", "computed_by"),
                                request.user, pk=pk)
    return {"period": period, "groups": queries.period_table(period), "columns": queries.columns(period),
            "is_office": services.is_office(request.user, period.scope),
            "may_publish": period.ends_on < timezone.localdate()}


@login_required
@require_GET
def period(request, pk):
    return _render(request, "assessment/period.html", _period_context(request, pk), "index")


def _period_action(request, pk, call, done):
    p = get_visible_or_404(Period.objects.select_related("scope"), request.user, pk=pk)
    try:
        call(p)
    except PermissionDenied as e:
        messages.error(request, str(e))
        ctx = _period_context(request, pk)
        return _render(request, "assessment/period.html", ctx, "index", 403)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return _render(request, "assessment/period.html", _period_context(request, pk), "index", 422)
    messages.success(request, done)
    return redirect(p.get_absolute_url())


@login_required
@require_POST
def compute(request, pk):
    return _period_action(request, pk, lambda p: services.compute_period(p, request.user), "已按当前数据试算")


@login_required
@require_POST
def publish(request, pk):
    return _period_action(request, pk, lambda p: services.publish_period(p, request.user),
                          "已结算并发布；输入数据摘要已记入审计日志，本期结果冻结")


@login_required
@require_POST
def recheck(request, pk):
    p = get_visible_or_404(Period.objects.select_related("scope"), request.user, pk=pk)
    try:
        check = services.recheck_period(p, request.user)
    except (PermissionDenied, ValidationError) as e:
        for m in getattr(e, "messages", [str(e)]):
            messages.error(request, m)
        status = 403 if isinstance(e, PermissionDenied) else 422
        return _render(request, "assessment/period.html", _period_context(request, pk), "index", status)
    units = dict(Unit.objects.filter(pk__in={c.unit_id for c in [*check.added, *check.removed, *check.changed]}
                                     | {r[0] for r in check.results}).values_list("pk", "name"))
    names = {c["code"]: c["name"] for c in (p.config or {}).get("indicators", [])}
    names["workload"] = "工作量"

    def pair(v):
        return f"{v[0].normalize():f} / {v[1].normalize():f}" if v else "—"

    changes = [(what, names.get(c.indicator, c.indicator), units.get(c.unit_id, ""), c.label, pair(c.before),
                pair(c.after)) for what, rows in (("新增", check.added), ("减少", check.removed), ("改变", check.changed))
               for c in rows]
    results = [(units.get(uid, ""), a, b, ra, rb) for uid, a, b, ra, rb in check.results]
    return _render(request, "assessment/recheck.html", {"period": p, "check": check, "changes": changes,
                                                         "results": results}, "index")


@login_required
@require_GET
def results_xlsx(request, pk):
    period = get_visible_or_404(Period.objects.select_related("scope"), request.user, pk=pk)
    title, columns, rows, widths = documents.result_table(period)
    return xlsx_response(documents.result_filename(period), title, columns, rows, widths)


@login_required
@require_GET
def result(request, pk):
    r = get_visible_or_404(Result.objects.select_related("period__scope", "unit"), request.user, pk=pk)
    return _render(request, "assessment/result.html", {"r": r, "period": r.period,
                                                       "figures": queries.result_figures(r)}, "index")


@login_required
@require_GET
def figure(request, pk, code):
    r = get_visible_or_404(Result.objects.select_related("period__scope", "unit"), request.user, pk=pk)
    cols = {c.code: c for c in queries.columns(r.period)}
    if code != "workload" and code not in cols:
        raise Http404("没有该指标")
    fig = r.period.figures.filter(unit=r.unit, indicator=code).first() if code != "workload" else None
    page = queries.figure_records(request.user, r.period, r.unit, code, request.GET.get("page") or 1)
    return _render(request, "assessment/figure.html", {
        "r": r, "period": r.period, "column": cols.get(code), "code": code, "fig": fig, "page": page,
        "records": page.object_list, "hidden": not page.paginator.count and bool(fig and (fig.value or fig.base)),
    }, "index")


@login_required
@require_GET
def records(request, code):
    """The live records of a formula source in a date range (the list behind
    a dashboard's bar)."""
    today = timezone.localdate()
    try:
        start = as_date(request.GET.get("from")) or today.replace(day=1)
        end = as_date(request.GET.get("to")) or today
    except ValidationError:
        raise Http404("日期无效") from None
    unit = None
    if request.GET.get("unit"):
        unit = Unit.objects.filter(pk=request.GET["unit"] if request.GET["unit"].isdigit() else None).first()
        if unit is None:
            raise Http404("未找到该单位")
    source = assessing.sources("indicator").get(code)
    rows = queries.source_records(request.user, code, unit, start, end, timezone.now())
    return _render(request, "assessment/records.html", {"source": source, "rows": rows, "unit": unit,
                                                         "start": start, "end": end}, "dashboard")


# --- errors and notices (EVAL-1) ------------------------------------------------------------

def _office_units(user):
    roots = services.office_roots(user)
    return unit_choices(roots) if roots else []


@login_required
def errors(request):
    units = _office_units(request.user)
    form, status = None, 200
    if units:
        if request.method == "POST":
            form = forms.ErrorForm(request.POST, units=units)
            status = run_service(form, lambda d: services.record_error(
                request.user, unit=d["unit"] or None, category=d["category"], occurred_on=d["occurred_on"],
                description=d["description"]))
            if status is None:
                messages.success(request, "已登记差错，单位可在异议期内提出一次异议")
                return redirect("assessment:errors")
        else:
            form = forms.ErrorForm(units=units, initial={"occurred_on": timezone.localdate()})
    elif request.method == "POST":
        raise Http404("页面不存在")
    state = request.GET.get("state") if request.GET.get("state") in ErrorState.values else ""
    page = queries.errors_page(request.user, page=request.GET.get("page") or 1, state=state)
    notices = list(visible(ErrorNotice, request.user).order_by("-year", "-quarter")[:20])
    scope = services.default_scope(request.user)
    notice_form = None
    if scope is not None:
        today = timezone.localdate()
        last_q = (today.month - 1) // 3 or 4
        notice_form = forms.NoticeForm(initial={"quarter": str(last_q),
                                                "year": today.year if today.month > 3 else today.year - 1})
    return _render(request, "assessment/errors.html", {
        "page": page, "rows": page.object_list, "form": form, "state": state, "states": ErrorState.choices,
        "query": f"state={state}" if state else "", "notices": notices, "notice_form": notice_form,
    }, "errors", status)


def _error_context(request, pk, bound=None):
    e = get_visible_or_404(ErrorRecord.objects.select_related("unit", "category", "notice", "recorded_by",
                                                              "objected_by", "decided_by"), request.user, pk=pk)
    bound = bound or {}
    return {
        "e": e, "deadline": services.objection_deadline(e),
        "object_form": (bound.get("object") or forms.ObjectionForm()) if services.may_object(request.user, e) else None,
        "decide_form": (bound.get("decide") or forms.DecisionForm())
        if e.state == ErrorState.OBJECTED and services.is_office(request.user, e.unit) else None,
    }


@login_required
@require_GET
def error(request, pk):
    return _render(request, "assessment/error.html", _error_context(request, pk), "errors")


@login_required
@require_POST
def object_error(request, pk):
    e = get_visible_or_404(ErrorRecord, request.user, pk=pk)
    form = forms.ObjectionForm(request.POST)
    status = run_service(form, lambda d: services.object_to_error(e, request.user, reason=d["reason"]))
    if status is None:
        messages.success(request, "已提出异议，等待督查室处理")
        return redirect(e.get_absolute_url())
    return _render(request, "assessment/error.html", _error_context(request, pk, {"object": form}), "errors", status)


@login_required
@require_POST
def decide_error(request, pk):
    e = get_visible_or_404(ErrorRecord, request.user, pk=pk)
    form = forms.DecisionForm(request.POST)
    status = run_service(form, lambda d: services.decide_objection(e, request.user, decision=d["decision"],
                                                                   reason=d["reason"]))
    if status is None:
        messages.success(request, "已处理异议")
        return redirect(e.get_absolute_url())
    return _render(request, "assessment/error.html", _error_context(request, pk, {"decide": form}), "errors", status)


@login_required
@require_POST
def issue_notice(request):
    if services.default_scope(request.user) is None:
        raise Http404("页面不存在")
    form = forms.NoticeForm(request.POST)
    made = {}
    status = run_service(form, lambda d: made.setdefault("n", services.issue_notice(
        request.user, year=d["year"] or timezone.localdate().year, quarter=d["quarter"])))
    if status is None:
        messages.success(request, f"已印发{made['n'].number}")
        return redirect(made["n"].get_absolute_url())
    for field_errors in form.errors.values():
        for m in field_errors:
            messages.error(request, m)
    return redirect(reverse("assessment:errors"))


def _notice(request, pk):
    return get_visible_or_404(ErrorNotice.objects.select_related("scope", "issued_by"), request.user, pk=pk)


def _notice_errors(notice):
    return list(notice.errors.select_related("unit", "category").order_by("unit__path", "occurred_on", "id"))


@login_required
@require_GET
def notice(request, pk):
    n = _notice(request, pk)
    rows = _notice_errors(n)
    seen = visible_ids(ErrorRecord, request.user, [e.pk for e in rows])
    for e in rows:
        e.openable = e.pk in seen
    return _render(request, "assessment/notice.html", {"n": n, "rows": rows}, "errors")


@login_required
@require_GET
def notice_docx(request, pk):
    n = _notice(request, pk)
    return docx_response(documents.notice_filename(n), documents.notice_docx(n, _notice_errors(n)))


# --- achievement records (EVAL-3) -------------------------------------------------------------

@login_required
def me(request):
    return redirect("assessment:person", request.user.pk)


def _person_context(request, user_id, bound=None):
    person = get_object_or_404(Person.objects.select_related("user", "unit"), user_id=user_id)
    if not queries.may_see_person(request.user, person):
        raise Http404("未找到该人员")
    year = parse_year(request.GET.get("year"))
    rec = queries.achievement_record(request.user, person, year)
    for a in rec.entered:
        a.confirm_form = forms.ConfirmForm(auto_id=f"id_c{a.pk}_%s") if (
            a.state == "pending" and services.may_confirm(request.user, a)) else None
    bound = bound or {}
    may_enter = services.may_enter_for(request.user, person.user)
    return {"person": person, "rec": rec, "year": year, "years": [year - 1, year, year + 1],
            "form": (bound.get("enter") or forms.AchievementForm(initial={"occurred_on": timezone.localdate()}))
            if may_enter else None,
            "pending": queries.pending_achievements(request.user) if request.user.pk == person.user_id else []}


@login_required
def person(request, user_id):
    if request.method == "POST":
        person = get_object_or_404(Person.objects.select_related("user"), user_id=user_id)
        if not queries.may_see_person(request.user, person):
            raise Http404("未找到该人员")
        form = forms.AchievementForm(request.POST)
        status = run_service(form, lambda d: services.enter_achievement(
            request.user, person=person.user, kind=d["kind"], title=d["title"], description=d["description"],
            occurred_on=d["occurred_on"]))
        if status is None:
            messages.success(request, "已录入，待单位负责人确认")
            return redirect("assessment:person", user_id)
        return _render(request, "assessment/person.html", _person_context(request, user_id, {"enter": form}),
                       "person", status)
    return _render(request, "assessment/person.html", _person_context(request, user_id), "person")


@login_required
@require_POST
def decide_achievement(request, pk):
    a = get_visible_or_404(Achievement, request.user, pk=pk)
    form = forms.ConfirmForm(request.POST, auto_id=f"id_c{a.pk}_%s")
    status = run_service(form, lambda d: services.decide_achievement(a, request.user,
                                                                     confirm=d["decision"] == "confirm",
                                                                     note=d["note"]))
    if status is None:
        messages.success(request, "已处理")
    else:
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/assessment/")
                    else reverse("assessment:person", args=[a.person_id]))


# --- field work (EVAL-4) --------------------------------------------------------------------

@login_required
@require_GET
def fieldwork(request):
    year = parse_year(request.GET.get("year"))
    rows = queries.field_progress(request.user, year, timezone.localdate())
    return _render(request, "assessment/fieldwork.html", {
        "rows": rows, "year": year, "years": [year - 1, year, year + 1],
        "target_days": services.setting(services.FIELD_DAYS),
        "target_reports": services.setting(services.RESEARCH_REPORTS),
        "is_leader": services.is_leader(request.user),
    }, "fieldwork")


def _leader_context(request, user_id, bound=None):
    person = get_object_or_404(Person.objects.select_related("user", "unit"), user_id=user_id)
    if not queries.may_see_person(request.user, person) or not services.is_leader(person.user):
        raise Http404("未找到该领导干部")
    year = parse_year(request.GET.get("year") or request.POST.get("year"))
    days, reports = queries.leader_log(request.user, person.user, year)
    progress = queries.progress_for([person], year, timezone.localdate())[0]
    may_log = (request.user.pk == person.user_id or services.acts_for_unit(request.user, person.unit)
               or services.is_office(request.user, person.unit))
    bound = bound or {}
    links = _matter_links(request.user, days)
    for d in days:
        d.links = [(n, links.get(n, "")) for n in d.matter_numbers]
    return {"person": person, "year": year, "years": [year - 1, year, year + 1], "days": days, "reports": reports,
            "progress": progress,
            "day_form": (bound.get("day") or forms.FieldDayForm(initial={"date": timezone.localdate()}))
            if may_log else None,
            "report_form": (bound.get("report") or forms.ResearchForm(initial={"submitted_on": timezone.localdate()}))
            if may_log else None,
            "open": next(iter(bound), "")}


def _matter_links(user, days) -> dict:
    """{matter number: the matters' list searched for it} (the list shows
    only what the user may see)."""
    from django.utils.http import urlencode

    numbers = {n for d in days for n in d.matter_numbers}
    base = reverse("supervision:office" if dash.roots_of(user) else "supervision:worklist")
    return {n: f"{base}?{urlencode({'q': n})}" for n in numbers}


@login_required
def leader_fieldwork(request, user_id):
    if request.method == "POST":
        which = "report" if request.POST.get("what") == "report" else "day"
        if which == "day":
            form = forms.FieldDayForm(request.POST)
            call = lambda d: services.log_field_day(  # noqa: E731
                request.user, leader=user_id, date=d["date"], place=d["place"], purpose=d["purpose"],
                problems_found=d["problems_found"], matters=d["matters"])
        else:
            form = forms.ResearchForm(request.POST)
            call = lambda d: services.record_research_report(  # noqa: E731
                request.user, leader=user_id, title=d["title"], summary=d["summary"], submitted_on=d["submitted_on"])
        ctx_check = get_object_or_404(Person.objects.select_related("unit"), user_id=user_id)
        if not queries.may_see_person(request.user, ctx_check):
            raise Http404("未找到该领导干部")
        status = run_service(form, call)
        if status is None:
            messages.success(request, "已记录")
            return redirect(reverse("assessment:leader_fieldwork", args=[user_id]))
        return _render(request, "assessment/leader.html", _leader_context(request, user_id, {which: form}),
                       "fieldwork", status)
    return _render(request, "assessment/leader.html", _leader_context(request, user_id), "fieldwork")


# --- dashboards (OUT-3) -------------------------------------------------------------------

def _dashboard(request, which):
    if not dash.roots_of(request.user) or (which == "leader" and not has_role(request.user, Role.LEADER)):
        raise Http404("页面不存在")
    b = dash.board(request.user, campaign=request.GET.get("campaign", ""))
    return _render(request, "assessment/dashboard.html", {"b": b, "which": which,
                                                          "is_leader": has_role(request.user, Role.LEADER)},
                   "dashboard")


@login_required
@require_GET
def dashboard(request):
    return _dashboard(request, "office")


@login_required
@require_GET
def leader_dashboard(request):
    return _dashboard(request, "leader")

