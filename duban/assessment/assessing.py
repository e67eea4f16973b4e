"""What the assessment itself hands to the registry (duban.core.assessing;
`assessment_sources` on AssessmentConfig): the error notices' deductions
(EVAL-1 feeds EVAL-2). An error whose objection was upheld in the unit's
favour (撤销) no longer counts."""

from django.urls import reverse

from duban.core.assessing import Entry, IndicatorSource
from duban.core.services import local_date

from .models import ErrorRecord, ErrorState


def errors(span):
    rows = (ErrorRecord.objects.filter(occurred_on__gte=local_date(span.start), occurred_on__lt=local_date(span.end),
                                       unit_id__in=span.subtree())
            .exclude(state=ErrorState.REVOKED).select_related("category"))
    for e in rows:
        yield Entry(unit_id=e.unit_id, ref=f"assessment.error:{e.pk}", label=f"{e.category.name}：{e.description[:60]}",
                    url=reverse("assessment:error", args=[e.pk]), value=e.deduction, note=e.get_state_display())


def sources():
    return [IndicatorSource("assessment.errors", "差错扣分", "sum", "分", errors,
                            "本期差错通报登记的差错扣分（异议成立撤销的不计）")]
