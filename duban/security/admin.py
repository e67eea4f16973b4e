"""Admin pages of the security administrator (安全管理员): the security
policy and login lockouts. Nobody else sees them (三员分立)."""

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html_join
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.org.models import Role

from . import policy, services
from .models import SecurityPolicy
from .permissions import RoleAdminMixin

POLICY_LABELS = {
    "lockout_failures": ("连续登录失败锁定次数", "次"),
    "lockout_minutes": ("锁定时长", "分钟"),
    "password_min_length": ("密码最小长度", "个字符"),
    "password_history_count": ("不得重复使用的近期密码", "个"),
    "password_max_age_days": ("密码有效期", "天"),
    "idle_timeout_minutes": ("无操作自动退出", "分钟"),
}


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_roles = (Role.SECURITY_ADMIN,)
    fields = [*SecurityPolicy.POLICY_FIELDS, "in_force", "deployment_defaults", "updated_at"]
    readonly_fields = ["in_force", "deployment_defaults", "updated_at"]

    def has_add_permission(self, request, *args, **kwargs):
        return super().has_add_permission(request) and not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """One policy: the list leads straight to it (or to creating it)."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        row = SecurityPolicy.objects.first()
        if row is None:
            return redirect(reverse("admin:security_securitypolicy_add"))
        return redirect(reverse("admin:security_securitypolicy_change", args=[row.pk]))

    def save_model(self, request, obj, form, change):
        services.save_policy(obj, by=request.user)
        policy.forget(request)

    @admin.display(description="当前生效值")
    def in_force(self, obj):
        return self._describe(policy.current())

    @admin.display(description="部署默认值")
    def deployment_defaults(self, obj):
        return self._describe(policy.defaults())

    @staticmethod
    def _describe(p: policy.Policy):
        values = {
            "lockout_failures": p.lockout_failures,
            "lockout_minutes": p.lockout_minutes,
            "password_min_length": p.password_min_length,
            "password_history_count": p.password_history_count,
            "password_max_age_days": p.password_max_age_days,
            "idle_timeout_minutes": p.idle_timeout_minutes,
        }
        rows = ((label, values[key], unit) for key, (label, unit) in POLICY_LABELS.items())
        return format_html_join("", "<div>{}：{} {}</div>", rows)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockoutAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Failed login attempts per username; the security administrator can
    lift a lockout early (journaled as auth.unlock)."""

    admin_roles = (Role.SECURITY_ADMIN,)
    list_display = ["username", "failures_since_start", "attempt_time", "ip_address"]
    search_fields = ["username"]
    ordering = ["-attempt_time"]
    fields = ["username", "failures_since_start", "attempt_time", "ip_address", "user_agent"]
    readonly_fields = fields
    actions = ["unlock"]

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Records disappear only through the journaled unlock action.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._holds_role(request):
            return {}
        return actions

    @admin.action(description="解除所选账号的登录锁定")
    def unlock(self, request, queryset):
        usernames = sorted({u for u in queryset.values_list("username", flat=True) if u})
        try:
            for username in usernames:
                services.unlock_account(username, by=request.user)
        except ValidationError as exc:
            self.message_user(request, "；".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"已解除 {len(usernames)} 个账号的登录锁定：{'、'.join(usernames)}")


# django-otp's own admin pages would show a device's secret key and QR code:
# devices are enrolled and reset only through duban.security.otp.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
