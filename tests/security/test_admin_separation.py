"""Separation of the three administrators (三员分立): who opens which page.

- 系统管理员 manages accounts, people and units in the admin;
- 安全管理员 assigns roles and sets the security policy;
- 审计管理员 reads and exports the journal, and nothing else;
- an ordinary user opens none of these.

A staff user refused inside the admin gets Django's 403 (or 404 where the
model is not offered at all); anybody who is not staff is sent to the admin
login. Journal pages answer 404 to everyone but the auditor (no leak of
existence).
"""

import pytest
from django.core.exceptions import ValidationError

from duban.org import services as org
from duban.org.models import Role

pytestmark = pytest.mark.django_db

ADMINS = ["sysadmin", "secadmin", "auditor"]
WHO = [*ADMINS, "edu_user"]

OPEN, REFUSED, ADMIN_LOGIN, NOT_FOUND = "open", "refused", "admin-login", "not-found"

# page → expected outcome per user
MATRIX = {
    "/admin/": {"sysadmin": OPEN, "secadmin": OPEN, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN},
    "/admin/auth/user/": {"sysadmin": OPEN, "secadmin": REFUSED, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN},
    "/admin/org/person/": {"sysadmin": OPEN, "secadmin": REFUSED, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN},
    "/admin/org/unit/": {"sysadmin": OPEN, "secadmin": REFUSED, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN},
    "/admin/org/roleassignment/": {
        "sysadmin": REFUSED, "secadmin": OPEN, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN,
    },
    "/admin/security/securitypolicy/add/": {
        "sysadmin": REFUSED, "secadmin": OPEN, "auditor": ADMIN_LOGIN, "edu_user": ADMIN_LOGIN,
    },
    "/journal/": {"sysadmin": NOT_FOUND, "secadmin": NOT_FOUND, "auditor": OPEN, "edu_user": NOT_FOUND},
    "/journal/export.xlsx": {"sysadmin": NOT_FOUND, "secadmin": NOT_FOUND, "auditor": OPEN, "edu_user": NOT_FOUND},
}
CASES = [(url, who, outcome) for url, row in MATRIX.items() for who, outcome in row.items()]


def outcome_of(response):
    if response.status_code == 200:
        return OPEN
    if response.status_code in (403, 404) and response.wsgi_request.path.startswith("/admin/"):
        return REFUSED
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return ADMIN_LOGIN
    return f"HTTP {response.status_code} {response.get('Location', '')}"


@pytest.mark.parametrize(("url", "who", "expected"), CASES, ids=[f"{w}:{u}" for u, w, _ in CASES])
def test_org2_three_admins_page_matrix(client, county, url, who, expected):
    client.force_login(getattr(county, who))
    assert outcome_of(client.get(url)) == expected


def test_org2_only_system_and_security_admins_are_staff(county):
    for who in WHO:
        getattr(county, who).refresh_from_db()
    staff = {who: getattr(county, who).is_staff for who in WHO}
    assert staff == {"sysadmin": True, "secadmin": True, "auditor": False, "edu_user": False}
    assert not any(getattr(county, who).is_superuser for who in WHO)


@pytest.mark.parametrize("holder", ADMINS)
@pytest.mark.parametrize(
    "second", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN], ids=lambda r: r.value
)
def test_org2_one_person_never_holds_two_admin_roles(county, holder, second):
    user = getattr(county, holder)
    with pytest.raises(ValidationError) as exc:
        org.assign_role(user, second)
    message = exc.value.message_dict["role"][0]
    if second in org.roles_of(user):
        assert "已有角色" in message
    else:
        assert message.startswith("三员分立：") and "不能再兼任" in message
    user.__dict__.pop("_duban_roles", None)
    held = org.roles_of(user)
    assert len(held & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}) == 1


def test_org2_separation_holds_after_revoking(county):
    org.revoke_role(county.auditor, Role.AUDIT_ADMIN)
    org.assign_role(county.auditor, Role.SYSTEM_ADMIN)  # allowed once the other role is gone
    county.auditor.refresh_from_db()
    assert county.auditor.is_staff


def test_sec_business_records_in_the_admin_are_read_only_and_for_the_system_admin_only(client, county):
    client.force_login(county.secadmin)
    for url in ("/admin/rectification/problem/", "/admin/supervision/matter/", "/admin/clocks/clock/"):
        assert client.get(url).status_code == 403
    client.force_login(county.sysadmin)
    assert client.get("/admin/rectification/problem/").status_code == 200
    assert client.get("/admin/rectification/problem/add/").status_code == 403
