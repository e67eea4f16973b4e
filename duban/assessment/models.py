"""考核评价 (EVAL-1…4, OUT-3): indicators and their scores, error notices,
achievement records, field work, and the dashboards' precomputed tallies.

The assessment reads other apps only through the registry of
duban.core.assessing (each app's `assessment_sources`): an indicator row
names a formula source by its code; a period's computation gathers the
entries (records) of every source, keeps them as InputRecord rows with the
figures (Figure) and the ranking (Result), and a published period is frozen
with the SM3 hash of that input set journaled, so that recomputing it later
shows whether, and what, changed.

Every write goes through duban.assessment.services (one transaction, one
journal event)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from duban.core.models import SeedNumber
from duban.org.models import UnitKind
from duban.org.visibility import VisibilitySpec, subtree_ids


def _member_of(user, scope):
    """The ids of the units above the user's own unit (and it): a published
    period or notice of one of them concerns the user's unit."""
    from duban.org.models import Unit

    if scope.own_unit is None:
        return Unit.objects.none().values("pk")
    return Unit.objects.filter(path__in=scope.own_unit.ancestor_paths()).values("pk")


def _published_to_members(user, scope) -> Q:
    return Q(state=PeriodState.PUBLISHED, scope_id__in=_member_of(user, scope))


def _issued_to_members(user, scope) -> Q:
    return Q(scope_id__in=_member_of(user, scope))


def _office_or_published(user, scope) -> Q:
    """Records of a period not yet published are the office's working copy."""
    q = Q(period__state=PeriodState.PUBLISHED)
    if scope.jurisdictions:
        q |= Q(period__scope_id__in=subtree_ids(scope.jurisdictions))
    return q


class AssessmentSetting(SeedNumber):
    """The numbers of the assessment an administrator edits: the weights of
    lead and cooperating units, field work's yearly targets and pace, how
    long a unit may object to an error, how often the dashboards' tallies
    are refreshed."""

    class Meta(SeedNumber.Meta):
        verbose_name = verbose_name_plural = "考核参数"


class Direction(models.TextChoices):
    HIGHER = "higher", "越高越好"
    LOWER = "lower", "越低越好"


ASSESSED_KINDS = [(UnitKind.DEPARTMENT.value, UnitKind.DEPARTMENT.label), (UnitKind.TOWN.value, UnitKind.TOWN.label)]


class Indicator(models.Model):
    """One indicator (考核指标): the formula source it reads
    (duban.core.assessing), which way is better, its weight, the unit
    types it applies to, and whether its count is normalised by workload."""

    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=60)
    source = models.CharField("数据来源", max_length=60,
                              help_text="公式来源代码，如 supervision.on_time（由各业务模块登记）")
    direction = models.CharField("方向", max_length=10, choices=Direction.choices)
    weight = models.DecimalField("权重（分）", max_digits=6, decimal_places=2)
    unit_kinds = models.JSONField("适用单位类型", default=list, help_text="如 [\"department\", \"town\"]")
    normalise = models.BooleanField("按工作量折算", default=False,
                                    help_text="计数按本单位工作量折算到同类单位平均工作量，不因事项多而吃亏")
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    seed_section = models.CharField("出处", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核指标"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.name}（{self.weight}分）"


class Tier(models.Model):
    """A tier of the ranking (好 / 较好 / 一般 / 较差): the units whose rank
    lies within the first `share_pct` per cent of their group (after the
    tiers before it), and the points the tier carries into the annual
    target assessment, with wider gaps between lower tiers (seed 001 §三.6:
    拉大不同档次间差距)."""

    name = models.CharField("档次", max_length=20, unique=True)
    share_pct = models.PositiveSmallIntegerField("累计名次比例（%）", help_text="排名在同类单位前百分之几以内")
    points = models.DecimalField("档次分值", max_digits=6, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    seed_section = models.CharField("出处", max_length=120, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核档次"
        ordering = ["sort_order", "share_pct"]

    def __str__(self):
        return f"{self.name}（前{self.share_pct}%，{self.points}分）"


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class PeriodState(models.TextChoices):
    DRAFT = "draft", "试算"
    PUBLISHED = "published", "已发布"


class Period(models.Model):
    """An assessment period of the units under `scope` (the county's
    government): monthly, quarterly or annual. Computed (试算) as often as
    the office likes; published once, then frozen."""

    scope = models.ForeignKey("org.Unit", verbose_name="考核范围", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("周期", max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("序号", help_text="月份、季度或 1（年度）")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    state = models.CharField("状态", max_length=10, choices=PeriodState.choices, default=PeriodState.DRAFT)
    config = models.JSONField("计算口径", default=dict, blank=True,
                              help_text="计算时的指标、权重、档次和牵头配合系数")
    notes = models.JSONField("说明", default=list, blank=True)
    input_hash = models.CharField("输入数据摘要（SM3）", max_length=64, blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="计算人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("最近复核时间", null=True, blank=True)
    check_hash = models.CharField("复核时输入数据摘要", max_length=64, blank=True)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")

    visibility = VisibilitySpec(unit_fields=("scope",), extra=(_published_to_members,))

    class Meta:
        verbose_name = verbose_name_plural = "考核周期"
        ordering = ["-starts_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["scope", "kind", "year", "number"],
                                               name="assessment_period_once")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("assessment:period", args=[self.pk])

    @property
    def title(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        return f"{self.year}年度"

    @property
    def is_published(self):
        return self.state == PeriodState.PUBLISHED


class Result(models.Model):
    """One unit's total, rank and tier in a period, among the units of its type."""

    period = models.ForeignKey(Period, verbose_name="考核周期", on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    group = models.CharField("类别", max_length=20, choices=UnitKind.choices)
    total = models.DecimalField("总分", max_digits=8, decimal_places=2)
    max_total = models.DecimalField("满分", max_digits=8, decimal_places=2)
    rank = models.PositiveSmallIntegerField("名次")
    group_size = models.PositiveSmallIntegerField("同类单位数")
    tier = models.CharField("档次", max_length=20)
    tier_points = models.DecimalField("档次分值", max_digits=6, decimal_places=2)

    visibility = VisibilitySpec(via=("period",))

    class Meta:
        verbose_name = verbose_name_plural = "考核结果"
        ordering = ["period", "group", "rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="assessment_result_once")]

    def __str__(self):
        return f"{self.period} {self.unit}：{self.total}分，第{self.rank}名（{self.tier}）"

    def get_absolute_url(self):
        return reverse("assessment:result", args=[self.pk])


class Figure(models.Model):
    """One unit's figure and score on one indicator in a period, with what
    it was computed from."""

    period = models.ForeignKey(Period, verbose_name="考核周期", on_delete=models.CASCADE, related_name="figures")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField("指标代码", max_length=60)
    value = models.DecimalField("计数", max_digits=14, decimal_places=4)
    base = models.DecimalField("基数", max_digits=14, decimal_places=4, default=0)
    workload = models.DecimalField("工作量", max_digits=14, decimal_places=4, default=0)
    raw = models.DecimalField("指标值", max_digits=14, decimal_places=4, null=True, blank=True)
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)
    note = models.CharField("计算说明", max_length=300, blank=True)

    visibility = VisibilitySpec(via=("period",))

    class Meta:
        verbose_name = verbose_name_plural = "指标得分"
        ordering = ["period", "unit", "indicator"]
        constraints = [models.UniqueConstraint(fields=["period", "unit", "indicator"], name="assessment_figure_once")]

    def __str__(self):
        return f"{self.unit} {self.indicator}：{self.score}"


class InputRecord(models.Model):
    """One record behind a figure (an Entry of a formula source), as the
    computation read it."""

    period = models.ForeignKey(Period, verbose_name="考核周期", on_delete=models.CASCADE, related_name="inputs")
    indicator = models.CharField("指标代码", max_length=60, help_text="workload 为工作量")
    unit = models.ForeignKey("org.Unit", verbose_name="考核单位", on_delete=models.PROTECT, related_name="+")
    source_unit_id = models.IntegerField("记录所属单位")
    ref = models.CharField("记录", max_length=120)
    label = models.CharField("名称", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    value = models.DecimalField("计数", max_digits=14, decimal_places=4)
    base = models.DecimalField("基数", max_digits=14, decimal_places=4)
    role = models.CharField("角色", max_length=10)
    weight = models.DecimalField("系数", max_digits=5, decimal_places=2)
    at = models.DateTimeField("时间", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",), restrict=(_office_or_published,))

    class Meta:
        verbose_name = verbose_name_plural = "考核数据记录"
        ordering = ["period", "indicator", "unit", "at", "id"]
        indexes = [models.Index(fields=["period", "unit", "indicator"], name="assessment_input_figure")]

    def __str__(self):
        return f"{self.indicator} {self.label}"


# --- error notices (EVAL-1) -----------------------------------------------------------

class ErrorArea(models.TextChoices):
    MEETING = "meeting", "会议筹办"
    DRAFTING = "drafting", "文稿起草"
    FOLLOW_THROUGH = "follow_through", "推动落实"


class ErrorCategory(models.Model):
    """A kind of error (差错) and its deduction, e.g. 迟报 −2."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    area = models.CharField("环节", max_length=20, choices=ErrorArea.choices)
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=1)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    seed_section = models.CharField("出处", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "差错类别"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.name}（−{self.deduction}）"


class ErrorState(models.TextChoices):
    RECORDED = "recorded", "已登记"
    OBJECTED = "objected", "异议待处理"
    UPHELD = "upheld", "异议不成立，维持"
    REVOKED = "revoked", "异议成立，已撤销"


class Decision(models.TextChoices):
    UPHOLD = "upheld", "维持差错"
    REVOKE = "revoked", "撤销差错"


class ErrorNotice(models.Model):
    """差错通报: the errors of a quarter in the units under `scope`, issued as
    a numbered document."""

    scope = models.ForeignKey("org.Unit", verbose_name="通报范围", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=60)
    title = models.CharField("标题", max_length=200)
    issued_at = models.DateTimeField("印发时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="印发人", on_delete=models.PROTECT,
                                  related_name="+")

    visibility = VisibilitySpec(unit_fields=("scope",), extra=(_issued_to_members,))

    class Meta:
        verbose_name = verbose_name_plural = "差错通报"
        ordering = ["-year", "-quarter", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "year", "quarter"], name="assessment_notice_once_a_quarter"),
            models.UniqueConstraint(fields=["year", "serial"], name="assessment_notice_number_once"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("assessment:notice", args=[self.pk])


class ErrorRecord(models.Model):
    """One error of one unit (EVAL-1), with the unit's one objection and
    its decision."""

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(ErrorCategory, verbose_name="差错类别", on_delete=models.PROTECT,
                                 related_name="records")
    area = models.CharField("环节", max_length=20, choices=ErrorArea.choices)
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=1)
    occurred_on = models.DateField("发生日期")
    description = models.TextField("差错情况")
    state = models.CharField("状态", max_length=10, choices=ErrorState.choices, default=ErrorState.RECORDED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间")
    notice = models.ForeignKey(ErrorNotice, verbose_name="差错通报", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="errors")
    objection = models.TextField("异议理由", blank=True)
    objected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="异议人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    objected_at = models.DateTimeField("异议时间", null=True, blank=True)
    decision = models.CharField("处理结果", max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("处理理由", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = verbose_name_plural = "差错记录"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on", "state"], name="assessment_error_day")]
        constraints = [
            # An objection is made once: its moment is set once, with a text.
            models.CheckConstraint(condition=Q(objected_at__isnull=True) | ~Q(objection=""),
                                   name="assessment_objection_has_reason"),
        ]

    def __str__(self):
        return f"{self.unit} {self.category.name}（{self.occurred_on}）"

    def get_absolute_url(self):
        return reverse("assessment:error", args=[self.pk])

    @property
    def counts(self) -> bool:
        return self.state != ErrorState.REVOKED


# --- achievement records (EVAL-3) --------------------------------------------------------

class AchievementKind(models.TextChoices):
    INNOVATION = "innovation", "创新思路"
    KEY_TASK = "key_task", "重点任务"
    HIGHLIGHT = "highlight", "亮点"
    EXPERIENCE = "experience", "典型经验"


class AchievementState(models.TextChoices):
    PENDING = "pending", "待单位负责人确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "未确认"


class Achievement(models.Model):
    """An entry of a person's achievement record (干事档案) that is not in
    the record already: an innovation, a key task, a highlight; confirmed by
    the head of the person's unit."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="干部", on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=12, choices=AchievementKind.choices)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("具体内容")
    occurred_on = models.DateField("日期")
    state = models.CharField("状态", max_length=10, choices=AchievementState.choices,
                             default=AchievementState.PENDING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField("录入时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decision_note = models.CharField("确认意见", max_length=300, blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",), user_fields=("person",))

    class Meta:
        verbose_name = verbose_name_plural = "干事档案记录"
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    def get_absolute_url(self):
        return reverse("assessment:person", args=[self.person_id])


# --- field work (EVAL-4) ---------------------------------------------------------------

class FieldWorkDay(models.Model):
    """A day a leader worked at the grassroots (一线工作法, seed 004 §14)."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="领导干部", on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=200)
    purpose = models.CharField("事由", max_length=300)
    problems_found = models.TextField("发现的问题", blank=True)
    matters = models.CharField("由此立项的督办事项", max_length=500, blank=True,
                               help_text="督办事项编号，多个以顿号或逗号分隔")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("录入时间")

    visibility = VisibilitySpec(unit_fields=("unit",), user_fields=("leader",))

    class Meta:
        verbose_name = verbose_name_plural = "一线工作记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["leader", "date"], name="assessment_fieldwork_leader")]

    def __str__(self):
        return f"{self.date} {self.place}"

    def get_absolute_url(self):
        return reverse("assessment:leader_fieldwork", args=[self.leader_id]) + f"?year={self.date.year}"

    @property
    def matter_numbers(self) -> list:
        import re

        return [n for n in re.split(r"[、,，;；\s]+", self.matters or "") if n]


class ResearchReport(models.Model):
    """A research report (调研报告) a leader wrote himself or herself."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="领导干部", on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("题目", max_length=200)
    summary = models.TextField("主要内容")
    submitted_on = models.DateField("完成日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("录入时间")

    visibility = VisibilitySpec(unit_fields=("unit",), user_fields=("leader",))

    class Meta:
        verbose_name = verbose_name_plural = "调研报告"
        ordering = ["-submitted_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("assessment:leader_fieldwork", args=[self.leader_id]) + f"?year={self.submitted_on.year}"


# --- the dashboards' tallies (OUT-3) -------------------------------------------------------

class DashboardTally(models.Model):
    """A precomputed aggregate: the value of one metric for one unit (its
    subtree included), bucket (month, year, campaign) and key (light,
    source, category, state). Rows of a person's own figures (a leader's
    matters) have `person` and no unit. Written only by
    duban.assessment.tallies.refresh."""

    metric = models.CharField("指标", max_length=60)
    unit = models.ForeignKey("org.Unit", verbose_name="单位（含下级）", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="本人", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+", db_index=False)
    bucket = models.CharField("分组", max_length=30, blank=True)
    key = models.CharField("分类", max_length=40, blank=True)
    value = models.BigIntegerField("数值")
    bucket_label = models.CharField("分组名称", max_length=200, blank=True)
    key_label = models.CharField("分类名称", max_length=100, blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",), user_fields=("person",))

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱统计"
        indexes = [models.Index(fields=["metric", "unit"], name="assessment_tally_unit"),
                   models.Index(fields=["metric", "person"], name="assessment_tally_person")]

    def __str__(self):
        return f"{self.metric} {self.unit_id} {self.bucket} {self.key}: {self.value}"


class TallyRefresh(models.Model):
    """The one row that says when the tallies were last refreshed, up to
    which journal event, and who is refreshing them now (a sweeper claims
    it with a guarded update, so several sweepers refresh once)."""

    refreshed_at = models.DateTimeField("统计时间", null=True, blank=True)
    journal_seq = models.BigIntegerField("统计时日志序号", default=0)
    claimed_at = models.DateTimeField("开始统计时间", null=True, blank=True)
    seconds = models.FloatField("耗时（秒）", default=0)
    rows = models.PositiveIntegerField("统计行数", default=0)
    changed = models.PositiveIntegerField("本次变动行数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱统计刷新"

    def __str__(self):
        return f"{self.refreshed_at}"
