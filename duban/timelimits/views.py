"""The official calendar's pages: every signed-in user may look at the
known years; only the system administrator enters or corrects a year
(everybody else gets 404)."""

import calendar as pycalendar
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from duban.org.models import Role
from duban.org.services import has_role

from . import services
from .calendar import WEEKDAYS_ZH
from .forms import HolidayRangeFormSet, YearForm
from .models import CalendarDay, CalendarYear, DayKind


def sysadmin_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not has_role(request.user, Role.SYSTEM_ADMIN):
            raise Http404("页面不存在")
        return view(request, *args, **kwargs)

    return wrapper


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
    known = {cy.year for cy in years}
    next_year = (max(known) + 1) if known else timezone.localdate().year
    return render(request, "timelimits/calendar_list.html", {
        "rows": rows,
        "next_year": next_year,
        "can_edit": has_role(request.user, Role.SYSTEM_ADMIN),
    })


def _month_grid(year, month, days):
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for d in week:
            if d.month != month:
                cells.append(None)
                continue
            day = days.get(d)
            cells.append({"date": d, "kind": day.kind if day else "", "name": day.name if day else "",
                          "label": day.get_kind_display() if day else ""})
        weeks.append(cells)
    return {"month": month, "weeks": weeks}


@login_required
def calendar_year(request, year):
    cy = CalendarYear.objects.select_related("entered_by").filter(year=year).first()
    if cy is None:
        raise Http404("该年度日历尚未录入")
    days = {d.date: d for d in CalendarDay.objects.filter(year=year)}
    ranges, adjusted = services.derive_schedule(year)
    return render(request, "timelimits/calendar_year.html", {
        "cy": cy,
        "months": [_month_grid(year, m, days) for m in range(1, 13)],
        "weekday_names": [w.replace("星期", "") for w in WEEKDAYS_ZH],
        "ranges": ranges,
        "adjusted": adjusted,
        "workday_count": sum(1 for d in days.values() if d.is_workday),
        "can_edit": has_role(request.user, Role.SYSTEM_ADMIN),
    })


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
    """New year (year None) or correction of an existing year."""
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
                try:
                    services.enter_year(
                        target,
                        holidays=formset.ranges(),
                        adjusted_workdays=form.cleaned_data["adjusted_workdays"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                    )
                except ValidationError as e:
                    _apply_service_errors(e, form, formset)
                else:
                    messages.success(request, f"{target}年节假日安排已保存，新的日历立即生效")
                    return redirect(reverse("timelimits:calendar_year", args=[target]))
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
            try:
                proposed = int(request.GET.get("year", ""))
            except ValueError:
                known = list(CalendarYear.objects.order_by("-year").values_list("year", flat=True)[:1])
                proposed = (known[0] + 1) if known else timezone.localdate().year
            form = YearForm(initial={"year": proposed})
            formset = HolidayRangeFormSet(prefix="h",
                                          initial=[{"name": n} for n in services.STANDARD_HOLIDAYS])
    return render(request, "timelimits/calendar_form.html", {
        "form": form,
        "formset": formset,
        "editing": editing,
        "year": year,
    })


@sysadmin_required
def calendar_new(request):
    return _entry(request)


@sysadmin_required
def calendar_edit(request, year):
    if not CalendarYear.objects.filter(year=year).exists():
        raise Http404("该年度日历尚未录入")
    return _entry(request, year=year)
