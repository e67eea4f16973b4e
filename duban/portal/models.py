"""The public at the door (PUB-1 … PUB-3, EVAL-5): complaints and clues from
the public and 12345 work orders (tickets), their triage by the supervision
office, dispatch to units with clocks, follow-ups; ratings (好差评) with the
handling of every 差评 and appeals; typical cases.

A ticket's complainant's contact data lives in `ComplainantContact`, one
model and nowhere else, so that it can be stored encrypted in one place; no
public page reads it. The limits of dispatch (5 working days to handle, an
extension of at most 10, a misrouted ticket returned within 2, the number
of returns) are rows: TimeLimitRule rows (duban.timelimits) and `Limit`
rows here, loaded by this app's migrations with their source."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from duban.core.fields import EncryptedTextField
from duban.org.visibility import VisibilitySpec


class IntakeChannel(models.TextChoices):
    WEB = "web", "网上投诉"
    PHONE = "phone", "投诉电话"
    MAILBOX = "mailbox", "投诉信箱"
    HOTLINE = "hotline", "12345热线"


class TicketKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    CLUE = "clue", "线索"
    REQUEST = "request", "诉求"


class TicketState(models.TextChoices):
    RECEIVED = "received", "待分拣"
    DISPATCHED = "dispatched", "转办中"
    RETURNED = "returned", "被退回待重新分派"
    ANSWERED = "answered", "办理结果待审核"
    IN_MATTER = "in_matter", "已转督办事项"
    IN_PROBLEM = "in_problem", "已转整改问题"
    CLOSED = "closed", "已办结"
    DISMISSED = "dismissed", "不予受理"
    MERGED = "merged", "已合并（重复件）"


OPEN_TICKET_STATES = (TicketState.RECEIVED, TicketState.DISPATCHED, TicketState.RETURNED, TicketState.ANSWERED,
                      TicketState.IN_MATTER, TicketState.IN_PROBLEM)
# What the complainant reads on the tracking page: no internal wording.
PUBLIC_STATE = {
    TicketState.RECEIVED: "已受理，正在分派",
    TicketState.DISPATCHED: "正在办理",
    TicketState.RETURNED: "正在重新分派",
    TicketState.ANSWERED: "正在办理",
    TicketState.IN_MATTER: "已列入督办，正在办理",
    TicketState.IN_PROBLEM: "已列入作风问题整改，正在整改",
    TicketState.CLOSED: "已办结",
    TicketState.DISMISSED: "不予受理",
    TicketState.MERGED: "与此前的相同诉求合并办理",
}


class Outcome(models.TextChoices):
    MATTER = "matter", "转为督办事项"
    PROBLEM = "problem", "转为作风问题整改"
    REFERRAL = "referral", "转交责任单位办理"
    DISMISSAL = "dismissal", "不予受理"


def _ticket_url(pk):
    return reverse("portal:ticket", args=[pk])


def _dispatched_to_scope(user, scope):
    """A ticket stays visible to every unit it was dispatched to (also after
    a return or a re-dispatch): EXISTS on its dispatches, no join."""
    from django.db.models import Exists, OuterRef

    from duban.org.visibility import subtree_ids

    roots = scope.roots
    if not roots:
        return models.Q(pk__in=[])
    return models.Q(Exists(Dispatch.objects.filter(ticket=OuterRef("pk"), unit__in=subtree_ids(roots))))


class Ticket(models.Model):
    """A complaint, a clue or a 12345 work order."""

    number = models.CharField("受理编号", max_length=40, unique=True)
    tracking_code = models.CharField("查询码", max_length=20, unique=True,
                                     help_text="交给投诉人查询进度、评价的凭据")
    channel = models.CharField("来源渠道", max_length=10, choices=IntakeChannel.choices)
    kind = models.CharField("类别", max_length=10, choices=TicketKind.choices, default=TicketKind.COMPLAINT)
    hotline_number = models.CharField("12345工单编号", max_length=40, unique=True, null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    subject_unit = models.ForeignKey("org.Unit", verbose_name="反映的单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    place = models.CharField("地点", max_length=200, blank=True)
    is_enterprise = models.BooleanField("企业诉求", default=False)
    received_at = models.DateTimeField("受理时间")
    office = models.ForeignKey("org.Unit", verbose_name="受理机构", on_delete=models.PROTECT, related_name="+",
                               help_text="受理并分拣的督查室")
    state = models.CharField("状态", max_length=12, choices=TicketState.choices, default=TicketState.RECEIVED)
    outcome = models.CharField("分拣结果", max_length=10, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField("分拣理由", blank=True, help_text="转办、不予受理的理由（内部）")
    handling_unit = models.ForeignKey("org.Unit", verbose_name="承办单位", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    matter = models.OneToOneField("supervision.Matter", verbose_name="督办事项", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    problem = models.OneToOneField("rectification.Problem", verbose_name="整改问题", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    public_answer = models.TextField("答复意见", blank=True, help_text="投诉人在查询页看到的答复")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Duplicates (RECT-6): a repeat is merged into the first and counted there.
    repeat_of = models.ForeignKey("self", verbose_name="合并到", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="repeats")
    possible_repeat_of = models.ForeignKey("self", verbose_name="疑似重复", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    repeat_count = models.PositiveIntegerField("反映次数", default=1)
    normalized = models.TextField("规范化内容", blank=True, editable=False)
    returns = models.PositiveSmallIntegerField("被退回次数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", help_text="网上投诉为空")
    created_at = models.DateTimeField("登记时间")

    visibility = VisibilitySpec(unit_fields=("office", "handling_unit"), extra=(_dispatched_to_scope,))

    class Meta:
        verbose_name = "投诉和工单"
        verbose_name_plural = "投诉和工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="portal_ticket_state"),
            models.Index(fields=["office", "state"], name="portal_ticket_office"),
            models.Index(fields=["handling_unit", "state"], name="portal_ticket_unit"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return _ticket_url(self.pk)

    @property
    def is_open(self):
        return self.state in OPEN_TICKET_STATES

    @property
    def public_state(self):
        return PUBLIC_STATE.get(self.state, self.get_state_display())


class ComplainantContact(models.Model):
    """The complainant's contact data: the one place it is kept, the
    personal fields stored SM4-encrypted (duban.core.fields, as a person's
    mobile and ID number). Shown only to the supervision office and the
    unit handling the ticket, never on a public page or in the journal."""

    ticket = models.OneToOneField(Ticket, verbose_name="投诉和工单", on_delete=models.CASCADE, related_name="contact")
    name = EncryptedTextField("姓名", max_length=60, blank=True)
    phone = EncryptedTextField("联系电话", max_length=30, blank=True)
    id_number = EncryptedTextField("身份证号", max_length=18, blank=True)
    email = EncryptedTextField("电子邮箱", max_length=120, blank=True)
    address = EncryptedTextField("联系地址", max_length=200, blank=True)
    company = models.CharField("企业名称", max_length=120, blank=True)
    wants_reply = models.BooleanField("需要回复", default=True)

    class Meta:
        verbose_name = "投诉人联系方式"
        verbose_name_plural = "投诉人联系方式"

    def __str__(self):
        return f"{self.ticket.number} 的联系方式"


class DispatchState(models.TextChoices):
    HANDLING = "handling", "办理中"
    RETURNED = "returned", "已退回（错转）"
    ANSWERED = "answered", "已答复待审核"
    ACCEPTED = "accepted", "已通过审核"
    REJECTED = "rejected", "未通过，重新办理"


class Dispatch(models.Model):
    """A ticket handed to a unit to handle (转办): its clock runs from the
    dispatch (5 working days by default)."""

    ticket = models.ForeignKey(Ticket, verbose_name="投诉和工单", on_delete=models.CASCADE, related_name="dispatches")
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("转办说明", blank=True)
    dispatched_at = models.DateTimeField("转办时间")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="转办人", on_delete=models.PROTECT,
                                      related_name="+")
    clock = models.ForeignKey("clocks.Clock", verbose_name="办理计时器", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    return_by = models.DateTimeField("可退回至", help_text="错转工单须在此之前退回")
    state = models.CharField("状态", max_length=10, choices=DispatchState.choices, default=DispatchState.HANDLING)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="退回人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    return_reason = models.TextField("退回理由", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    result = models.TextField("办理情况", blank=True, help_text="内部：查实情况和处理结果")
    public_answer = models.TextField("答复群众", blank=True)
    review_note = models.TextField("审核意见", blank=True)

    visibility = VisibilitySpec(unit_fields=("unit",), via=("ticket",))

    class Meta:
        verbose_name = "转办"
        verbose_name_plural = "转办"
        ordering = ["dispatched_at", "id"]
        indexes = [models.Index(fields=["unit", "state"], name="portal_dispatch_unit")]

    def __str__(self):
        return f"{self.ticket.number} → {self.unit}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class DispatchExtension(models.Model):
    dispatch = models.ForeignKey(Dispatch, verbose_name="转办", on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长工作日")
    reason = models.TextField("理由")
    requested_at = models.DateTimeField("申请时间")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    state = models.CharField("状态", max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "转办延期申请"
        verbose_name_plural = "转办延期申请"
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.dispatch} 延期{self.days}个工作日"


class Solved(models.TextChoices):
    SOLVED = "solved", "已解决"
    PARTLY = "partly", "部分解决"
    UNSOLVED = "unsolved", "未解决"
    UNKNOWN = "unknown", "未了解到"


class FollowUp(models.Model):
    """A contact with the complainant by phone (or in person): when, by
    whom, whether they were reached and whether the problem was solved."""

    ticket = models.ForeignKey(Ticket, verbose_name="投诉和工单", on_delete=models.CASCADE, related_name="follow_ups")
    contacted_at = models.DateTimeField("联系时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="联系人", on_delete=models.PROTECT, related_name="+")
    method = models.CharField("方式", max_length=10, default="phone",
                              choices=[("phone", "电话"), ("visit", "上门"), ("sms", "短信")])
    reached = models.BooleanField("联系上", default=True)
    solved = models.CharField("问题是否解决", max_length=10, choices=Solved.choices, default=Solved.UNKNOWN)
    note = models.TextField("情况", blank=True)
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        ordering = ["contacted_at", "id"]

    def __str__(self):
        return f"{self.ticket.number} 回访 {self.contacted_at:%Y-%m-%d}"


class RaterKind(models.TextChoices):
    PUBLIC = "public", "群众"
    ENTERPRISE = "enterprise", "企业"


class RatingLevel(models.IntegerChoices):
    """国办发〔2019〕51号: five levels; the last two are 差评."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


BAD_LEVELS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class RatingInvitation(models.Model):
    """What may be rated, once: a closed ticket (its complainant rates from
    the tracking page) or a service (政务服务) by a code handed out at the
    window or printed on the receipt."""

    code = models.CharField("评价码", max_length=20, unique=True)
    unit = models.ForeignKey("org.Unit", verbose_name="被评价单位", on_delete=models.PROTECT, related_name="+")
    service = models.CharField("服务事项", max_length=120)
    ticket = models.OneToOneField(Ticket, verbose_name="投诉和工单", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="invitation")
    rater_kind = models.CharField("评价人", max_length=10, choices=RaterKind.choices, default=RaterKind.PUBLIC)
    created_at = models.DateTimeField("生成时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = "评价邀请"
        verbose_name_plural = "评价邀请"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.unit} · {self.service}"


class BadRatingStep(models.TextChoices):
    VERIFY = "verify", "待核实"
    RECTIFY = "rectify", "待整改"
    EXPLAIN = "explain", "待说明"
    CALLBACK = "callback", "待回访"
    DONE = "done", "已办结"


class Verdict(models.TextChoices):
    TRUE = "true", "属实"
    FALSE = "false", "不属实"


class Rating(models.Model):
    """One rating. A 差评 (不满意, 非常不满意) is verified, then rectified within
    a time limit (rule rating_rectify_5wd) or explained, and the rater is
    called back; an appeal may exclude it (Appeal)."""

    invitation = models.OneToOneField(RatingInvitation, verbose_name="评价邀请", on_delete=models.PROTECT,
                                      related_name="rating")
    unit = models.ForeignKey("org.Unit", verbose_name="被评价单位", on_delete=models.PROTECT, related_name="+")
    service = models.CharField("服务事项", max_length=120)
    ticket = models.ForeignKey(Ticket, verbose_name="投诉和工单", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    rater_kind = models.CharField("评价人", max_length=10, choices=RaterKind.choices)
    level = models.PositiveSmallIntegerField("评价", choices=RatingLevel.choices)
    comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间")
    # The 差评's handling.
    step = models.CharField("差评处理", max_length=10, choices=BadRatingStep.choices, blank=True)
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核实人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField("核实结论", max_length=10, choices=Verdict.choices, blank=True)
    verify_note = models.TextField("核实情况", blank=True)
    clock = models.ForeignKey("clocks.Clock", verbose_name="整改计时器", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField("整改（说明）时间", null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="整改（说明）人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handling_text = models.TextField("整改情况或说明", blank=True)
    called_back_at = models.DateTimeField("回访时间", null=True, blank=True)
    called_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回访人", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    callback_note = models.TextField("回访情况", blank=True)
    callback_satisfied = models.BooleanField("回访后满意", null=True, blank=True)
    excluded = models.BooleanField("已剔除", default=False, help_text="申诉复核认定为误评或恶意差评，不计入满意度")

    visibility = VisibilitySpec(unit_fields=("unit",))

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-rated_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "rated_at"], name="portal_rating_unit"),
            models.Index(fields=["step", "rated_at"], name="portal_rating_step"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.service} · {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("portal:rating", args=[self.pk])

    @property
    def is_bad(self):
        return self.level in BAD_LEVELS


class AppealState(models.TextChoices):
    PENDING = "pending", "待复核"
    UPHELD = "upheld", "申诉成立，差评剔除"
    REJECTED = "rejected", "申诉不成立，差评保留"


class Appeal(models.Model):
    """申诉复核: the rated unit appeals a mistaken or malicious 差评; the
    supervision office decides, and the decision is recorded."""

    rating = models.ForeignKey(Rating, verbose_name="评价", on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField("申诉理由")
    appealed_at = models.DateTimeField("申诉时间")
    appealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT,
                                    related_name="+")
    state = models.CharField("状态", max_length=10, choices=AppealState.choices, default=AppealState.PENDING)
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField("复核意见", blank=True)

    visibility = VisibilitySpec(via=("rating",))

    class Meta:
        verbose_name = "差评申诉"
        verbose_name_plural = "差评申诉"
        ordering = ["appealed_at", "id"]

    def __str__(self):
        return f"{self.rating} 的申诉"

    def get_absolute_url(self):
        return reverse("portal:rating", args=[self.rating_id])


class CaseKind(models.TextChoices):
    POSITIVE = "positive", "正面典型"
    NEGATIVE = "negative", "反面案例"


class CaseState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "退回修改"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class TypicalCase(models.Model):
    """A positive or negative typical case (正面典型、反面案例, PUB-3), written
    by the office, reviewed by another person, then published."""

    kind = models.CharField("类型", max_length=10, choices=CaseKind.choices)
    title = models.CharField("标题", max_length=200)
    summary = models.TextField("公开内容", help_text="将在公开页面发布，不得包含个人信息")
    unit = models.ForeignKey("org.Unit", verbose_name="涉及单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    office = models.ForeignKey("org.Unit", verbose_name="编写单位", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=10, choices=CaseState.choices, default=CaseState.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编写人", on_delete=models.PROTECT,
                                   related_name="+")
    drafted_at = models.DateTimeField("编写时间")
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    visibility = VisibilitySpec(unit_fields=("office", "unit"))

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-published_at", "-drafted_at", "-id"]
        indexes = [models.Index(fields=["state", "-published_at"], name="portal_case_state")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    def get_absolute_url(self):
        return reverse("portal:case", args=[self.pk])


class Limit(models.Model):
    """A count that bounds the work (not a time limit): an administrator
    edits it; loaded by migration with its source."""

    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=120)
    value = models.PositiveIntegerField("数值")
    seed_section = models.CharField("出处", max_length=80, blank=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "工单办理限额"
        verbose_name_plural = "工单办理限额"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}：{self.value}"
