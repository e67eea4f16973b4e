import secrets

from django.db import transaction
from django.utils import timezone

from duban.journal import chain

from .models import ApiToken


def _hash(raw: str) -> str:
    return chain.sm3_hex(raw.encode())


@transaction.atomic
def issue_token(user, name, *, expires_at=None) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the raw token (shown only now)."""
    raw = "db_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[3:11], key_hash=_hash(raw),
                                    expires_at=expires_at)
    chain.record("api.token.issue", token, after={"user": user.username, "name": name, "prefix": token.prefix,
                                                  "expires_at": expires_at})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken):
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    chain.record("api.token.revoke", token, after={"prefix": token.prefix})


def user_for_token(raw: str):
    now = timezone.now()
    token = (ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True)
             .first())
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
