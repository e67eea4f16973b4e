"""Records shared by every module."""

from django.conf import settings
from django.db import models


class SerialCounter(models.Model):
    """The last number given per series and year: 督办 numbers (matter),
    催办单 numbers (urge), 值班信息 issues (bulletin). Taken only through
    duban.core.serials.take, which locks the row, so that numbers are unique
    and without gaps however many clerks write at once."""

    series = models.CharField("序列", max_length=20)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "编号计数"
        verbose_name_plural = "编号计数"
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="core_serial_once")]

    def __str__(self):
        return f"{self.series} {self.year}：{self.last}"


class SeedNumber(models.Model):
    """A number from the seeds that an administrator may change (a length
    limit in characters, a warning threshold in per cent, a window in days),
    with where it came from. Abstract: each app keeps its own rows (for
    example duban.documents' length limits, duban.plans' thresholds), read
    by code and written only through duban.core.numbers.save_number, which
    journals the change."""

    code = models.SlugField("代码", max_length=60, unique=True, help_text="程序引用用的英文代码")
    name = models.CharField("名称", max_length=120)
    value = models.PositiveIntegerField("数值")
    unit_label = models.CharField("单位", max_length=20, blank=True, help_text="如：字、%、天、次")
    seed_section = models.CharField("出处", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}：{self.value}{self.unit_label}"


class ImportJob(models.Model):
    """A large Excel import run by the background worker (duban.core.imports):
    the file as uploaded, how far the check and the write have got, and the
    result the page shows when it is done. Seen only by whoever started it."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "排队中"), (RUNNING, "进行中"), (DONE, "已完成"), (FAILED, "未导入")]

    kind = models.CharField("类型", max_length=40)
    title = models.CharField("名称", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("提交时间")
    filename = models.CharField("文件名", max_length=255, blank=True)
    data = models.BinaryField("文件内容")
    params = models.JSONField("参数", default=dict)
    state = models.CharField("状态", max_length=10, choices=STATES, default=QUEUED)
    stage = models.CharField("阶段", max_length=10, blank=True)
    checked = models.PositiveIntegerField("已校验行数", default=0)
    written = models.PositiveIntegerField("已写入行数", default=0)
    total = models.PositiveIntegerField("总行数（估计）", null=True, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title}（{self.get_state_display()}）"

    @property
    def finished(self):
        return self.state in (self.DONE, self.FAILED)

    @property
    def percent(self) -> int:
        """How far along, for the progress bar: checking is the first 80%,
        writing the rest."""
        if self.finished:
            return 100
        total = self.total or 0
        if self.stage == "write":
            return 80 + (20 * self.written // total if total else 0)
        return min(79, 80 * self.checked // total) if total else 0
