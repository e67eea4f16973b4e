"""作风整治 (RECT-1…6, PUB-1): campaigns with phases, the problem ledger,
verified close-out, look-back and reproducible spot checks.

A campaign (专项行动) has phases; a phase that owes a ledger gives every
participating unit a `LedgerSubmission` with its own clock (kind "ledger").
A problem (问题清单台账的一行) is an obligation of its unit: an explicit
deadline clock (kind "deadline") or, for a long-term measure (长期坚持), a
periodic report clock (kind "report"). Its rectification runs in rounds
(`ProblemRound`): round 1 from registration; a reopening or an ineffective
look-back starts the next round (再整改) with a new deadline, so the history
keeps both. Every write goes through duban.rectification.services.
"""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse

from duban.org.visibility import RowsGrant, VisibilitySpec


def _url(name, pk, fallback):
    try:
        return reverse(f"rectification:{name}", args=[pk])
    except NoReverseMatch:
        return fallback


class CategorySet(models.TextChoices):
    SIX_RECTIFICATIONS = "six", "六大整治（慢作为、不作为、乱作为、文山会海、官僚作风、弄虚作假）"
    SEVEN_001 = "seven_a", "七个问题（精神缺钙、状态不佳、标准不高……）"
    SEVEN_002 = "seven_b", "七个方面问题（精神状态不佳、工作标准不高……）"
    CUSTOM = "custom", "自定义"


CATEGORY_SETS = {
    # seed 000 §二
    CategorySet.SIX_RECTIFICATIONS: ["慢作为", "不作为", "乱作为", "文山会海", "官僚作风", "弄虚作假"],
    # seed 001 §三.1
    CategorySet.SEVEN_001: ["精神缺钙", "状态不佳", "标准不高", "能力不足", "担当不够", "服务较差", "作风不扎实"],
    # seed 002 §二
    CategorySet.SEVEN_002: ["精神状态不佳", "工作标准不高", "工作落实不力", "担当意识不强", "群众观念不牢",
                            "创新精神不够", "执行纪律不严"],
}


def _task_force_campaigns(user):
    """The campaigns whose task force (工作专班) the user is a member of: they
    see all of those campaigns' work."""
    return Campaign.objects.filter(task_force__memberships__user_id=user.pk)


_campaign_grant = RowsGrant(rows=_task_force_campaigns)
_via_campaign_grant = RowsGrant(rows=_task_force_campaigns, path="campaign")


class Campaign(models.Model):
    code = models.CharField("代码", max_length=40, unique=True, help_text="如 DEMO-2026，导入命令用它指明专项行动")
    name = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=300, blank=True, help_text="实施方案的名称")
    organizer = models.ForeignKey("org.Unit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+",
                                  help_text="如县政府督查室；其督查室人员可见全部台账")
    task_force = models.ForeignKey("org.WorkGroup", verbose_name="工作专班", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="campaigns")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    category_set = models.CharField("问题类别", max_length=10, choices=CategorySet.choices,
                                    default=CategorySet.SIX_RECTIFICATIONS)
    units = models.ManyToManyField("org.Unit", verbose_name="参加单位", through="Participation", related_name="+")
    next_serial = models.PositiveIntegerField("下一问题序号", default=1)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    visibility = VisibilitySpec(unit_fields=("organizer",), multi_unit_fields=("units",),
                                grants=(_campaign_grant,))

    class Meta:
        verbose_name = "专项行动"
        verbose_name_plural = "专项行动"
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def category_names(self) -> list:
        return list(self.categories.order_by("sort_order", "id").values_list("name", flat=True))


class Participation(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE,
                                 related_name="participations")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "参加单位"
        verbose_name_plural = "参加单位"
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="rect_participation_once")]

    def __str__(self):
        return f"{self.campaign.code} · {self.unit}"


class Category(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE,
                                 related_name="categories")
    name = models.CharField("类别", max_length=40)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "问题类别"
        verbose_name_plural = "问题类别"
        ordering = ["campaign", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="rect_category_once")]

    def __str__(self):
        return self.name


class PhaseKind(models.TextChoices):
    MOBILISATION = "mobilisation", "动员部署"
    SELF_INSPECTION = "self_inspection", "自查自纠"
    RECTIFICATION = "rectification", "整改落实"
    CONSOLIDATION = "consolidation", "巩固提升"
    SUMMARY = "summary", "总结"
    OTHER = "other", "其他"


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField("类型", max_length=20, choices=PhaseKind.choices)
    name = models.CharField("名称", max_length=60)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    duty = models.TextField("本阶段任务", blank=True, help_text="各单位在本阶段应完成、报送的内容")
    requires_ledger = models.BooleanField(
        "须报送台账", default=False, help_text="各参加单位须在结束日前报送情况报告和问题清单台账（每单位一个计时器）")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "阶段"
        verbose_name_plural = "阶段"
        ordering = ["campaign", "sort_order", "start_date", "id"]

    def __str__(self):
        return f"{self.name}（{self.start_date:%m-%d}至{self.end_date:%m-%d}）"


class LedgerState(models.TextChoices):
    PENDING = "pending", "待报送"
    SUBMITTED = "submitted", "按时报送"
    LATE = "late", "逾期报送"


class LedgerSubmission(models.Model):
    """What one participating unit owes for one phase: its situation report
    and problem ledger, by the phase's end (a clock per unit)."""

    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.CASCADE,
                                 related_name="submissions")
    phase = models.ForeignKey(Phase, verbose_name="阶段", on_delete=models.CASCADE, related_name="submissions")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    clock = models.ForeignKey("clocks.Clock", verbose_name="报送计时器", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=10, choices=LedgerState.choices, default=LedgerState.PENDING)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    situation_report = models.TextField("情况报告", blank=True)
    problem_count = models.PositiveIntegerField("报送时问题数", default=0)
    evidence = models.ManyToManyField("journal.EvidenceFile", verbose_name="附件", blank=True, related_name="+")

    visibility = VisibilitySpec(unit_fields=("unit", "campaign__organizer"), grants=(_via_campaign_grant,))

    class Meta:
        verbose_name = "台账报送"
        verbose_name_plural = "台账报送"
        ordering = ["phase", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["phase", "unit"], name="rect_submission_once")]

    def __str__(self):
        return f"{self.unit} · {self.phase.name}台账"


class Source(models.TextChoices):
    SELF = "self", "自己找"
    PUBLIC = "public", "群众提"
    SUPERIOR = "superior", "上级点"
    ORGANISATION = "organisation", "组织查"
    PATROL = "patrol", "巡视巡察反馈"
    INSPECTION = "inspection", "督查反馈"
    ASSESSMENT = "assessment", "考核反馈"
    UNANNOUNCED = "unannounced", "明察暗访"
    SPOT_CHECK = "spot_check", "随机抽查"


class Subject(models.TextChoices):
    TEAM = "team", "领导班子"
    PERSON = "person", "个人"


class ReportCycle(models.TextChoices):
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class ProblemState(models.TextChoices):
    RECTIFYING = "rectifying", "整改中"
    SUBMITTED = "submitted", "待核验"
    CLOSED = "closed", "已销号"
    RERECTIFYING = "rerectifying", "再整改"


# The labels as plain dicts: an enum's choices (and so get_state_display)
# are rebuilt at every access, which a ledger of 100,000 rows feels.
STATE_LABELS = dict(ProblemState.choices)
SOURCE_LABELS = dict(Source.choices)
SUBJECT_LABELS = dict(Subject.choices)
REPORT_CYCLE_LABELS = dict(ReportCycle.choices)

def deadline_text(deadline, long_term) -> str:
    """A problem's 整改时限 as the pages and the ledger show it."""
    if long_term:
        return "长期坚持"
    return deadline.isoformat() if deadline else ""


def state_text(state, round_) -> str:
    """A problem's state as the pages and the ledger show it (its round
    from the second on)."""
    label = STATE_LABELS.get(state, state)
    return f"{label}（第{round_}轮）" if round_ > 1 else label


OPEN_PROBLEM_STATES = (ProblemState.RECTIFYING, ProblemState.SUBMITTED, ProblemState.RERECTIFYING)


class Problem(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.PROTECT, related_name="problems")
    number = models.CharField("编号", max_length=60, unique=True)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, verbose_name="问题类别", on_delete=models.PROTECT, related_name="problems")
    source = models.CharField("问题来源", max_length=20, choices=Source.choices, default=Source.SELF)
    subject = models.CharField("问题主体", max_length=10, choices=Subject.choices, default=Subject.TEAM)
    subject_name = models.CharField("个人姓名", max_length=60, blank=True, help_text="问题属于个人时填写")
    description = models.TextField("问题描述")
    normalized = models.TextField("规范化描述", blank=True, editable=False, help_text="用于识别重复问题")
    cause = models.TextField("原因分析", blank=True)
    measures = models.TextField("整改措施")
    responsible_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任领导（账号）", null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    responsible_leader_name = models.CharField("责任领导", max_length=60, blank=True)
    responsible_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人（账号）", null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    responsible_person_name = models.CharField("责任人", max_length=60, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    long_term = models.BooleanField("长期坚持", default=False)
    report_cycle = models.CharField("报告周期", max_length=10, choices=ReportCycle.choices, blank=True)
    due_at = models.DateTimeField("当前期限", null=True, blank=True, help_text="本轮整改时限当日结束时刻")
    state = models.CharField("状态", max_length=15, choices=ProblemState.choices, default=ProblemState.RECTIFYING)
    round = models.PositiveSmallIntegerField("整改轮次", default=1)
    deadline_clock = models.ForeignKey("clocks.Clock", verbose_name="整改计时器", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    report_clock = models.ForeignKey("clocks.Clock", verbose_name="定期报告计时器", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    latest_progress = models.TextField("最新进展", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    is_public = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    repeat_root = models.ForeignKey("self", verbose_name="重复问题（首次）", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="repeats")
    repeat_count = models.PositiveSmallIntegerField("反映次数", default=1,
                                                    help_text="同一单位相同或近似问题被提出的次数")
    spot_check = models.ForeignKey("SpotCheck", verbose_name="来源抽查", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="findings")
    created_at = models.DateTimeField("登记时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    # Its unit's subtree, the supervision office's jurisdiction (both through
    # `unit`) and the campaign's task force.
    visibility = VisibilitySpec(unit_fields=("unit",), grants=(_via_campaign_grant,))

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单台账"
        ordering = ["campaign", "unit__path", "id"]
        indexes = [
            models.Index(fields=["campaign", "state"], name="rect_problem_campaign_state"),
            models.Index(fields=["unit", "state"], name="rect_problem_unit_state"),
            models.Index(fields=["campaign", "is_public"], name="rect_problem_public"),
        ]

    def __str__(self):
        return f"{self.number} {self.description[:30]}"

    def get_absolute_url(self):
        return _url("problem", self.pk, f"/rectification/problems/{self.pk}/")

    @property
    def is_open(self):
        return self.state in OPEN_PROBLEM_STATES

    @property
    def is_repeated(self):
        return self.repeat_count > 1

    @property
    def deadline_text(self) -> str:
        return deadline_text(self.deadline, self.long_term)

    @property
    def responsible_person_linked(self) -> bool:
        return self.responsible_person_id is not None

    @property
    def responsible_leader_linked(self) -> bool:
        return self.responsible_leader_id is not None

    @property
    def state_text(self) -> str:
        return state_text(self.state, self.round)


class Verdict(models.TextChoices):
    PASSED = "passed", "核验通过"
    RETURNED = "returned", "退回整改"


class ProblemRound(models.Model):
    """One round of rectification: 1 from registration, 2… after a reopening
    or an ineffective look-back (再整改)."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField("轮次")
    started_at = models.DateTimeField("开始时间")
    reason = models.TextField("再整改原因", blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    long_term = models.BooleanField("长期坚持", default=False)
    result_text = models.TextField("整改结果", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核验人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField("核验结论", max_length=10, choices=Verdict.choices, blank=True)
    verify_note = models.TextField("核验意见", blank=True)
    onsite_checked = models.BooleanField("实地核查", default=False)
    onsite_note = models.TextField("实地核查情况", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    visibility = VisibilitySpec(via=("problem",))

    class Meta:
        verbose_name = "整改轮次"
        verbose_name_plural = "整改轮次"
        ordering = ["problem", "number"]
        constraints = [models.UniqueConstraint(fields=["problem", "number"], name="rect_round_once")]

    def __str__(self):
        return f"{self.problem.number} 第{self.number}轮"


class EntryKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    PROGRESS = "progress", "整改进展"
    PERIODIC = "periodic", "定期报告"
    SUBMITTED = "submitted", "提交整改结果"
    RETURNED = "returned", "核验退回"
    CLOSED = "closed", "核验销号"
    REOPENED = "reopened", "重新打开"
    LOOKBACK_OK = "lookback_ok", "回头看：成效巩固"
    LOOKBACK_FAIL = "lookback_fail", "回头看：再整改"
    PUBLISHED = "published", "公开"
    UNPUBLISHED = "unpublished", "取消公开"
    LINKED = "linked", "关联重复问题"


class ProblemEntry(models.Model):
    """The problem's timeline: every step, with its round."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="entries")
    round = models.PositiveSmallIntegerField("轮次")
    kind = models.CharField("类型", max_length=15, choices=EntryKind.choices)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")
    text = models.TextField("内容", blank=True)
    onsite = models.BooleanField("实地核查", default=False)
    evidence = models.ManyToManyField("journal.EvidenceFile", verbose_name="佐证材料", blank=True, related_name="+")

    visibility = VisibilitySpec(via=("problem",))

    class Meta:
        verbose_name = "问题记录"
        verbose_name_plural = "问题记录"
        ordering = ["problem", "at", "id"]

    def __str__(self):
        return f"{self.problem.number} {self.get_kind_display()}"


class TargetKind(models.TextChoices):
    UNIT = "unit", "单位"
    PROBLEM = "problem", "问题"


class SpotCheckKind(models.TextChoices):
    SPOT_CHECK = "spot_check", "随机抽查"
    UNANNOUNCED = "unannounced", "明察暗访"


class SpotCheck(models.Model):
    """A random draw of targets and inspectors (RECT-5). The candidate lists
    and the seed are recorded, so anyone can re-run the draw
    (duban.rectification.draws, `manage.py redraw_spot_check ID`)."""

    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.PROTECT,
                                 related_name="spot_checks")
    kind = models.CharField("方式", max_length=15, choices=SpotCheckKind.choices, default=SpotCheckKind.SPOT_CHECK)
    title = models.CharField("名称", max_length=200)
    target_kind = models.CharField("抽查对象", max_length=10, choices=TargetKind.choices)
    target_count = models.PositiveSmallIntegerField("抽取对象数")
    inspector_count = models.PositiveSmallIntegerField("每个对象的检查人数")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("抽取算法", max_length=20, default="v1")
    # [[id, organisation unit id], ...] sorted by id, as they were at the draw
    target_candidates = models.JSONField("候选对象")
    inspector_candidates = models.JSONField("候选检查人")
    # [{"target": id, "inspectors": [user ids]}, ...] in draw order
    result = models.JSONField("抽取结果")
    drawn_at = models.DateTimeField("抽取时间")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)

    visibility = VisibilitySpec(unit_fields=("campaign__organizer",), grants=(_via_campaign_grant,))

    class Meta:
        verbose_name = "随机抽查"
        verbose_name_plural = "随机抽查"
        ordering = ["-drawn_at", "-id"]

    def __str__(self):
        return self.title


class SpotCheckAssignment(models.Model):
    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查", on_delete=models.CASCADE,
                                   related_name="assignments")
    order = models.PositiveSmallIntegerField("顺序")
    unit = models.ForeignKey("org.Unit", verbose_name="被查单位", on_delete=models.PROTECT, related_name="+")
    problem = models.ForeignKey(Problem, verbose_name="被查问题", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="检查人", related_name="+")

    class Meta:
        verbose_name = "抽查分组"
        verbose_name_plural = "抽查分组"
        ordering = ["spot_check", "order"]

    def __str__(self):
        return f"{self.spot_check} · {self.unit}"


class LookBack(models.Model):
    """回头看: a re-verification of a campaign's closed problems, all of them
    or a drawn sample (the candidates and seed are recorded)."""

    campaign = models.ForeignKey(Campaign, verbose_name="专项行动", on_delete=models.PROTECT,
                                 related_name="look_backs")
    title = models.CharField("名称", max_length=200)
    sample_size = models.PositiveIntegerField("抽取数量", null=True, blank=True, help_text="留空为全部")
    seed = models.CharField("随机种子", max_length=64, blank=True)
    candidates = models.JSONField("候选问题", default=list)
    selected = models.JSONField("抽中问题", default=list)
    started_at = models.DateTimeField("开始时间")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    visibility = VisibilitySpec(unit_fields=("campaign__organizer",), grants=(_via_campaign_grant,))

    class Meta:
        verbose_name = "回头看"
        verbose_name_plural = "回头看"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return self.title


class LookBackVerdict(models.TextChoices):
    PENDING = "pending", "待核查"
    EFFECTIVE = "effective", "成效巩固"
    INEFFECTIVE = "ineffective", "整改不到位，再整改"


class LookBackItem(models.Model):
    look_back = models.ForeignKey(LookBack, verbose_name="回头看", on_delete=models.CASCADE, related_name="items")
    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="look_backs")
    verdict = models.CharField("结论", max_length=12, choices=LookBackVerdict.choices,
                               default=LookBackVerdict.PENDING)
    note = models.TextField("核查情况", blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    new_deadline = models.DateField("再整改时限", null=True, blank=True)

    visibility = VisibilitySpec(via=("problem",))

    class Meta:
        verbose_name = "回头看核查"
        verbose_name_plural = "回头看核查"
        ordering = ["look_back", "id"]
        constraints = [models.UniqueConstraint(fields=["look_back", "problem"], name="rect_lookback_once")]

    def __str__(self):
        return f"{self.look_back} · {self.problem.number}"
