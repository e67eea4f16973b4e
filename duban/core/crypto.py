"""SM4 for personal data at rest (密评: confidentiality of stored personal
information; 等保 level 3 personal-information items).

Values are encrypted with SM4 in GCM mode (cryptography's SM4; 128-bit key,
96-bit random nonce, 128-bit tag), so a changed ciphertext is detected, not
decrypted into something else. A stored value reads

    sm4:<key id>:<base64(nonce + ciphertext + tag)>

Keys come from the environment, DUBAN_SM4_KEYS="id:32 hex digits,…": the
first encrypts, all decrypt, so a key is rotated by putting a new one first
and running `manage.py rotate_sm4_key`, which re-encrypts every value under
it; the old key can go once the command has finished. A development
installation without the variable gets a key of its own kept beside its
database (var/sm4_keys), like its secret key; production refuses to start
without it.

Masking and the right to see a value in full live here too, so that every
app (people's numbers in org, complainants' contact data later) shows and
exports them the same way."""

import base64
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sm4:"
NONCE = 12
TAG = 16
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DecryptionError(ValueError):
    pass


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    keys = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, hexkey = part.partition(":")
        if not _KEY_ID.match(kid) or len(hexkey) != 32:
            raise ImproperlyConfigured("DUBAN_SM4_KEYS 的格式应为“编号:32位十六进制密钥”，多个用逗号分隔")
        try:
            keys.append((kid, bytes.fromhex(hexkey)))
        except ValueError as e:
            raise ImproperlyConfigured("DUBAN_SM4_KEYS 中的密钥不是十六进制") from e
    if len({k for k, _ in keys}) != len(keys):
        raise ImproperlyConfigured("DUBAN_SM4_KEYS 中有重复的密钥编号")
    return keys


def new_key_text(kid: str) -> str:
    return f"{kid}:{os.urandom(16).hex()}"


@lru_cache(maxsize=4)
def _keys_for(text: str) -> tuple[tuple[str, bytes], ...]:
    keys = parse_keys(text)
    if not keys:
        raise ImproperlyConfigured("没有 SM4 密钥：请设置环境变量 DUBAN_SM4_KEYS")
    return tuple(keys)


def keys() -> tuple[tuple[str, bytes], ...]:
    return _keys_for(settings.DUBAN_SM4_KEYS)


def current_key_id() -> str:
    return keys()[0][0]


def encrypt(plain: str) -> str:
    kid, key = keys()[0]
    nonce = os.urandom(NONCE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(kid.encode())
    body = enc.update(plain.encode("utf-8")) + enc.finalize()
    return PREFIX + kid + ":" + base64.b64encode(nonce + body + enc.tag).decode("ascii")


def is_encrypted(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def key_id_of(stored: str) -> str:
    return stored[len(PREFIX):].split(":", 1)[0]


def decrypt(stored: str) -> str:
    kid, _, payload = stored[len(PREFIX):].partition(":")
    key = dict(keys()).get(kid)
    if key is None:
        raise DecryptionError(f"没有编号为“{kid}”的 SM4 密钥（DUBAN_SM4_KEYS）")
    try:
        raw = base64.b64decode(payload, validate=True)
        nonce, body, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(kid.encode())
        return (dec.update(body) + dec.finalize()).decode("utf-8")
    except (ValueError, InvalidTag) as e:
        raise DecryptionError("SM4 密文被篡改或密钥不符") from e


def mask(value: str) -> str:
    """138****1234: the first three and last four characters stay, the rest
    become stars (shorter values keep only their last character or two)."""
    value = value or ""
    n = len(value)
    if n == 0:
        return ""
    if n >= 8:
        return value[:3] + "*" * (n - 7) + value[-4:]
    if n >= 3:
        return "*" * (n - 2) + value[-2:]
    return "*" * n
