"""值班信息报送 (DUTY-1…5, seed 004 §6): the duty roster, incidents and
their report chain (phone report, 首报/续报/终报 with versions and
sign-off), figures, and the duty bulletin (值班要情) with leaders'
instructions relayed as supervised matters.

Who sees what (duban.org.visibility):
- an incident and everything under it: the reporting unit and the units
  involved (each with its subtree, and jurisdictions as usual), and the
  duty office;
- the duty office = holders of 值班员 (DUTY_OFFICER) or 带班领导
  (DUTY_LEADER) whose role assignment has a scope: the scope is their
  duty jurisdiction (the county's 总值班室 staff get scope = 县人民政府 and
  see every incident of the county). A town's duty officer without a scope
  sees, like everyone, what their own unit reports or is involved in.
  duban.org does not count the duty roles as jurisdiction roles, so the
  duty office's sight is a grant (`duty_office_grant` below): the app names
  the units and the roots, org.visibility builds the condition.

Report versions and signatures are never updated: an edit is a new
version, and a signature binds the SM3 hash of one version's content.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from duban.org.models import Role, RoleAssignment
from duban.org.visibility import SubtreeGrant, VisibilitySpec

DUTY_ROLES = (Role.DUTY_OFFICER, Role.DUTY_LEADER)


def duty_jurisdictions(user) -> list:
    """The units whose subtrees `user` watches as the duty office (see the
    module docstring); cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_duban_duty_roots", None)
    if cached is None:
        cached = [ra.scope for ra in RoleAssignment.objects.filter(
            user=user, role__in=list(DUTY_ROLES), scope__isnull=False).select_related("scope")]
        user._duban_duty_roots = cached
    return cached


def duty_office_grant(unit_fields=(), multi_unit_fields=()) -> SubtreeGrant:
    """The duty office's sight (see the module docstring): rows whose units
    lie in one of the user's duty jurisdictions. The core builds the
    condition (org.visibility.SubtreeGrant)."""
    return SubtreeGrant(roots=duty_jurisdictions, unit_fields=tuple(unit_fields),
                        multi_unit_fields=tuple(multi_unit_fields))


class IncidentKind(models.TextChoices):
    NATURAL_DISASTER = "natural_disaster", "自然灾害"
    ACCIDENT = "accident", "事故灾难"
    PUBLIC_HEALTH = "public_health", "公共卫生事件"
    SOCIAL_SECURITY = "social_security", "社会安全事件"
    OTHER = "other", "其他"


class IncidentLevel(models.TextChoices):
    GENERAL = "general", "一般"
    LARGER = "larger", "较大"
    MAJOR = "major", "重大"
    EXTRAORDINARY = "extraordinary", "特别重大"


class IncidentState(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已终报"


class DutyShift(models.Model):
    """One duty day of one unit: 值班员 and 带班领导 (the roster), on duty from
    `starts_at` to `ends_at`. A shift may run over midnight (08:30 to 08:30
    the next morning, or a night shift 18:00–08:00): it is one shift, dated
    by the day it starts, and whoever is on duty at a moment is read from
    the two moments, never from the calendar date."""

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="duty_shifts")
    date = models.DateField("日期", help_text="值班开始的日期")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="值班员", on_delete=models.PROTECT,
                                related_name="duty_shifts_as_officer")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="带班领导", on_delete=models.PROTECT,
                               related_name="duty_shifts_as_leader")
    note = models.CharField("备注", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField("录入时间")

    visibility = VisibilitySpec(unit_fields=("unit",), grants=(duty_office_grant(("unit",)),))

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["date", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="duty_shift_once_per_day"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["date", "unit"], name="duty_shift_date"),
            models.Index(fields=["unit", "starts_at", "ends_at"], name="duty_shift_on_duty"),
            models.Index(fields=["starts_at", "ends_at"], name="duty_shift_now"),
        ]

    def __str__(self):
        return f"{self.unit} {self.date:%Y-%m-%d}"


class Incident(models.Model):
    title = models.CharField("事件名称", max_length=120)
    kind = models.CharField("事件类型", max_length=20, choices=IncidentKind.choices)
    level = models.CharField("事件等级", max_length=20, choices=IncidentLevel.choices)
    occurred_at = models.DateTimeField("发生时间")
    learned_at = models.DateTimeField("获知时间", help_text="报告单位获知事件的时间，报送时限从此起算")
    place = models.CharField("发生地点", max_length=200)
    reporting_unit = models.ForeignKey("org.Unit", verbose_name="报告单位", on_delete=models.PROTECT,
                                       related_name="duty_incidents")
    involved_units = models.ManyToManyField("org.Unit", verbose_name="涉及单位", blank=True, related_name="+")
    description = models.TextField("简要情况")
    state = models.CharField("状态", max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN)
    closed_at = models.DateTimeField("终报时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("录入时间")

    visibility = VisibilitySpec(
        unit_fields=("reporting_unit",),
        multi_unit_fields=("involved_units",),
        grants=(duty_office_grant(("reporting_unit",), ("involved_units",)),),
    )

    class Meta:
        verbose_name = "突发事件"
        verbose_name_plural = "突发事件"
        ordering = ["-learned_at", "-id"]
        indexes = [
            models.Index(fields=["-learned_at", "-id"], name="duty_incident_learned"),
            models.Index(fields=["state", "-learned_at"], name="duty_incident_state"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        try:
            return reverse("duty:incident", args=[self.pk])
        except NoReverseMatch:
            return f"/duty/incidents/{self.pk}/"


class PhoneReport(models.Model):
    """电话报告: who called whom, when, what was said."""

    incident = models.ForeignKey(Incident, verbose_name="事件", on_delete=models.PROTECT, related_name="phone_reports")
    unit = models.ForeignKey("org.Unit", verbose_name="报告单位", on_delete=models.PROTECT, related_name="+")
    caller_name = models.CharField("报告人", max_length=60)
    caller_phone = models.CharField("报告人电话", max_length=40, blank=True)
    callee_name = models.CharField("接报人", max_length=60)
    callee_unit = models.ForeignKey("org.Unit", verbose_name="接报单位", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField("通话时间")
    summary = models.TextField("通话内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    visibility = VisibilitySpec(via=("incident",))

    class Meta:
        verbose_name = "电话报告"
        verbose_name_plural = "电话报告"
        ordering = ["called_at", "id"]

    def __str__(self):
        return f"{self.incident} 电话报告 {self.called_at:%H:%M}"


class ReportKind(models.TextChoices):
    FIRST = "first", "首报"
    FOLLOW_UP = "follow_up", "续报"
    FINAL = "final", "终报"


class ReportState(models.TextChoices):
    DRAFT = "draft", "待审签"
    SENT = "sent", "已报送"


# The key figures (DUTY-4): field name → label and unit of measure.
FIGURE_FIELDS = {
    "deaths": ("死亡", "人"),
    "injuries": ("受伤", "人"),
    "missing": ("失踪", "人"),
    "affected": ("受影响群众", "人"),
    "economic_loss": ("直接经济损失", "万元"),
}


class WrittenReport(models.Model):
    """书面报告 of one unit on one incident: 首报, 续报 or 终报. Its text
    and figures live in immutable versions; `current_version` is the one
    being edited or last sent, `sent_version` the one last signed and sent."""

    incident = models.ForeignKey(Incident, verbose_name="事件", on_delete=models.PROTECT,
                                 related_name="written_reports")
    unit = models.ForeignKey("org.Unit", verbose_name="报告单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("报告类型", max_length=10, choices=ReportKind.choices)
    seq = models.PositiveSmallIntegerField("本单位第几次报告")
    state = models.CharField("状态", max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    current_version = models.ForeignKey("ReportVersion", verbose_name="当前版本", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    sent_version = models.ForeignKey("ReportVersion", verbose_name="已报送版本", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    first_sent_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    sent_at = models.DateTimeField("最近报送时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("起草时间")

    visibility = VisibilitySpec(via=("incident",))

    class Meta:
        verbose_name = "书面报告"
        verbose_name_plural = "书面报告"
        ordering = ["incident", "unit", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "unit", "seq"], name="duty_report_seq_once"),
            models.UniqueConstraint(fields=["incident", "unit"], condition=Q(kind="first"),
                                    name="duty_report_one_first"),
            models.UniqueConstraint(fields=["incident", "unit"], condition=Q(kind="final"),
                                    name="duty_report_one_final"),
        ]

    def __str__(self):
        return f"{self.incident} {self.unit} {self.get_kind_display()}"


class ReportVersion(models.Model):
    """One version of a written report: never changed once written."""

    report = models.ForeignKey(WrittenReport, verbose_name="报告", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("版本号")
    kind = models.CharField("报告类型", max_length=10, choices=ReportKind.choices)
    text = models.TextField("报告正文")
    deaths = models.PositiveIntegerField("死亡人数", null=True, blank=True)
    injuries = models.PositiveIntegerField("受伤人数", null=True, blank=True)
    missing = models.PositiveIntegerField("失踪人数", null=True, blank=True)
    affected = models.PositiveIntegerField("受影响群众（人）", null=True, blank=True)
    economic_loss = models.DecimalField("直接经济损失（万元）", max_digits=14, decimal_places=2, null=True,
                                        blank=True)
    content_hash = models.CharField("内容摘要（SM3）", max_length=64)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编辑人", on_delete=models.PROTECT,
                                  related_name="+")
    edited_at = models.DateTimeField("编辑时间")

    visibility = VisibilitySpec(via=("report",))

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="duty_version_once")]

    def __str__(self):
        return f"{self.report} 第{self.number}版"

    @property
    def figures(self) -> dict:
        return {f: getattr(self, f) for f in FIGURE_FIELDS}


class Signature(models.Model):
    """审签: a leader's electronic signature on one report version. Its
    `content_hash` is the SM3 hash of that version's canonical content at
    signing; `duban.duty.services.verify_signature` recomputes it."""

    MEANING = "审签"

    report = models.ForeignKey(WrittenReport, verbose_name="报告", on_delete=models.PROTECT,
                               related_name="signatures")
    version = models.ForeignKey(ReportVersion, verbose_name="所签版本", on_delete=models.PROTECT,
                                related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签署人", on_delete=models.PROTECT,
                               related_name="+")
    signer_name = models.CharField("签署人姓名", max_length=60)
    basis = models.CharField("签署身份", max_length=20, help_text="带班领导 或 主要领导")
    meaning = models.CharField("签署含义", max_length=20, default=MEANING)
    signed_at = models.DateTimeField("签署时间")
    content_hash = models.CharField("所签内容摘要（SM3）", max_length=64)

    visibility = VisibilitySpec(via=("report",))

    class Meta:
        verbose_name = "审签"
        verbose_name_plural = "审签"
        ordering = ["signed_at", "id"]

    def __str__(self):
        return f"{self.signer_name} {self.meaning} {self.signed_at:%Y-%m-%d %H:%M}"


class BulletinState(models.TextChoices):
    DRAFT = "draft", "编辑中"
    ISSUED = "issued", "已印发"


class Bulletin(models.Model):
    """值班要情 第N期: numbered per year when issued."""

    unit = models.ForeignKey("org.Unit", verbose_name="编发单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=200)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=BulletinState.choices, default=BulletinState.DRAFT)
    compiled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编辑人", on_delete=models.PROTECT,
                                    related_name="+")
    compiled_at = models.DateTimeField("编辑时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="印发人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)

    # The compiling office and everyone whose jurisdiction covers it (the
    # county's leaders), plus the duty office.
    visibility = VisibilitySpec(unit_fields=("unit",), user_fields=("compiled_by",),
                                grants=(duty_office_grant(("unit",)),))

    class Meta:
        verbose_name = "值班要情"
        verbose_name_plural = "值班要情"
        ordering = ["-compiled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="duty_bulletin_number_once")]

    def __str__(self):
        return f"值班要情 {self.number_text}" if self.number else f"值班要情（待印发）{self.title}"

    @property
    def number_text(self) -> str:
        return f"第{self.number}期" if self.number else ""


class BulletinItem(models.Model):
    bulletin = models.ForeignKey(Bulletin, verbose_name="要情", on_delete=models.CASCADE, related_name="items")
    report = models.ForeignKey(WrittenReport, verbose_name="所选报告", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="bulletin_items")
    heading = models.CharField("小标题", max_length=200)
    summary = models.TextField("摘要")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    visibility = VisibilitySpec(via=("bulletin",))

    class Meta:
        verbose_name = "要情条目"
        verbose_name_plural = "要情条目"
        ordering = ["bulletin", "sort_order", "id"]

    def __str__(self):
        return self.heading


class Instruction(models.Model):
    """A leader's instruction (批示) on a bulletin item, relayed to the
    units concerned as a supervised matter. Its clock "relay" (rule
    county_instruction_relay_1h) runs from `instructed_at` and is met when
    the matter is assigned (`relayed_at`)."""

    item = models.ForeignKey(BulletinItem, verbose_name="要情条目", on_delete=models.PROTECT,
                             related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="批示领导", on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField("批示内容")
    instructed_at = models.DateTimeField("批示时间")
    lead_unit = models.ForeignKey("org.Unit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    units = models.ManyToManyField("org.Unit", verbose_name="相关单位", related_name="+")
    # The hand-over's result (duban.supervision.services.create_matter).
    matter = models.OneToOneField("supervision.Matter", verbose_name="督办事项", on_delete=models.PROTECT,
                                  related_name="duty_instruction")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    relayed_at = models.DateTimeField("传达时间")

    visibility = VisibilitySpec(unit_fields=("lead_unit",), multi_unit_fields=("units",), user_fields=("leader",),
                                via=("item__bulletin",))

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["instructed_at", "id"]

    def __str__(self):
        return f"{self.leader} 批示 {self.instructed_at:%Y-%m-%d %H:%M}"
