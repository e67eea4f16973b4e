"""The small predicates and the view decorator everyone uses."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from duban.org.models import Role
from duban.security import permissions as perms

pytestmark = pytest.mark.django_db


def test_org2_predicates_follow_the_three_admin_roles(county):
    table = {
        who: (
            perms.can_manage_users(getattr(county, who)),
            perms.can_set_policies(getattr(county, who)),
            perms.can_assign_roles(getattr(county, who)),
            perms.can_read_journal(getattr(county, who)),
        )
        for who in ["sysadmin", "secadmin", "auditor", "edu_user", "supervisor"]
    }
    assert table == {
        "sysadmin": (True, False, False, False),
        "secadmin": (False, True, True, False),
        "auditor": (False, False, False, True),
        "edu_user": (False, False, False, False),
        "supervisor": (False, False, False, False),
    }
    assert not perms.can_read_journal(AnonymousUser())


@perms.require_role(Role.AUDIT_ADMIN)
def audit_only(request):
    return HttpResponse("ok")


def call(user):
    request = RequestFactory().get("/journal/")
    request.user = user
    return audit_only(request)


def test_org3_require_role_gives_404_not_403(county):
    assert call(county.auditor).status_code == 200
    for who in ["sysadmin", "secadmin", "edu_user"]:
        with pytest.raises(Http404):
            call(getattr(county, who))


def test_org3_require_role_sends_anonymous_users_to_login(db):
    response = call(AnonymousUser())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_org3_require_role_needs_a_role():
    with pytest.raises(ValueError):
        perms.require_role()
