"""Security state: password history and age, and the security policy that
the security administrator (安全管理员) edits."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# How many old password hashes are kept per user, whatever the policy says;
# the policy's history count may not exceed it.
HISTORY_KEEP = 24

DEFAULT_HELP = "留空表示使用部署配置的默认值。"


class PasswordHistory(models.Model):
    """One password a user has had, as its hash (never the password)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="password_history"
    )
    password_hash = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", db_index=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="security_pwhist_user_recent")]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class PasswordState(models.Model):
    """When the user's current password was set. A user without a row counts
    as having set it when the account was created (date_joined)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="password_state"
    )
    changed_at = models.DateTimeField("最近修改时间")

    class Meta:
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self):
        return f"{self.user} · {self.changed_at:%Y-%m-%d}"


def _range(low, high):
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """The one row of security settings. An empty field means the
    deployment's default (settings.py / environment) applies."""

    SINGLETON_PK = 1
    POLICY_FIELDS = [
        "lockout_failures",
        "lockout_minutes",
        "password_min_length",
        "password_history_count",
        "password_max_age_days",
        "idle_timeout_minutes",
        "second_factor_for_all",
    ]

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    lockout_failures = models.PositiveSmallIntegerField(
        "连续登录失败锁定次数", null=True, blank=True, validators=_range(3, 20), help_text=DEFAULT_HELP
    )
    lockout_minutes = models.PositiveIntegerField(
        "锁定时长（分钟）", null=True, blank=True, validators=_range(1, 24 * 60), help_text=DEFAULT_HELP
    )
    password_min_length = models.PositiveSmallIntegerField(
        "密码最小长度", null=True, blank=True, validators=_range(8, 64), help_text=DEFAULT_HELP
    )
    password_history_count = models.PositiveSmallIntegerField(
        "不得重复使用的近期密码个数", null=True, blank=True, validators=_range(1, HISTORY_KEEP), help_text=DEFAULT_HELP
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", null=True, blank=True, validators=_range(1, 365), help_text=DEFAULT_HELP
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "无操作自动退出（分钟）", null=True, blank=True, validators=_range(1, 24 * 60), help_text=DEFAULT_HELP
    )
    second_factor_for_all = models.BooleanField(
        "所有用户须使用第二因素", null=True, blank=True,
        help_text="三员、督查室和会审签、核验销号的人始终须使用第二因素（身份验证器动态码）；选“是”则所有用户都须使用。留空表示否。",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"

    def __str__(self):
        return "安全策略"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    def clean(self):
        # The session row on the server lives at most SESSION_COOKIE_AGE
        # seconds without a request; a longer idle timeout could never apply.
        ceiling = settings.SESSION_COOKIE_AGE // 60
        if self.idle_timeout_minutes and self.idle_timeout_minutes > ceiling:
            raise ValidationError({"idle_timeout_minutes": f"不能超过部署配置的会话上限 {ceiling} 分钟"})
