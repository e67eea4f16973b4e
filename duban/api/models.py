from django.conf import settings
from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "读取"
    WRITE = "write", "写入"


class ApiToken(models.Model):
    """A bearer token for another government system. Only its SM3 hash is
    stored; the token itself is shown once, when it is issued.

    `scopes` is "read" or "read,write": a read-only token is refused every
    write. Each token has its own rate (requests per minute), counted in a
    fixed one-minute window kept on the row, so that every web node counts
    the same requests."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, db_index=True)
    key_hash = models.CharField("哈希", max_length=64, unique=True)
    scopes = models.CharField("权限范围", max_length=40, default=TokenScope.READ,
                              help_text="read 只读；read,write 可读写")
    rate_per_minute = models.PositiveIntegerField("每分钟请求上限", null=True, blank=True,
                                                  help_text="留空表示使用部署配置的默认值")
    window_start = models.DateTimeField("计数窗口开始", null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField("窗口内请求数", default=0, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def scope_set(self) -> frozenset:
        return frozenset(s for s in self.scopes.split(",") if s)

    @property
    def scope_label(self) -> str:
        return "、".join(TokenScope(s).label for s in TokenScope.values if s in self.scope_set)

    def state_label(self, now) -> str:
        if self.revoked_at:
            return "已吊销"
        if self.expires_at and self.expires_at <= now:
            return "已过期"
        return "有效"
