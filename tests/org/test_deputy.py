"""ORG-4: while A is away, B does everything A could, and every step is
journaled as B代A; B's home page shows A's worklist; a unit head marks a
person away from the app. Away periods are set around the real now (the
permission is decided now); the business moments are injected."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from duban.duty import services as duty
from duban.journal import chain
from duban.journal.models import Event
from duban.org import services as org
from duban.org.models import Role
from duban.org.visibility import get_visible_or_404, visible
from duban.rectification import services as rs
from duban.supervision import services as sv
from duban.supervision.models import Matter
from tests.supervision.conftest import T0, instruction_data, later, upload

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # away periods around the real now


@pytest.fixture
def ab(county):
    """A: 县财政局's liaison; B: a clerk of 县教育局's office, without any role,
    named A's B role. A's matter is assigned."""
    b = county.person("fin_b", "周代办", county.edu_office)
    org.set_backup(county.fin_user.person, b)
    m = sv.create_matter(county.supervisor, assign=True, at=T0, **instruction_data(
        county, lead_unit=county.fin, lead_person=county.fin_user, title="财政惠企资金兑现"))
    return county.fin_user, b, m


def away(person, days=3):
    now = timezone.now()
    return org.set_away(person, now - dt.timedelta(hours=1), now + dt.timedelta(days=days), "参加培训")


def test_org4_b_cannot_act_while_a_is_at_work(county, ab):
    a, b, m = ab
    with pytest.raises(PermissionDenied):
        sv.acknowledge(m, b, at=later(hours=1))
    assert not visible(Matter, b).filter(pk=m.pk).exists()


def test_org4_while_a_is_away_b_signs_reports_and_requests_completion_as_b_for_a(county, ab):
    a, b, m = ab
    away(a.person)
    assert get_visible_or_404(Matter, b, pk=m.pk) == m  # B sees what A sees
    sv.acknowledge(m, b, at=later(hours=1))
    sv.submit_report(m, b, text="已拨付首批资金。", progress=50, at=later(hours=2))
    sv.request_extension(m, b, reason="资金到位晚", proposed_due=T0 + dt.timedelta(days=40), at=later(hours=3))
    m.refresh_from_db()
    ext = m.extensions.get()
    sv.decide_extension(ext, county.supervisor, approve=False, reason="按期完成", at=later(hours=4))
    sv.request_completion(m, b, text="资金全部兑现。", files=[upload()], at=later(hours=5))
    events = Event.objects.filter(actor=b).order_by("seq")
    assert [e.action for e in events if e.action.startswith("supervision.")] == [
        "supervision.matter.acknowledge", "supervision.report.submit", "supervision.extension.request",
        "supervision.matter.request_completion"]
    assert all(e.on_behalf_of_id == a.pk and e.actor_name == "周代办代李财政" for e in events
               if e.action.startswith("supervision."))
    # The office acts on its own right: no B代A there.
    decided = Event.objects.get(action="supervision.extension.reject")
    assert decided.on_behalf_of_id is None and decided.actor_name == "陈督查"
    assert chain.verify().ok  # the hash covers the principal


def test_org4_b_acts_only_for_what_a_could_do(county, ab):
    a, b, m = ab
    away(a.person)
    other = sv.create_matter(county.supervisor, assign=True, at=T0, **instruction_data(county, title="教育局事项"))
    with pytest.raises(PermissionDenied):
        sv.acknowledge(other, b, at=later(hours=1))  # A could not either
    with pytest.raises(PermissionDenied):
        sv.complete_matter(m, b, at=later(hours=1))  # only the office reviews


def test_org4_b_can_no_longer_act_once_a_is_back(county, ab):
    a, b, m = ab
    away(a.person)
    head = county.person("finhead", "钱局长", county.fin, Role.UNIT_HEAD)
    org.end_away(a.person, head)
    b.__dict__.pop("_duban_principals", None)
    with pytest.raises(PermissionDenied):
        sv.acknowledge(m, b, at=later(hours=1))


def test_org4_home_page_shows_as_worklist_and_the_list_opens(client, county, ab):
    a, b, m = ab
    away(a.person)
    client.force_login(b)
    home = client.get("/").content.decode()
    assert "代李财政办理" in home and f"?for={a.pk}" in home
    page = client.get("/matters/", {"for": a.pk}).content.decode()
    assert "代李财政办理：县财政局待办" in page and "财政惠企资金兑现" in page
    assert client.get("/matters/", {"for": county.edu_user.pk}).status_code == 404
    client.force_login(county.edu_user)
    assert "代李财政办理" not in client.get("/").content.decode()


def test_org4_a_unit_head_marks_a_person_away_from_the_app(client, county, ab):
    a, b, m = ab
    head = county.person("finhead", "钱局长", county.fin, Role.UNIT_HEAD)
    client.force_login(head)
    unit_page = client.get(f"/org/units/{county.fin.pk}/").content.decode()
    assert f"/org/people/{a.person.pk}/away/" in unit_page and "登记外出" in unit_page
    now = timezone.localtime()
    response = client.post(f"/org/people/{a.person.pk}/away/", {
        "backup": str(b.pk), "away_from": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "away_to": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "away_reason": "市委党校培训"})
    assert response.status_code == 302
    a.person.refresh_from_db()
    assert a.person.is_away() and a.person.away_reason == "市委党校培训"
    e = Event.objects.filter(action="org.person.away").latest("seq")
    assert e.actor_id == head.pk
    assert [p.pk for p in org.principals_of(b)] == [a.pk]
    # Back at work.
    client.post(f"/org/people/{a.person.pk}/away/", {"action": "end"})
    a.person.refresh_from_db()
    assert not a.person.is_away()


@pytest.mark.parametrize("who", ["edu_head", "edu_user", "supervisor"])
def test_org4_others_cannot_mark_a_person_away(client, county, ab, who):
    a, b, m = ab
    client.force_login(getattr(county, who))
    assert client.get(f"/org/people/{a.person.pk}/away/").status_code == 404
    assert client.post(f"/org/people/{a.person.pk}/away/", {"action": "end"}).status_code == 404
    with pytest.raises(PermissionDenied):
        org.mark_away(a.person, getattr(county, who), away_from=timezone.now(), reason="x")


def test_org4_marking_away_needs_a_b_role_and_a_reason(county):
    head = county.person("finhead", "钱局长", county.fin, Role.UNIT_HEAD)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        org.mark_away(county.fin_user.person, head, away_from=timezone.now(), reason="")
    assert set(e.value.message_dict) == {"backup", "away_reason"}


def test_org4_b_acts_for_a_in_rectification_and_duty(county, ab):
    a, b, m = ab
    away(a.person)

    incident = duty.report_incident(
        b, title="财政局机房停电", kind="accident", level="general", occurred_at=timezone.now() - dt.timedelta(minutes=9),
        learned_at=timezone.now() - dt.timedelta(minutes=8), place="县财政局", reporting_unit=county.fin,
        description="机房停电，业务中断。", at=timezone.now())
    e = Event.objects.get(action="duty.incident.report", object_id=str(incident.pk))
    assert (e.actor_id, e.on_behalf_of_id, e.actor_name) == (b.pk, a.pk, "周代办代李财政")
    assert rs.acts_for_unit(b, county.fin) and rs.unit_deputy(b, county.fin) == a
    assert not rs.acts_for_unit(b, county.town)
