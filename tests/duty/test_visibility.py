"""ORG-3 for duty records: the reporting unit, the units involved and the
duty office see an incident; anyone else gets 404."""

import pytest
from django.http import Http404

from duban.duty import queries
from duban.duty.models import Incident, PhoneReport, Signature, WrittenReport
from duban.org.visibility import get_visible_or_404, visible

from .conftest import after, phone, send, written


@pytest.mark.parametrize("who", ["town_duty", "town_user", "em_user", "duty_clerk", "duty_chief", "supervisor",
                                 "leader"])
def test_incident_visible_to_reporting_involved_and_duty_office(dc, incident, who):
    assert get_visible_or_404(Incident, getattr(dc, who), pk=incident.pk) == incident


@pytest.mark.parametrize("who", ["fin_user", "edu_user", "edu_head"])
def test_incident_of_another_unit_is_404(dc, incident, who):
    user = getattr(dc, who)
    with pytest.raises(Http404):
        get_visible_or_404(Incident, user, pk=incident.pk)
    with pytest.raises(Http404):
        queries.incident_detail(user, incident.pk)
    assert list(visible(Incident, user)) == []
    assert queries.running_clocks(user, now=after(minutes=5)) == []


def test_reports_and_signatures_follow_the_incident(dc, incident):
    phone(dc, incident, after(minutes=5))
    sig = send(dc, written(dc, incident, after(minutes=10)), after(minutes=20))
    for model in (PhoneReport, WrittenReport, Signature):
        assert visible(model, dc.duty_clerk).count() == 1
        assert visible(model, dc.em_user).count() == 1
        assert visible(model, dc.fin_user).count() == 0
    assert visible(Signature, dc.town_user).get() == sig


def test_town_duty_officer_without_scope_sees_only_own_unit(dc, incident):
    from duban.duty import services as duty

    from .conftest import incident_data

    other = duty.report_incident(dc.em_user, at=after(minutes=3), **incident_data(
        dc, title="县城道路塌陷", reporting_unit=dc.emergency, involved_units=[]))
    assert set(visible(Incident, dc.town_duty)) == {incident}
    assert set(visible(Incident, dc.duty_clerk)) == {incident, other}


def test_incident_detail_for_the_duty_office(dc, incident):
    phone(dc, incident, after(minutes=5))
    send(dc, written(dc, incident, after(minutes=10), deaths=1), after(minutes=20))
    d = queries.incident_detail(dc.duty_clerk, incident.pk, now=after(minutes=30))
    assert [c.kind for c in d.clocks] == ["phone", "written", "written_2h"]
    assert [c.status_text for c in d.clocks] == ["按时", "按时", "按时"]
    assert len(d.phone_reports) == 1 and len(d.reports) == 1
    assert d.reports[0].signatures.all()[0].signer == dc.town_leader
    assert d.conflicts == {}
