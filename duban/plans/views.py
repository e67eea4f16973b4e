"""Pages of 计划管理 (MEET-4): the year's plans per unit with their usage
and warnings, a plan's counted records and its explanations for going
beyond, the inspections filed with their targets, how often each unit is
inspected (with merge suggestions), and the controlling office's
statistics (ECharts served by the app) with the annual table (Excel) and
the 简报 (Word). Thin: reads from duban.plans.queries, writes through
duban.plans.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.exports import xlsx_response
from duban.core.forms import Choices, apply_errors, parse_month, parse_year, run_service, shift_month
from duban.core.officialdoc import docx_response
from duban.org.visibility import get_visible_or_404

from . import documents, forms, pages, queries, services
from .models import AnnualPlan, ExcessRequest, Inspection, InspectionState, PlanKind


def _tabs(current):
    tabs = [("plans", "年度计划", "plans:plans"), ("inspections", "督查检查考核", "plans:inspections"),
            ("frequency", "受检频次", "plans:frequency"), ("statistics", "统计分析", "plans:statistics")]
    return [{"url": reverse(name), "label": label, "current": key == current} for key, label, name in tabs]


def _render(request, template, ctx, current, status=200):
    ctx["tabs"] = _tabs(current)
    return render(request, template, ctx, status=status)


# --- the year's plans ---------------------------------------------------------------

@login_required
def plans(request):
    year = parse_year(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    units = pages.actable_units(request.user, controlling=True)
    form, status = None, 200
    if units:
        if request.method == "POST":
            form = forms.PlanForm(request.POST, units=units)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    plan = services.set_plan(request.user, unit=d["unit"] or None, year=d["year"] or year,
                                             kind=d["kind"], quota=d["quota"], baseline=d["baseline"],
                                             reason=d["reason"])
                except PermissionDenied as e:
                    form.add_error(None, str(e))
                except ValidationError as e:
                    apply_errors(form, e)
                else:
                    messages.success(request, f"已制定{plan.unit.name}{plan.year}年{plan.get_kind_display()}计划："
                                              f"{plan.quota}项（上年实际{plan.baseline}项）")
                    return redirect(f"{reverse('plans:plans')}?year={plan.year}")
            status = 422
        else:
            form = forms.PlanForm(units=units, initial={"year": year})
    elif request.method == "POST":
        raise Http404("页面不存在")
    page, rows = queries.plan_overview(request.user, year, page=request.GET.get("page") or 1)
    return _render(request, "plans/plans.html", {
        "year": year, "page": page, "rows": rows, "kinds": PlanKind.choices, "form": form,
        "query": f"year={year}", "years": [year - 1, year, year + 1],
        "near": services.setting(services.WARN_NEAR), "full": services.setting(services.WARN_FULL),
    }, "plans", status)


def _plan_context(request, pk, bound=None):
    plan = get_visible_or_404(AnnualPlan.objects.select_related("unit", "set_by"), request.user, pk=pk)
    bound = bound or {}
    requests = list(plan.excess_requests.select_related("requested_by", "decided_by").order_by("-requested_at"))
    may_request = services.may_act_for(request.user, plan.unit)
    may_decide = services.is_controlling_office(request.user, plan.unit)
    for r in requests:
        if r.state == "pending" and may_decide:
            r.decide_form = bound.get(f"decide-{r.pk}") or forms.DecideForm(auto_id=f"id_decide{r.pk}_%s")
    return {
        "plan": plan, "cell": queries.plan_cell(plan), "requests": requests,
        "page": queries.usage_page(request.user, plan, page=request.GET.get("page") or 1),
        "excess_form": (bound.get("excess") or forms.ExcessForm()) if may_request else None,
        "excess_open": "excess" in bound,
    }


@login_required
@require_GET
def plan(request, pk):
    return _render(request, "plans/plan.html", _plan_context(request, pk), "plans")


@login_required
@require_POST
def request_excess(request, pk):
    plan = get_visible_or_404(AnnualPlan, request.user, pk=pk)
    form = forms.ExcessForm(request.POST)
    status = run_service(form, lambda d: services.request_excess(plan, request.user, extra=d["extra"],
                                                                 explanation=d["explanation"]))
    if status is None:
        messages.success(request, "已提交超计划说明，等待督查室审批")
        return redirect(plan.get_absolute_url())
    return _render(request, "plans/plan.html", _plan_context(request, pk, {"excess": form}), "plans", status)


@login_required
@require_POST
def decide_excess(request, pk):
    req = get_visible_or_404(ExcessRequest.objects.select_related("plan"), request.user, pk=pk)
    form = forms.DecideForm(request.POST, auto_id=f"id_decide{req.pk}_%s")
    status = run_service(form, lambda d: services.decide_excess(req, request.user, approve=d["decision"] == "approve",
                                                                note=d["note"]))
    if status is None:
        messages.success(request, "已审批超计划说明")
        return redirect(req.plan.get_absolute_url())
    return _render(request, "plans/plan.html", _plan_context(request, req.plan_id, {f"decide-{req.pk}": form}),
                   "plans", status)


# --- inspections ----------------------------------------------------------------------

@login_required
def inspections(request):
    units = pages.actable_units(request.user)
    form, status = None, 200
    if request.method == "POST":
        if not units:
            raise Http404("页面不存在")
        form = forms.InspectionForm(request.POST, units=units, choices=Choices())
        if form.is_valid():
            d = form.cleaned_data
            try:
                insp = services.file_inspection(request.user, organizer=d["organizer"] or None, kind=d["kind"],
                                                title=d["title"], basis=d["basis"], starts_on=d["starts_on"],
                                                ends_on=d["ends_on"], targets=d["targets"])
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                apply_errors(form, e)
            else:
                messages.success(request, f"已备案：{insp.title}，计入{insp.organizer.name}的年度督查检查考核计划")
                for unit, other in services.overlapping_visits(insp):
                    messages.warning(request, f"建议合并：{other.organizer.name}的“{other.title}”"
                                              f"（{other.starts_on:%m-%d}至{other.ends_on:%m-%d}）也将到{unit.name}")
                return redirect(insp.get_absolute_url())
        status = 422
    elif units:
        own = getattr(getattr(request.user, "person", None), "unit_id", None)
        form = forms.InspectionForm(units=units, choices=Choices(),
                                    initial={"organizer": str(own) if own else ""})
    state = request.GET.get("state") if request.GET.get("state") in InspectionState.values else ""
    page = queries.inspection_page(request.user, page=request.GET.get("page") or 1, state=state or None)
    return _render(request, "plans/inspections.html", {
        "page": page, "rows": page.object_list, "form": form, "state": state, "states": InspectionState.choices,
        "query": f"state={state}" if state else "",
        "suggestions": queries.merge_suggestions(request.user, timezone.localdate()),
    }, "inspections", status)


def _inspection_context(request, pk, form=None):
    insp = get_visible_or_404(Inspection.objects.select_related("organizer", "filed_by"), request.user, pk=pk)
    may_cancel = insp.state == InspectionState.FILED and services.may_act_for(request.user, insp.organizer)
    return {"insp": insp, "targets": list(insp.targets.order_by("path")),
            "overlaps": services.overlapping_visits(insp) if insp.state == InspectionState.FILED else [],
            "window": services.setting(services.MERGE_WINDOW),
            "cancel_form": (form or forms.CancelForm()) if may_cancel else None}


@login_required
@require_GET
def inspection(request, pk):
    return _render(request, "plans/inspection.html", _inspection_context(request, pk), "inspections")


@login_required
@require_POST
def cancel_inspection(request, pk):
    insp = get_visible_or_404(Inspection, request.user, pk=pk)
    form = forms.CancelForm(request.POST)
    status = run_service(form, lambda d: services.cancel_inspection(insp, request.user, reason=d["reason"]))
    if status is None:
        messages.success(request, "已取消，不再计入年度计划")
        return redirect(insp.get_absolute_url())
    return _render(request, "plans/inspection.html", _inspection_context(request, pk, form), "inspections", status)


@login_required
@require_GET
def frequency(request):
    year, month = parse_month(request.GET.get("month"))
    freq = queries.frequency(request.user, year, month)
    py, pm = shift_month(year, month, -1)
    ny, nm = shift_month(year, month, 1)
    return _render(request, "plans/frequency.html", {
        "freq": freq, "month_value": f"{year:04d}-{month:02d}", "prev": f"{py:04d}-{pm:02d}",
        "next": f"{ny:04d}-{nm:02d}", "suggestions": queries.merge_suggestions(request.user, timezone.localdate()),
        "window": services.setting(services.MERGE_WINDOW),
    }, "frequency")


# --- statistics -------------------------------------------------------------------------

@login_required
@require_GET
def statistics(request):
    year = parse_year(request.GET.get("year"))
    kind = request.GET.get("kind") if request.GET.get("kind") in PlanKind.values else PlanKind.MEETING
    stats = queries.statistics(request.user, year)
    unit_rows = [{"unit": r.unit, "cell": r.cells[PlanKind(kind)], "row": r} for r in stats.rows]
    return _render(request, "plans/statistics.html", {
        "stats": stats, "unit_rows": unit_rows,
        "totals": [(label, stats.totals.cells[PlanKind(v)]) for v, label in PlanKind.choices], "year": year, "kind": kind, "kinds": PlanKind.choices, "kind_label": PlanKind(kind).label,
        "monthly_chart": pages.monthly_chart(stats, kind), "unit_chart": pages.unit_chart(stats, kind),
        "monthly_rows": list(zip(pages.MONTHS, *stats.monthly[PlanKind(kind)], strict=True)),
        "years": [year - 1, year, year + 1],
    }, "statistics")


@login_required
@require_GET
def statistics_xlsx(request):
    year = parse_year(request.GET.get("year"))
    stats = queries.statistics(request.user, year)
    title, columns, rows, widths = documents.statistics_table(stats)
    return xlsx_response(f"{title}.xlsx", title, columns, rows, widths)


@login_required
@require_GET
def briefing_docx(request):
    year = parse_year(request.GET.get("year"))
    stats = queries.statistics(request.user, year)
    today = timezone.localdate()
    data = documents.briefing_docx(stats, queries.frequency(request.user, today.year, today.month),
                                   queries.merge_suggestions(request.user, today), today)
    return docx_response(documents.briefing_filename(year), data)
