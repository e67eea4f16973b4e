"""Writes to API tokens, and the check of a bearer token on each request.

Every use of a token is journaled ("api.token.use": method and path) in the
same transaction that counts it against the token's rate."""

import datetime as dt
import math
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from duban.journal import chain

from .models import ApiToken, TokenScope

WINDOW = dt.timedelta(minutes=1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateLimited(Exception):
    """The token used up its requests of this minute."""

    def __init__(self, retry_after: int):
        super().__init__(f"请求过于频繁，请在 {retry_after} 秒后重试")
        self.retry_after = retry_after


class ScopeDenied(Exception):
    """A read-only token tried to write."""


def _hash(raw: str) -> str:
    return chain.sm3_hex(raw.encode())


def _clean_scopes(scopes) -> str:
    chosen = {s for s in (scopes or ()) if s}
    unknown = chosen - set(TokenScope.values)
    if unknown:
        raise ValidationError({"scopes": f"未知的权限范围：{'、'.join(sorted(unknown))}"})
    if not chosen:
        raise ValidationError({"scopes": "请至少选择一个权限范围"})
    chosen.add(TokenScope.READ)  # whoever may write may read
    return ",".join(s for s in TokenScope.values if s in chosen)


@transaction.atomic
def issue_token(user, name, *, scopes=(TokenScope.READ,), expires_at=None, rate_per_minute=None, by=None,
                now=None) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the raw token (shown only now).
    Without `expires_at` the token lives DUBAN_API_TOKEN_DAYS days."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写令牌用途"})
    if len(name) > 100:
        raise ValidationError({"name": "令牌用途不能超过100个字"})
    if not user.is_active:
        raise ValidationError({"user": "该账号已停用，不能签发令牌"})
    now = now or timezone.now()
    if expires_at is None:
        expires_at = now + dt.timedelta(days=settings.DUBAN_API_TOKEN_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": "过期时间必须晚于现在"})
    if rate_per_minute is not None and not 1 <= rate_per_minute <= 100000:
        raise ValidationError({"rate_per_minute": "每分钟请求上限应在 1 至 100000 之间"})
    raw = "db_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[3:11], key_hash=_hash(raw),
                                    scopes=_clean_scopes(scopes), expires_at=expires_at,
                                    rate_per_minute=rate_per_minute)
    chain.record("api.token.issue", token, after={"user": user.username, "name": name, "prefix": token.prefix,
                                                  "scopes": token.scopes, "expires_at": expires_at,
                                                  "rate_per_minute": rate_per_minute}, actor=by)
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, by=None, now=None):
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    chain.record("api.token.revoke", token, after={"prefix": token.prefix, "user": token.user.username},
                 actor=by)
    return token


def rate_of(token: ApiToken) -> int:
    return token.rate_per_minute or settings.DUBAN_API_TOKEN_RATE


def use_token(raw: str, *, method: str, path: str, now=None):
    """The user a bearer token stands for, or None when the token is
    unknown, revoked, expired or its account disabled. Counts the request
    against the token's rate (RateLimited past it), refuses a write by a
    read-only token (ScopeDenied), records last use and journals the use."""
    now = now or timezone.now()
    key = _hash(raw)
    with transaction.atomic():
        token = (ApiToken.objects.select_for_update().select_related("user")
                 .filter(key_hash=key, revoked_at__isnull=True).first())
        if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
            return None
        if token.window_start is None or now - token.window_start >= WINDOW:
            token.window_start, token.window_count = now, 0
        if token.window_count >= rate_of(token):
            retry = max(1, math.ceil((token.window_start + WINDOW - now).total_seconds()))
            raise RateLimited(retry)
        token.window_count += 1
        token.last_used_at = now
        token.save(update_fields=["window_start", "window_count", "last_used_at"])
        chain.record("api.token.use", token, after={"method": method, "path": path[:300]}, actor=token.user)
    if method.upper() not in SAFE_METHODS and TokenScope.WRITE not in token.scope_set:
        raise ScopeDenied("该令牌只有读取权限，不能写入")
    return token.user


def user_for_token(raw: str):
    """The token's user without counting a use (for code outside a request)."""
    now = timezone.now()
    token = (ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True)
             .first())
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    return token.user
