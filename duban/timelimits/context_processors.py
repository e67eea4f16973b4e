"""The banner that tells the system administrator a year's official
schedule is missing: the current year, or from 1 November the next one."""

import datetime as dt

from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from duban.org.models import Role
from duban.org.services import has_role

from .models import CalendarYear

BANNER_FROM = (11, 1)  # month, day of the year before


def today() -> dt.date:
    return timezone.localdate()


def wanted_years(on: dt.date) -> list[int]:
    return [on.year, on.year + 1] if (on.month, on.day) >= BANNER_FROM else [on.year]


def calendar_banner(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_role(user, Role.SYSTEM_ADMIN):
        return {}
    wanted = wanted_years(today())
    try:
        # One small query, for the system administrator only (deterministic,
        # so that pages' query counts do not depend on a cache).
        known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    except DatabaseError:
        return {}
    years = [y for y in wanted if y not in known]
    if not years:
        return {}
    return {
        "calendar_banner": {
            "years": years,
            "message": "、".join(f"{y}年" for y in years) + "节假日安排尚未录入",
            "url": reverse("timelimits:calendar_new") + f"?year={years[0]}",
        }
    }
