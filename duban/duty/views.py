"""Pages of 值班信息报送 (DUTY-1…5): the duty office's self-refreshing
screen, the roster by month, reporting an incident, the incident page (clocks,
phone and written reports with versions and 审签, figures and their
conflicts), and the duty bulletin (compile, issue, Word, instructions).

Thin like duban.supervision.views: reads from duban.duty.queries (404 when
not visible), writes through duban.duty.services. A ValidationError is shown
next to its form; a PermissionDenied on something the user can see is shown
as the services' Chinese message (the object's existence is no secret to
them); what they cannot see answers 404."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.core.officialdoc import docx_response
from duban.org.models import Unit
from duban.org.visibility import get_visible_or_404, visible, visible_ids
from duban.supervision.services import openable_matter_ids

from . import documents, forms, pages, queries, services
from .models import Bulletin, BulletinItem, BulletinState, DutyShift, Incident, IncidentState, WrittenReport

User = get_user_model()
PASSIVE_HEADERS = '{"X-Duban-Passive": "1"}'


def _messages_of(e: ValidationError) -> list:
    if hasattr(e, "error_dict"):
        return [m for msgs in e.message_dict.values() for m in msgs]
    return list(e.messages)


def _may_report(request) -> bool:
    """services.may_report for the request's user, asked once per request
    (the tabs and the screen's button both show it)."""
    if not hasattr(request, "_duban_may_report"):
        request._duban_may_report = services.may_report(request.user)
    return request._duban_may_report


def _tabs(request, current):
    tabs = [("screen", "值班工作台"), ("report", "报告突发事件"), ("roster", "值班表"), ("bulletins", "值班要情")]
    if current != "report" and not _may_report(request):
        tabs.remove(("report", "报告突发事件"))  # (its form answers 404 to them)
    return [{"url": reverse(f"duty:{key}"), "label": label, "current": key == current} for key, label in tabs]


# --- the duty screen ---------------------------------------------------------------

def _screen_context(request):
    state = request.GET.get("state", "")
    if state not in IncidentState.values:
        state = ""
    now = timezone.now()
    screen = queries.duty_screen(request.user, now=now)
    for rc in screen.running:
        rc.kind_label = pages.CLOCK_LABELS.get(rc.view.kind, rc.view.label)
    incidents = queries.incident_page(request.user, page=request.GET.get("page") or 1, state=state or None,
                                      now=now)
    return {
        "screen": screen, "now": now, "running": screen.running, "roster": screen.roster,
        "page": incidents, "incidents": incidents.object_list, "state": state,
        "query": f"state={state}" if state else "", "states": IncidentState.choices,
        "passive_headers": PASSIVE_HEADERS, "is_duty_office": services.is_duty_office(request.user),
        # the report button only for those who may report for some unit
        "can_report": _may_report(request),
    }


@login_required
@require_GET
def screen(request):
    """值班工作台: today's roster, running clocks, the incidents."""
    ctx = _screen_context(request)
    ctx["tabs"] = _tabs(request, "screen")
    return render(request, "duty/screen.html", ctx)


@login_required
@require_GET
def screen_live(request):
    """The self-refreshing part of the screen (htmx polling, passive)."""
    return render(request, "duty/_live.html", _screen_context(request))


# --- the roster ------------------------------------------------------------------------

@login_required
def roster(request):
    units = pages.actable_units(request.user)
    if not units:
        return render(request, "duty/roster.html", {"tabs": _tabs(request, "roster"), "units": []})
    source = request.POST if request.method == "POST" else request.GET
    ids = {str(pk) for pk, _, _ in units}
    unit_id = source.get("unit") if source.get("unit") in ids else str(pages.default_unit_id(request.user, units))
    unit = Unit.objects.get(pk=int(unit_id))
    year, month = pages.parse_month(source.get("month"))
    days = pages.month_days(year, month)
    officers, leaders = pages.roster_candidates(unit)
    errors, status = [], 200
    existing = {s.date: s for s in visible(DutyShift, request.user).filter(
        unit=unit, date__range=(days[0][0], days[-1][0]))}
    default_start, default_end = services.default_shift_times()
    hhmm = "{:%H:%M}".format
    values = {d: (str(s.officer_id), str(s.leader_id), s.note, hhmm(timezone.localtime(s.starts_at)),
                  hhmm(timezone.localtime(s.ends_at))) for d, s in existing.items()}
    if request.method == "POST":
        rows, values = [], {}
        for day, _, _ in days:
            o = request.POST.get(f"officer-{day.day}", "").strip()
            ld = request.POST.get(f"leader-{day.day}", "").strip()
            note = request.POST.get(f"note-{day.day}", "").strip()
            start = request.POST.get(f"start-{day.day}", "").strip()
            end = request.POST.get(f"end-{day.day}", "").strip()
            values[day] = (o, ld, note, start, end)
            if o or ld or note:
                rows.append({"date": day, "officer": o or None, "leader": ld or None, "note": note,
                             "start": start, "end": end})
        try:
            services.set_month_roster(unit, year, month, rows, request.user)
        except PermissionDenied as e:
            errors, status = [str(e)], 403
        except ValidationError as e:
            errors, status = _messages_of(e), 422
        else:
            messages.success(request, f"已保存{unit.name}{year}年{month}月值班表（{len(rows)}天）")
            return redirect(f"{reverse('duty:roster')}?unit={unit.pk}&month={year:04d}-{month:02d}")
    by_day = pages.errors_by_day(errors)
    blank = ("", "", "", hhmm(default_start), hhmm(default_end))
    grid = []
    for d, label, weekend in days:
        officer, leader, note, start, end = values.get(d, blank)
        grid.append({"date": d, "label": label, "weekend": weekend, "officer": officer, "leader": leader,
                     "note": note, "start": start or hhmm(default_start), "end": end or hhmm(default_end),
                     "errors": by_day.get(d.day, [])})
    prev_y, prev_m = pages.shift_month(year, month, -1)
    next_y, next_m = pages.shift_month(year, month, 1)
    return render(request, "duty/roster.html", {
        "tabs": _tabs(request, "roster"), "units": units, "unit": unit, "year": year, "month": month,
        "month_value": f"{year:04d}-{month:02d}", "grid": grid, "officers": officers, "leaders": leaders,
        "errors": errors, "prev": f"{prev_y:04d}-{prev_m:02d}", "next": f"{next_y:04d}-{next_m:02d}",
    }, status=status)


# --- reporting an incident ------------------------------------------------------------

@login_required
def report_incident(request):
    units = pages.actable_units(request.user)
    if not units:
        raise Http404("页面不存在")
    if request.method == "POST":
        form = forms.IncidentForm(request.POST, units=units)
        if form.is_valid():
            try:
                incident = services.report_incident(request.user, **form.service_data())
            except PermissionDenied as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                forms.apply_errors(form, e)
            else:
                messages.success(request, "已报告突发事件，报送时限开始计时：电话15分钟、书面30分钟、最迟2小时")
                return redirect(incident.get_absolute_url())
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = forms.IncidentForm(units=units, initial={
            "reporting_unit": str(pages.default_unit_id(request.user, units)), "learned_at": now,
            "occurred_at": now, "level": "general"})
    return render(request, "duty/report_form.html", {"form": form, "tabs": _tabs(request, "report")},
                  status=422 if request.method == "POST" else 200)


# --- the incident page ------------------------------------------------------------------

def _incident_context(request, pk, bound=None):
    """Everything the incident body shows; `bound`: {form key: bound form}
    of a form that failed, shown with its errors."""
    bound = bound or {}
    user = request.user
    now = timezone.now()
    detail = queries.incident_detail(user, pk, now=now)
    inc = detail.incident
    rows = pages.report_rows(detail, user, now)
    for cv in detail.clocks:
        cv.kind_label = pages.CLOCK_LABELS.get(cv.kind, cv.label)
    for row in rows:
        key = f"sign-{row.report.pk}"
        row.sign_form = bound.get(key) or forms.SignForm(auto_id=f"id_{key}_%s")
        row.sign_open = key in bound
        key = f"revise-{row.report.pk}"
        row.revise_form = bound.get(key) or forms.ReviseForm.for_version(row.current, auto_id=f"id_{key}_%s")
        row.revise_open = key in bound
    may_phone = inc.state == IncidentState.OPEN and services.may_act_for_unit(user, inc.reporting_unit)
    write_units = pages.writable_units(detail, user)
    phone_form = bound.get("phone")
    if phone_form is None and may_phone:
        phone_form = forms.PhoneForm(auto_id="id_phone_%s", initial={
            "called_at": timezone.localtime(now).replace(second=0, microsecond=0),
            "caller_name": user.get_full_name()})
    write_form = bound.get("write")
    if write_form is None and write_units:
        kind = "follow_up" if detail.reports else "first"
        write_form = forms.WrittenForm(units=write_units, auto_id="id_write_%s", initial={"kind": kind})
    return {
        "detail": detail, "inc": inc, "clocks": detail.clocks, "phones": detail.phone_reports, "rows": rows,
        "may_phone": may_phone, "phone_form": phone_form, "phone_open": "phone" in bound,
        "write_form": write_form, "write_open": "write" in bound,
        "figure_headers": pages.figure_headers(), "figures": pages.figure_rows(detail.history, detail.conflicts),
        "conflicts": pages.conflict_rows(detail.conflicts), "history": pages.history_rows(detail.history),
        "involved": list(inc.involved_units.all()), "now": now, "tabs": _tabs(request, "screen"),
    }


@login_required
@require_GET
def incident(request, pk):
    return render(request, "duty/incident.html", _incident_context(request, pk))


def _answer(request, pk, ok_message=None, bound=None):
    """After an action on the incident page: htmx gets the refreshed body,
    a plain form post a redirect (success) or the page with errors (422)."""
    if ok_message:
        messages.success(request, ok_message)
    if request.htmx:
        return render(request, "duty/_incident_body.html",
                      {**_incident_context(request, pk, bound), "partial": True})
    if bound is None:
        return redirect("duty:incident", pk)
    return render(request, "duty/incident.html", _incident_context(request, pk, bound), status=422)


def _run(form, call):
    """Call the service; put its refusal on the form. True when it succeeded."""
    try:
        call()
    except PermissionDenied as e:
        form.add_error(None, str(e) or "无权执行此操作")
    except ValidationError as e:
        forms.apply_errors(form, e)
    else:
        return True
    return False


@login_required
@require_POST
def record_phone(request, pk):
    detail = queries.incident_detail(request.user, pk)
    form = forms.PhoneForm(request.POST, auto_id="id_phone_%s")
    if form.is_valid() and _run(form, lambda: services.record_phone_report(
            detail.incident, request.user, **form.service_data())):
        return _answer(request, pk, "已记录电话报告")
    return _answer(request, pk, bound={"phone": form})


@login_required
@require_POST
def write_report(request, pk):
    detail = queries.incident_detail(request.user, pk)
    form = forms.WrittenForm(request.POST, units=pages.writable_units(detail, request.user), auto_id="id_write_%s")
    if form.is_valid() and _run(form, lambda: services.create_written_report(
            detail.incident, request.user, **form.service_data())):
        return _answer(request, pk, "已保存书面报告，须经带班领导或主要领导审签后报送")
    return _answer(request, pk, bound={"write": form})


def _visible_report(request, pk):
    return get_visible_or_404(WrittenReport.objects.select_related("incident", "unit", "current_version"),
                              request.user, pk=pk)


@login_required
@require_POST
def revise_report(request, pk):
    report = _visible_report(request, pk)
    key = f"revise-{report.pk}"
    form = forms.ReviseForm(request.POST, auto_id=f"id_{key}_%s")
    if form.is_valid() and _run(form, lambda: services.revise_report(
            report, request.user, text=form.cleaned_data.get("text", ""), figures=form.figures())):
        return _answer(request, report.incident_id, "已修改报告，生成新版本；需重新审签后报送")
    return _answer(request, report.incident_id, bound={key: form})


@login_required
@require_POST
def sign_report(request, pk):
    report = _visible_report(request, pk)
    key = f"sign-{report.pk}"
    form = forms.SignForm(request.POST, auto_id=f"id_{key}_%s")
    if form.is_valid() and _run(form, lambda: services.sign_report(
            report, request.user, form.cleaned_data.get("password", ""))):
        return _answer(request, report.incident_id, "已审签并报送")
    return _answer(request, report.incident_id, bound={key: form})


# --- the bulletin -------------------------------------------------------------------------

@login_required
@require_GET
def bulletins(request):
    rows = list(visible(Bulletin, request.user).select_related("compiled_by", "issued_by")
                .order_by("-compiled_at", "-id")[:100])
    return render(request, "duty/bulletins.html", {
        "tabs": _tabs(request, "bulletins"), "bulletins": rows,
        "may_compile": services.is_duty_office(request.user)})


def _posted_items(post):
    """(service items in screen order, {report pk: (checked, heading, summary)})."""
    items, posted = [], {}
    for raw in post.getlist("report"):
        try:
            pk = int(raw)
        except ValueError:
            continue
        checked = post.get(f"pick-{pk}") == "1"
        heading = post.get(f"heading-{pk}", "").strip()
        summary = post.get(f"summary-{pk}", "").strip()
        posted[pk] = (checked, heading, summary)
        if checked:
            items.append({"report": pk, "heading": heading, "summary": summary})
    return items, posted


def _compile_page(request, bulletin=None):
    if not services.is_duty_office(request.user):
        raise Http404("页面不存在")
    errors, posted = [], None
    title = bulletin.title if bulletin else f"值班要情（{timezone.localdate():%Y年%-m月%-d日}）"
    if request.method == "POST":
        title = request.POST.get("title", "")
        items, posted = _posted_items(request.POST)
        try:
            if bulletin is None:
                bulletin = services.create_bulletin(request.user, title=title, items=items)
                note = "已编辑值班要情，核对后可印发"
            else:
                services.update_bulletin(bulletin, request.user, title=title, items=items)
                note = "已保存修改"
        except PermissionDenied as e:
            errors = [str(e)]
        except ValidationError as e:
            errors = _messages_of(e)
        else:
            messages.success(request, note)
            return redirect("duty:bulletin", bulletin.pk)
    return render(request, "duty/bulletin_form.html", {
        "tabs": _tabs(request, "bulletins"), "bulletin": bulletin, "title": title, "errors": errors,
        "rows": pages.bulletin_candidates(request.user, bulletin, posted),
    }, status=422 if errors else 200)


@login_required
def bulletin_new(request):
    return _compile_page(request)


@login_required
def bulletin_edit(request, pk):
    b = get_visible_or_404(Bulletin, request.user, pk=pk)
    if b.state != BulletinState.DRAFT:
        messages.error(request, "要情已印发，不能再修改")
        return redirect("duty:bulletin", b.pk)
    return _compile_page(request, b)


def _bulletin_context(request, b, bound=None):
    bound = bound or {}
    items = pages.bulletin_items(b, request.user)
    may_instruct = b.state == BulletinState.ISSUED and pages.is_instruction_recorder(request.user, b)
    for item in items:
        key = f"instruct-{item.pk}"
        item.form = bound.get(key) or (forms.InstructionForm(auto_id=f"id_{key}_%s") if may_instruct else None)
        item.form_open = key in bound
    # An item's source incident is linked only for those who may open it
    # (a reader of the bulletin need not see the incident: ORG-3).
    openable = visible_ids(Incident, request.user, (item.report.incident_id for item in items if item.report_id))
    openable_matters = openable_matter_ids(request.user,
                                           (ins.matter_id for item in items for ins in item.instruction_list))
    return {"tabs": _tabs(request, "bulletins"), "b": b, "items": items, "may_instruct": may_instruct,
            "may_issue": b.state == BulletinState.DRAFT and services.is_duty_office(request.user),
            "openable_incidents": openable, "openable_matters": openable_matters}


@login_required
@require_GET
def bulletin(request, pk):
    b = get_visible_or_404(Bulletin.objects.select_related("compiled_by", "issued_by", "unit"), request.user, pk=pk)
    return render(request, "duty/bulletin.html", _bulletin_context(request, b))


@login_required
@require_POST
def bulletin_issue(request, pk):
    b = get_visible_or_404(Bulletin, request.user, pk=pk)
    try:
        services.issue_bulletin(b, request.user)
    except (PermissionDenied, ValidationError) as e:
        messages.error(request, "；".join(_messages_of(e)) if isinstance(e, ValidationError) else str(e))
    else:
        messages.success(request, f"已印发值班要情{b.year}年{b.number_text}，可下载Word文件")
    return redirect("duty:bulletin", b.pk)


@login_required
@require_GET
def bulletin_docx(request, pk):
    b = get_visible_or_404(Bulletin, request.user, pk=pk)
    return docx_response(documents.bulletin_filename(b), documents.bulletin_docx(b))


@login_required
@require_POST
def record_instruction(request, pk):
    item = get_visible_or_404(BulletinItem.objects.select_related("bulletin"), request.user, pk=pk)
    b = item.bulletin
    key = f"instruct-{item.pk}"
    form = forms.InstructionForm(request.POST, auto_id=f"id_{key}_%s")
    result = {}
    if form.is_valid():
        d = form.cleaned_data
        leader = User.objects.filter(pk=d["leader"]).first() if d.get("leader") else None
        units = [u for u in [d.get("lead_unit"), *d.get("units", [])] if u]
        due = d.get("due_date")  # a date: supervision sets the end of that working day

        def call():
            result["ins"] = services.record_instruction(
                item, leader, d.get("text", ""), units, request.user, instructed_at=d.get("instructed_at"),
                due_at=due)

        if _run(form, call):
            ins = result["ins"]
            messages.success(request, f"已录入批示并传达：督办事项 {ins.matter.number} 已交办有关单位，"
                                      f"并告知{ins.matter.supervising_unit.name}")
            return redirect(reverse("duty:bulletin", args=[b.pk]) + f"#item-{item.pk}")
    b = Bulletin.objects.select_related("compiled_by", "issued_by", "unit").get(pk=b.pk)
    return render(request, "duty/bulletin.html", _bulletin_context(request, b, {key: form}), status=422)
