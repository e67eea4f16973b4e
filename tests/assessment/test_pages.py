"""EVAL-2, OUT-2, OUT-4 on the pages and through the API: the office sets up
a period, computes, publishes and rechecks it; every score links to its
records (another unit's records are not shown to a unit); the result table
opens in Excel; the pages keep their number of queries as units and records
grow."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from duban.assessment import services
from duban.assessment.models import ErrorCategory, Period, PeriodState, Result
from duban.org import services as org

from .conftest import AFTER, local

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # the pages read the real clock (this year, lights now)


def test_eval2_every_score_explains_itself_down_to_the_records(q1, client):
    c = q1
    services.publish_period(c.period, c.supervisor, at=AFTER)
    fin = Result.objects.get(period=c.period, unit=c.fin)
    client.force_login(c.supervisor)
    period = client.get(c.period.get_absolute_url()).content.decode()
    assert "部门（3个单位）" in period and f"/assessment/results/{fin.pk}/on_time_rate/" in period
    result = client.get(fin.get_absolute_url()).content.decode()
    assert "33.3333%" in result and "按期办结率" in result and "25×（33.33%−33.33%）" in result
    records = client.get(f"/assessment/results/{fin.pk}/on_time_rate/").content.decode()
    assert c.a.title in records and c.b.title in records and "配合" in records and "0.50" in records
    assert c.a.get_absolute_url() in records
    workload = client.get(f"/assessment/results/{fin.pk}/workload/").content.decode()
    assert c.b.title in workload
    # 县教育局 sees the published ranking and its own records, not 县财政局's
    client.force_login(c.edu_user)
    assert client.get(fin.get_absolute_url()).status_code == 200
    hidden = client.get(f"/assessment/results/{fin.pk}/on_time_rate/").content.decode()
    assert c.b.title not in hidden and "无权查看" in hidden
    edu = Result.objects.get(period=c.period, unit=c.edu)
    assert c.sub.title in client.get(f"/assessment/results/{edu.pk}/on_time_rate/").content.decode()
    assert client.get("/assessment/results/999999/").status_code == 404


def test_out2_the_result_table_opens_in_excel(q1, client):
    c = q1
    services.publish_period(c.period, c.supervisor, at=AFTER)
    client.force_login(c.supervisor)
    r = client.get(f"/assessment/periods/{c.period.pk}/results.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("类别", "名次", "单位") and rows[0][-4:] == ("总分", "满分", "档次", "档次分值")
    assert "按期办结率（25.00分）" in rows[0]
    by_unit = {row[2]: row for row in rows[1:]}
    assert by_unit["县教育局"][1] == 1 and by_unit["县财政局"][1] == 3 and by_unit["城关镇"][0] == "镇（街道）"
    total = Result.objects.get(period=c.period, unit=c.fin).total
    assert by_unit["县财政局"][rows[0].index("总分")] == float(total)


def test_out4_the_office_runs_a_period_through_the_api(q1, client):
    c = q1
    client.force_login(c.supervisor)
    r = client.post("/api/assessment/periods", {"kind": "month", "year": 2026, "number": 3},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["title"] == "2026年3月"
    r = client.post("/api/assessment/periods", {"kind": "quarter", "year": 2026, "number": 5},
                    content_type="application/json")
    assert r.status_code == 422 and "number" in r.json()["errors"]
    pid = c.period.pk
    r = client.post(f"/api/assessment/periods/{pid}/compute")
    assert r.status_code == 200 and r.json()["state"] == "draft" and len(r.json()["results"]) == 4
    r = client.post(f"/api/assessment/periods/{pid}/publish")
    assert r.status_code == 200 and r.json()["state"] == "published"
    digest = r.json()["input_hash"]
    r = client.post(f"/api/assessment/periods/{pid}/recheck")
    assert r.status_code == 200 and r.json()["same"] is True and r.json()["new_hash"] == digest
    result = next(x for x in client.get(f"/api/assessment/periods/{pid}").json()["results"]
                  if x["unit"]["name"] == "县财政局")
    detail = client.get(f"/api/assessment/results/{result['id']}").json()
    on_time = next(f for f in detail["figures"] if f["indicator"] == "on_time_rate")
    assert on_time["raw"] == "33.3333" and on_time["base"] == "1.5000"
    recs = client.get(f"/api/assessment/results/{result['id']}/records", {"indicator": "on_time_rate"}).json()
    assert recs["count"] == 2 and {x["role"] for x in recs["items"]} == {"lead", "coop"}
    sources = {s["code"] for s in client.get("/api/assessment/sources").json()}
    assert {"supervision.on_time", "rectification.closure", "duty.late_minutes", "plans.over_plan",
            "assessment.errors"} <= sources
    indicators = {i["code"]: i for i in client.get("/api/assessment/indicators").json()}
    assert indicators["public_rating"]["source_available"] is False
    assert sum(float(i["weight"]) for i in indicators.values()) == 100
    client.force_login(c.edu_user)
    assert client.post(f"/api/assessment/periods/{pid}/recheck").status_code == 403
    assert client.post("/api/assessment/periods", {"kind": "year", "year": 2026},
                       content_type="application/json").status_code == 403


def test_eval2_the_office_sets_up_a_period_in_the_form(county, client):
    client.force_login(county.supervisor)
    r = client.post("/assessment/", {"kind": "quarter", "year": "2026", "number": "9"})
    assert r.status_code == 422 and "季度应为 1 至 4" in r.content.decode()
    r = client.post("/assessment/", {"kind": "quarter", "year": "2026", "number": "2"})
    p = Period.objects.get(kind="quarter", year=2026, number=2)
    assert r.status_code == 302 and r["Location"] == p.get_absolute_url()
    assert str(p.starts_on) == "2026-04-01" and str(p.ends_on) == "2026-06-30" and p.state == PeriodState.DRAFT
    client.force_login(county.edu_user)
    assert client.post("/assessment/", {"kind": "quarter", "year": "2026", "number": "3"}).status_code == 404
    assert "设立考核周期" not in client.get("/assessment/").content.decode()


def _grow(c, n):
    for i in range(n):
        unit = org.create_unit(f"测试镇{i}", parent=c.gov, kind="town")
        services.record_error(c.supervisor, unit=unit, category=ErrorCategory.objects.get(code="typo"),
                              occurred_on="2026-02-01", description=f"错误{i}", at=local(2026, 2, 2))


def test_eval2_pages_keep_their_number_of_queries(q1, client):
    c = q1
    client.force_login(c.supervisor)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    services.compute_period(c.period, c.supervisor, at=AFTER)
    r = Result.objects.get(period=c.period, unit=c.fin)
    urls = [c.period.get_absolute_url(), r.get_absolute_url(), f"/assessment/results/{r.pk}/on_time_rate/",
            "/assessment/errors/", "/assessment/"]
    before = [count(u) for u in urls]
    _grow(c, 6)
    services.compute_period(c.period, c.supervisor, at=AFTER)
    after = [count(u) for u in urls]
    assert after == before, (before, after)
