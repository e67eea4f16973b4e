"""MEET-4 on the pages and through the API: the plans page shows what
counted, the controlling office sets plans and approves explanations, a
unit files its inspections (with merge suggestions), the frequency and
statistics pages (a chart's data in a json_script element, the ECharts
script served by the app), the annual table read back from its xlsx and
the 简报 from its docx; lists with a constant number of queries; another
unit refused (404)."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document as Docx
from openpyxl import load_workbook

from duban.org import services as org
from duban.plans import services as plans
from duban.plans.models import AnnualPlan, Inspection

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # the pages count this year, on the real clock


def this_year():
    return timezone.localdate().year


def meetings(county, n, unit=None, start=0):
    today = timezone.localdate()
    for i in range(start, start + n):
        source = org.create_unit(f"会议记录{i}", parent=county.town)
        plans.count_against_plan(source, unit=unit or county.edu, kind="meeting", when=today,
                                 title=f"全县教育工作会议{i}")


def test_meet4_the_plans_page_shows_a_registered_meeting_counted(client, county):
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=this_year(), kind="meeting", quota=5, baseline=5)
    meetings(county, 4)
    client.force_login(county.edu_user)
    page = client.get("/plans/").content.decode()
    assert "<strong>4</strong> / 5" in page and "接近计划 80%" in page
    detail = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "全县教育工作会议3" in detail and "提交超计划说明" in detail
    client.force_login(county.fin_user)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/plans/{plan.pk}/excess/", {"extra": 1, "explanation": "x"}).status_code == 404
    assert "县教育局" not in client.get("/plans/").content.decode()


def test_meet4_the_controlling_office_sets_a_plan_in_the_form_others_cannot(client, county):
    client.force_login(county.supervisor)
    r = client.post("/plans/", {"unit": str(county.fin.pk), "kind": "document", "year": this_year(),
                                "baseline": "10", "quota": "12"})
    assert r.status_code == 422 and "须说明理由" in r.content.decode()
    r = client.post("/plans/", {"unit": str(county.fin.pk), "kind": "document", "year": this_year(),
                                "baseline": "10", "quota": ""})
    assert r.status_code == 302
    assert AnnualPlan.objects.get(unit=county.fin, kind="document").quota == 10
    client.force_login(county.fin_user)
    assert "制定年度计划" not in client.get("/plans/").content.decode()
    assert client.post("/plans/", {"unit": str(county.fin.pk), "kind": "meeting", "year": this_year()}).status_code == 404


def test_meet4_explanation_requested_and_approved_on_the_plan_page(client, county):
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=this_year(), kind="meeting", quota=1, baseline=1)
    meetings(county, 1)
    client.force_login(county.edu_user)
    r = client.post(f"/plans/{plan.pk}/excess/", {"extra": "", "explanation": ""})
    assert r.status_code == 422 and "请填写书面说明" in r.content.decode()
    assert client.post(f"/plans/{plan.pk}/excess/", {"extra": "2", "explanation": "上级临时部署"}).status_code == 302
    req = plan.excess_requests.get()
    assert client.post(f"/plans/excess/{req.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(county.supervisor)
    assert client.post(f"/plans/excess/{req.pk}/decide/", {"decision": "approve", "note": "同意"}).status_code == 302
    assert "经批准可超出" in client.get(f"/plans/{plan.pk}/").content.decode()


def test_meet4_a_unit_files_an_inspection_and_is_told_to_merge(client, county):
    day = timezone.localdate() + dt.timedelta(days=10)
    plans.file_inspection(county.fin_user, organizer=county.fin, kind="check", title="财政资金检查",
                          starts_on=day, ends_on=day, targets=[county.town])
    client.force_login(county.edu_user)
    r = client.post("/plans/inspections/", {"organizer": str(county.edu.pk), "kind": "inspection", "title": "校园安全督查",
                                            "starts_on": (day + dt.timedelta(days=3)).isoformat(),
                                            "ends_on": (day + dt.timedelta(days=3)).isoformat(),
                                            "targets": [str(county.town.pk)]}, follow=True)
    page = r.content.decode()
    assert r.status_code == 200 and "已备案：校园安全督查" in page
    assert "建议合并：县财政局的“财政资金检查”" in page
    insp = Inspection.objects.get(title="校园安全督查")
    r = client.post("/plans/inspections/", {"organizer": str(county.edu.pk), "kind": "check", "title": "无对象"})
    assert r.status_code == 422 and "请选择被检查单位" in r.content.decode()
    client.force_login(county.town_user)  # the target sees it
    assert client.get(f"/plans/inspections/{insp.pk}/").status_code == 200
    assert "建议合并" in client.get("/plans/inspections/").content.decode()
    other = org.create_person("qingshan", full_name="钱青山", unit=org.create_unit("青山镇", parent=county.gov),
                              password="Test-pass-2026").user
    client.force_login(other)
    assert client.get(f"/plans/inspections/{insp.pk}/").status_code == 404
    assert client.post(f"/plans/inspections/{insp.pk}/cancel/", {"reason": "x"}).status_code == 404


def test_meet4_frequency_page_marks_a_unit_inspected_too_often(client, county):
    today = timezone.localdate()
    for i, (org_unit, by) in enumerate([(county.edu, county.edu_user), (county.fin, county.fin_user),
                                         (county.edu, county.edu_user)]):
        plans.file_inspection(by, organizer=org_unit, kind="check", title=f"检查{i}", starts_on=today,
                              ends_on=today, targets=[county.town])
    client.force_login(county.supervisor)
    page = client.get(f"/plans/frequency/?month={today:%Y-%m}").content.decode()
    assert "城关镇" in page and "督查过频" in page


def test_meet4_statistics_page_carries_its_charts_data_and_serves_echarts(client, county):
    plans.set_plan(county.supervisor, unit=county.edu, year=this_year(), kind="meeting", quota=5, baseline=5)
    meetings(county, 2)
    client.force_login(county.supervisor)
    page = client.get("/plans/statistics/").content.decode()
    assert 'data-chart="chart-monthly"' in page and '<script id="chart-monthly" type="application/json">' in page
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/duban/charts.js" in page
    assert "<script>" not in page  # no inline script under the CSP


def test_meet4_annual_table_xlsx_and_briefing_docx_read_back(client, county):
    plans.set_plan(county.supervisor, unit=county.edu, year=this_year(), kind="meeting", quota=5, baseline=6)
    meetings(county, 2)
    client.force_login(county.supervisor)
    r = client.get(f"/plans/statistics.xlsx?year={this_year()}")
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert ws.title == f"{this_year()}年度精文减会统计表"
    assert rows[0][:5] == ("单位", "会议·上年实际", "会议·年度计划", "会议·本年累计", "会议·比上年")
    edu = next(row for row in rows if row[0] == "县教育局")
    assert edu[1:5] == (6, 5, 2, "-67%")
    assert rows[-1][0] == "合计"
    r = client.get(f"/plans/briefing.docx?year={this_year()}")
    doc = Docx(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{this_year()}年精文减会工作情况" in text and "全县会议年度计划5项" in text
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells][:2] == ["单位", "会议"]
    client.force_login(county.fin_user)
    ws = load_workbook(io.BytesIO(b"".join(client.get("/plans/statistics.xlsx").streaming_content))).active
    assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == ["合计"]  # nothing of 教育局


def test_meet4_lists_keep_a_constant_number_of_queries(client, county):
    today = timezone.localdate()
    plans.set_plan(county.supervisor, unit=county.edu, year=this_year(), kind="meeting", quota=5, baseline=5)
    plans.file_inspection(county.edu_user, organizer=county.edu, kind="check", title="检查0", starts_on=today,
                          ends_on=today, targets=[county.town])
    client.force_login(county.supervisor)
    urls = ["/plans/", "/plans/inspections/", "/plans/frequency/", "/plans/statistics/"]
    for url in urls:
        client.get(url)
    few = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        few[url] = len(ctx.captured_queries)
    units = [org.create_unit(f"乡镇{i}", parent=county.gov) for i in range(12)]
    for i, unit in enumerate(units):
        plans.set_plan(county.supervisor, unit=unit, year=this_year(), kind="document", quota=3, baseline=3)
        plans.file_inspection(county.supervisor, organizer=county.edu if i % 2 else county.fin, kind="check",
                              title=f"检查{i + 1}", starts_on=today, ends_on=today, targets=[unit, county.town])
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) <= few[url], (url, few[url], [q["sql"] for q in ctx.captured_queries])


def test_meet4_api_sets_plans_files_inspections_and_refuses_another_unit(client, county):
    client.force_login(county.supervisor)
    r = client.put("/api/plans/plans", {"unit_id": county.edu.pk, "year": this_year(), "kind": "meeting",
                                        "baseline": 3}, content_type="application/json")
    assert r.status_code == 200 and r.json()["quota"] == 3
    plan_id = r.json()["id"]
    client.force_login(county.edu_user)
    assert client.put("/api/plans/plans", {"unit_id": county.edu.pk, "year": this_year(), "kind": "meeting"},
                      content_type="application/json").status_code == 403
    day = timezone.localdate().isoformat()
    r = client.post("/api/plans/inspections", {"organizer_id": county.edu.pk, "kind": "check", "title": "学校检查",
                                               "starts_on": day, "ends_on": day, "target_ids": []},
                    content_type="application/json")
    assert r.status_code == 422 and "请选择被检查单位" in r.json()["errors"]["targets"][0]
    r = client.post("/api/plans/inspections", {"organizer_id": county.edu.pk, "kind": "check", "title": "学校检查",
                                               "starts_on": day, "ends_on": day, "target_ids": [county.town.pk]},
                    content_type="application/json")
    assert r.status_code == 201
    assert client.get(f"/api/plans/plans/{plan_id}").json()["used"] == 0
    stats = client.get(f"/api/plans/statistics?year={this_year()}").json()
    assert stats["totals"]["inspection"]["used"] == 1
    client.force_login(county.fin_user)
    assert client.get(f"/api/plans/plans/{plan_id}").status_code == 404
    assert client.get(f"/api/plans/inspections/{r.json()['id']}").status_code == 404
