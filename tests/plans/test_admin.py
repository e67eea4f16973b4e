"""MEET-4, DOC-1: in the admin the system administrator edits the length
limits, the plan settings and the plans (each change journaled, through
the services' checks); documents, counted records, explanations and
inspections are read-only; other administrators see none of it."""

import pytest

from duban.documents.models import LengthLimit
from duban.journal.models import Event
from duban.plans.models import AnnualPlan, PlanSetting

pytestmark = pytest.mark.django_db


def test_meet4_doc1_system_admin_edits_limits_settings_and_plans(client, county):
    client.force_login(county.sysadmin)
    limit = LengthLimit.objects.get(code="document_special_chars")
    r = client.post(f"/admin/documents/lengthlimit/{limit.pk}/change/", {
        "name": limit.name, "value": "3500", "unit_label": "字", "seed_section": limit.seed_section,
        "description": limit.description})
    assert r.status_code == 302
    limit.refresh_from_db()
    assert limit.value == 3500 and Event.objects.filter(action="documents.lengthlimit.update").exists()
    setting = PlanSetting.objects.get(code="warn_near_pct")
    assert client.get(f"/admin/plans/plansetting/{setting.pk}/change/").status_code == 200
    r = client.post("/admin/plans/annualplan/add/", {"unit": str(county.edu.pk), "year": "2026", "kind": "meeting",
                                                     "baseline": "8", "quota": "8", "reason": ""})
    assert r.status_code == 302
    assert AnnualPlan.objects.get(unit=county.edu, year=2026, kind="meeting").quota == 8
    assert Event.objects.filter(action="plans.plan.set", actor=county.sysadmin).exists()
    r = client.post("/admin/plans/annualplan/add/", {"unit": str(county.fin.pk), "year": "2026", "kind": "meeting",
                                                     "baseline": "8", "quota": "9", "reason": ""})
    assert r.status_code == 200 and "须说明理由" in r.content.decode()  # the service's check, on the admin form


@pytest.mark.parametrize("url", ["/admin/documents/document/add/", "/admin/plans/planusage/add/",
                                 "/admin/plans/inspection/add/", "/admin/plans/excessrequest/add/"])
def test_meet4_doc1_records_are_read_only_in_the_admin(client, county, url):
    client.force_login(county.sysadmin)
    assert client.get(url.replace("add/", "")).status_code == 200
    assert client.get(url).status_code == 403
    client.force_login(county.secadmin)
    assert client.get(url.replace("add/", "")).status_code == 403
