from django.contrib import messages
from django.contrib.auth import views as auth_views

from . import policy, services
from .forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["security_policy"] = policy.current(self.request)
        return context


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405); the session row is deleted
    on the server and the logout journaled (signals.journal_logout)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "您已安全退出。")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            password_expired=services.password_expired(user, self.request),
            password_expires_at=services.password_expires_at(user, self.request),
            max_age_days=policy.current(self.request).password_max_age_days,
        )
        return context


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_expires_at"] = services.password_expires_at(self.request.user, self.request)
        return context


def _locked_out(request):
    """Too many wrong codes: the session ends and the lockout page shows."""
    from django.contrib.auth import logout
    from django.shortcuts import render

    username = request.user.get_username()
    p = policy.current(request)
    logout(request)
    return render(request, "security/locked_out.html",
                  {"username": username, "failure_limit": p.lockout_failures,
                   "cooloff_timedelta": policy.axes_cooloff_time(request)}, status=429)


def _signed_in(view):
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _next_url(request):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    from django.shortcuts import resolve_url

    return resolve_url("home")


@_signed_in
def otp_verify(request):
    """The second step of signing in: a code from the authenticator app or
    a recovery code."""
    from django.shortcuts import redirect, render

    from . import otp

    if otp.session_verified(request):
        return redirect(_next_url(request))
    if not otp.has_totp(request.user):
        return redirect("otp_setup")
    if otp.locked(request):
        return _locked_out(request)
    error = ""
    if request.method == "POST":
        if otp.verify(request, request.POST.get("code", "")):
            return redirect(_next_url(request))
        if otp.locked(request):
            return _locked_out(request)
        p = policy.current(request)
        error = (f"验证码不正确或已使用。连续输错 {p.lockout_failures} 次（与密码错误合并计算），"
                 f"账号将被锁定 {p.lockout_minutes} 分钟。")
    return render(request, "security/otp_verify.html", {"error": error, "next": request.GET.get("next", "")})


@_signed_in
def otp_setup(request):
    """Enrolment: scan the code with an authenticator app, type a code to
    confirm; the recovery codes are shown once."""
    from django.shortcuts import redirect, render

    from . import otp

    if otp.has_totp(request.user) and not otp.session_verified(request):
        # Replacing a device needs the old one (or a recovery code) first.
        return redirect("otp_verify")
    if otp.locked(request):
        return _locked_out(request)
    device = otp.start_enrolment(request.user)
    error = ""
    if request.method == "POST":
        codes = otp.confirm_enrolment(request, device, request.POST.get("code", ""))
        if codes is not None:
            return render(request, "security/otp_codes.html", {"codes": codes, "enrolled": True})
        if otp.locked(request):
            return _locked_out(request)
        error = "验证码不正确，请核对手机时间后输入身份验证器中显示的 6 位数字。"
    return render(request, "security/otp_setup.html", {
        "qr_svg": otp.qr_svg(device), "secret": otp.secret_text(device), "error": error,
        "required": otp.required_for(request.user, request), "replacing": otp.has_totp(request.user),
    })


@_signed_in
def otp_codes(request):
    """New recovery codes (the old ones stop working)."""
    from django.shortcuts import redirect, render

    from . import otp

    if not otp.has_totp(request.user):
        return redirect("otp_setup")
    if request.method == "POST":
        return render(request, "security/otp_codes.html", {"codes": otp.regenerate_recovery_codes(request.user)})
    return render(request, "security/otp_codes.html", {"codes": None})
