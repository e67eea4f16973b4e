"""ORG-3 / SUP-3: a draft (not yet assigned) is the supervision office's
working copy. The office that supervises it (its author's) and the
instructing leader see it; the lead unit, its responsible person and the cooperating
units see nothing of it -- page, API, lists -- until it is assigned, and a
supervisor of a part of the county does not list the county office's draft
because it names a unit of that part."""

import pytest
from django.test import Client

from duban.org.models import Role
from duban.org.visibility import can_see
from duban.supervision import queries
from duban.supervision import services as sv
from duban.supervision.models import _matter_url
from duban.supervision.transitions import State

from .conftest import local

NOW = local(2026, 3, 9, 12, 0)

pytestmark = pytest.mark.django_db


def as_user(user):
    c = Client()
    c.force_login(user)
    return c


def _named_draft(county, loop):
    """A county office's draft led by the education bureau (its liaison the
    responsible person) with the finance bureau cooperating."""
    m = loop.draft(cooperating=[(county.fin, county.fin_user, "保障经费")])
    assert m.state == State.DRAFT
    return m


def test_org3_a_draft_is_hidden_from_the_units_and_people_it_names_until_assigned(county, loop):
    m = _named_draft(county, loop)
    edu_office_sup = county.person("edusup", "教育督查", county.edu_office, Role.SUPERVISOR, scope=county.edu)
    named = (county.edu_user, county.edu_head, county.fin_user, edu_office_sup)
    for user in named:
        assert not can_see(user, m), user.username
        assert as_user(user).get(_matter_url(m.pk)).status_code == 404, user.username
        assert as_user(user).get(f"/api/supervision/matters/{m.pk}").status_code == 404, user.username
        assert m.pk not in {x.pk for x in queries.visible_list(user, now=NOW).rows}, user.username
    # the education bureau's own supervisor lists what the bureau leads,
    # but not the county office's draft
    assert m.pk not in {x.pk for x in queries.supervision_list(edu_office_sup, now=NOW).rows}
    assert queries.supervision_list(edu_office_sup, now=NOW).counts["drafts"] == 0
    # the office, the author and the instructing leader see it
    for user in (county.supervisor, county.leader):
        assert can_see(user, m), user.username
        assert as_user(user).get(_matter_url(m.pk)).status_code == 200, user.username
    assert m.pk in {x.pk for x in queries.supervision_list(county.supervisor, now=NOW).rows}
    assert m.pk in {x.pk for x in queries.leader_list(county.leader, now=NOW).rows}

    sv.assign_matter(m, county.supervisor, at=loop.tick())
    for user in named:
        user.__dict__.pop("_duban_scope", None)
        assert can_see(user, m), user.username
        assert as_user(user).get(_matter_url(m.pk)).status_code == 200, user.username
    assert m.pk in {x.pk for x in queries.supervision_list(edu_office_sup, now=NOW).rows}
