"""等保 level 3 identification (issue 21 item 2): the three administrators,
the 督查室 and whoever signs sign in with a password and a TOTP code from an
authenticator app (or a one-time recovery code); enrolment is in the app;
wrong codes count towards the same lockout as wrong passwords and are
journaled."""

import time

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.security import otp, services
from duban.security.models import SecurityPolicy
from tests.conftest import DEMO_PASSWORD

from .helpers import events, login, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # TOTP codes follow the real clock


@pytest.fixture(autouse=True)
def second_factor_on(settings):
    settings.DUBAN_SECOND_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the lockout, not the device's backoff, is under test


def code_for(user):
    device = TOTPDevice.objects.get(user=user)
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()


def enrol(client, user):
    r = client.get("/accounts/otp/setup/")
    assert r.status_code == 200 and "<svg" in r.content.decode()
    r = client.post("/accounts/otp/setup/", {"code": f"{code_for(user):06d}"})
    page = r.content.decode()
    assert "只显示这一次" in page
    return [c.split("<")[0] for c in page.split("<li><code>")[1:]]


def test_sec_administrator_enrols_then_needs_the_code_at_every_sign_in(county):
    c = Client()
    login(c, "sysadmin", DEMO_PASSWORD)
    assert signed_in(c)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/setup/")
    assert c.get("/api/me").status_code == 401  # the API refuses the half-signed session
    codes = enrol(c, county.sysadmin)
    assert len(codes) == 10
    assert c.get("/").status_code == 200
    assert c.get("/api/me").status_code == 200
    assert events("auth.otp_enrol")[0].after == {"username": "sysadmin", "device": "totp", "recovery_codes": 10}
    c.post("/accounts/logout/")

    with time_machine.travel(time.time() + 60, tick=True):  # the next step of the clock: a new code
        c = Client()
        login(c, "sysadmin", DEMO_PASSWORD)
        r = c.get("/org/")
        assert r.status_code == 302 and r["Location"] == "/accounts/otp/?next=%2Forg%2F"
        r = c.post("/accounts/otp/?next=/org/", {"code": f"{code_for(county.sysadmin):06d}", "next": "/org/"})
        assert r.status_code == 302 and r["Location"] == "/org/"
        assert events("auth.otp_verify")[-1].after["device"] == "totp"


def test_sec_recovery_code_works_once(county):
    c = Client()
    login(c, "duchashi", DEMO_PASSWORD)
    codes = enrol(c, county.supervisor)
    c.post("/accounts/logout/")
    for expected in (True, False):
        c = Client()
        login(c, "duchashi", DEMO_PASSWORD)
        c.post("/accounts/otp/", {"code": codes[0]})
        assert (c.get("/").status_code == 200) is expected
    assert events("auth.otp_verify")[-1].after == {"username": "duchashi", "device": "recovery_code",
                                                   "recovery_codes_left": 9}


def test_sec_wrong_codes_lock_the_account_and_are_journaled(county):
    c = Client()
    login(c, "auditor", DEMO_PASSWORD)
    enrol(c, county.auditor)
    c.post("/accounts/logout/")
    c = Client()
    login(c, "auditor", DEMO_PASSWORD)
    for _ in range(4):
        r = c.post("/accounts/otp/", {"code": "000000"})
        assert r.status_code == 200 and "验证码不正确" in r.content.decode()
    r = c.post("/accounts/otp/", {"code": "000000"})
    assert r.status_code == 429 and "锁定" in r.content.decode()
    assert not signed_in(c)
    failed = events("auth.login_failed")
    assert [e.after["reason"] for e in failed] == ["second_factor"] * 5
    assert events("auth.lockout")[0].after["username"] == "auditor"
    # The password alone no longer opens the account while it is locked.
    c = Client()
    login(c, "auditor", DEMO_PASSWORD)
    assert not signed_in(c)


def test_sec_others_need_no_second_factor_unless_the_policy_says_so(county):
    c = Client()
    login(c, "edu", DEMO_PASSWORD)
    assert c.get("/").status_code == 200
    services.save_policy(SecurityPolicy(second_factor_for_all=True), by=county.secadmin)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/setup/")


def test_sec_signers_need_it_and_the_security_admin_can_reset_a_lost_device(county):
    from duban.org import services as org
    from duban.org.models import Role

    org.assign_role(county.town_user, Role.DUTY_LEADER)
    assert otp.required_for(county.town_user)
    c = Client()
    login(c, "town", DEMO_PASSWORD)
    enrol(c, county.town_user)
    assert otp.has_totp(county.town_user)
    otp.reset(county.town_user, by=county.secadmin)
    assert not otp.has_totp(county.town_user)
    assert events("auth.otp_reset")[0].actor == county.secadmin
    # Unit heads and leaders sign duty reports off; task-force members close problems out.
    assert otp.required_for(county.edu_head) and otp.required_for(county.leader)
    group = org.create_group("作风专班", "task_force")
    assert not otp.required_for(county.fin_user)
    org.add_member(group, county.fin_user, "成员")
    county.fin_user.__dict__.pop("_duban_task_force", None)
    assert otp.required_for(county.fin_user)
