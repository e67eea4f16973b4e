"""会议 (MEET-1…3; seed 004 §9, seed 000 §二(四)): meeting types with their
limits, meetings with their agenda, attendees, leave and substitutes,
sign-in, the record of how the meeting ran, and its minutes whose decisions
become supervised matters.

Seed numbers are rows: a `MeetingType` carries its limits (general meeting
1 hour, county-wide work meeting about 2 hours, combined meetings about 3
hours, never over half a day; speeches 5 minutes at county-wide meetings, 3
elsewhere; county-wide meetings by video first) with the seed section they
come from, and an administrator edits them. `ControlOffice` rows name the
office that controls the meetings of a jurisdiction (会议管控: in the demo
county 县政府办公室 for the whole 县人民政府 tree); its head approves plans
beyond the limits.

Who sees a meeting (duban.org.visibility): the convening and the organising
unit (each with its subtree, and the jurisdictions above them as usual:
督查室, leaders), the attendees and their units (the notice is addressed to
them), their substitutes and the agenda's speakers, the chair and whoever
registered it, and the control office of its jurisdiction. Its attendance, agenda, minutes and decisions are seen exactly
with it. Everyone else gets 404.

Every write goes through duban.meetings.services (one transaction, one
journal event)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse

from duban.org.models import Role, RoleAssignment
from duban.org.visibility import SubtreeGrant, VisibilitySpec, subtree_ids

# Supervised matters' meeting sources (duban.supervision.models.SourceKind):
# what a decision's matter records as its source.
MATTER_SOURCES = [("standing_meeting", "常务会议"), ("special_meeting", "专题会议")]


class MeetingType(models.Model):
    """A kind of meeting and its limits (MEET-1), as data."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    max_minutes = models.PositiveSmallIntegerField("会期（分钟）", help_text="一般控制在多长时间以内")
    combined_max_minutes = models.PositiveSmallIntegerField("合并套开时会期（分钟）",
                                                            help_text="与其他会议合并召开或套开时的会期")
    cap_minutes = models.PositiveSmallIntegerField("会期上限（分钟）", default=240,
                                                   help_text="会期一般不超过半天；法规、章程另有规定的可调整")
    speech_minutes = models.PositiveSmallIntegerField("发言时长（分钟）", help_text="每人发言一般控制在多长时间以内")
    county_wide = models.BooleanField("全县性会议", default=False)
    video_first = models.BooleanField("优先采用视频会议", default=False)
    matter_source = models.CharField("议定事项来源", max_length=20, choices=MATTER_SOURCES,
                                     default="special_meeting", help_text="议定事项转为督办事项时记录的来源")
    seed_section = models.CharField("出处", max_length=60, blank=True, help_text="如：种子004 §9")
    description = models.TextField("说明", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "会议类型"
        verbose_name_plural = "会议类型"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_minutes__gt=0) & Q(speech_minutes__gt=0)
                                   & Q(combined_max_minutes__gt=0) & Q(cap_minutes__gt=0),
                                   name="meetings_type_positive_limits"),
        ]

    def __str__(self):
        return self.name


def _control_jurisdictions(user) -> list:
    """The jurisdictions whose meetings `user` controls: the units of the
    ControlOffice rows of their own unit, when they are its head or
    liaison. Cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_duban_meeting_control", None)
    if cached is None:
        person = getattr(user, "person", None)
        cached = []
        if person is not None and RoleAssignment.objects.filter(
                user=user, role__in=[Role.UNIT_HEAD, Role.LIAISON]).exists():
            cached = [c.jurisdiction for c in ControlOffice.objects.filter(unit_id=person.unit_id)
                      .select_related("jurisdiction")]
        user._duban_meeting_control = cached
    return cached


class ControlOffice(models.Model):
    """会议管控: the office that controls the meetings convened in a
    jurisdiction (seed 000 §二(四) 实施计划管理、加强源头管控; seed 004 §9 严把
    会议数量、会议时间). Its 单位负责人 approves plans beyond a type's limits;
    its head and liaison see the jurisdiction's meetings."""

    unit = models.ForeignKey("org.Unit", verbose_name="管控办公室", on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("org.Unit", verbose_name="管控范围", on_delete=models.PROTECT, related_name="+",
                                     help_text="该单位及其全部下级召集的会议")
    seed_section = models.CharField("出处", max_length=60, blank=True)

    class Meta:
        verbose_name = "会议管控办公室"
        verbose_name_plural = "会议管控办公室"
        constraints = [models.UniqueConstraint(fields=["jurisdiction"], name="meetings_control_once")]

    def __str__(self):
        return f"{self.unit}（管控{self.jurisdiction}及下级的会议）"


class Mode(models.TextChoices):
    VIDEO = "video", "视频会议"
    ONSITE = "onsite", "现场会议"
    BOTH = "both", "现场加视频"


class MeetingState(models.TextChoices):
    PENDING = "pending", "待审批"
    PLANNED = "planned", "待召开"
    IN_PROGRESS = "in_progress", "进行中"
    HELD = "held", "已召开"
    REJECTED = "rejected", "未获批准"
    CANCELLED = "cancelled", "已取消"


OPEN_STATES = (MeetingState.PENDING, MeetingState.PLANNED, MeetingState.IN_PROGRESS)


def attends_q(user, scope) -> Q:
    """A meeting's attendees, their substitutes and its speakers see it, and
    so do the attendees' units (the notice is addressed to them: their
    liaison asks leave for their head), each with its subtree like any
    unit's records."""
    if scope.user_id is None:
        return Q(pk__in=[])
    uid = scope.user_id
    q = (Q(Exists(Attendance.objects.filter(meeting=OuterRef("pk")).filter(Q(attendee_id=uid) | Q(substitute_id=uid))))
         | Q(Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"), speaker_id=uid))))
    if scope.own_unit is not None:
        q |= Q(Exists(Attendance.objects.filter(meeting=OuterRef("pk"), unit__in=subtree_ids([scope.own_unit]))))
    return q


class Meeting(models.Model):
    type = models.ForeignKey(MeetingType, verbose_name="会议类型", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("会议名称", max_length=200)
    convener = models.ForeignKey("org.Unit", verbose_name="召集单位", on_delete=models.PROTECT, related_name="+",
                                 help_text="会议计入该单位的年度会议计划")
    organiser = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+",
                                  help_text="负责会务的办公室：审批请假、签到、记录会议、起草纪要")
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT,
                              related_name="+")
    starts_at = models.DateTimeField("开始时间")
    planned_minutes = models.PositiveSmallIntegerField("计划会期（分钟）")
    mode = models.CharField("形式", max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    venue = models.CharField("会场", max_length=200, blank=True)
    combined_with = models.ForeignKey("self", verbose_name="合并套开的会议", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="combined_meetings")
    combined_title = models.CharField("合并套开的会议名称", max_length=200, blank=True,
                                      help_text="合并套开的会议未在平台登记时填写")
    departures = models.JSONField("超出标准", default=list, blank=True,
                                  help_text="登记时超出会议类型标准之处（每条注明标准及其出处）")
    over_limit_reason = models.TextField("超出标准的理由", blank=True)
    state = models.CharField("状态", max_length=12, choices=MeetingState.choices, default=MeetingState.PLANNED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_comment = models.CharField("审批意见", max_length=500, blank=True)
    sign_secret = models.CharField("签到码密钥", max_length=64, editable=False)
    notice_year = models.PositiveSmallIntegerField("通知年度", null=True, blank=True)
    notice_number = models.CharField("通知文号", max_length=80, blank=True)
    notice_issued_at = models.DateTimeField("通知印发时间", null=True, blank=True)
    actual_start = models.DateTimeField("实际开始", null=True, blank=True)
    actual_end = models.DateTimeField("实际结束", null=True, blank=True)
    current_item = models.ForeignKey("AgendaItem", verbose_name="当前议程", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                      related_name="+")
    registered_at = models.DateTimeField("登记时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)

    visibility = VisibilitySpec(
        unit_fields=("convener", "organiser"),
        user_fields=("chair", "registered_by"),
        grants=(SubtreeGrant(roots=_control_jurisdictions, unit_fields=("convener",)),),
        extra=(attends_q,),
    )

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["state", "starts_at"], name="meetings_state_starts"),
            models.Index(fields=["starts_at", "id"], name="meetings_starts"),
            models.Index(fields=["convener", "starts_at"], name="meetings_convener_starts"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        try:
            return reverse("meetings:meeting", args=[self.pk])
        except NoReverseMatch:
            return f"/meetings/{self.pk}/"

    @property
    def is_combined(self) -> bool:
        return bool(self.combined_with_id or self.combined_title)

    @property
    def ends_at(self):
        import datetime as dt

        return self.starts_at + dt.timedelta(minutes=self.planned_minutes)

    @property
    def actual_minutes(self):
        if self.actual_start and self.actual_end:
            return round((self.actual_end - self.actual_start).total_seconds() / 60)
        return None


class ItemKind(models.TextChoices):
    SPEECH = "speech", "发言"
    ADDRESS = "address", "领导讲话"
    TOPIC = "topic", "议题"


class AgendaItem(models.Model):
    """One item of the agenda: a speech (发言, held to the type's speech
    limit), a leader's address or a topic, with its speaker and planned
    minutes; when it ran, with its actual length."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("序号")
    title = models.CharField("议程", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=ItemKind.choices, default=ItemKind.SPEECH)
    speaker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发言人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    planned_minutes = models.PositiveSmallIntegerField("计划用时（分钟）")
    started_at = models.DateTimeField("实际开始", null=True, blank=True)
    ended_at = models.DateTimeField("实际结束", null=True, blank=True)

    visibility = VisibilitySpec(via=("meeting",))

    class Meta:
        verbose_name = "议程"
        verbose_name_plural = "议程"
        ordering = ["meeting", "seq"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seq"], name="meetings_item_seq_once")]

    def __str__(self):
        return f"{self.seq}. {self.title}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url() + f"#item-{self.pk}"

    @property
    def actual_seconds(self):
        if self.started_at and self.ended_at:
            return int((self.ended_at - self.started_at).total_seconds())
        return None


class LeaveKind(models.TextChoices):
    LEAVE = "leave", "请假"
    SUBSTITUTE = "substitute", "代会"


class LeaveState(models.TextChoices):
    NONE = "", "—"
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class Attendance(models.Model):
    """One invited person (a real person of the org tree) and what became of
    them: leave (请假) or a substitute (代会, who and who authorised it),
    approved by the organising office, and their sign-in."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendances")
    attendee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="参会人", on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="所在单位", on_delete=models.PROTECT, related_name="+")
    leave_kind = models.CharField("请假类别", max_length=12, choices=LeaveKind.choices, blank=True)
    leave_state = models.CharField("请假状态", max_length=12, choices=LeaveState.choices, blank=True)
    leave_reason = models.CharField("请假事由", max_length=500, blank=True)
    substitute = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="代会人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="代会授权人", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", null=True, blank=True)
    leave_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    leave_decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    leave_comment = models.CharField("审批意见", max_length=500, blank=True)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签到人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField("排序", default=0)

    visibility = VisibilitySpec(via=("meeting",))

    class Meta:
        verbose_name = "参会人员"
        verbose_name_plural = "参会人员"
        ordering = ["meeting", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "attendee"], name="meetings_attendee_once")]
        indexes = [
            models.Index(fields=["attendee", "meeting"], name="meetings_attendee"),
            models.Index(fields=["substitute", "meeting"], name="meetings_substitute"),
            models.Index(fields=["meeting", "leave_state"], name="meetings_leave_state"),
        ]

    def __str__(self):
        return f"{self.meeting} · {self.attendee.get_full_name() or self.attendee.username}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url() + f"#att-{self.pk}"


class MinutesState(models.TextChoices):
    DRAFT = "draft", "起草中"
    ISSUED = "issued", "已印发"


class Minutes(models.Model):
    """会议纪要: numbered when issued, with its decisions (议定事项)."""

    meeting = models.OneToOneField(Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="minutes")
    summary = models.TextField("会议主要内容")
    state = models.CharField("状态", max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    number = models.CharField("纪要编号", max_length=80, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField("起草时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="印发人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    handed_over_at = models.DateTimeField("转为督办事项时间", null=True, blank=True)

    visibility = VisibilitySpec(via=("meeting",))

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"

    def __str__(self):
        return self.number or f"{self.meeting}纪要（待印发）"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url() + "#minutes"


class Decision(models.Model):
    """议定事项: a work arrangement with its responsible unit and person and
    its time node (DOC-2); becomes a supervised matter in one step (MEET-3).
    Without a deadline of its own the matter reports within 7 working days
    (TL-3, rule matter_report_7wd)."""

    minutes = models.ForeignKey(Minutes, verbose_name="纪要", on_delete=models.CASCADE, related_name="decisions")
    seq = models.PositiveSmallIntegerField("序号")
    title = models.CharField("事项", max_length=200)
    content = models.TextField("具体要求")
    lead_unit = models.ForeignKey("org.Unit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    lead_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT,
                                    related_name="+")
    cooperating_units = models.ManyToManyField("org.Unit", verbose_name="配合单位", blank=True, related_name="+")
    responsible_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任领导", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField("办结期限", null=True, blank=True,
                                  help_text="不填则按7个工作日内报告落实情况")
    # The hand-over's result (duban.supervision.services.create_matters_from_meeting).
    matter = models.OneToOneField("supervision.Matter", verbose_name="督办事项", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="meeting_decision")

    visibility = VisibilitySpec(via=("minutes__meeting",))

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["minutes", "seq"]
        constraints = [models.UniqueConstraint(fields=["minutes", "seq"], name="meetings_decision_seq_once")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.minutes.meeting.get_absolute_url() + f"#decision-{self.pk}"
