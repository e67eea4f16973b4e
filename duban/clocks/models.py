"""Clocks (TL-4): the deadlines of every obligation, in one table.

A clock belongs to any record of any app (a generic owner), runs from
`started_at` under a rule's limit or an explicit deadline, and stores the
moments the sweep and the lists need: `warn_at` (yellow) and `due_at` (red).
Pauses are recorded intervals (`ClockPause`); the effective moments are
recomputed from the base moments and the pauses, never kept as a mutable
"time on hold" counter.

The sweep asks two composite indexes for what has become due:
    state = 'running' AND due_at <= now                   -> clocks_due
    state = 'running' AND warned_at IS NULL AND warn_at <= now -> clocks_warn_open
Both are plain B-tree range scans on SQLite and PostgreSQL, however many
clocks are open. (Flags are nullable moments, not booleans: Django writes
`flag = false` as `NOT flag`, which SQLite cannot match to an index column,
while `moment IS NULL` is an index equality on both databases.) Each flip writes one `ClockFlip` row, unique per clock, kind
and moment.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from duban.org.visibility import VisibilitySpec


class ClockState(models.TextChoices):
    RUNNING = "running", "计时中"
    PAUSED = "paused", "已暂停"
    MET = "met", "按期完成"
    MET_LATE = "met_late", "逾期完成"
    BREACHED = "breached", "已超期"
    # The obligation was withdrawn (its owner cancelled): nothing is owed
    # any more, on time or late. A breach before that stays recorded
    # (`breached_at`, the journal, the flip).
    STOPPED = "stopped", "已终止"


OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
DONE_STATES = (ClockState.MET, ClockState.MET_LATE)


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    DONE = "done", "已完成"
    STOPPED = "stopped", "已终止"


class Clock(models.Model):
    owner_type = models.ForeignKey(
        ContentType, verbose_name="所属对象类型", on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.CharField("所属对象编号", max_length=64)
    owner = GenericForeignKey("owner_type", "owner_id")
    kind = models.CharField("类别代码", max_length=30, help_text="如 ack、report、completion、phone、written")
    label = models.CharField("名称", max_length=200, help_text="提醒中显示，如：“××事项”签收")
    link = models.CharField("链接", max_length=300, blank=True)

    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
    )

    rule = models.ForeignKey(
        "timelimits.TimeLimitRule",
        verbose_name="时限规则",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
    )
    explicit = models.BooleanField(
        "人工设定期限", default=False, help_text="由人设定的期限，规则或日历变化时不重算"
    )
    limit = models.CharField("时限", max_length=20, blank=True, help_text="开始计时时从规则复制，如 7wd、1h")
    warn_before = models.CharField("预警提前量", max_length=20, blank=True)
    roll_forward = models.BooleanField("节假日顺延", default=True)

    started_at = models.DateTimeField("开始时间")
    # The moment from which pauses move the deadline: the start for a rule's
    # deadline, the moment a person set it for an explicit one.
    base_set_at = models.DateTimeField("期限设定时间")
    base_due_at = models.DateTimeField("基准到期时间")
    base_warn_at = models.DateTimeField("基准预警时间")
    due_at = models.DateTimeField("到期时间")
    warn_at = models.DateTimeField("预警时间")

    state = models.CharField("状态", max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    paused_at = models.DateTimeField("暂停于", null=True, blank=True)
    warned_at = models.DateTimeField("预警发出时间", null=True, blank=True, help_text="为空表示尚未预警")
    breached_at = models.DateTimeField("超期时间（实际）", null=True, blank=True)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    stopped_at = models.DateTimeField("终止时间", null=True, blank=True)
    late_seconds = models.BigIntegerField("逾期秒数", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    visibility = VisibilitySpec(unit_fields=("owner_unit",), user_fields=("owner_person",))

    class Meta:
        verbose_name = "计时器"
        verbose_name_plural = "计时器"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="clocks_owner"),
            models.Index(fields=["state", "due_at"], name="clocks_due"),
            models.Index(fields=["state", "warned_at", "warn_at"], name="clocks_warn_open"),
            models.Index(fields=["owner_unit", "state", "due_at"], name="clocks_unit_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(warn_at__lte=models.F("due_at")), name="clocks_warn_before_due"),
        ]

    def __str__(self):
        return self.label or self.kind

    @property
    def is_done(self):
        return self.state in DONE_STATES

    @property
    def warned(self):
        return self.warned_at is not None

    @property
    def is_working_day_limit(self):
        return not self.explicit and self.limit.endswith("wd")

    def light(self, now=None):
        from .services import light

        return light(self, now)

    @property
    def provisional_years(self) -> list[int]:
        """The provisional (暂定) calendar years this deadline was counted on
        (TL-1): a rule-computed working-day, calendar-day or month deadline
        whose span reaches a year whose holiday notice is not entered yet.
        Derived from the calendar as it stands, so the mark disappears as
        soon as the notice is entered."""
        from .arith import provisional_years

        return provisional_years(self)

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def provisional_note(self) -> str:
        """"（暂定：待国务院公布2027年节假日安排后自动校正）", or ""."""
        from duban.timelimits.calendar import provisional_note

        return provisional_note(self.provisional_years)


class ClockPause(models.Model):
    clock = models.ForeignKey(Clock, verbose_name="计时器", on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField("暂停开始")
    ended_at = models.DateTimeField("暂停结束", null=True, blank=True)
    reason = models.CharField("原因", max_length=200)

    class Meta:
        verbose_name = "暂停"
        verbose_name_plural = "暂停"
        ordering = ["started_at", "id"]
        constraints = [
            # At most one open pause per clock.
            models.UniqueConstraint(
                fields=["clock"], condition=models.Q(ended_at__isnull=True), name="clocks_one_open_pause"
            ),
        ]

    def __str__(self):
        return f"{self.clock} 暂停 {self.started_at:%Y-%m-%d %H:%M}"


class FlipKind(models.TextChoices):
    WARNING = "warning", "预警"
    BREACH = "breach", "超期"


class ClockFlip(models.Model):
    """One warning or breach, written by the sweeper that won the flip. A
    second loop turns unprocessed rows into messages."""

    clock = models.ForeignKey(Clock, verbose_name="计时器", on_delete=models.PROTECT, related_name="flips")
    kind = models.CharField("类型", max_length=10, choices=FlipKind.choices)
    moment = models.DateTimeField("对应时刻")
    created_at = models.DateTimeField("发现时间")
    processed_at = models.DateTimeField("生成消息时间", null=True, blank=True, help_text="为空表示尚未生成消息")

    class Meta:
        verbose_name = "预警/超期记录"
        verbose_name_plural = "预警/超期记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["processed_at", "id"], name="clocks_flip_pending")]
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind", "moment"], name="clocks_flip_once"),
        ]

    def __str__(self):
        return f"{self.clock} {self.get_kind_display()} {self.moment:%Y-%m-%d %H:%M}"

    @property
    def processed(self):
        return self.processed_at is not None


class Recomputation(models.Model):
    """One recomputation of the rule-computed deadlines after the official
    calendar or a time-limit rule changed (TL-1, TL-2): what the
    administrator reads afterwards -- how many deadlines moved, which, and by
    how much."""

    reason = models.CharField("原因", max_length=200)
    years = models.JSONField("涉及年度", default=list, blank=True)
    rule = models.ForeignKey(
        "timelimits.TimeLimitRule", verbose_name="时限规则", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    examined = models.PositiveIntegerField("检查期限数", default=0)
    moved_count = models.PositiveIntegerField("调整期限数", default=0)
    failed = models.JSONField("未能重算", default=list, blank=True)

    class Meta:
        verbose_name = "期限重算"
        verbose_name_plural = "期限重算"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.reason}（{self.moved_count}项期限调整）"


class MovedDeadline(models.Model):
    """One deadline a recomputation moved: the old and the new moment."""

    recomputation = models.ForeignKey(Recomputation, verbose_name="重算", on_delete=models.PROTECT,
                                      related_name="moved")
    clock = models.ForeignKey(Clock, verbose_name="计时器", on_delete=models.PROTECT, related_name="moves")
    old_due_at = models.DateTimeField("原到期时间")
    new_due_at = models.DateTimeField("新到期时间")
    old_state = models.CharField("原状态", max_length=10, choices=ClockState.choices)
    new_state = models.CharField("新状态", max_length=10, choices=ClockState.choices)

    class Meta:
        verbose_name = "调整的期限"
        verbose_name_plural = "调整的期限"
        ordering = ["recomputation", "old_due_at", "id"]

    def __str__(self):
        return f"{self.clock}：{self.old_due_at:%Y-%m-%d %H:%M} → {self.new_due_at:%Y-%m-%d %H:%M}"

    @property
    def shift(self):
        return self.new_due_at - self.old_due_at

    @property
    def breach_withdrawn(self):
        return self.old_state == ClockState.BREACHED and self.new_state != ClockState.BREACHED
