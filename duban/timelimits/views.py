"""The official calendar's pages: every signed-in user may look at the
years, official and provisional (暂定); only the system administrator enters
or corrects a year (everybody else gets 404).

A year's schedule arrives three ways -- the State Council's notice pasted
as text, an iCalendar or JSON file, or day by day in the form -- and each
goes through the same preview (holidays, adjusted working days, the days
that change, how many rule-computed deadlines would move) before the
administrator confirms it. The confirmation enters the year
(services.enter_year) and shows the report of the moved deadlines (a page
of the clocks app, named by URL only: this app does not import the clocks).
"""

import calendar as pycalendar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.org.models import Role
from duban.org.services import has_role
from duban.security.permissions import require_role

from . import services, statutory
from .calendar import WEEKDAYS_ZH, get_calendar
from .forms import HolidayRangeFormSet, NoticeForm, ScheduleFileForm, YearForm
from .importers import MAX_BYTES, parse_schedule_file
from .models import CalendarDay, CalendarYear, DayKind
from .notice import parse_notice

sysadmin_required = require_role(Role.SYSTEM_ADMIN)

SIGNING_SALT = "duban.timelimits.schedule"
PREVIEW_MAX_AGE = 24 * 3600
METHODS = {"notice": "粘贴通知", "ics": "导入 iCalendar 文件", "json": "导入 JSON 文件", "form": "逐日录入",
           "package": "数据包"}


# ---- which years -------------------------------------------------------------


def provisional_years_shown(official=None) -> list[int]:
    """The provisional years the list shows: those up to two years after
    the last official one, and at least up to next year."""
    cal = get_calendar()
    official = set(cal.official_years if official is None else official)
    last = max(official) if official else timezone.localdate().year - 1
    upper = min(max(last + 2, timezone.localdate().year + 1), statutory.LAST_YEAR)
    return [y for y in range(statutory.RULE_SINCE, upper + 1) if cal.is_provisional(y)]


def first_provisional_year() -> int | None:
    shown = provisional_years_shown()
    return shown[0] if shown else None


def _provisional_row(year):
    rows = statutory.provisional_day_rows(year)
    return {"year": year, "holidays": sum(1 for r in rows if r[1] == DayKind.HOLIDAY),
            "workdays": sum(1 for r in rows if r[2])}


# ---- reading ---------------------------------------------------------------------


@login_required
def calendar_list(request):
    years = list(CalendarYear.objects.select_related("entered_by").order_by("-year"))
    counts = {
        row["year"]: row
        for row in CalendarDay.objects.values("year").annotate(
            holidays=Count("date", filter=Q(kind=DayKind.HOLIDAY)),
            adjusted=Count("date", filter=Q(kind=DayKind.ADJUSTED_WORKDAY)),
            workdays=Count("date", filter=Q(is_workday=True)),
        )
    }
    rows = [{"cy": cy, **counts.get(cy.year, {})} for cy in years]
    provisional = [_provisional_row(y) for y in reversed(provisional_years_shown({cy.year for cy in years}))]
    known = {cy.year for cy in years}
    next_year = provisional[-1]["year"] if provisional else ((max(known) + 1) if known else timezone.localdate().year)
    return render(request, "timelimits/calendar_list.html", {
        "rows": rows,
        "provisional": provisional,
        "rule_name": statutory.RULE_NAME,
        "next_year": next_year,
        "can_edit": has_role(request.user, Role.SYSTEM_ADMIN),
        "can_read_reports": has_role(request.user, Role.SYSTEM_ADMIN, Role.SUPERVISOR),
    })


def _month_grid(year, month, day_of):
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for d in week:
            if d.month != month:
                cells.append(None)
                continue
            kind, name = day_of(d)
            cells.append({"date": d, "kind": kind, "name": name, "label": DayKind(kind).label if kind else ""})
        weeks.append(cells)
    return {"month": month, "weeks": weeks}


@login_required
def calendar_year(request, year):
    cy = CalendarYear.objects.select_related("entered_by").filter(year=year).first()
    cal = get_calendar()
    if cy is not None:
        days = {d.date: (d.kind, d.name) for d in CalendarDay.objects.filter(year=year)}
        ranges, adjusted = services.derive_schedule(year)
        workday_count = CalendarDay.objects.filter(year=year, is_workday=True).count()
    elif cal.is_provisional(year):
        days = {}
        for row in statutory.provisional_day_rows(year):
            days[row[0]] = cal.day_kind(row[0])
        ranges = [services.HolidayRange(n, a, b) for n, a, b in statutory.provisional_ranges(year)]
        adjusted = []
        workday_count = sum(1 for d in days if cal.is_workday(d))
    else:
        raise Http404("该年度不在工作日历的范围内")
    return render(request, "timelimits/calendar_year.html", {
        "cy": cy,
        "year": year,
        "provisional": cy is None,
        "rule_name": statutory.RULE_NAME,
        "months": [_month_grid(year, m, lambda d: days.get(d, ("", ""))) for m in range(1, 13)],
        "weekday_names": [w.replace("星期", "") for w in WEEKDAYS_ZH],
        "ranges": ranges,
        "adjusted": adjusted,
        "workday_count": workday_count,
        "can_edit": has_role(request.user, Role.SYSTEM_ADMIN),
    })


# ---- the preview and the confirmation ------------------------------------------------


def _preview_page(request, schedule: services.Schedule, *, back: str):
    """The preview of a schedule, or the ValidationError that refuses it."""
    preview = services.preview(schedule)
    token = signing.dumps(preview.schedule.as_payload(), salt=SIGNING_SALT, compress=True)
    moves = preview.moves
    return render(request, "timelimits/calendar_preview.html", {
        "preview": preview,
        "schedule": preview.schedule,
        "year": preview.schedule.year,
        "method": METHODS.get(schedule.method, schedule.method),
        "adjusted": [(d, WEEKDAYS_ZH[d.weekday()]) for d in preview.schedule.adjusted_workdays],
        "moves": moves,
        "token": token,
        "back": back,
        "rule_name": statutory.RULE_NAME,
    })


def _errors_of(e: ValidationError) -> list[str]:
    return [m for msgs in e.message_dict.values() for m in msgs] if hasattr(e, "error_dict") else list(e.messages)


def _recomputation_url(cy):
    """The report of the deadlines the entry moved (the clocks app answers
    calendar_changed with its report), by URL name."""
    for answer in getattr(cy, "announced", None) or []:
        rec = getattr(answer, "recomputation", None)
        if rec is not None:
            try:
                return reverse("clocks:recomputation", args=[rec.pk])
            except NoReverseMatch:
                return None
    return None


@sysadmin_required
@require_POST
def calendar_confirm(request):
    try:
        payload = signing.loads(request.POST.get("token", ""), salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
        schedule = services.Schedule.from_payload(payload)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, "预览已失效或内容不完整，请重新录入")
        return redirect("timelimits:calendar_list")
    note = (request.POST.get("note") or schedule.note or "").strip()[:200]
    try:
        cy = services.enter_year(schedule.year, holidays=schedule.holidays,
                                 adjusted_workdays=schedule.adjusted_workdays, note=note, by=request.user)
    except ValidationError as e:
        for msg in _errors_of(e):
            messages.error(request, msg)
        return redirect("timelimits:calendar_list")
    messages.success(request, f"{schedule.year}年节假日安排已录入（{METHODS.get(schedule.method, '管理员录入')}），"
                              "新的日历立即生效，按规则计算的期限已重算")
    return redirect(_recomputation_url(cy) or reverse("timelimits:calendar_year", args=[schedule.year]))


# ---- the three ways in -------------------------------------------------------------------


def _default_year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return first_provisional_year() or timezone.localdate().year + 1


def _read_and_preview(request, form_class, template, field, read, url_name):
    """A page that reads a schedule from what the administrator gives
    (`read(form)` → Schedule) and shows its preview, or the form with the
    reason it was refused (on `field`)."""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                return _preview_page(request, read(form), back=reverse(url_name))
            except ValidationError as e:
                for msg in _errors_of(e):
                    form.add_error(field, msg)
    else:
        form = form_class(initial={"year": _default_year(request)})
    return render(request, template, {"form": form, "year": form["year"].value()})


@sysadmin_required
def calendar_paste(request):
    def read(form):
        return parse_notice(form.cleaned_data["text"], form.cleaned_data["year"]).schedule

    return _read_and_preview(request, NoticeForm, "timelimits/calendar_paste.html", "text", read,
                             "timelimits:calendar_paste")


@sysadmin_required
def calendar_import(request):
    def read(form):
        upload = form.cleaned_data["file"]
        return parse_schedule_file(upload.read(MAX_BYTES + 1), upload.name, form.cleaned_data["year"])

    return _read_and_preview(request, ScheduleFileForm, "timelimits/calendar_import.html", "file", read,
                             "timelimits:calendar_import")


def _initial_ranges(ranges):
    return [{"name": r.name, "start": r.start, "end": r.end} for r in ranges]


def _apply_service_errors(e: ValidationError, form, formset):
    if hasattr(e, "error_dict"):
        for key, errs in e.message_dict.items():
            if key in ("year", "note", "adjusted_workdays"):
                for msg in errs:
                    form.add_error(key, msg)
            else:
                formset._non_form_errors = formset.error_class(
                    list(formset.non_form_errors()) + list(errs), error_class="nonform"
                )
    else:
        form.add_error(None, e)


def _entry(request, *, year=None):
    """Day by day: a new year (year None) or the correction of an official
    one. A provisional year starts from the rule's computation."""
    editing = year is not None
    if request.method == "POST":
        form = YearForm(request.POST, fixed_year=year)
        formset = HolidayRangeFormSet(request.POST, prefix="h")
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            target = year if editing else form.cleaned_data["year"]
            if not editing and CalendarYear.objects.filter(year=target).exists():
                form.add_error("year", f"{target}年的日历已录入，请在该年度页面点“修改”")
            else:
                schedule = services.Schedule(target, formset.ranges(), form.cleaned_data["adjusted_workdays"],
                                             form.cleaned_data["note"], "form")
                back = reverse("timelimits:calendar_edit", args=[year]) if editing else reverse(
                    "timelimits:calendar_new") + f"?year={target}"
                try:
                    return _preview_page(request, schedule, back=back)
                except ValidationError as e:
                    _apply_service_errors(e, form, formset)
    else:
        if editing:
            cy = CalendarYear.objects.filter(year=year).first()
            ranges, adjusted = services.derive_schedule(year)
            form = YearForm(fixed_year=year, initial={
                "year": year,
                "note": cy.note if cy else "",
                "adjusted_workdays": "\n".join(d.isoformat() for d in adjusted),
            })
            formset = HolidayRangeFormSet(prefix="h", initial=_initial_ranges(ranges))
        else:
            proposed = _default_year(request)
            form = YearForm(initial={"year": proposed})
            if get_calendar().is_provisional(proposed):
                initial = [{"name": n, "start": a, "end": b} for n, a, b in statutory.provisional_ranges(proposed)]
            else:
                initial = [{"name": n} for n in services.STANDARD_HOLIDAYS]
            formset = HolidayRangeFormSet(prefix="h", initial=initial)
    return render(request, "timelimits/calendar_form.html", {
        "form": form,
        "formset": formset,
        "editing": editing,
        "year": year if editing else form["year"].value(),
        "rule_name": statutory.RULE_NAME,
        "from_rule": not editing and request.method != "POST" and get_calendar().is_provisional(
            _default_year(request)),
    })


@sysadmin_required
def calendar_new(request):
    return _entry(request)


@sysadmin_required
def calendar_edit(request, year):
    if not CalendarYear.objects.filter(year=year).exists():
        raise Http404("该年度日历尚未录入")
    return _entry(request, year=year)
