"""The security policy: edited by the security administrator only, journaled
with before/after, and in force at run time."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from duban.security import policy, services
from duban.security.models import SecurityPolicy
from duban.security.passwords import MinimumLengthValidator
from tests.conftest import DEMO_PASSWORD

from .helpers import events, login

pytestmark = pytest.mark.django_db

POLICY_URL = "/admin/security/securitypolicy/"
WRONG = "Wrong-pass-2026!"


def policy_form(**values):
    data = dict.fromkeys(SecurityPolicy.POLICY_FIELDS, "")
    data.update({k: str(v) for k, v in values.items()})
    return data


def test_sec_policy_defaults_come_from_settings(db):
    p = policy.current()
    assert (p.lockout_failures, p.lockout_minutes) == (5, 15)
    assert (p.password_min_length, p.password_history_count, p.password_max_age_days) == (8, 5, 90)
    assert p.idle_timeout_seconds == 30 * 60


def test_sec_security_admin_edits_policy_and_change_is_journaled(client, county):
    client.force_login(county.secadmin)
    assert client.get(POLICY_URL).url == reverse("admin:security_securitypolicy_add")
    response = client.post(
        reverse("admin:security_securitypolicy_add"), policy_form(password_min_length=12, lockout_failures=3)
    )
    assert response.status_code == 302, response.content.decode()
    row = SecurityPolicy.objects.get()
    assert (row.password_min_length, row.lockout_failures, row.idle_timeout_minutes) == (12, 3, None)

    [event] = events("security.policy.update")
    assert event.actor_id == county.secadmin.pk
    assert event.before["password_min_length"] is None
    assert event.before["effective"]["password_min_length"] == 8
    assert event.after["password_min_length"] == 12
    assert event.after["effective"]["lockout_failures"] == 3
    assert event.after["effective"]["lockout_minutes"] == 15

    # The list leads straight to the one policy, which shows what is in force.
    page = client.get(POLICY_URL, follow=True).content.decode()
    assert "当前生效值" in page and "密码最小长度：12 个字符" in page

    client.post(reverse("admin:security_securitypolicy_change", args=[row.pk]), policy_form(password_min_length=10))
    assert events("security.policy.update")[-1].before["password_min_length"] == 12
    assert events("security.policy.update")[-1].after["password_min_length"] == 10


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "edu_user"])
def test_sec_only_security_admin_opens_the_policy(client, county, who):
    client.force_login(getattr(county, who))
    response = client.get(POLICY_URL)
    if who == "sysadmin":  # staff, but not for this page
        assert response.status_code == 403
    else:  # not staff at all: the admin asks for another login
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(reverse("admin:security_securitypolicy_add"), policy_form(password_min_length=6))
    assert response.status_code in (302, 403)
    assert not SecurityPolicy.objects.exists()
    assert events("security.policy.update") == []


def test_sec_policy_refuses_weak_or_impossible_values(county):
    with pytest.raises(ValidationError) as exc:
        services.save_policy(SecurityPolicy(password_min_length=6))
    assert "password_min_length" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_policy(SecurityPolicy(idle_timeout_minutes=24 * 60))
    assert "不能超过部署配置的会话上限" in exc.value.message_dict["idle_timeout_minutes"][0]
    assert events("security.policy.update") == []


def test_sec_policy_min_length_applies_at_run_time(county):
    services.save_policy(SecurityPolicy(password_min_length=12), by=county.secadmin)
    with pytest.raises(ValidationError) as exc:
        MinimumLengthValidator().validate("Abc-defg-12")
    assert exc.value.messages == ["密码太短，至少需要 12 个字符（当前 11 个）。"]


def test_sec_policy_history_count_applies_at_run_time(county):
    user = county.edu_user
    for n in range(1, 4):
        services.set_password(user, f"Round-{n}-pass!")
    services.save_policy(SecurityPolicy(password_history_count=2), by=county.secadmin)
    services.set_password(user, "Round-1-pass!")  # third-most-recent: allowed now
    with pytest.raises(ValidationError):
        services.set_password(user, "Round-3-pass!")


def test_sec_policy_lockout_failures_apply_at_run_time(client, county):
    services.save_policy(SecurityPolicy(lockout_failures=3, lockout_minutes=30), by=county.secadmin)
    assert login(client, "edu", WRONG).status_code == 200
    assert "连续输错 3 次，账号将被锁定 30 分钟" in login(client, "edu", WRONG).content.decode()
    third = login(client, "edu", WRONG)
    assert third.status_code == 429 and "已被锁定 30 分钟" in third.content.decode()
    assert events("auth.lockout")[0].after == {"username": "edu", "failures": 3, "lockout_minutes": 30}
    assert login(client, "edu", DEMO_PASSWORD).status_code == 429


def test_sec_policy_max_age_applies_at_run_time(client, county):
    import datetime as dt

    from django.utils import timezone

    from duban.security.models import PasswordState

    services.save_policy(SecurityPolicy(password_max_age_days=30), by=county.secadmin)
    PasswordState.objects.filter(user=county.edu_user).update(changed_at=timezone.now() - dt.timedelta(days=31))
    client.force_login(county.edu_user)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_sec_policy_idle_timeout_applies_at_run_time(client, county):
    import time

    from duban.security.signals import LAST_ACTIVITY_KEY

    services.save_policy(SecurityPolicy(idle_timeout_minutes=5), by=county.secadmin)
    login(client, "edu", DEMO_PASSWORD)
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 6 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 302
    assert events("auth.logout")[0].after["limit_seconds"] == 300


def test_sec_security_admin_unlocks_an_account_and_it_is_journaled(client, county):
    from django.test import Client

    for _ in range(5):
        login(client, "edu", WRONG)
    assert login(client, "edu", DEMO_PASSWORD).status_code == 429

    admin_client = Client()
    admin_client.force_login(county.secadmin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin_client.get(changelist).status_code == 200
    from axes.models import AccessAttempt

    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin_client.post(changelist, {"action": "unlock", "_selected_action": pks})
    assert response.status_code == 302
    [event] = events("auth.unlock")
    assert event.actor_id == county.secadmin.pk and event.after["username"] == "edu"
    assert login(client, "edu", DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("who", ["sysadmin", "auditor"])
def test_sec_only_security_admin_sees_login_lockouts(client, county, who):
    client.force_login(getattr(county, who))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code in (302, 403)
