"""OUT-4, issue 21 item 6: bad input from outside is refused with 404 or 422
in the published shape, never a 500 -- the five server errors the fuzzing
found are regression tests here -- and the published schema holds: one
component per name, the 422 body as documented."""

import importlib
import inspect

import pytest
from django.test import Client
from ninja import Schema

from duban.api.services import issue_token

pytestmark = pytest.mark.django_db

HUGE = 288230376151711744


@pytest.fixture
def office(county):
    _, raw = issue_token(county.supervisor, "模糊测试", scopes=["read", "write"])
    c = Client(enforce_csrf_checks=True)
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return c


def refused(response, *codes):
    assert response.status_code in codes, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"] and isinstance(body["errors"], dict)
    return body


def test_out4_roster_year_out_of_range_is_not_a_500(office, county):
    refused(office.get(f"/api/duty/roster/{county.town.pk}/122715318425/2753"), 404, 422)
    refused(office.get(f"/api/duty/roster/{county.town.pk}/2026/13"), 404, 422)
    refused(office.get(f"/api/duty/roster/{HUGE}/2026/1"), 404, 422)


def test_out4_overflowing_page_number_is_not_a_500(office):
    refused(office.get(f"/api/rectification/campaigns/2/problems?page={HUGE}"), 404, 422)
    refused(office.get(f"/api/supervision/matters?page={HUGE}"), 404, 422)
    refused(office.get(f"/api/duty/incidents?page={HUGE}"), 404, 422)


def test_out4_negative_unit_with_due_to_is_not_a_500(office):
    r = office.get("/api/supervision/matters?unit=-627&due_to=2026-09-16")
    assert r.status_code in (200, 404, 422), r.content[:300]
    r = office.get(f"/api/supervision/matters?unit={HUGE * HUGE}")
    assert r.status_code in (200, 404, 422) and (r.status_code != 200 or r.json()["count"] == 0)


def test_out4_malformed_bodies_are_422_naming_the_field(office, county):
    import datetime as dt

    from duban.rectification import services as rs

    campaign = rs.create_campaign(code="zf", name="作风整治", start_date=dt.date(2026, 3, 1),
                                  end_date=dt.date(2026, 12, 31), organizer=county.duchashi, units=[county.edu],
                                  by=county.supervisor).pk
    body = refused(office.post(f"/api/rectification/campaigns/{campaign}/units", {"unit_ids": [HUGE * HUGE]},
                               content_type="application/json"), 404, 422)
    body = refused(office.post(f"/api/rectification/campaigns/{campaign}/units", {"unit_ids": "x"},
                               content_type="application/json"), 404, 422)
    body = refused(office.post("/api/supervision/meeting-decisions", {"meeting_title": 5, "decisions": "x"},
                               content_type="application/json"), 422)
    assert "字段" in body["detail"]
    body = refused(office.post("/api/supervision/meeting-decisions", b"{not json",
                               content_type="application/json"), 400, 422)
    body = refused(office.post("/api/supervision/meeting-decisions", {"decisions": [{"lead_unit_id": HUGE * 8}]},
                               content_type="application/json"), 422)


def test_out4_nul_bytes_and_over_long_text_are_refused_naming_the_field(office, county):
    from tests.supervision.test_api import body as matter_body

    body = refused(office.post("/api/supervision/matters", matter_body(county, title="供暖\x00检查"),
                               content_type="application/json"), 422)
    assert "title" in body["errors"] and "空字符" in body["detail"]
    body = refused(office.get("/api/supervision/matters?q=%00"), 422)
    assert "q" in body["errors"]
    body = refused(office.post("/api/supervision/matters", matter_body(county, title="长" * 5000),
                               content_type="application/json"), 422)
    assert "title" in body["errors"]


def test_out4_422_body_matches_the_published_schema(office):
    schema = office.get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["detail"]["type"] == "string"
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert {"400", "401", "403", "404", "422", "429"} <= set(op["responses"]), (method, path)
    r = office.get("/api/supervision/matters?page=abc")
    body = refused(r, 422)
    assert set(body) == {"detail", "errors"} and "page" in body["errors"]


def test_out4_schema_components_have_one_class_per_name():
    """django-ninja publishes one component per class name: two schemas of
    one name would make one of them lie (the duty report once replaced the
    matter report)."""
    seen = {}
    for name in ("errors", "org_routes", "supervision", "duty", "rectification", "timelimits"):
        module = importlib.import_module(f"duban.api.{name}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                assert cls_name not in seen or seen[cls_name] is cls, f"{cls_name}: {seen[cls_name]} / {cls}"
                seen[cls_name] = cls
