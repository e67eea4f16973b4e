"""Idle session timeout and password expiry.

Both sit after AuthenticationMiddleware and MessageMiddleware. Requests from
htmx get an HX-Redirect instead of a 302, which htmx would otherwise follow
and swap into the page.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from . import policy
from .services import password_expired
from .signals import LAST_ACTIVITY_KEY, LOGOUT_REASON_ATTR

IDLE_MESSAGE = "因长时间未操作，您已退出登录"
# Requests a page makes by itself (polling) carry this header and do not
# count as user activity.
PASSIVE_HEADER = "HTTP_X_DUBAN_PASSIVE"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request, url):
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _authenticated(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class IdleTimeoutMiddleware:
    """Ends the session on the server after the policy's idle time without
    a request: the session is flushed, the logout journaled with its reason,
    and the user sent to the login page with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _authenticated(request):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = policy.current(request).idle_timeout_seconds
            if last is not None and now - last > limit:
                return self._end_session(request, idle_seconds=int(now - last), limit=limit)
            if last is None or not request.META.get(PASSIVE_HEADER):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _end_session(self, request, *, idle_seconds, limit):
        setattr(
            request,
            LOGOUT_REASON_ATTR,
            {"reason": "idle_timeout", "idle_seconds": idle_seconds, "limit_seconds": limit},
        )
        next_path = request.get_full_path() if request.method == "GET" and not _is_htmx(request) else None
        logout(request)  # flushes the session row; journal_logout records it
        messages.info(request, IDLE_MESSAGE)
        if next_path:
            return redirect_to_login(next_path)
        return _redirect(request, resolve_url(settings.LOGIN_URL))


class PasswordExpiryMiddleware:
    """Once the password is older than the policy allows, every page but
    the password change page, logout and static files leads there."""

    EXEMPT_NAMES = ("password_change", "password_change_done", "logout", "login", "admin:logout", "otp_verify",
                    "otp_setup")

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt_paths = None

    def exempt_paths(self) -> set[str]:
        if self._exempt_paths is None:
            self._exempt_paths = {reverse(name) for name in self.EXEMPT_NAMES}
        return self._exempt_paths

    def __call__(self, request):
        if _authenticated(request) and not self._exempt(request) and password_expired(request.user, request):
            return _redirect(request, reverse("password_change"))
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        path = request.path
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        return path in self.exempt_paths()


class SecondFactorMiddleware:
    """A signed-in user who needs the second factor (duban.security.otp)
    and has not passed it in this session reaches only the second-factor
    pages, logout and static files: enrolment when they have no
    authenticator yet, the code page otherwise. The API answers such a
    session itself (401: its session authentication refuses it)."""

    EXEMPT_NAMES = ("otp_verify", "otp_setup", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt_paths = None

    def __call__(self, request):
        if _authenticated(request) and not self._exempt(request):
            from . import otp

            if not otp.session_verified(request):
                name = "otp_verify" if otp.has_totp(request.user) else "otp_setup"
                url = reverse(name)
                if request.method == "GET" and not _is_htmx(request) and request.path != "/":
                    from urllib.parse import urlencode

                    url += "?" + urlencode({"next": request.get_full_path()})
                return _redirect(request, url)
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        path = request.path
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        if path.startswith("/api/"):
            return True
        if self._exempt_paths is None:
            self._exempt_paths = {reverse(name) for name in self.EXEMPT_NAMES}
        return path in self._exempt_paths
