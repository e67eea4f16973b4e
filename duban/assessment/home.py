"""The assessment's cards on the workbench (core.home): a leader's field
work against the year's targets (with the warning when behind) and the
dashboards; the office's objections waiting for a decision; a unit's place
in the last published ranking."""

from django.urls import reverse
from django.utils import timezone

from duban.core.home import HomeCard
from duban.org.models import Role
from duban.org.visibility import visible

from . import dashboard, queries, services
from .models import ErrorRecord, ErrorState, Period, PeriodState, Result


def cards(user, roles) -> list:
    out = []
    today = timezone.localdate()
    person = getattr(user, "person", None)
    if person is not None and services.is_leader(user):
        p = queries.progress_for([person], today.year, today)[0]
        lines = [f"{today.year}年一线工作 {p.days}/{p.target_days} 天，调研报告 {p.reports}/{p.target_reports} 篇"]
        if p.warning:
            lines.append(f"⚠ {p.warning}")
        out.append(HomeCard("一线工作法", reverse("assessment:leader_fieldwork", args=[user.pk]), lines=lines,
                            links=[("记录一线工作", reverse("assessment:leader_fieldwork", args=[user.pk]))], order=60))
    if dashboard.roots_of(user):
        links = [("驾驶舱", reverse("assessment:dashboard"))]
        if Role.LEADER in roles:
            links.append(("领导驾驶舱", reverse("assessment:leader_dashboard")))
        lines = []
        if Role.SUPERVISOR in roles:
            n = visible(ErrorRecord, user).filter(state=ErrorState.OBJECTED).count()
            if n:
                lines.append(f"{n}条差错异议待处理")
        last = visible(Period, user).filter(state=PeriodState.PUBLISHED).order_by("-ends_on").first()
        if last is not None:
            lines.append(f"最近发布：{last.title}考核排名")
            links.append(("考核排名", last.get_absolute_url()))
        out.append(HomeCard("考核评价与驾驶舱", reverse("assessment:dashboard"), lines=lines or ["各类统计每分钟更新"],
                            links=links, order=55))
    elif person is not None and roles & {Role.LIAISON, Role.UNIT_HEAD}:
        r = (visible(Result, user).filter(period__state=PeriodState.PUBLISHED, unit__path__in=person.unit.ancestor_paths())
             .select_related("period", "unit").order_by("-period__ends_on").first())
        if r is not None:
            out.append(HomeCard("考核评价", r.get_absolute_url(), lines=[
                f"{r.period.title}：{r.unit.name}在{r.group_size}个同类单位中列第{r.rank}名（{r.tier}），总分{r.total}"],
                links=[("差错通报", reverse("assessment:errors"))], order=55))
    return out
