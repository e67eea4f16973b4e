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
