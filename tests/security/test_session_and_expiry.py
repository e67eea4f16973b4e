"""Idle session timeout and password expiry."""

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from duban.security.middleware import IDLE_MESSAGE
from duban.security.models import PasswordState
from duban.security.signals import LAST_ACTIVITY_KEY
from tests.conftest import DEMO_PASSWORD

from .helpers import IP, events, login, signed_in

pytestmark = pytest.mark.django_db


def idle_for(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_sec_login_starts_the_activity_clock(client, county):
    login(client, "edu", DEMO_PASSWORD)
    assert abs(client.session[LAST_ACTIVITY_KEY] - time.time()) < 60


def test_sec_activity_within_the_limit_keeps_the_session(client, county):
    login(client, "edu", DEMO_PASSWORD)
    idle_for(client, 29 * 60)
    assert client.get(reverse("home")).status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 60  # the clock restarted
    assert events("auth.logout") == []


def test_sec_idle_timeout_logs_out_on_the_server_and_is_journaled(client, county):
    login(client, "edu", DEMO_PASSWORD)
    key = client.session.session_key
    idle_for(client, 31 * 60)

    response = client.get(reverse("org:tree"), REMOTE_ADDR=IP)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('org:tree')}"
    assert not Session.objects.filter(session_key=key).exists()
    assert not signed_in(client)

    [event] = events("auth.logout")
    assert event.after["reason"] == "idle_timeout"
    assert event.after["username"] == "edu" and event.after["idle_seconds"] >= 31 * 60
    assert event.actor_id == county.edu_user.pk and event.ip == IP

    page = client.get(response["Location"]).content.decode()
    assert IDLE_MESSAGE in page


def test_sec_idle_timeout_answers_htmx_with_a_client_redirect(client, county):
    login(client, "edu", DEMO_PASSWORD)
    idle_for(client, 31 * 60)
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")
    assert not signed_in(client)


def test_sec_passive_requests_do_not_count_as_activity(client, county):
    login(client, "edu", DEMO_PASSWORD)
    idle_for(client, 10 * 60)
    before = client.session[LAST_ACTIVITY_KEY]
    client.get(reverse("home"), HTTP_X_DUBAN_PASSIVE="1")
    assert client.session[LAST_ACTIVITY_KEY] == before


def age_password(user, days):
    PasswordState.objects.filter(user=user).update(changed_at=timezone.now() - dt.timedelta(days=days))


def test_sec_password_younger_than_90_days_is_not_forced(client, county):
    age_password(county.edu_user, 89)
    client.force_login(county.edu_user)
    assert client.get(reverse("home")).status_code == 200


def test_sec_password_expiry_forces_the_change_page_after_90_days(client, county):
    age_password(county.edu_user, 91)
    client.force_login(county.edu_user)
    change = reverse("password_change")
    for url in [reverse("home"), reverse("org:tree"), "/journal/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == change, url

    page = client.get(change)
    assert page.status_code == 200
    assert "您的密码已使用超过 90 天" in page.content.decode()
    # Static files and logout stay reachable.
    assert client.get("/static/duban/app.css").status_code == 200

    response = client.post(
        change, {"old_password": DEMO_PASSWORD, "new_password1": "Renewed-2026", "new_password2": "Renewed-2026"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_sec_password_expiry_allows_logout(client, county):
    age_password(county.edu_user, 91)
    client.force_login(county.edu_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not signed_in(client)


def test_sec_user_without_password_record_counts_from_date_joined(client, county):
    user = county.edu_user
    PasswordState.objects.filter(user=user).delete()
    type(user).objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=100))
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_sec_password_expiry_answers_htmx_with_a_client_redirect(client, county):
    age_password(county.edu_user, 91)
    client.force_login(county.edu_user)
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("password_change")
