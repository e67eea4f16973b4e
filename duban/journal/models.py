"""The journal: append-only, hash-chained events (AUD-1) and evidence files (AUD-2)."""

import uuid

from django.conf import settings
from django.db import models

from duban.core.fields import EncryptedTextField


class Event(models.Model):
    """One journaled change. Rows are never updated or deleted: database
    triggers refuse it (see migration 0002).

    Two moments: `recorded_at` is the server's, taken when the event is
    written and never supplied by a caller; `occurred_at` is when the thing
    happened as the service was told (a report's stated moment, an import's
    registration date, a breach at its deadline). Empty means the same as
    `recorded_at`. Both are covered by the hash."""

    seq = models.BigIntegerField("序号", unique=True)
    recorded_at = models.DateTimeField("记录时间", db_index=True, db_column="at")
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    # ORG-4: a B role acting in an away A's place is the actor; A is named
    # here and the actor's name reads "B代A".
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代谁办理",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ip = models.CharField("来源地址", max_length=45, blank=True)
    action = models.CharField("动作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    prev_hash = models.CharField("前一哈希", max_length=64, unique=True)
    hash = models.CharField("哈希", max_length=64, unique=True)
    # The canonical form the hash was computed over (duban.journal.chain):
    # empty for the events written before forms were numbered (form 1).
    form = models.PositiveSmallIntegerField("规范形式", null=True, blank=True)

    class Meta:
        verbose_name = "日志事件"
        verbose_name_plural = "日志事件"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="journal_event_object"),
            models.Index(fields=["actor", "seq"], name="journal_event_actor"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    @property
    def at(self):
        """The business moment: when it happened, else when it was recorded."""
        return self.occurred_at or self.recorded_at

    @property
    def backdated(self):
        """How far the stated moment lies before the server's (None when the
        event states none)."""
        if self.occurred_at is None:
            return None
        return self.recorded_at - self.occurred_at


class ChainHead(models.Model):
    """A single row holding the newest sequence number and hash. Writers lock
    it (SELECT … FOR UPDATE) so that concurrent writers queue and the chain
    never forks; it also lets verification notice rows cut off the end."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "链头"
        verbose_name_plural = "链头"

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class SigningKey(models.Model):
    """A user's key for signing decisions (HMAC-SM3, duban.journal.signatures),
    random and stored SM4-encrypted. Kept after it is retired, so that old
    signatures can still be checked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签名人", on_delete=models.PROTECT,
                             related_name="+")
    key = EncryptedTextField("密钥", max_length=64)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "签名密钥"
        verbose_name_plural = "签名密钥"

    def __str__(self):
        return f"{self.user} · {self.pk}"


class Checkpoint(models.Model):
    """A signed statement of a verification run: the chain up to `seq` was
    intact and ended at `hash`. The nightly run walks only the events after
    the newest checkpoint whose signature and hash still hold; `manage.py
    verify_journal --full` walks the whole chain. The signature (HMAC-SM3
    under a key derived from the secret key) keeps anyone without the key
    from writing a checkpoint past a forged event."""

    seq = models.BigIntegerField("序号", unique=True)
    hash = models.CharField("哈希", max_length=64)
    created_at = models.DateTimeField("校验时间")
    signature = models.CharField("签名", max_length=64)

    class Meta:
        verbose_name = "校验检查点"
        verbose_name_plural = "校验检查点"
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


def _evidence_name():
    return uuid.uuid4().hex


class EvidenceFile(models.Model):
    """A file kept as proof. It is stored under a generated name outside every
    served directory, with its SM3 hash and size taken at upload."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    original_name = models.CharField("原文件名", max_length=255)
    stored_name = models.CharField("存储名", max_length=64, unique=True, default=_evidence_name, editable=False)
    content_type = models.CharField("类型", max_length=100, blank=True)
    size = models.BigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3 哈希", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name
