"""Signatures on decisions (issue 21 item 4; 密评: integrity and
non-repudiation of key operations): a close-out, a duty sign-off and an
extension decision carry, in their journal event, an HMAC-SM3 over the SM3
hash of the record -- the action, the object and the decision's fields --
made with a key of the signer's own. The key is random per user and stored
SM4-encrypted (duban.core.crypto), so neither a database reader nor another
user can sign in someone's name; `verify_journal` recomputes every
signature.

    after["signature"] = {"alg": "HMAC-SM3", "signer": user id, "key": key id,
                          "record_sm3": SM3(record), "mac": HMAC-SM3(key, record_sm3)}
"""

import hmac
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from .chain import canonical, sm3_hex
from .models import Event, SigningKey

ALG = "HMAC-SM3"


def _key(user) -> SigningKey:
    key = SigningKey.objects.filter(user=user, retired_at__isnull=True).order_by("-pk").first()
    if key is None:
        key = SigningKey.objects.create(user=user, key=os.urandom(32).hex())
    return key


def _mac(key_hex: str, digest: str) -> str:
    h = crypto_hmac.HMAC(bytes.fromhex(key_hex), hashes.SM3())
    h.update(digest.encode("ascii"))
    return h.finalize().hex()


def record_of(action, object_type, object_id, fields: dict) -> dict:
    return {"action": action, "object_type": object_type, "object_id": str(object_id), "fields": fields}


def sign(user, record: dict) -> dict:
    """The signature of `user` over `record` (JSON-native values)."""
    key = _key(user)
    digest = sm3_hex(canonical(record))
    return {"alg": ALG, "signer": user.pk, "key": key.pk, "record_sm3": digest, "mac": _mac(key.key, digest)}


def check(event: Event) -> str:
    """'' when the event's signature holds, else what is wrong."""
    after = dict(event.after or {})
    sig = after.pop("signature", None)
    if not isinstance(sig, dict) or sig.get("alg") != ALG:
        return "签名格式不正确"
    if sig.get("signer") != event.actor_id:
        return "签名人与操作人不符"
    digest = sm3_hex(canonical(record_of(event.action, event.object_type, event.object_id, after)))
    if digest != sig.get("record_sm3"):
        return "记录内容与签名时的 SM3 哈希不符"
    key = SigningKey.objects.filter(pk=sig.get("key"), user_id=sig.get("signer")).first()
    if key is None:
        return "找不到签名人的签名密钥"
    if not hmac.compare_digest(_mac(key.key, digest), str(sig.get("mac"))):
        return "签名值不符"
    return ""


@dataclass
class SignatureReport:
    checked: int = 0
    bad: list = field(default_factory=list)  # (seq, reason)

    @property
    def ok(self):
        return not self.bad


def verify_all() -> SignatureReport:
    report = SignatureReport()
    for event in Event.objects.filter(after__has_key="signature").order_by("seq").iterator(chunk_size=500):
        report.checked += 1
        reason = check(event)
        if reason:
            report.bad.append((event.seq, reason))
    return report
