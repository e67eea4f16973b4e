"""ACC-1, ACC-2, ACC-4, ACC-5, AUD-3 through /api/accountability/ and the
pages: the same services and visibility; another unit gets 404."""

import pytest

from duban.accountability import services
from duban.accountability.models import Suggestion
from tests.accountability.conftest import SWEPT

pytestmark = pytest.mark.anydate


@pytest.fixture
def suggestion(county, edu_breaches):
    return services.evaluate(SWEPT)[0]


def test_acc2_api_lists_states_and_decides_with_grounds(county, suggestion, client):
    client.force_login(county.edu_user)
    r = client.post(f"/api/accountability/suggestions/{suggestion.pk}/statements", {"text": "情况说明"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["statements"][0]["text"] == "情况说明"
    r = client.post(f"/api/accountability/suggestions/{suggestion.pk}/decide", {"outcome": "rejected", "reasons": "x"},
                    content_type="application/json")
    assert r.status_code == 403
    client.force_login(county.supervisor)
    r = client.get("/api/accountability/suggestions")
    assert r.status_code == 200 and r.json()["count"] == 1 and len(r.json()["items"][0]["facts"]) == 3
    r = client.post(f"/api/accountability/suggestions/{suggestion.pk}/decide",
                    {"outcome": "exempted", "reasons": "改革探索", "ground_reform": True},
                    content_type="application/json")
    assert r.status_code == 422 and "grounds" in r.json()["errors"]
    r = client.post(f"/api/accountability/suggestions/{suggestion.pk}/decide",
                    {"outcome": "adopted", "reasons": "季度内三次超期"}, content_type="application/json")
    assert r.status_code == 200, r.json()
    body = r.json()["decision"]
    assert body["measure"] == "reminder" and body["reply_due_at"] and body["grounds"]["ground_reform"] is False
    assert [m["name"] for m in client.get("/api/accountability/measures").json()][:2] == ["提醒", "函询"]
    assert client.get("/api/accountability/rules").json()[0]["code"]


def test_acc2_another_unit_gets_404_on_page_and_api(county, suggestion, client):
    client.force_login(county.fin_user)
    assert client.get(f"/accountability/suggestions/{suggestion.pk}/").status_code == 404
    assert client.get(f"/api/accountability/suggestions/{suggestion.pk}").status_code == 404
    assert client.get("/api/accountability/suggestions").json()["count"] == 0
    client.force_login(county.edu_user)
    page = client.get(f"/accountability/suggestions/{suggestion.pk}/")
    assert page.status_code == 200 and "陈述申辩" in page.content.decode() and "作出决定" not in page.content.decode()


def test_acc4_the_page_decides_an_exemption_with_the_three_grounds(county, suggestion, client):
    client.force_login(county.supervisor)
    url = f"/accountability/suggestions/{suggestion.pk}/decide/"
    r = client.post(url, {"outcome": "exempted", "reasons": "先行先试", "ground_reform": "on"})
    assert r.status_code == 422 and "容错免责须三项情形均经核实成立" in r.content.decode()
    r = client.post(url, {"outcome": "exempted", "reasons": "先行先试，无私利，履行程序", "ground_reform": "on",
                          "ground_no_gain": "on", "ground_procedure": "on"})
    assert r.status_code == 302
    page = client.get(f"/accountability/suggestions/{suggestion.pk}/").content.decode()
    assert "容错免责" in page and page.count("✔ 成立") == 3
    assert Suggestion.objects.get(pk=suggestion.pk).state == "decided"


def test_acc5_aud3_pages_and_api_of_sheets_traces_and_signals(county, client, django_assert_max_num_queries):
    client.force_login(county.supervisor)
    r = client.post("/api/accountability/sheets", {"unit_id": county.town.pk, "title": "整改不认真",
                                                   "problems": "流于形式", "requirements": "重新整改"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["number"].startswith("交办〔")
    sheet_id = r.json()["id"]
    r = client.get(f"/api/accountability/sheets/{sheet_id}/docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    for url in ("/accountability/", "/accountability/rules/", "/accountability/sheets/", "/accountability/traces/",
                "/accountability/signals/", f"/accountability/sheets/{sheet_id}/"):
        with django_assert_max_num_queries(40):
            assert client.get(url).status_code == 200, url
    assert client.post("/api/accountability/signals/scan").json()["found"] >= 0
    client.force_login(county.edu_user)
    assert client.get(f"/accountability/sheets/{sheet_id}/").status_code == 404
    assert client.get("/accountability/traces/").status_code == 404
    assert client.get("/api/accountability/signals").json()["count"] == 0
    client.force_login(county.town_user)
    r = client.post(f"/accountability/sheets/{sheet_id}/reply/", {"text": "已整改"})
    assert r.status_code == 302
