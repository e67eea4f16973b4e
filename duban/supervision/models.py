"""Supervised matters (督办事项, SUP-1…5), their sub-tasks, progress reports,
extension requests and urges.

A matter is an obligation: a lead unit and its responsible person owe a
result by a time. Its clocks live in duban.clocks (kinds "ack" 签收,
"completion" 办结, "report" 定期报告); the matter keeps two pointers into
them: `completion_clock` (its deadline) and `current_clock` (the open clock
due first, which the lists sort and colour by). Every write goes through
duban.supervision.services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from duban.core.choices import Urgency  # noqa: F401 - one urgency scale for matters and documents
from duban.org.visibility import VisibilitySpec, subtree_ids

from .transitions import CLOSED_STATES, OPEN_STATES, State


class SourceKind(models.TextChoices):
    STANDING_MEETING = "standing_meeting", "常务会议"
    SPECIAL_MEETING = "special_meeting", "专题会议"
    LEADER_INSTRUCTION = "leader_instruction", "领导批示"
    ASSIGNMENT = "assignment", "交办"
    HIGHER_DEPLOYMENT = "higher_deployment", "上级部署"
    HOTLINE = "hotline", "12345热线"
    COMPLAINT = "complaint", "群众投诉"
    INSPECTION = "inspection", "督查发现"


MEETING_KINDS = frozenset({SourceKind.STANDING_MEETING, SourceKind.SPECIAL_MEETING})


class ReportCycle(models.TextChoices):
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class Result(models.TextChoices):
    MET = "met", "按期办结"
    MET_LATE = "met_late", "逾期办结"


def drafts_q(user, scope) -> Q:
    """Matters that are not drafts, or drafts the user of `scope`
    (org.visibility.Scope) may see (a VisibilitySpec limit): a draft is the supervision office's working copy until it is
    assigned -- seen by the office that supervises it (its unit in the
    user's own unit's subtree or a jurisdiction's: its author's office) and
    the instructing leader, not yet by the units and people it names."""
    q = ~Q(state=State.DRAFT)
    if scope.user_id is None:
        return q
    q |= Q(instructing_leader_id=scope.user_id)
    if scope.roots:
        q |= Q(supervising_unit_id__in=subtree_ids(scope.roots))
    return q


def _matter_url(pk):
    try:
        return reverse("supervision:matter", args=[pk])
    except NoReverseMatch:
        return f"/supervision/matters/{pk}/"


class Matter(models.Model):
    # Numbering: 督办〔2026〕12号 for a matter, 督办〔2026〕12号-1 for its
    # first sub-task. Allocated at assignment (services.assign_matter).
    number = models.CharField("编号", max_length=80, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField("编号年度", null=True, blank=True)
    serial = models.PositiveIntegerField("年度序号", null=True, blank=True)
    sub_seq = models.PositiveSmallIntegerField("子任务序号", null=True, blank=True)

    # Source (SUP-1) and its particulars.
    source_kind = models.CharField("来源", max_length=20, choices=SourceKind.choices)
    meeting_name = models.CharField("会议名称", max_length=200, blank=True)
    meeting_date = models.DateField("会议日期", null=True, blank=True)
    minutes_number = models.CharField("纪要编号", max_length=80, blank=True)
    instructing_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示（交办）领导", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    instruction_date = models.DateField("批示（交办）日期", null=True, blank=True)
    instruction_text = models.TextField("批示内容", blank=True)
    document_number = models.CharField("文号", max_length=80, blank=True)
    ticket_number = models.CharField("工单编号", max_length=80, blank=True)
    finding = models.TextField("督查发现的问题", blank=True)
    source_ref = models.CharField("来源记录", max_length=120, blank=True,
                                  help_text="来源模块中的记录，如 meetings.meeting#12")

    # Substance.
    title = models.CharField("事项名称", max_length=200)
    content = models.TextField("事项内容")
    standard = models.TextField("工作标准", blank=True)
    urgency = models.CharField("紧急程度", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)

    # Responsibility (DOC-2: unit and person).
    lead_unit = models.ForeignKey("org.Unit", verbose_name="牵头单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    lead_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    cooperating_units = models.ManyToManyField("org.Unit", verbose_name="配合单位", through="MatterCooperation",
                                               related_name="+", blank=True)
    responsible_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任领导", null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    supervising_unit = models.ForeignKey("org.Unit", verbose_name="督办单位", on_delete=models.PROTECT,
                                         related_name="+")
    assigning_unit = models.ForeignKey("org.Unit", verbose_name="分解单位", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       help_text="子任务：分解它的上级事项牵头单位")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")

    # Decomposition (SUP-2): a materialised path of ids, as for units.
    parent = models.ForeignKey("self", verbose_name="上级事项", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    root = models.ForeignKey("self", verbose_name="顶层事项", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    depth = models.PositiveSmallIntegerField("层级", default=0)
    tree_path = models.CharField("树路径", max_length=255, blank=True, db_index=True)

    # Time node (DOC-2): an explicit deadline, a rule, or a report cycle.
    due_at = models.DateTimeField("办结期限（人工设定）", null=True, blank=True)
    deadline_rule = models.CharField("时限规则", max_length=60, blank=True,
                                     help_text="未设定期限时按此规则计算，默认 7 个工作日报告落实情况")
    is_long_term = models.BooleanField("长期事项", default=False)
    report_cycle = models.CharField("报送周期", max_length=10, choices=ReportCycle.choices, blank=True)
    report_day = models.PositiveSmallIntegerField(
        "报送日", null=True, blank=True, help_text="每周：1（周一）至7（周日）；每月、每季度：1至31日（季度为季末月）")
    completion_clock = models.ForeignKey("clocks.Clock", verbose_name="办结计时器", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    current_clock = models.ForeignKey("clocks.Clock", verbose_name="最近到期的计时器", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")

    # State (transitions.py).
    state = models.CharField("状态", max_length=24, choices=State.choices, default=State.DRAFT)
    suspended_from = models.CharField("暂停前状态", max_length=24, choices=State.choices, blank=True)
    state_reason = models.CharField("暂停/撤销原因", max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    reported_progress = models.PositiveSmallIntegerField("本级报送进度（%）", default=0)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    result = models.CharField("办结结果", max_length=10, choices=Result.choices, blank=True)

    created_at = models.DateTimeField("创建时间")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    completion_requested_at = models.DateTimeField("申请办结时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    # When the matter left the loop (办结 or 撤销; an archived matter keeps
    # its completion moment): set exactly for the closed states. Lists show
    # closed matters after the open ones, the most recently closed first,
    # along the index below.
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # The lists' sort key of an open matter (SUP-4): its current clock's
    # due moment, written by the services whenever the current clock changes
    # or moves (services._refresh_current, also after a calendar change);
    # empty for drafts and closed matters. Its partial index holds exactly
    # the open matters in the lists' order, so that a list's first page is
    # the first few entries of it that belong to the list.
    open_due_at = models.DateTimeField("在办事项排序期限", null=True, blank=True, editable=False)
    # While the current clock of an open matter is paused, its light does
    # not change (duban.clocks.services.light): that light; else empty. A
    # light filter reads the running ones by their range of due moments and
    # these by their light (index supervision_open_frozen).
    open_frozen_light = models.CharField("在办事项暂停时的灯", max_length=10, null=True, blank=True, editable=False)
    # …and that clock's warning moment: a running clock is yellow from it,
    # green before it, so that a light filter reads the running ones of one
    # colour from the matters' own columns (index supervision_open_running).
    open_warn_at = models.DateTimeField("在办事项预警时间", null=True, blank=True, editable=False)

    # ORG-3: the units that lead, cooperate, supervise, and — for a
    # sub-task — the units above it in the decomposition (the parent's lead
    # unit, the grandparent's, and the top matter's); plus the instructing
    # and responsible leaders. Jurisdictions (督查室, 领导) see their subtree.
    # A draft (not yet assigned) is the supervision office's working copy:
    # only the office that supervises it and the instructing leader see it;
    # the units and people it names, once it is assigned (drafts_q).
    visibility = VisibilitySpec(
        unit_fields=("lead_unit", "supervising_unit", "assigning_unit", "parent__assigning_unit",
                     "root__lead_unit"),
        multi_unit_fields=("cooperating_units",),
        user_fields=("instructing_leader", "responsible_leader", "lead_person"),
        restrict=(drafts_q,),
    )

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["lead_unit", "state"], name="supervision_lead_state"),
            models.Index(fields=["supervising_unit", "state"], name="supervision_sup_state"),
            models.Index(fields=["state", "created_at"], name="supervision_state_created"),
            models.Index(fields=["-closed_at", "-id"], name="supervision_closed_order"),
            models.Index(fields=["open_due_at", "id"], name="supervision_open_due",
                         condition=Q(open_due_at__isnull=False)),
            models.Index(fields=["open_frozen_light", "open_due_at", "id"], name="supervision_open_frozen",
                         condition=Q(open_frozen_light__isnull=False)),
            # The running ones in the lists' order, with their warning
            # moments: a yellow or green filter passes over the other colour
            # within the index.
            models.Index(fields=["open_due_at", "id", "open_warn_at"], name="supervision_open_running",
                         condition=Q(open_due_at__isnull=False, open_frozen_light__isnull=True)),
            # A list filtered to one state of the open ones (在办, 待审核…),
            # in the lists' order.
            models.Index(fields=["state", "open_due_at", "id"], name="supervision_open_state_due",
                         condition=Q(open_due_at__isnull=False)),
            # …and the paused ones of one state by their frozen light, for a
            # list filtered to both (red + 办结待审…).
            models.Index(fields=["state", "open_frozen_light", "open_due_at", "id"],
                         name="supervision_frozen_state", condition=Q(open_frozen_light__isnull=False)),
            # …and to one closed state (已撤销: also the stopped light), the
            # most recently closed first.
            models.Index(fields=["state", "-closed_at", "-id"], name="supervision_closed_state",
                         condition=Q(closed_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], condition=Q(serial__isnull=False),
                                    name="supervision_number_once_per_year"),
            models.CheckConstraint(condition=Q(progress__lte=100) & Q(reported_progress__lte=100),
                                   name="supervision_progress_percent"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self):
        return _matter_url(self.pk)

    @property
    def is_subtask(self):
        return self.parent_id is not None

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def is_closed(self):
        return self.state in CLOSED_STATES

    @property
    def deadline(self):
        """The effective completion deadline (after extensions and pauses),
        or None for a long-term matter without one, or a draft."""
        return self.completion_clock.due_at if self.completion_clock_id else None

    @property
    def source_particulars(self) -> list:
        """[(label, value)] of the particulars filled in, for pages and documents."""
        names = ["meeting_name", "meeting_date", "minutes_number", "instructing_leader", "instruction_date",
                 "instruction_text", "document_number", "ticket_number", "finding"]
        out = []
        for name in names:
            value = getattr(self, name)
            if value:
                if hasattr(value, "get_full_name"):
                    value = value.get_full_name() or value.get_username()
                out.append((self._meta.get_field(name).verbose_name, value))
        return out


class MatterCooperation(models.Model):
    """A cooperating unit (配合单位) of a matter, with its own responsible person."""

    matter = models.ForeignKey(Matter, verbose_name="督办事项", on_delete=models.CASCADE,
                               related_name="cooperations")
    # Indexed with the matter (supervision_coop_unit_matter): a unit's
    # cooperations read from the index alone.
    unit = models.ForeignKey("org.Unit", verbose_name="配合单位", on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    duty = models.CharField("配合任务", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "配合单位"
        verbose_name_plural = "配合单位"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "unit"], name="supervision_coop_once")]
        indexes = [models.Index(fields=["unit", "matter"], name="supervision_coop_unit_matter")]

    def __str__(self):
        return f"{self.unit}（配合）"


class ReportKind(models.TextChoices):
    PROGRESS = "progress", "进展反馈"
    PERIODIC = "periodic", "定期报告"
    COMPLETION = "completion", "办结申请"


class ReviewState(models.TextChoices):
    PENDING = "pending", "待审阅"
    ACCEPTED = "accepted", "已认可"
    RETURNED = "returned", "已退回"


class Report(models.Model):
    """A progress report (反馈), a periodic report or a completion request,
    with its evidence files."""

    matter = models.ForeignKey(Matter, verbose_name="督办事项", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("类型", max_length=12, choices=ReportKind.choices)
    text = models.TextField("内容")
    progress = models.PositiveSmallIntegerField("进度（%）", null=True, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="报送单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("报送时间")
    period_due_at = models.DateTimeField("所报期次截止", null=True, blank=True,
                                         help_text="定期报告：本次报告所交账的报送期截止时间")
    files = models.ManyToManyField("journal.EvidenceFile", verbose_name="佐证材料", blank=True, related_name="+")
    review_state = models.CharField("审阅状态", max_length=10, choices=ReviewState.choices,
                                    default=ReviewState.PENDING)
    review_comment = models.TextField("审阅意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审阅人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)

    visibility = VisibilitySpec(via=("matter",))

    class Meta:
        verbose_name = "反馈"
        verbose_name_plural = "反馈"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["matter", "submitted_at"], name="supervision_report_matter")]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.submitted_at:%Y-%m-%d}）"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"


class ExtensionRequest(models.Model):
    """延期申请: made before the completion deadline, decided by the
    supervision office. While it waits the completion clock is paused; a
    rejection restores the original deadline."""

    matter = models.ForeignKey(Matter, verbose_name="督办事项", on_delete=models.PROTECT,
                               related_name="extensions")
    reason = models.TextField("延期理由")
    proposed_due = models.DateTimeField("申请延至")
    old_due = models.DateTimeField("原期限")
    new_due = models.DateTimeField("批准期限", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_reason = models.TextField("审批意见", blank=True)

    visibility = VisibilitySpec(via=("matter",))

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["matter"], condition=Q(state="pending"),
                                    name="supervision_one_pending_extension"),
        ]

    def __str__(self):
        return f"延期申请（{self.get_state_display()}）"


class UrgeKind(models.TextChoices):
    MANUAL = "manual", "人工催办"
    AUTO = "auto", "自动催办"


class UrgeChannel(models.TextChoices):
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    MESSAGE = "message", "系统消息"
    IN_PERSON = "in_person", "当面"
    WRITTEN = "written", "书面催办单"
    AUTO = "auto", "系统自动"


MANUAL_CHANNELS = [c for c in UrgeChannel if c != UrgeChannel.AUTO]


class Urge(models.Model):
    """催办: by hand (who, whom, channel) or automatically from a clock's
    warning or breach (one per flip). Each can produce a 催办单, numbered
    with `services.allocate_urge_number`."""

    matter = models.ForeignKey(Matter, verbose_name="督办事项", on_delete=models.PROTECT, related_name="urges")
    kind = models.CharField("方式", max_length=10, choices=UrgeKind.choices)
    channel = models.CharField("渠道", max_length=12, choices=UrgeChannel.choices)
    urged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="催办人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", help_text="为空表示系统自动")
    urged_unit = models.ForeignKey("org.Unit", verbose_name="被催办单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    urged_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="被催办人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    note = models.TextField("催办内容", blank=True)
    urged_at = models.DateTimeField("催办时间")
    clock = models.ForeignKey("clocks.Clock", verbose_name="计时器", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    flip = models.OneToOneField("clocks.ClockFlip", verbose_name="预警/超期记录", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="urge")
    document_year = models.PositiveSmallIntegerField("催办单年度", null=True, blank=True)
    document_serial = models.PositiveIntegerField("催办单序号", null=True, blank=True)
    document_number = models.CharField("催办单编号", max_length=80, blank=True)

    visibility = VisibilitySpec(via=("matter",))

    class Meta:
        verbose_name = "催办"
        verbose_name_plural = "催办"
        ordering = ["-urged_at", "-id"]
        indexes = [models.Index(fields=["matter", "urged_at"], name="supervision_urge_matter")]
        constraints = [
            models.UniqueConstraint(fields=["document_year", "document_serial"],
                                    condition=Q(document_serial__isnull=False),
                                    name="supervision_urge_number_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.get_channel_display()}）"

    def allocate_document_number(self, by=None) -> str:
        """Give this urge a 催办单 number (idempotent); see services."""
        from .services import allocate_urge_number

        return allocate_urge_number(self, by=by)
