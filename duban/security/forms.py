from django import forms
from django.contrib.auth import forms as auth_forms

from . import policy, services


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form with plain Chinese messages that say what
    happens after repeated failures."""

    username = auth_forms.UsernameField(
        label="用户名", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.label_suffix = "："

    def get_invalid_login_error(self):
        p = policy.current(self.request)
        return forms.ValidationError(
            f"用户名或密码不正确。连续输错 {p.lockout_failures} 次，账号将被锁定 {p.lockout_minutes} 分钟。",
            code="invalid_login",
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Saves through services.set_password(): history, change time and the
    journal event in one transaction."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = "："
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
        self.fields["new_password2"].help_text = "请再输入一次新密码，以便核对。"

    def save(self, commit=True):
        if not commit:
            raise ValueError("密码只能通过安全服务保存")
        # clean() has already run the password validators (history included).
        return services.set_password(self.user, self.cleaned_data["new_password1"], by=self.user, validate=False)
