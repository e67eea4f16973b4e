"""ORG-3: one visibility module; everything not visible answers 404."""

import pytest
from django.http import Http404

from duban.org.visibility import can_see, get_visible_or_404, scope_for, visible
from tests.probe.models import ProbeRecord


@pytest.fixture
def records(county):
    fin_only = ProbeRecord.objects.create(title="财政局自己的事项", owner_unit=county.fin)
    edu_lead = ProbeRecord.objects.create(title="教育局牵头", owner_unit=county.gov, lead_unit=county.edu)
    coop = ProbeRecord.objects.create(title="财政局牵头教育局配合", owner_unit=county.fin, lead_unit=county.fin)
    coop.cooperating_units.add(county.edu_office, county.town)
    office = ProbeRecord.objects.create(title="基础教育股的子任务", owner_unit=county.edu_office)
    instructed = ProbeRecord.objects.create(title="县长批示件", owner_unit=county.fin, instructed_by=county.leader)
    return {"fin_only": fin_only, "edu_lead": edu_lead, "coop": coop, "office": office, "instructed": instructed}


def titles(user):
    return set(visible(ProbeRecord, user).values_list("title", flat=True))


def test_org3_education_user_is_refused_what_belongs_only_to_finance(county, records):
    assert records["fin_only"].title not in titles(county.edu_user)
    with pytest.raises(Http404):
        get_visible_or_404(ProbeRecord, county.edu_user, pk=records["fin_only"].pk)
    assert not can_see(county.edu_user, records["fin_only"])


def test_org3_unit_sees_what_it_owns_leads_or_cooperates_on_including_its_offices(county, records):
    seen = titles(county.edu_user)
    assert seen == {"教育局牵头", "财政局牵头教育局配合", "基础教育股的子任务"}


def test_org3_finance_sees_its_own_and_not_educations(county, records):
    assert titles(county.fin_user) == {"财政局自己的事项", "财政局牵头教育局配合", "县长批示件"}


def test_org3_cooperating_unit_rows_are_not_duplicated(county, records):
    qs = visible(ProbeRecord, county.town_user)
    assert list(qs.values_list("title", flat=True)) == ["财政局牵头教育局配合"]


def test_org3_supervisor_sees_the_whole_jurisdiction_subtree(county, records):
    assert titles(county.supervisor) == {r.title for r in records.values()}


def test_org3_leader_sees_jurisdiction_and_what_they_instructed(county, records):
    assert "县长批示件" in titles(county.leader)


def test_org3_anonymous_and_inactive_users_see_nothing(county, records):
    from django.contrib.auth.models import AnonymousUser

    assert titles(AnonymousUser()) == set()
    county.edu_user.is_active = False
    county.edu_user.save()
    county.edu_user._duban_scope = None
    assert titles(county.edu_user) == set()


def test_org3_scope_roots_drop_nested_duplicates(county):
    scope = scope_for(county.supervisor)
    assert [u.name for u in scope.roots] == ["县人民政府"]


def test_org3_model_without_a_spec_is_refused(county):
    from duban.org.models import Person

    with pytest.raises(TypeError):
        visible(Person, county.edu_user)


def test_org3_detail_page_answers_404_to_another_unit_and_200_to_the_owner(client, county, records):

    pk = records["fin_only"].pk
    client.force_login(county.edu_user)
    assert client.get(f"/probe/{pk}/").status_code == 404
    assert client.get("/probe/999999/").status_code == 404  # same answer as a missing row
    assert "财政局自己的事项" not in client.get("/probe/").content.decode()
    client.force_login(county.fin_user)
    response = client.get(f"/probe/{pk}/")
    assert response.status_code == 200 and response.content.decode() == "财政局自己的事项"


def test_org3_list_page_query_count_does_not_grow_with_rows(client, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.edu_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/probe/").status_code == 200
        return len(ctx.captured_queries)

    r = ProbeRecord.objects.create(title="教育局事项", owner_unit=county.edu)
    r.cooperating_units.add(county.town)
    few = count()
    for i in range(30):
        r = ProbeRecord.objects.create(title=f"教育局事项{i}", owner_unit=county.edu)
        r.cooperating_units.add(county.town)
    assert count() == few
