"""OUT-4, AUD-1 (issue 21 item 1): another government system works through
the API with a bearer token alone -- no cookie, no CSRF -- within the token's
scopes, expiry and rate; every use is journaled; tokens are issued and
revoked from the app."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from duban.api.models import ApiToken
from duban.api.services import issue_token
from duban.journal import chain
from duban.journal.models import Event
from duban.supervision.models import Matter
from tests.supervision.test_api import BASE, body, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # tokens expire on the real clock


def bearer(raw):
    # enforce_csrf_checks: the test client otherwise waives CSRF for everyone.
    c = Client(enforce_csrf_checks=True)
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return c


def test_out4_integration_creates_and_reports_a_matter_with_a_token_alone(county):
    _, office = issue_token(county.supervisor, "市督查系统对接", scopes=["read", "write"])
    _, unit = issue_token(county.edu_user, "教育局办公系统", scopes=["read", "write"])
    sup, edu = bearer(office), bearer(unit)
    r = sup.post(f"{BASE}/matters", body(county, assign=True), content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert edu.post(f"{BASE}/matters/{pk}/acknowledge").status_code == 200
    r = edu.post(f"{BASE}/matters/{pk}/reports", {"text": "已完成检查", "progress": "100", "files": [pdf()]})
    assert r.status_code == 201, r.content
    assert not sup.cookies and not edu.cookies
    created = Event.objects.get(action="supervision.matter.create", object_id=str(pk))
    assert created.actor == county.supervisor
    uses = Event.objects.filter(action="api.token.use")
    assert uses.count() == 3
    assert {(e.after["method"], e.actor_id) for e in uses} >= {("POST", county.supervisor.pk),
                                                               ("POST", county.edu_user.pk)}
    assert chain.verify().ok


def test_out4_session_writes_keep_csrf(county):
    c = Client(enforce_csrf_checks=True)
    c.force_login(county.supervisor)
    r = c.post(f"{BASE}/matters", body(county), content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_out4_read_only_token_cannot_write(county):
    _, raw = issue_token(county.supervisor, "只读")
    c = bearer(raw)
    assert c.get(f"{BASE}/matters").status_code == 200
    r = c.post(f"{BASE}/matters", body(county), content_type="application/json")
    assert r.status_code == 403 and "只有读取权限" in r.json()["detail"]
    assert not Matter.objects.exists()


def test_out4_expired_and_revoked_tokens_are_refused_and_last_use_is_kept(county, client):
    now = timezone.now()
    token, raw = issue_token(county.edu_user, "短期", expires_at=now + dt.timedelta(minutes=5))
    assert bearer(raw).get("/api/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=now - dt.timedelta(seconds=1))
    r = bearer(raw).get("/api/me")
    assert r.status_code == 401 and r.json()["detail"].startswith("未认证")
    assert Event.objects.filter(action="api.token.issue").get().after["expires_at"]


def test_out4_rate_limit_answers_429_with_retry_after(county):
    _, raw = issue_token(county.edu_user, "限流", rate_per_minute=3)
    c = bearer(raw)
    assert [c.get("/api/me").status_code for _ in range(3)] == [200, 200, 200]
    r = c.get("/api/me")
    assert r.status_code == 429
    assert 1 <= int(r["Retry-After"]) <= 60
    assert "请求过于频繁" in r.json()["detail"]
    assert Event.objects.filter(action="api.token.use").count() == 3


def test_out4_tokens_are_issued_and_revoked_from_the_app(county):
    admin = Client()
    admin.force_login(county.sysadmin)
    r = admin.post("/accounts/tokens/", {"username": "edu", "name": "教育局办公系统", "scopes": ["read", "write"],
                                         "days": "30"})
    assert r.status_code == 200
    page = r.content.decode()
    raw = page.split('data-token="')[1].split('"')[0]
    assert raw.startswith("db_") and "只显示这一次" in page
    token = ApiToken.objects.get()
    assert token.scope_set == {"read", "write"} and token.user == county.edu_user
    assert bearer(raw).get("/api/me").json()["username"] == "edu"
    listing = admin.get("/accounts/tokens/").content.decode()
    assert "教育局办公系统" in listing and raw not in listing
    assert admin.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(raw).get("/api/me").status_code == 401
    assert Event.objects.filter(action="api.token.revoke", actor=county.sysadmin).exists()
    other = Client()
    other.force_login(county.edu_user)
    assert other.get("/accounts/tokens/").status_code == 404
