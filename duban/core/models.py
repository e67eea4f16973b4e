"""Records shared by every module."""

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
