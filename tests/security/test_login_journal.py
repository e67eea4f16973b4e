"""Sign-in, sign-out, failed sign-in and lockout: behaviour and journal (AUD-1)."""

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from duban.journal import chain
from tests.conftest import DEMO_PASSWORD

from .helpers import IP, events, login, signed_in

pytestmark = pytest.mark.django_db

WRONG = "Wrong-pass-2026!"


def test_sec_login_page_is_chinese_and_free_of_inline_code(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录督办平台" in html and "用户名" in html and "密码" in html
    assert 'name="viewport"' in html  # usable on a phone
    assert "<script>" not in html and "style=" not in html  # CSP: no inline code or styles
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_aud1_login_is_journaled_with_ip(client, county):
    response = login(client, "edu", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in(client)
    [event] = events("auth.login")
    assert event.actor_id == county.edu_user.pk
    assert event.ip == IP
    assert event.object_type == "auth.user" and event.object_id == str(county.edu_user.pk)
    assert event.after == {"username": "edu"}


def test_aud1_failed_login_is_journaled_without_the_password(client, county):
    response = login(client, "edu", WRONG)
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert not signed_in(client)
    [event] = events("auth.login_failed")
    assert event.after == {"username": "edu", "reason": "bad_credentials"}
    assert event.ip == IP
    assert event.actor_id is None
    assert event.object_id == str(county.edu_user.pk)
    assert WRONG not in json.dumps([event.before, event.after, event.object_repr], ensure_ascii=False)
    # Axes' own attempt record masks it too.
    assert all(WRONG not in a.post_data for a in AccessAttempt.objects.all())


def test_aud1_failed_login_for_unknown_username_is_journaled(client, county):
    login(client, "nobody", WRONG)
    [event] = events("auth.login_failed")
    assert event.after == {"username": "nobody", "reason": "bad_credentials"}
    assert event.object_id == "" and event.object_repr == "nobody"


def test_sec_lockout_after_five_failures_is_journaled(client, county):
    for attempt in range(1, 5):
        response = login(client, "edu", WRONG)
        assert response.status_code == 200, attempt
    assert events("auth.lockout") == []

    fifth = login(client, "edu", WRONG)
    assert fifth.status_code == 429
    assert "已被锁定 15 分钟" in fifth.content.decode()
    [lockout] = events("auth.lockout")
    assert lockout.after == {"username": "edu", "failures": 5, "lockout_minutes": 15}
    assert lockout.ip == IP
    # The lockout follows the failure that caused it in the journal.
    assert events("auth.login_failed")[-1].seq == lockout.seq - 1


def test_sec_sixth_attempt_with_right_password_is_refused(client, county):
    for _ in range(5):
        login(client, "edu", WRONG)
    response = login(client, "edu", DEMO_PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已暂时锁定" in html and "即使输入正确的密码也无法登录" in html
    assert not signed_in(client)
    assert events("auth.login") == []
    refused = events("auth.login_failed")[-1]
    assert refused.after == {"username": "edu", "reason": "locked_out"}
    # Refused attempts neither start a new lockout nor extend it.
    assert len(events("auth.lockout")) == 1
    assert AccessAttempt.objects.get(username="edu").failures_since_start == 5


def test_sec_lockout_is_per_username_not_per_address(client, county):
    for _ in range(5):
        login(client, "edu", WRONG)
    # Another person in the same office (same address) still signs in.
    assert login(Client(), "fin", DEMO_PASSWORD).status_code == 302
    # The locked username stays locked from any address.
    assert login(client, "edu", DEMO_PASSWORD, ip="198.51.100.9").status_code == 429


def test_sec_lockout_ends_after_cool_off(client, county):
    for _ in range(5):
        login(client, "edu", WRONG)
    attempt = AccessAttempt.objects.get(username="edu")
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - dt.timedelta(minutes=16))
    assert login(client, "edu", DEMO_PASSWORD).status_code == 302


def test_sec_logout_by_get_is_refused(client, county):
    client.force_login(county.edu_user)
    response = client.get(reverse("logout"))
    assert response.status_code == 405
    assert signed_in(client)
    assert events("auth.logout") == []


def test_aud1_logout_by_post_ends_the_server_session_and_is_journaled(client, county):
    login(client, "edu", DEMO_PASSWORD)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    response = client.post(reverse("logout"), REMOTE_ADDR=IP)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not Session.objects.filter(session_key=key).exists()
    [event] = events("auth.logout")
    assert event.after == {"username": "edu", "reason": "user"}
    assert event.actor_id == county.edu_user.pk and event.ip == IP
    # The old session cookie no longer opens anything.
    assert client.get(reverse("home")).status_code == 302


def test_aud1_auth_events_keep_the_chain_intact(client, county):
    login(client, "edu", WRONG)
    login(client, "edu", DEMO_PASSWORD)
    client.post(reverse("logout"))
    assert chain.verify().ok
