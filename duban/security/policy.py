"""The security policy in force: the security administrator's values where
set, the deployment's settings otherwise.

django-axes reads its failure limit and cool-off time through the callables
below (settings.AXES_FAILURE_LIMIT / AXES_COOLOFF_TIME name them), so a
policy change applies to the next login attempt without a restart.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from duban.core.context import client_ip

REQUEST_CACHE_ATTR = "_duban_security_policy"


@dataclass(frozen=True)
class Policy:
    lockout_failures: int
    lockout_minutes: int
    password_min_length: int
    password_history_count: int
    password_max_age_days: int
    idle_timeout_seconds: int
    second_factor_for_all: bool = False

    @property
    def idle_timeout_minutes(self) -> int:
        return max(1, self.idle_timeout_seconds // 60)


def defaults() -> Policy:
    """The deployment's values (settings.py, from the environment)."""
    return Policy(
        lockout_failures=settings.LOCKOUT_FAILURES,
        lockout_minutes=settings.LOCKOUT_MINUTES,
        password_min_length=settings.PASSWORD_MIN_LENGTH,
        password_history_count=settings.PASSWORD_HISTORY_COUNT,
        password_max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
        idle_timeout_seconds=settings.SESSION_IDLE_TIMEOUT,
    )


def _load() -> Policy:
    from .models import SecurityPolicy

    base = defaults()
    row = SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON_PK).first()
    if row is None:
        return base

    def pick(value, default):
        return default if value is None else value

    return Policy(
        lockout_failures=pick(row.lockout_failures, base.lockout_failures),
        lockout_minutes=pick(row.lockout_minutes, base.lockout_minutes),
        password_min_length=pick(row.password_min_length, base.password_min_length),
        password_history_count=pick(row.password_history_count, base.password_history_count),
        password_max_age_days=pick(row.password_max_age_days, base.password_max_age_days),
        idle_timeout_seconds=(
            base.idle_timeout_seconds if row.idle_timeout_minutes is None else row.idle_timeout_minutes * 60
        ),
        second_factor_for_all=bool(row.second_factor_for_all),
    )


def current(request=None) -> Policy:
    """The policy in force, read once per request when a request is given."""
    if request is None:
        return _load()
    cached = getattr(request, REQUEST_CACHE_ATTR, None)
    if cached is None:
        cached = _load()
        setattr(request, REQUEST_CACHE_ATTR, cached)
    return cached


def forget(request) -> None:
    """Drop the per-request copy (after the policy was changed)."""
    if request is not None and hasattr(request, REQUEST_CACHE_ATTR):
        delattr(request, REQUEST_CACHE_ATTR)


# django-axes hooks (named in settings.py).


def axes_failure_limit(request, credentials=None) -> int:
    return current(request).lockout_failures


def axes_cooloff_time(request=None) -> dt.timedelta:
    return dt.timedelta(minutes=current(request).lockout_minutes)


def axes_client_ip(request) -> str | None:
    """The same address the journal records (see duban.core.context)."""
    return client_ip(request) or None
