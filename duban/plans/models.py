"""计划管理、源头管控 (MEET-4; seed 000 §二(四): 实施计划管理、加强源头管控，
实现精文减会少督; seed 004 §9, §17): each issuing unit's annual plan of
meetings, documents and inspections (督查检查考核), and the usage counted
against it.

Usage rows are written by the apps whose records count (a registered
meeting, an issued document, a filed inspection) through the hand-over
`duban.plans.services.count_against_plan`; the plan app never reads their
tables. A record withdrawn (a cancelled meeting) keeps its row, marked
withdrawn, so the count can be explained afterwards.

A plan (AnnualPlan) holds, per unit, year and kind, last year's actual
count (the baseline) and the year's quota, by default no more than the
baseline (PlanSetting growth_over_baseline_pct = 0). The unit and the
controlling office (督查室 whose jurisdiction covers the unit) are warned at
80% and at 100% (PlanSetting rows); beyond the quota a record needs an
approved written explanation (ExcessRequest). Inspections are filed
(备案) here with their target units, so that the frequency with which each
unit is inspected is visible and visits that fall close together are
suggested for merging (督查过频)."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from duban.core.models import SeedNumber
from duban.org.models import Unit
from duban.org.visibility import VisibilitySpec


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
    # What the counting app says about the record (the statistics count
    # them per unit): "以文件落实文件", "超篇幅", …
    flags = models.JSONField("标记", default=list, blank=True)
    over_plan = models.BooleanField("超出计划", default=False)

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = verbose_name_plural = "计划使用"
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], name="plans_usage_one_per_source")]
        indexes = [models.Index(fields=["unit", "year", "kind"], name="plans_usage_unit_year_kind"),
                   models.Index(fields=["year", "kind", "occurred_on"], name="plans_usage_year_kind_day")]

    def __str__(self):
        return f"{self.unit} {self.year}年{self.get_kind_display()}：{self.title}"


class AnnualPlan(models.Model):
    """One unit's plan of one kind for one year: last year's actual count
    and the quota. Written by duban.plans.services.set_plan."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="annual_plans", verbose_name="计划单位")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=16, choices=PlanKind.choices)
    baseline = models.PositiveIntegerField("上年实际")
    quota = models.PositiveIntegerField("年度计划数")
    reason = models.TextField("计划高于上年的理由", blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="制定人")
    set_at = models.DateTimeField("制定时间")
    warned_near_at = models.DateTimeField("接近计划预警时间", null=True, blank=True)
    warned_full_at = models.DateTimeField("达到计划预警时间", null=True, blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = verbose_name_plural = "年度计划"
        ordering = ["year", "unit__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="plans_plan_once")]
        indexes = [models.Index(fields=["year", "kind"], name="plans_plan_year_kind")]

    def __str__(self):
        return f"{self.unit} {self.year}年{self.get_kind_display()}计划 {self.quota}"

    def get_absolute_url(self):
        return reverse("plans:plan", args=[self.pk])


class ExcessState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class ExcessRequest(models.Model):
    """A unit's written explanation for going beyond its plan (超计划说明),
    approved or not by the controlling office. An approved one lets the
    unit go `extra` records beyond the quota."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.PROTECT, related_name="excess_requests",
                             verbose_name="年度计划")
    extra = models.PositiveIntegerField("申请超出数量")
    explanation = models.TextField("书面说明")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间")
    state = models.CharField("状态", max_length=10, choices=ExcessState.choices, default=ExcessState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    visibility = VisibilitySpec(via=("plan",))

    class Meta:
        verbose_name = verbose_name_plural = "超计划说明"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "requested_at"], name="plans_excess_state")]

    def __str__(self):
        return f"{self.plan}：超出{self.extra}（{self.get_state_display()}）"


class InspectionKind(models.TextChoices):
    INSPECTION = "inspection", "督查"
    CHECK = "check", "检查"
    ASSESSMENT = "assessment", "考核"


class InspectionState(models.TextChoices):
    FILED = "filed", "已备案"
    CANCELLED = "cancelled", "已取消"


class Inspection(models.Model):
    """A 督查、检查 or 考核 one unit plans to carry out at others, filed
    (备案) in its plan with its target units and dates."""

    organizer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="inspections_organized",
                                  verbose_name="组织单位")
    kind = models.CharField("类别", max_length=12, choices=InspectionKind.choices)
    title = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    targets = models.ManyToManyField(Unit, related_name="inspections_received", verbose_name="被检查单位")
    state = models.CharField("状态", max_length=10, choices=InspectionState.choices, default=InspectionState.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="备案人")
    filed_at = models.DateTimeField("备案时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    visibility = VisibilitySpec(unit_fields=("organizer",), multi_unit_fields=("targets",))

    class Meta:
        verbose_name = verbose_name_plural = "督查检查考核"
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["state", "starts_on"], name="plans_inspection_start")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:inspection", args=[self.pk])


class PlanSetting(SeedNumber):
    """The numbers of plan management an administrator edits: the growth
    allowed over last year, the warning thresholds, what counts as
    inspecting a unit too often and the window for merging visits."""

    class Meta(SeedNumber.Meta):
        verbose_name = verbose_name_plural = "计划管理参数"
