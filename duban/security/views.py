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
