"""The index of near-duplicate short Chinese texts (duban.neardup.engine).

A text is fed under a namespace (who may repeat whom: a unit's problems,
one round of feedback) and a key (the caller's id of the record). Its
normalised form is kept beside it, so that candidates are verified without
reading the caller's tables; its LSH band keys are rows of their own with
one index, so that a lookup is an indexed `IN` on any database and from any
process. The rows are an index, not a record: they can be rebuilt from the
callers' rows at any time (as rectification's migration 0002 does)."""

from django.db import models


class IndexedText(models.Model):
    namespace = models.CharField("命名空间", max_length=80)
    key = models.CharField("记录键", max_length=64)
    text = models.TextField("规范化文本")
    scheme = models.PositiveSmallIntegerField("签名方案", default=1)

    class Meta:
        verbose_name = "相似文本索引"
        verbose_name_plural = "相似文本索引"
        constraints = [models.UniqueConstraint(fields=["namespace", "key"], name="neardup_text_once")]

    def __str__(self):
        return f"{self.namespace}:{self.key}"


class Band(models.Model):
    """One LSH band of one text: a signed 64-bit hash of (namespace, band
    number, the band's MinHash values). Two texts share a row value when
    they agree on a whole band."""

    text = models.ForeignKey(IndexedText, on_delete=models.CASCADE, related_name="bands", db_index=False)
    value = models.BigIntegerField("分段键")

    class Meta:
        verbose_name = "分段键"
        verbose_name_plural = "分段键"
        indexes = [models.Index(fields=["value", "text"], name="neardup_band_value"),
                   models.Index(fields=["text"], name="neardup_band_text")]

    def __str__(self):
        return f"{self.text_id}:{self.value}"
