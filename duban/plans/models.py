"""计划管理、源头管控 (MEET-4): each issuing unit's annual plan of meetings,
documents and inspections (督查检查考核), and the usage counted against it.

Usage rows are written by the apps whose records count (a registered
meeting, a registered document, a filed inspection) through the hand-over
`duban.plans.services.count_against_plan`; the plan app never reads their
tables. A record withdrawn (a cancelled meeting) keeps its row, marked
withdrawn, so the count can be explained afterwards."""

from django.conf import settings
from django.db import models

from duban.org.models import Unit


class PlanKind(models.TextChoices):
    MEETING = "meeting", "会议"
    DOCUMENT = "document", "文件"
    INSPECTION = "inspection", "督查检查考核"


class PlanUsage(models.Model):
    """One meeting, document or inspection counted against its unit's plan
    of the year it happens in."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="plan_usage", verbose_name="计划单位")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=16, choices=PlanKind.choices)
    occurred_on = models.DateField("日期")
    source_type = models.CharField("来源类型", max_length=60)  # "meetings.meeting", "documents.document", …
    source_id = models.CharField("来源编号", max_length=40)
    title = models.CharField("名称", max_length=200)
    counted_at = models.DateTimeField("计入时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="计入人")

    class Meta:
        verbose_name = verbose_name_plural = "计划使用"
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], name="plans_usage_one_per_source")]
        indexes = [models.Index(fields=["unit", "year", "kind"], name="plans_usage_unit_year_kind")]

    def __str__(self):
        return f"{self.unit} {self.year}年{self.get_kind_display()}：{self.title}"
