"""The plan app's card on the workbench (core.home): the unit's (or, for
the controlling office, every unit's) plans that reached their warning
line this year."""

from django.urls import reverse
from django.utils import timezone

from duban.core.home import HomeCard
from duban.org.models import Role

from . import queries


def cards(user, roles) -> list:
    if not roles & {Role.LIAISON, Role.UNIT_HEAD, Role.SUPERVISOR}:
        return []
    year = timezone.localdate().year
    _, rows = queries.plan_overview(user, year, per_page=500)
    warned = [(r.unit, c) for r in rows for c in r.cells if c.status in ("near", "full", "over")]
    lines = [f"{unit.name}{c.plan.get_kind_display()}：已计入{c.used}项，计划{c.plan.quota}项（{c.status_label}）"
             for unit, c in warned[:5]]
    if len(warned) > 5:
        lines.append(f"……共{len(warned)}项达到预警线")
    if not lines:
        lines = [f"{year}年会议、发文、督查检查考核均在计划之内。"]
    links = [("年度计划", reverse("plans:plans")), ("受检频次", reverse("plans:frequency"))]
    if Role.SUPERVISOR in roles:
        links.append(("统计分析", reverse("plans:statistics")))
    return [HomeCard("精文减会·计划管理", reverse("plans:plans"), lines=lines, links=links, order=25)]
