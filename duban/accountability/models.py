"""问责 (ACC-1 … ACC-5) and the integrity review (AUD-3).

- The ladder (ACC-1): `Measure` rows -- 提醒, 函询, 诫勉, 约谈, 通报, 组织处理 --
  each with its rung and, where the measure obliges its subject to answer
  (a written reply to a 函询 within 15 working days), the time-limit rule of
  that answer (a clock in duban.clocks once the measure is decided).
- Suggestions (ACC-2): `SuggestionRule` rows, readable by the supervision
  office, propose a measure from the record (three breaches of a unit's
  deadlines in a quarter → 提醒; a breach after a 提醒 → 函询). A
  `Suggestion` lists the facts behind it, with links. The person concerned
  may state their side (`Statement`, 申辩) while the statement window
  runs; nothing is sanctioned until a person decides (`Decision`): adopts,
  changes or rejects the measure with reasons, or, when the three grounds
  of fault tolerance hold (三个区分开来, ACC-4), records an exemption
  instead of a sanction. The grounds are checked and recorded in every
  decision.
- Reverse tracing (ACC-3): a `Trace` keeps what the walk back from a failed
  obligation found, level by level, for the page and the 倒查报告.
- 交办单 (ACC-5): `AssignmentSheet`, a numbered sheet to a unit whose
  rectification is not serious, with its own deadline and clock.
- Signals (AUD-3): `Signal` rows found by the integrity scan, each with its
  evidence; a dismissal keeps its reason (journaled).

Business records are read only through duban.core.feeds; clocks, the
journal and org are read directly."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from duban.core.models import SeedNumber
from duban.org.visibility import VisibilitySpec


def _url(name, pk):
    try:
        return reverse(f"accountability:{name}", args=[pk])
    except NoReverseMatch:
        return ""


class AccountabilityNumber(SeedNumber):
    """The thresholds of the integrity review, as rows an administrator
    edits (journaled): hours of backdating, minutes between a typed moment
    and the server's, similarity of copied texts…"""

    class Meta(SeedNumber.Meta):
        verbose_name = "问责与监督参数"
        verbose_name_plural = "问责与监督参数"


class Measure(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=20)
    rung = models.PositiveSmallIntegerField("梯度", help_text="由轻到重：1 提醒 … 6 组织处理")
    duty = models.CharField("当事人须履行", max_length=100, blank=True,
                            help_text="如：书面说明情况；为空表示无须答复")
    rule = models.ForeignKey("timelimits.TimeLimitRule", verbose_name="答复时限", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             help_text="决定后当事人履行上述义务的时限，由计时器跟踪")
    seed_section = models.CharField("出处", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "问责措施"
        verbose_name_plural = "问责措施（梯度）"
        ordering = ["rung", "id"]

    def __str__(self):
        return self.name


class RuleKind(models.TextChoices):
    BREACHES = "breaches", "一个周期内超期次数达到阈值"
    REPEAT = "repeat", "采取某项措施后再次超期"


class Period(models.TextChoices):
    MONTH = "month", "月"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年"


class SuggestionRule(models.Model):
    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("规则类型", max_length=10, choices=RuleKind.choices)
    period = models.CharField("统计周期", max_length=10, choices=Period.choices, default=Period.QUARTER)
    threshold = models.PositiveSmallIntegerField("超期次数阈值", default=3)
    after_measure = models.ForeignKey(Measure, verbose_name="已采取的措施", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      help_text="“再次超期”规则：决定采取此措施之后")
    window_days = models.PositiveSmallIntegerField("观察期（天）", default=180,
                                                   help_text="“再次超期”规则：决定后多少天内再次超期")
    measure = models.ForeignKey(Measure, verbose_name="建议措施", on_delete=models.PROTECT, related_name="+")
    seed_section = models.CharField("出处", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "建议规则"
        verbose_name_plural = "建议规则"
        ordering = ["measure__rung", "code"]

    def __str__(self):
        return self.name


class SuggestionState(models.TextChoices):
    PENDING = "pending", "待决定"
    DECIDED = "decided", "已决定"


class Suggestion(models.Model):
    rule = models.ForeignKey(SuggestionRule, verbose_name="规则", on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, verbose_name="建议措施", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    period_key = models.CharField("周期", max_length=40, help_text="如 2026Q4；“再次超期”为 after-<决定编号>")
    period_label = models.CharField("周期名称", max_length=60)
    facts = models.JSONField("事实依据", default=list, help_text="[{text, at, url}]")
    created_at = models.DateTimeField("提出时间")
    # Until when the unit may state its side before a sanction is decided
    # (rule acc_statement_5wd on the official calendar). A right, not an
    # obligation: no clock, so that not using it is never a breach.
    statement_until = models.DateTimeField("陈述申辩截止")
    state = models.CharField("状态", max_length=10, choices=SuggestionState.choices,
                             default=SuggestionState.PENDING)

    # The unit concerned (its subtree) and the supervision office and
    # leaders whose jurisdiction covers it.
    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = "问责建议"
        verbose_name_plural = "问责建议"
        ordering = ["state", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "unit", "period_key"],
                                               name="accountability_suggestion_once")]
        indexes = [models.Index(fields=["state", "-created_at"], name="acc_suggestion_state")]

    def __str__(self):
        return f"{self.unit}：{self.measure}（{self.period_label}）"

    def get_absolute_url(self):
        return _url("suggestion", self.pk)


class Statement(models.Model):
    """申辩: the side of the unit or person concerned, kept with the suggestion."""

    suggestion = models.ForeignKey(Suggestion, verbose_name="问责建议", on_delete=models.PROTECT,
                                   related_name="statements")
    text = models.TextField("陈述申辩")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申辩人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("申辩时间")
    files = models.ManyToManyField("journal.EvidenceFile", verbose_name="材料", blank=True, related_name="+")

    visibility = VisibilitySpec(via=("suggestion",))

    class Meta:
        verbose_name = "陈述申辩"
        verbose_name_plural = "陈述申辩"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.suggestion} 申辩"


class Outcome(models.TextChoices):
    ADOPTED = "adopted", "采纳"
    CHANGED = "changed", "改为其他措施"
    REJECTED = "rejected", "不予采纳"
    EXEMPTED = "exempted", "容错免责"


SANCTIONS = (Outcome.ADOPTED, Outcome.CHANGED)

# The three grounds of fault tolerance (三个区分开来), as recorded in a decision.
GROUNDS = [
    ("ground_reform", "属于改革创新、先行先试中出现的失误（非明知故犯）"),
    ("ground_no_gain", "没有谋取私利（为公而非为私）"),
    ("ground_procedure", "依规依纪依法、履行了决策程序"),
]


class Decision(models.Model):
    suggestion = models.OneToOneField(Suggestion, verbose_name="问责建议", on_delete=models.PROTECT,
                                      related_name="decision")
    outcome = models.CharField("决定", max_length=10, choices=Outcome.choices)
    measure = models.ForeignKey(Measure, verbose_name="决定措施", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text="采纳或改为其他措施时")
    reasons = models.TextField("理由")
    ground_reform = models.BooleanField(GROUNDS[0][1], default=False)
    ground_no_gain = models.BooleanField(GROUNDS[1][1], default=False)
    ground_procedure = models.BooleanField(GROUNDS[2][1], default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("决定时间")
    # The subject's answer the measure asks for (a 函询's written reply).
    reply_clock = models.ForeignKey("clocks.Clock", verbose_name="答复计时器", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reply_text = models.TextField("答复", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)

    visibility = VisibilitySpec(via=("suggestion",))

    class Meta:
        verbose_name = "问责决定"
        verbose_name_plural = "问责决定"
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["outcome", "decided_at"], name="acc_decision_outcome")]

    def __str__(self):
        return f"{self.suggestion.unit}：{self.get_outcome_display()}"

    @property
    def grounds(self) -> list:
        """[(label, held)] of the three grounds as recorded."""
        return [(label, getattr(self, name)) for name, label in GROUNDS]

    @property
    def is_sanction(self) -> bool:
        return self.outcome in SANCTIONS


class Trace(models.Model):
    """倒查: what the walk back from a failed obligation found, as it stood
    when the supervision office made it (the page and the report show this
    snapshot; a new walk is a new trace)."""

    source = models.CharField("来源", max_length=60, help_text="如 supervision.matter")
    key = models.CharField("记录编号", max_length=40)
    title = models.CharField("名称", max_length=200)
    url = models.CharField("链接", max_length=300, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    failure = models.CharField("问题", max_length=60)
    levels = models.JSONField("逐级情况", default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="倒查人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("倒查时间")

    visibility = VisibilitySpec(unit_fields=("unit",), restrict=(lambda user, scope: _office_only(user),))

    class Meta:
        verbose_name = "倒查"
        verbose_name_plural = "倒查"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"倒查：{self.title}"

    def get_absolute_url(self):
        return _url("trace", self.pk)


class SheetState(models.TextChoices):
    OPEN = "open", "待反馈"
    REPLIED = "replied", "已反馈"
    CLOSED = "closed", "已办结"


class AssignmentSheet(models.Model):
    """交办单 (ACC-5)."""

    number = models.CharField("编号", max_length=60, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("事由", max_length=200)
    problems = models.TextField("整改不认真的表现")
    requirements = models.TextField("整改要求")
    facts = models.JSONField("事实依据", default=list, blank=True)
    clock = models.ForeignKey("clocks.Clock", verbose_name="计时器", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="交办人", on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField("交办时间")
    state = models.CharField("状态", max_length=10, choices=SheetState.choices, default=SheetState.OPEN)
    reply_text = models.TextField("整改情况", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="反馈人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)
    files = models.ManyToManyField("journal.EvidenceFile", verbose_name="佐证材料", blank=True, related_name="+")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    close_note = models.TextField("审核意见", blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = "交办单"
        verbose_name_plural = "交办单"
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "serial"], name="acc_sheet_number_once")]
        indexes = [models.Index(fields=["state", "-issued_at"], name="acc_sheet_state")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return _url("sheet", self.pk)

    @property
    def due_at(self):
        return self.clock.due_at if self.clock_id else None


class SignalKind(models.TextChoices):
    COPIED = "copied", "反馈内容雷同"
    BACKDATED = "backdated", "倒填日期"
    PHOTO_TIME = "photo_time", "照片拍摄时间与声称不符"
    SELF_CLOSURE = "self_closure", "自己核验自己销号"
    REUSED_FILE = "reused_file", "佐证材料重复使用"
    TYPED_MOMENT = "typed_moment", "值班报送时间与系统记录不符"


class SignalState(models.TextChoices):
    OPEN = "open", "待核查"
    DISMISSED = "dismissed", "已排除"


def _office_only(user) -> Q:
    """Rows only the supervision office and leaders read (their
    jurisdiction is the unit condition): nobody else, whatever their unit."""
    from duban.org.models import Role
    from duban.org.services import has_role

    return Q() if has_role(user, Role.SUPERVISOR, Role.LEADER) else Q(pk__in=[])


class Signal(models.Model):
    kind = models.CharField("类型", max_length=15, choices=SignalKind.choices)
    key = models.CharField("识别键", max_length=200, unique=True)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    title = models.CharField("摘要", max_length=300)
    evidence = models.JSONField("证据", default=list, help_text="[{text, url}]")
    moment = models.DateTimeField("发生时间", null=True, blank=True)
    detected_at = models.DateTimeField("发现时间")
    state = models.CharField("状态", max_length=10, choices=SignalState.choices, default=SignalState.OPEN)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="排除人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField("排除时间", null=True, blank=True)
    dismiss_reason = models.TextField("排除理由", blank=True)

    # The supervision office (and leaders) of the unit's jurisdiction; a
    # unit never reads the signals about itself.
    visibility = VisibilitySpec(unit_fields=("unit",), restrict=(lambda user, scope: _office_only(user),))

    class Meta:
        verbose_name = "弄虚作假疑点"
        verbose_name_plural = "弄虚作假疑点"
        ordering = ["state", "-detected_at", "-id"]
        indexes = [models.Index(fields=["state", "kind", "-detected_at"], name="acc_signal_state")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"


class Watch(models.Model):
    """Where the integrity review starts judging claimed moments: records
    the journal received before `history_until` are history loaded with
    their past dates (an import of old ledgers, the demo), not backdating.
    One row; without it every record is judged."""

    history_until = models.DateTimeField("历史数据截止时间")
    note = models.CharField("说明", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设置人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "监测起点"
        verbose_name_plural = "监测起点"

    def __str__(self):
        return f"自 {self.history_until:%Y-%m-%d %H:%M} 起监测"
