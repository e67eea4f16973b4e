"""The outbox (OUT-1): one row per message, per recipient and channel.

A message is written in the same transaction as the event that caused it
(a clock's warning or breach, a reminder) and delivered later. Its
`dedupe_key` is unique, so the same moment never produces the same message
twice, however often the producer runs. In-app messages are delivered by
being written; e-mail is sent by `deliver_pending()`, retried with backoff
and, after the last attempt, left as "dead" for administrators to see.
"""

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    INAPP = "inapp", "站内消息"
    EMAIL = "email", "电子邮件"


class Source(models.TextChoices):
    WARNING = "warning", "临期预警"
    BREACH = "breach", "超期"
    REMINDER = "reminder", "提醒"


class MessageState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败（将重试）"
    DEAD = "dead", "发送失败（已放弃）"


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("地址", max_length=254, blank=True, help_text="电子邮件地址（写入时的）")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    flip = models.ForeignKey(
        "clocks.ClockFlip", verbose_name="预警/超期记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )
    clock = models.ForeignKey(
        "clocks.Clock", verbose_name="计时器", null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )
    dedupe_key = models.CharField("去重键", max_length=200, unique=True)
    state = models.CharField("状态", max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    # Set while the message still waits for (another) attempt; NULL once it
    # is sent or dead, so the delivery index holds only live rows.
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True, db_index=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("生成时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notify_inbox_unread"),
            models.Index(fields=["recipient", "channel", "-created_at"], name="notify_inbox_list"),
            models.Index(fields=["channel", "state", "-created_at"], name="notify_outbox_list"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}：{self.subject}"

    @property
    def is_read(self):
        return self.read_at is not None
