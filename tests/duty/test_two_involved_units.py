"""ORG-3 and DUTY-1: an incident reported by the county office that involves
two units lies along several paths of the duty office's sight; it is listed,
counted and opened once (it was a 500 and a double row)."""

from django.core.paginator import Paginator
from django.test import Client

from duban.duty import queries
from duban.duty import services as duty
from duban.duty.models import Incident
from duban.org.visibility import get_visible_or_404, visible

from .conftest import after


def _fire(dc):
    return duty.report_incident(
        dc.duty_clerk, title="城关镇化工园区火灾", kind="accident", level="larger", occurred_at=after(minutes=-10),
        learned_at=after(), place="城关镇工业园区", reporting_unit=dc.office,
        involved_units=[dc.town, dc.emergency], description="园区仓库起火，城关镇和应急管理局赶赴现场。",
        at=after(minutes=3))


def test_org3_incident_with_two_involved_units_is_one_row_for_everyone_who_sees_it(dc):
    inc = _fire(dc)
    for user in (dc.duty_clerk, dc.duty_chief, dc.supervisor, dc.town_user, dc.em_user, dc.leader):
        qs = visible(Incident, user)
        pks = list(qs.values_list("pk", flat=True))
        assert pks.count(inc.pk) == 1, user
        assert qs.count() == len(set(pks)) == Paginator(qs.order_by("pk"), 20).count
        assert get_visible_or_404(Incident, user, pk=inc.pk) == inc
    assert not visible(Incident, dc.edu_user).filter(pk=inc.pk).exists()


def test_org3_the_incident_page_opens_and_the_screen_lists_it_once(dc):
    inc = _fire(dc)
    c = Client()
    c.force_login(dc.duty_clerk)
    r = c.get(f"/duty/incidents/{inc.pk}/")
    assert r.status_code == 200 and "城关镇化工园区火灾" in r.content.decode()
    page = queries.incident_page(dc.duty_clerk, now=after(minutes=5))
    assert [i.pk for i in page.object_list].count(inc.pk) == 1 and page.paginator.count == 1
    other = Client()
    other.force_login(dc.edu_user)
    assert other.get(f"/duty/incidents/{inc.pk}/").status_code == 404
    r = c.get(f"/api/duty/incidents/{inc.pk}")
    assert r.status_code == 200
    assert other.get(f"/api/duty/incidents/{inc.pk}").status_code == 404
