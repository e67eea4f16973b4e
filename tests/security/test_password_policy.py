"""Password complexity, history and journaling of password changes."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from duban.security import services
from duban.security.models import PasswordHistory, PasswordState
from duban.security.passwords import CharacterClassValidator, character_classes
from tests.conftest import DEMO_PASSWORD

from .helpers import events

pytestmark = pytest.mark.django_db
User = get_user_model()


def messages_for(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize(
    "password",
    ["Duban-2026", "pqrD7391", "xy12!@#$zz", "ZHANG_san88", "督办abc12345", "LMNO!@#$7391"],
)
def test_sec_password_policy_accepts_three_of_four_classes(password):
    assert messages_for(password) == []


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("abcdefgh9", "大写字母、特殊符号"),
        ("ABCDEFGHIJ", "小写字母、数字、特殊符号"),
        ("2026033112", "大写字母、小写字母、特殊符号"),
        ("hello-world", "大写字母、数字"),
    ],
)
def test_sec_password_policy_refuses_fewer_than_three_classes_in_chinese(password, missing):
    msgs = messages_for(password)
    assert any("至少 3 类" in m and f"缺少：{missing}" in m for m in msgs), msgs


def test_sec_password_policy_refuses_short_password_in_chinese():
    assert messages_for("Ab1!xyz") == ["密码太短，至少需要 8 个字符（当前 7 个）。"]


def test_sec_password_policy_refuses_common_password():
    # Django's list of common passwords, with its Chinese translation.
    assert "这个密码太常见了。" in messages_for("Password1")


def test_sec_character_classes_count_chinese_as_symbol():
    assert character_classes("督办Ab1") == {"大写字母", "小写字母", "数字", "特殊符号"}
    assert "至少 3 类" in CharacterClassValidator().get_help_text()


def test_sec_help_text_on_the_change_page_is_chinese(client, county):
    client.force_login(county.edu_user)
    html = client.get(reverse("password_change")).content.decode()
    assert "密码至少 8 个字符" in html
    assert "不能与最近 5 次使用过的密码相同" in html
    assert "当前密码有效期至" in html


def test_sec_create_person_records_history_and_change_time(county):
    user = county.edu_user
    [row] = PasswordHistory.objects.filter(user=user)
    assert row.password_hash == user.password
    assert PasswordState.objects.get(user=user).changed_at == row.created_at
    initial = [e for e in events("auth.password_change") if e.object_id == str(user.pk)]
    assert len(initial) == 1 and initial[0].after == {"username": "edu", "initial": True}


def test_sec_set_password_service_validates_records_and_journals(county):
    user = county.edu_user
    with pytest.raises(ValidationError) as exc:
        services.set_password(user, "weakpass", by=county.sysadmin)
    assert any("至少 3 类" in m for m in exc.value.messages)

    services.set_password(user, "New-pass-2026", by=county.sysadmin)
    user.refresh_from_db()
    assert user.check_password("New-pass-2026")
    assert PasswordHistory.objects.filter(user=user).count() == 2
    event = events("auth.password_change")[-1]
    assert event.actor_id == county.sysadmin.pk
    assert event.after == {"username": "edu", "initial": False}
    assert user.password not in str(event.after)  # the hash is never journaled


def test_sec_history_refuses_last_five_accepts_sixth_oldest(county):
    user = county.edu_user
    passwords = [f"Round-{n}-pass!" for n in range(1, 7)]
    for p in passwords:
        services.set_password(user, p)
    # History (newest first): Round-6 … Round-1, DEMO_PASSWORD.
    for reused in passwords[1:]:
        msgs = messages_for(reused, user)
        assert msgs == ["不能使用最近 5 次用过的密码，请换一个新密码。"], reused
    assert messages_for(passwords[0], user) == []
    assert messages_for(DEMO_PASSWORD, user) == []


def test_sec_history_counts_current_password_kept_before_history(county):
    user = county.edu_user
    PasswordHistory.objects.filter(user=user).delete()
    assert messages_for(DEMO_PASSWORD, user) == ["不能使用最近 5 次用过的密码，请换一个新密码。"]


def test_sec_direct_set_password_and_save_is_recorded(county):
    """The safety net for the admin's password form and createsuperuser."""
    user = User.objects.get(pk=county.fin_user.pk)
    user.set_password("Admin-set-2026")
    user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 2
    assert events("auth.password_change")[-1].object_id == str(user.pk)


def test_sec_hash_upgrade_is_not_a_password_change(county):
    user = User.objects.get(pk=county.fin_user.pk)
    before = PasswordHistory.objects.filter(user=user).count()
    # What check_password() does when the hasher asks for a re-hash.
    user.set_password(DEMO_PASSWORD)
    user._password = None
    user.save(update_fields=["password"])
    user.save(update_fields=["last_login"])
    assert PasswordHistory.objects.filter(user=user).count() == before


def test_sec_password_change_page_goes_through_the_service(client, county):
    client.force_login(county.edu_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "Fresh-pass-77", "new_password2": "Fresh-pass-77"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    # Still signed in: the session follows the new password hash.
    assert client.get(reverse("password_change_done")).status_code == 200
    assert PasswordHistory.objects.filter(user=county.edu_user).count() == 2
    event = events("auth.password_change")[-1]
    assert event.actor_id == county.edu_user.pk and event.after["initial"] is False


def test_sec_password_change_page_refuses_reuse_and_wrong_old_password(client, county):
    client.force_login(county.edu_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": DEMO_PASSWORD, "new_password2": DEMO_PASSWORD},
    )
    assert response.status_code == 200
    assert "不能使用最近 5 次用过的密码" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": "Not-my-pass-1", "new_password1": "Fresh-pass-77", "new_password2": "Fresh-pass-77"},
    )
    assert "原密码不正确" in response.content.decode()
    assert PasswordHistory.objects.filter(user=county.edu_user).count() == 1
