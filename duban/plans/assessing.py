"""What 计划管理 hands to the assessment (duban.core.assessing;
`assessment_sources` on PlansConfig). Reads only. The meetings, documents
and inspections counted against the plans (PlanUsage, written by the apps
that own those records through count_against_plan):
- plans.over_plan  超计划: records of the period counted beyond the plan;
- plans.forwarding 以文件落实文件: documents of the period flagged so.
"""

from django.urls import reverse

from duban.core.assessing import Entry, IndicatorSource
from duban.core.services import local_date

from .models import PlanUsage
from .queries import FORWARDING


def _usage(span):
    return (PlanUsage.objects.filter(occurred_on__gte=local_date(span.start), occurred_on__lt=local_date(span.end),
                                     withdrawn_at__isnull=True, unit_id__in=span.subtree())
            .order_by("occurred_on", "id"))


def _entry(u, note):
    return Entry(unit_id=u.unit_id, ref=f"plans.usage:{u.pk}", label=u.title,
                 url=reverse("plans:plans") + f"?year={u.year}", note=f"{u.get_kind_display()}：{note}")


def over_plan(span):
    for u in _usage(span).filter(over_plan=True):
        yield _entry(u, "超出年度计划")


def forwarding(span):
    for u in _usage(span).filter(kind="document"):
        if FORWARDING in (u.flags or []):
            yield _entry(u, FORWARDING)


def sources():
    return [
        IndicatorSource("plans.over_plan", "超计划会议发文检查", "count", "项", over_plan,
                        "本期超出年度计划召开的会议、印发的文件和开展的督查检查考核"),
        IndicatorSource("plans.forwarding", "以文件落实文件", "count", "件", forwarding,
                        "本期被督查室标记为以文件落实文件的发文"),
    ]
