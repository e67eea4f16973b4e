"""The outbox (OUT-1): one row per message, per recipient (or group robot)
and channel.

A message is written in the same transaction as the event that caused it
(a clock's warning or breach, a reminder, an assignment) and delivered
later. Its `dedupe_key` is unique, so the same moment never produces the
same message twice, however often the producer runs. In-app messages are
delivered by being written; e-mail, SMS and the work-chat robots (企业微信,
钉钉, 飞书) are sent by `services.deliver_pending()` through the adapters of
`duban.notify.channels`, each attempt kept as an `Attempt` row with the
channel's answer, retried with backoff on the channel's own error codes
and, after the last attempt, left as "dead" for the sender, the supervision
office and the administrators to see.

Channels are configured as `Endpoint` rows (a unit's group robot, the SMS
gateway); their limits (messages a minute and a second, message size, an
SMS number's daily cap, the window in which the same SMS is a duplicate)
are fields an administrator edits. Each person chooses channels, quiet
hours and a daily digest (`Preference`).
"""

import datetime as dt

from django.conf import settings
from django.db import models

from duban.core.fields import EncryptedTextField


class Channel(models.TextChoices):
    INAPP = "inapp", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    FEISHU = "feishu", "飞书群机器人"


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)
# Channels whose messages wait in the outbox for delivery.
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.SMS, *ROBOT_CHANNELS)


class Source(models.TextChoices):
    WARNING = "warning", "临期预警"
    BREACH = "breach", "超期"
    REMINDER = "reminder", "提醒"
    DIGEST = "digest", "汇总"
    TEST = "test", "测试"
    FAILURE = "failure", "未送达告知"


class Level(models.TextChoices):
    """How pressing a message is: green (news, an assignment), yellow (a
    warning, an urge), red (a breach). Preferences choose channels by it."""

    GREEN = "green", "一般（绿）"
    YELLOW = "yellow", "预警（黄）"
    RED = "red", "超期（红）"


LEVEL_ORDER = {Level.GREEN: 0, Level.YELLOW: 1, Level.RED: 2}


class MessageState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败（将重试）"
    DEAD = "dead", "发送失败（已放弃）"
    MERGED = "merged", "已合并发送"
    SKIPPED = "skipped", "未发送（重复或超出上限）"


class EndpointKind(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    FEISHU = "feishu", "飞书群机器人"
    SMS = "sms", "短信网关"


ROBOT_KINDS = (EndpointKind.WECOM, EndpointKind.DINGTALK, EndpointKind.FEISHU)


class MessageFormat(models.TextChoices):
    TEXT = "text", "文本"
    MARKDOWN = "markdown", "Markdown"


class HttpMethod(models.TextChoices):
    POST_JSON = "post_json", "POST（JSON）"
    POST_FORM = "post_form", "POST（表单）"
    GET = "get", "GET（查询参数）"


class SignAlgorithm(models.TextChoices):
    NONE = "none", "不签名"
    MD5 = "md5", "MD5"
    SHA256 = "sha256", "SHA-256"
    HMAC_SHA256 = "hmac_sha256", "HMAC-SHA256（以密钥为键）"
    SM3 = "sm3", "SM3"


# Each robot's published limits, the defaults of a new endpoint.
KIND_DEFAULTS = {
    EndpointKind.WECOM: {"per_minute": 20, "per_second": None, "max_bytes": 2048},
    EndpointKind.DINGTALK: {"per_minute": 20, "per_second": None, "max_bytes": 20000},
    EndpointKind.FEISHU: {"per_minute": 100, "per_second": 5, "max_bytes": 20 * 1024},
    EndpointKind.SMS: {"per_minute": 300, "per_second": None, "max_bytes": 500},
}
WECOM_MARKDOWN_BYTES = 4096


class Endpoint(models.Model):
    """A configured channel: a unit's group robot (企业微信, 钉钉, 飞书) or the
    SMS gateway (each province's 政务短信平台 differs, so its URL, parameters
    and signature are a template). Written by `duban.notify.services`."""

    kind = models.CharField("类型", max_length=10, choices=EndpointKind.choices)
    name = models.CharField("名称", max_length=100, unique=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="群机器人：本单位的事件（预警、超期、交办、催办）发到这个群。短信网关留空。",
    )
    # The webhook address carries the robot's access token and the secret
    # signs: both SM4-encrypted at rest (duban.core.fields), never searched.
    url = EncryptedTextField("地址", max_length=500, help_text="机器人的 Webhook 地址，或短信网关的接口地址")
    secret = EncryptedTextField("密钥", max_length=200, blank=True,
                                help_text="钉钉“加签”、飞书“签名校验”的密钥，或短信网关的签名密钥")
    keyword = models.CharField("关键词", max_length=40, blank=True,
                               help_text="机器人设置了自定义关键词时，每条消息都带上它（如：督办）")
    msg_format = models.CharField("消息格式", max_length=10, choices=MessageFormat.choices,
                                  default=MessageFormat.TEXT, help_text="企业微信：文本可@手机号，Markdown 不能")
    per_minute = models.PositiveIntegerField("每分钟上限", help_text="企业微信、钉钉 20 条，飞书 100 条")
    per_second = models.PositiveIntegerField("每秒上限", null=True, blank=True, help_text="飞书 5 条；留空不限")
    max_bytes = models.PositiveIntegerField(
        "消息长度上限", help_text="字节：企业微信文本 2048（Markdown 4096）、钉钉 20000、飞书请求体 20480；"
                            "短信为字数（如 500）")
    # The SMS gateway.
    app_key = models.CharField("账号（appkey）", max_length=100, blank=True)
    http_method = models.CharField("请求方式", max_length=10, choices=HttpMethod.choices,
                                   default=HttpMethod.POST_JSON)
    params_template = models.TextField(
        "参数模板", blank=True,
        help_text='JSON 对象，值中可用 {mobile} {content} {app_key} {timestamp} {nonce} {sign}，'
                  '如 {"account": "{app_key}", "mobile": "{mobile}", "content": "{content}", '
                  '"ts": "{timestamp}", "sign": "{sign}"}')
    sign_template = models.CharField("签名原文模板", max_length=300, blank=True,
                                     help_text="如 {app_key}{mobile}{timestamp}{secret}")
    sign_algorithm = models.CharField("签名算法", max_length=12, choices=SignAlgorithm.choices,
                                      default=SignAlgorithm.NONE)
    success_field = models.CharField("结果字段", max_length=60, blank=True, default="code",
                                     help_text="应答 JSON 中表示结果的字段，可用点号写路径，如 result.code")
    success_values = models.CharField("成功值", max_length=100, blank=True, default="0",
                                      help_text="逗号分隔，如 0,OK")
    retry_values = models.CharField("可重试的结果值", max_length=200, blank=True,
                                    help_text="逗号分隔：网关忙、限流等稍后重试即可的结果值")
    daily_cap = models.PositiveIntegerField("每个号码每日上限", null=True, blank=True,
                                            help_text="短信：同一号码每天最多发送的条数")
    duplicate_seconds = models.PositiveIntegerField("重复内容间隔（秒）", null=True, blank=True,
                                                    help_text="短信：同一号码在此秒数内的相同内容只发一次")
    is_active = models.BooleanField("启用", default=True)
    blocked_until = models.DateTimeField("暂停发送至", null=True, blank=True,
                                         help_text="渠道因超频被对方暂停时，在此之前不再发送")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("最后修改")

    class Meta:
        verbose_name = "消息渠道"
        verbose_name_plural = "消息渠道"
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["unit", "is_active"], name="notify_endpoint_unit")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.name}"

    @property
    def is_robot(self):
        return self.kind in ROBOT_KINDS

    @property
    def size_limit(self) -> int:
        """The size a message must fit: 企业微信's markdown allows 4096 bytes
        where its text allows 2048."""
        if self.kind == EndpointKind.WECOM and self.msg_format == MessageFormat.MARKDOWN:
            return max(self.max_bytes, WECOM_MARKDOWN_BYTES)
        return self.max_bytes


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", null=True, blank=True, on_delete=models.CASCADE,
        related_name="messages", help_text="群机器人消息没有个人接收人",
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    endpoint = models.ForeignKey(Endpoint, verbose_name="渠道配置", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="messages")
    address = models.CharField("地址", max_length=254, blank=True,
                               help_text="电子邮件地址或手机号（写入时的）")
    unit = models.ForeignKey("org.Unit", verbose_name="相关单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="消息所涉事项的责任单位（群机器人：其所在群的单位）")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发送人", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", help_text="为空表示系统自动")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.GREEN)
    urgent = models.BooleanField("值班或特急", default=False, help_text="免打扰时段照常发送短信")
    mentions = models.JSONField("@手机号", default=list, blank=True)
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
    # is sent, merged, skipped or dead, so the delivery index holds only
    # live rows.
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True, db_index=True)
    last_error = models.TextField("最近错误", blank=True)
    merged_into = models.ForeignKey("self", verbose_name="合并到", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged")
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
            models.Index(fields=["state", "-created_at"], name="notify_outbox_state"),
            models.Index(fields=["sender", "state"], name="notify_sender_state"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.target_name}：{self.subject}"

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def target_name(self) -> str:
        if self.recipient_id:
            return self.recipient.get_full_name() or self.recipient.username
        if self.endpoint_id:
            return self.endpoint.name
        return self.address


class AttemptOutcome(models.TextChoices):
    PENDING = "pending", "发送中"
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    SKIPPED = "skipped", "未发送"


# Attempts that made (or are making) a request: the ones a channel's rate
# limit counts.
REQUEST_OUTCOMES = (AttemptOutcome.PENDING, AttemptOutcome.OK, AttemptOutcome.FAILED)


class Attempt(models.Model):
    """One try to deliver a message (or a test message) through a channel,
    with the channel's own answer. The rows of the last minute are also
    the rate ledger shared by every worker: admission counts them under a
    lock of the endpoint row (`services._admit`)."""

    message = models.ForeignKey(Message, verbose_name="消息", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attempt_rows")
    endpoint = models.ForeignKey(Endpoint, verbose_name="渠道配置", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="attempts")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("地址", max_length=254, blank=True)
    content_hash = models.CharField("内容摘要", max_length=64, blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=AttemptOutcome.choices,
                               default=AttemptOutcome.PENDING)
    code = models.CharField("渠道返回码", max_length=60, blank=True)
    http_status = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    answer = models.TextField("渠道应答", blank=True)
    is_test = models.BooleanField("测试消息", default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["endpoint", "started_at"], name="notify_attempt_rate"),
            models.Index(fields=["channel", "address", "started_at"], name="notify_attempt_number"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.address} {self.get_outcome_display()}"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class ChannelLevel(models.TextChoices):
    """From which level a personal channel is used."""

    ALL = "green", "全部消息"
    YELLOW = "yellow", "预警和超期"
    RED = "red", "仅超期和紧急"
    OFF = "off", "不接收"


class Preference(models.Model):
    """A person's choice of channels, quiet hours and daily digest. Without
    a row, the defaults below apply."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
                                related_name="notify_preference")
    email_level = models.CharField("电子邮件", max_length=10, choices=ChannelLevel.choices, default=ChannelLevel.ALL)
    sms_level = models.CharField("短信", max_length=10, choices=ChannelLevel.choices, default=ChannelLevel.RED)
    robot_mention = models.BooleanField("群机器人消息中@我", default=True)
    quiet_start = models.TimeField("免打扰开始", default=dt.time(22, 0))
    quiet_end = models.TimeField("免打扰结束", default=dt.time(7, 0))
    daily_digest = models.BooleanField(
        "一般和预警消息每日汇总一次", default=False,
        help_text="绿灯、黄灯的消息不逐条发邮件和短信，每天在汇总时间合并为一条；超期和值班、特急照常即时发送")
    digest_time = models.TimeField("汇总时间", default=dt.time(8, 30))
    updated_at = models.DateTimeField("最后修改")

    class Meta:
        verbose_name = "消息偏好"
        verbose_name_plural = "消息偏好"

    def __str__(self):
        return f"{self.user} 的消息偏好"
