"""The official calendar (TL-1) and the time-limit rules (TL-3).

A year is official if and only if its `CalendarYear` row exists; its days
are `CalendarDay` rows, one per date. A year of the statutory rule's range
(2025–2099) without a row is provisional (暂定), computed from the rule
(duban.timelimits.statutory), never guessed as Monday to Friday; any other
year is refused: see `duban.timelimits.calendar.CalendarMissing`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinesecalendar 数据包"
    ADMIN = "admin", "管理员录入"


class DayKind(models.TextChoices):
    WORKDAY = "workday", "工作日"
    REST = "rest", "休息日"
    HOLIDAY = "holiday", "法定节假日"
    ADJUSTED_WORKDAY = "adjusted_workday", "调休上班"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间", default=timezone.now)
    updated_at = models.DateTimeField("最后修改", default=timezone.now, db_index=True)
    revision = models.PositiveIntegerField("修订次数", default=1)
    note = models.CharField("依据/说明", max_length=200, blank=True)
    # What the administrator entered, kept so that the form can be edited
    # again: [{"name": "春节", "start": "2027-02-06", "end": "2027-02-13"}, ...]
    # and ["2027-02-14", ...]. Package years keep these empty; their ranges
    # are derived from the day rows.
    holiday_ranges = models.JSONField("节假日安排", default=list, blank=True)
    adjusted_workdays = models.JSONField("调休上班日", default=list, blank=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年"


class CalendarDay(models.Model):
    date = models.DateField("日期", primary_key=True)
    year = models.PositiveSmallIntegerField("年份", db_index=True)
    kind = models.CharField("类型", max_length=20, choices=DayKind.choices)
    is_workday = models.BooleanField("工作日")
    name = models.CharField("节日名称", max_length=60, blank=True)

    class Meta:
        verbose_name = "日历日"
        verbose_name_plural = "日历日"
        ordering = ["date"]

    def __str__(self):
        label = self.get_kind_display()
        return f"{self.date.isoformat()} {label}{'（' + self.name + '）' if self.name else ''}"


def validate_limit_text(value):
    from .limits import parse_limit

    parse_limit(value)


def validate_optional_limit_text(value):
    if value and value.strip():
        validate_limit_text(value)


class TimeLimitRule(models.Model):
    """A time limit as data (TL-2, TL-3): an administrator edits these rows;
    obligations name a rule by its code."""

    code = models.SlugField("代码", max_length=60, unique=True,
                            help_text="程序引用规则用的英文代码，如 matter_report_7wd。")
    name = models.CharField("名称", max_length=120)
    limit = models.CharField("时限", max_length=20, validators=[validate_limit_text],
                             help_text="数字加单位：15min（分钟）、1h（小时）、7wd（工作日）、3d（自然日）、2mo（月）。")
    warn_before = models.CharField(
        "提前预警", max_length=20, blank=True, validators=[validate_optional_limit_text],
        help_text="到期前多久亮黄灯，如 1wd、10min；留空则用默认（工作日时限提前1个工作日，"
                  "自然日和月提前1日，分钟和小时时限在时长的约三分之二处）。",
    )
    roll_forward = models.BooleanField("期满日遇节假日顺延", default=True,
                                       help_text="自然日、月时限的最后一日为休息日或法定节假日时，顺延至下一个工作日。")
    seed_section = models.CharField("出处", max_length=60, blank=True, help_text="如：种子004 §4")
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    class Meta:
        verbose_name = "时限规则"
        verbose_name_plural = "时限规则"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.limit}）"

    def clean(self):
        from .limits import parse_limit

        errors = {}
        try:
            lim = parse_limit(self.limit)
            self.limit = str(lim)
        except ValidationError as e:
            errors["limit"] = e.messages
        if self.warn_before and self.warn_before.strip():
            try:
                self.warn_before = str(parse_limit(self.warn_before))
            except ValidationError as e:
                errors["warn_before"] = e.messages
        else:
            self.warn_before = ""
        if errors:
            raise ValidationError(errors)

    # Convenience for the clock engine.
    @property
    def limit_obj(self):
        from .limits import parse_limit

        return parse_limit(self.limit)

    @property
    def warn_before_obj(self):
        from .limits import parse_limit

        return parse_limit(self.warn_before) if self.warn_before else None

    def compute_due(self, start):
        from .limits import compute_due

        return compute_due(start, self.limit_obj, roll_forward=self.roll_forward)

    def compute_due_at(self, start):
        from .limits import compute_due_at

        return compute_due_at(start, self.limit_obj, roll_forward=self.roll_forward)

    def compute_warn_at(self, start, due_at):
        from .limits import compute_warn_at

        return compute_warn_at(start, self.limit_obj, due_at, self.warn_before_obj)
