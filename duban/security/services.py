"""Writes to security state. Each function is one transaction with its
journal event; views, admin, the demo loader and commands call these."""

import datetime as dt

from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.utils import timezone

from duban.journal import chain

from . import policy
from .models import HISTORY_KEEP, PasswordHistory, PasswordState, SecurityPolicy

User = get_user_model()

# Set on a user instance while set_password() saves it, so that the
# post_save safety net (signals.py) leaves the recording to the service.
SERVICE_FLAG = "_duban_password_by_service"


def _journal_target(user):
    return {"object_type": "auth.user", "object_id": user.pk, "object_repr": user.get_username()}


@transaction.atomic
def record_password_set(user, *, by=None, initial=False):
    """Record that `user.password` (already saved) is the user's new
    password: a history row, the change time, and an "auth.password_change"
    event. Idempotent: a hash already recorded as the newest is skipped, so
    callers may call it after any save. Returns the history row or None."""
    if not user.pk or not user.has_usable_password():
        return None
    newest = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id").first()
    if newest is not None and newest.password_hash == user.password:
        return None
    now = timezone.now()
    row = PasswordHistory.objects.create(user=user, password_hash=user.password, created_at=now)
    _prune_history(user)
    PasswordState.objects.update_or_create(user=user, defaults={"changed_at": now})
    chain.record(
        "auth.password_change",
        **_journal_target(user),
        after={"username": user.get_username(), "initial": initial},
        actor=by,
    )
    return row


def _prune_history(user):
    keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id").values_list("pk", flat=True)
    old = list(keep[HISTORY_KEEP:])
    if old:
        PasswordHistory.objects.filter(pk__in=old).delete()


@transaction.atomic
def set_password(user, raw_password, *, by=None, validate=True):
    """Set a user's password: validate it against the policy (unless the
    caller's form already did), save the hash, record history and change
    time, and journal it. Raises ValidationError with Chinese messages."""
    # Serialise concurrent changes of the same account.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if validate:
        password_validation.validate_password(raw_password, user)
    user.set_password(raw_password)
    setattr(user, SERVICE_FLAG, True)
    try:
        user.save(update_fields=["password"])
    finally:
        delattr(user, SERVICE_FLAG)
    record_password_set(user, by=by)
    return user


def password_changed_at(user) -> dt.datetime:
    state = PasswordState.objects.filter(user=user).values_list("changed_at", flat=True).first()
    return state or user.date_joined


def password_expires_at(user, request=None) -> dt.datetime:
    days = policy.current(request).password_max_age_days
    return password_changed_at(user) + dt.timedelta(days=days)


def password_expired(user, request=None, now=None) -> bool:
    """True when a user who signs in with a password has kept it longer
    than the policy allows."""
    if not user.is_authenticated or not user.has_usable_password():
        return False
    return (now or timezone.now()) >= password_expires_at(user, request)


@transaction.atomic
def save_policy(new: SecurityPolicy, *, by=None) -> SecurityPolicy:
    """Store the security policy (one row) and journal before/after."""
    current = SecurityPolicy.objects.select_for_update().filter(pk=SecurityPolicy.SINGLETON_PK).first()
    fields = SecurityPolicy.POLICY_FIELDS
    before = chain.snapshot(current, fields) if current else dict.fromkeys(fields)
    new.full_clean()
    new.save()
    after = chain.snapshot(new, fields)
    if before != after:
        chain.record(
            "security.policy.update",
            new,
            before={**before, "effective": _effective_dict(policy.defaults(), before)},
            after={**after, "effective": _effective_dict(policy.defaults(), after)},
            actor=by,
        )
    return new


def _effective_dict(base: policy.Policy, stored: dict) -> dict:
    """The values in force for a stored row (empty fields take the default)."""
    idle = stored.get("idle_timeout_minutes")
    return {
        "lockout_failures": stored.get("lockout_failures") or base.lockout_failures,
        "lockout_minutes": stored.get("lockout_minutes") or base.lockout_minutes,
        "password_min_length": stored.get("password_min_length") or base.password_min_length,
        "password_history_count": stored.get("password_history_count") or base.password_history_count,
        "password_max_age_days": stored.get("password_max_age_days") or base.password_max_age_days,
        "idle_timeout_minutes": idle or base.idle_timeout_minutes,
        "second_factor_for_all": bool(stored.get("second_factor_for_all")),
    }


@transaction.atomic
def unlock_account(username: str, *, by=None) -> int:
    """Lift a login lockout before its time runs out (security
    administrator). Returns how many attempt records were cleared."""
    from axes.utils import reset

    count = reset(username=username)
    user = User.objects.filter(username=username).first()
    target = _journal_target(user) if user else {"object_type": "auth.user", "object_repr": username}
    chain.record("auth.unlock", **target, after={"username": username, "cleared_attempts": count}, actor=by)
    return count
