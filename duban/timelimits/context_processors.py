"""The banner about provisional (暂定) years (TL-1), for the supervision
office (督查室) and the three administrators: from 1 November (when next
year's notice is due) and whenever the current year itself is provisional,
it names the provisional years, tells how many open rule-computed deadlines
are counted on them, and how the notice is entered (a link for the system
administrator, "请系统管理员录入" for the others). Everybody else sees
nothing and costs no query.

Two small queries for these roles: the official years from the rule's first
year on, and -- only when there is a banner -- one COUNT of the deadlines
(asked of the clocks app through the provisional_counted signal: this app
does not import the clocks)."""

import datetime as dt
import logging

from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from duban.org.models import Role
from duban.org.services import has_role

from . import statutory
from .models import CalendarYear
from .signals import provisional_counted

logger = logging.getLogger(__name__)

BANNER_FROM = (11, 1)  # month, day of the year before
BANNER_ROLES = (Role.SUPERVISOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def today() -> dt.date:
    return timezone.localdate()


def wanted_years(on: dt.date) -> list[int]:
    return [on.year, on.year + 1] if (on.month, on.day) >= BANNER_FROM else [on.year]


def _count(since: dt.datetime):
    for _receiver, answer in provisional_counted.send_robust(sender=CalendarYear, since=since):
        if isinstance(answer, Exception):
            logger.error("暂定期限计数失败：%s", answer, exc_info=answer)
        elif isinstance(answer, int):
            return answer
    return None


def calendar_banner(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_role(user, *BANNER_ROLES):
        return {}
    wanted = [y for y in wanted_years(today()) if statutory.supports(y)]
    if not wanted:
        return {}
    try:
        official = set(CalendarYear.objects.filter(year__gte=statutory.RULE_SINCE).values_list("year", flat=True))
    except DatabaseError:
        return {}
    years = [y for y in wanted if y not in official]
    if not years:
        return {}
    first = next(y for y in range(statutory.RULE_SINCE, years[0] + 1) if y not in official)
    count = _count(dt.datetime(first, 1, 1, tzinfo=timezone.get_default_timezone()))
    sysadmin = has_role(user, Role.SYSTEM_ADMIN)
    return {
        "calendar_banner": {
            "years": years,
            "named": "、".join(f"{y}年" for y in years),
            "count": count,
            "rule_name": statutory.RULE_NAME,
            "url": reverse("timelimits:calendar_paste") + f"?year={years[0]}" if sysadmin else "",
        }
    }
