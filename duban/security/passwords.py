"""Password validators (等保 2.0 password complexity), named in
settings.AUTH_PASSWORD_VALIDATORS. Their limits come from the security
policy in force, so the security administrator can change them at run time.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from . import policy

CLASS_NAMES = ("大写字母", "小写字母", "数字", "特殊符号")


def character_classes(password: str) -> set[str]:
    """Which of the four classes occur: upper, lower, digit, symbol (any
    other character, such as punctuation, a space or a Chinese character)."""
    found = set()
    for ch in password:
        if ch in string.ascii_uppercase:
            found.add("大写字母")
        elif ch in string.ascii_lowercase:
            found.add("小写字母")
        elif ch in string.digits:
            found.add("数字")
        else:
            found.add("特殊符号")
    return found


class MinimumLengthValidator:
    """At least the policy's minimum length."""

    def validate(self, password, user=None):
        min_length = policy.current().password_min_length
        if len(password) < min_length:
            raise ValidationError(
                f"密码太短，至少需要 {min_length} 个字符（当前 {len(password)} 个）。",
                code="password_too_short",
                params={"min_length": min_length},
            )

    def get_help_text(self):
        return f"密码至少 {policy.current().password_min_length} 个字符。"


class CharacterClassValidator:
    """At least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = character_classes(password)
        if len(found) < self.min_classes:
            missing = "、".join(name for name in CLASS_NAMES if name not in found)
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类，"
                f"当前只有 {len(found)} 类（缺少：{missing}）。",
                code="password_too_few_classes",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。"


def recent_hashes(user, count: int) -> list[str]:
    """The hashes of the user's `count` most recent passwords, the current
    one first (also when it was set before history was kept)."""
    from .models import PasswordHistory

    hashes = []
    if user.password and user.has_usable_password():
        hashes.append(user.password)
    rows = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")
    for h in rows.values_list("password_hash", flat=True)[:count]:
        if h not in hashes:
            hashes.append(h)
    return hashes[:count]


class HistoryValidator:
    """No reuse of the policy's number of most recent passwords."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        count = policy.current().password_history_count
        for encoded in recent_hashes(user, count):
            # No setter: a match must never re-hash or save anything.
            if check_password(password, encoded):
                raise ValidationError(
                    f"不能使用最近 {count} 次用过的密码，请换一个新密码。",
                    code="password_reused",
                    params={"count": count},
                )

    def get_help_text(self):
        return f"不能与最近 {policy.current().password_history_count} 次使用过的密码相同。"
