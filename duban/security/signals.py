"""Journal every sign-in, sign-out, failed sign-in and lockout (AUD-1), and
record password changes that bypass services.set_password().

django-axes connects its own receivers first (it precedes duban.security in
INSTALLED_APPS), so by the time ours run for a failed login axes has counted
the failure and, if the limit was reached, sent `user_locked_out`.
"""

import time

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from duban.core.context import client_ip
from duban.journal import chain

from . import policy
from .services import SERVICE_FLAG, record_password_set

User = get_user_model()

LAST_ACTIVITY_KEY = "duban_last_activity"
LOGOUT_REASON_ATTR = "_duban_logout_reason"
# Request attributes that carry a lockout from one receiver to the next.
PENDING_LOCKOUT_ATTR = "_duban_pending_lockout"
FAILURE_JOURNALED_ATTR = "_duban_failure_journaled"

MAX_USERNAME = 150


def _ip(request):
    return client_ip(request) if request is not None else ""


def _user_target(user):
    return {"object_type": "auth.user", "object_id": user.pk, "object_repr": user.get_username()}


def _attempted_target(username):
    """The account a failed attempt named, if it exists; else just the name."""
    user = User.objects.filter(username=username).first() if username else None
    if user is not None:
        return _user_target(user)
    return {"object_type": "auth.user", "object_id": "", "object_repr": username}


def _record(action, *, target, after, actor=None, request=None):
    with transaction.atomic():
        chain.record(action, **target, after=after, actor=actor, ip=_ip(request))


@receiver(user_logged_in, dispatch_uid="duban_security_logged_in")
def journal_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = time.time()
    _record(
        "auth.login",
        target=_user_target(user),
        after={"username": user.get_username()},
        actor=user,
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="duban_security_logged_out")
def journal_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, None) or {"reason": "user"}
    _record(
        "auth.logout",
        target=_user_target(user),
        after={"username": user.get_username(), **reason},
        actor=user,
        request=request,
    )


def _attempted_username(credentials) -> str:
    # Django has already masked the password in `credentials`; only the
    # username is ever read from it.
    return str((credentials or {}).get("username") or "")[:MAX_USERNAME]


def _refused_while_locked(request) -> bool:
    """Axes refused the attempt before checking the password: its backend
    flags the request as locked out and the handler counts nothing."""
    return bool(getattr(request, "axes_locked_out", False)) and getattr(
        request, "axes_failures_since_start", None
    ) is None


@receiver(user_login_failed, dispatch_uid="duban_security_login_failed")
def journal_login_failed(sender, credentials, request=None, **kwargs):
    username = _attempted_username(credentials)
    reason = "locked_out" if request is not None and _refused_while_locked(request) else "bad_credentials"
    step = getattr(request, "_duban_failed_step", None) if request is not None else None
    if step and reason != "locked_out":
        reason = "second_factor"
    _record(
        "auth.login_failed",
        target=_attempted_target(username),
        after={"username": username, "reason": reason},
        request=request,
    )
    if request is None:
        return
    setattr(request, FAILURE_JOURNALED_ATTR, True)
    pending = getattr(request, PENDING_LOCKOUT_ATTR, None)
    if pending:
        delattr(request, PENDING_LOCKOUT_ATTR)
        _journal_lockout(request, **pending)


@receiver(user_locked_out, dispatch_uid="duban_security_locked_out")
def journal_lockout(sender, request, username, ip_address=None, **kwargs):
    """A lockout starts when axes counts the failure that reaches the limit.
    (Axes sends the same signal for every attempt refused during the
    lockout; those are journaled as failed logins with reason locked_out.)"""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    lockout = {"username": str(username or "")[:MAX_USERNAME], "failures": request.axes_failures_since_start}
    if getattr(request, FAILURE_JOURNALED_ATTR, False):
        _journal_lockout(request, **lockout)
    else:
        # Journal it after the failure that caused it, in journal_login_failed.
        setattr(request, PENDING_LOCKOUT_ATTR, lockout)


def _journal_lockout(request, *, username, failures):
    _record(
        "auth.lockout",
        target=_attempted_target(username),
        after={
            "username": username,
            "failures": failures,
            "lockout_minutes": policy.current(request).lockout_minutes,
        },
        request=request,
    )


@receiver(post_save, sender=User, dispatch_uid="duban_security_password_saved")
def record_password_on_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """Safety net for code that calls user.set_password() and save() itself
    (the admin's password form, createsuperuser, org.services.create_person).
    `_password` holds the new raw password only between set_password() and
    the end of save(); a hash upgrade at login clears it, so re-hashing the
    same password is not taken for a change."""
    if raw or getattr(instance, SERVICE_FLAG, False):
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if getattr(instance, "_password", None) is None:
        return
    record_password_set(instance, initial=created)
