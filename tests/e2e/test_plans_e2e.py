"""MEET-4, DOC-2 in a real browser (Debian's Chromium) against the real
server with the demo county.

A meeting is registered through the meetings app's service (by 县政府办公室's
liaison, convened by 县人民政府), which counts it against 县人民政府's plan
through the hand-over duban.plans.services.count_against_plan, run in the
server's database before the browser looks. The 督查室 (duchashi) finds it counted on the
plans page and on the plan's page, files an inspection to 城关镇 and is
told to merge it with the visits already planned, and opens the statistics
page, where ECharts (served by the app) draws the month's meeting; no
request leaves the server and the content security policy refuses
nothing. 县教育局's liaison registers a document that assigns work without
a responsible person and is refused, the missing part named."""

import datetime as dt
import re

import pytest

from tests.e2e.conftest import _manage
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

TITLE = "全县安全生产工作会议（浏览器测试）"
COUNT_MEETING = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from duban.meetings import services as meetings
from duban.org.models import Unit
from duban.plans import services
from duban.plans.models import AnnualPlan, PlanUsage
users = get_user_model().objects
gov = Unit.objects.get(name="县人民政府", parent=None)
m = meetings.register_meeting(users.get(username="zfb_lly"), type="general", title="{TITLE}", convener=gov,
                              chair=users.get(username="xianzhang"), planned_minutes=45, mode="onsite",
                              starts_at=timezone.now() + dt.timedelta(minutes=5), venue="县政府三楼会议室",
                              attendees=[users.get(username="jiaoyu_fzr")],
                              agenda=[{{"title": "研究安全生产工作", "kind": "address", "minutes": 30}}])
usage = PlanUsage.objects.get(source_type="meetings.meeting", source_id=str(m.pk))
plan = AnnualPlan.objects.get(unit=gov, year=usage.year, kind="meeting")
print("counted", services.used(gov, usage.year, "meeting"), plan.quota, usage.occurred_on.isoformat())
"""


def option_value(scope, name, unit):
    """The value of the option naming `unit` (indented by its depth) in select `name`."""
    option = scope.locator(f"select[name={name}] option").filter(has_text=re.compile(rf"^\s*{unit}$"))
    return option.first.get_attribute("value")


def test_meet4_quota_page_shows_a_counted_meeting_and_the_chart_draws_locally(browser, e2e_duban):
    base = e2e_duban.base_url
    out = _manage(e2e_duban.env, "shell", "-c", COUNT_MEETING)
    used, quota, held = re.search(r"counted (\d+) (\d+) (\S+)", out).groups()
    held = dt.date.fromisoformat(held)
    now = local_now()

    office = BrowserSession(browser, base, "duchashi")
    pg = office.page
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    pg.get_by_role("link", name="计划管理", exact=True).click()
    pg.wait_for_url(re.compile(r"/plans/$"))
    row = pg.locator("#plan-table tr").filter(has_text="县人民政府").first
    cell = row.locator("td.kind-meeting")
    assert re.search(rf"{used}\s*/\s*{quota}", cell.inner_text()), cell.inner_text()
    cell.locator("a.quota").click()
    pg.wait_for_url(re.compile(r"/plans/\d+/$"))
    assert pg.locator("#plan-used").inner_text() == used
    assert TITLE in pg.locator("#usage").inner_text()

    # An inspection to 城关镇 within the window of the visits already planned.
    pg.get_by_role("link", name="督查检查考核", exact=True).click()
    pg.wait_for_url(re.compile(r"/plans/inspections/$"))
    day = (now + dt.timedelta(days=5)).date().isoformat()
    form = pg.locator("#file")
    form.locator("select[name=organizer]").select_option(option_value(form, "organizer", "县教育局"))
    form.locator("select[name=kind]").select_option("inspection")
    form.locator("input[name=title]").fill("校园周边安全督查（浏览器测试）")
    form.locator("input[name=starts_on]").fill(day)
    form.locator("input[name=ends_on]").fill(day)
    form.locator("select[name=targets]").select_option(option_value(form, "targets", "城关镇"))
    form.locator("button[type=submit]").click()
    pg.wait_for_url(re.compile(r"/plans/inspections/\d+/$"))
    messages = pg.locator(".messages").inner_text()
    assert "已备案：校园周边安全督查（浏览器测试）" in messages and "建议合并" in messages
    assert "城关镇" in pg.locator("#overlaps").inner_text()

    # The statistics: ECharts from the app's own static files draws this month's meeting.
    pg.get_by_role("link", name="统计分析", exact=True).click()
    pg.wait_for_url(re.compile(r"/plans/statistics/$"))
    chart = pg.locator('[data-chart="chart-monthly"][data-chart-drawn="1"]')
    chart.wait_for()
    assert chart.locator("canvas").count() >= 1
    drawn = pg.evaluate("""() => {
        const el = document.querySelector('[data-chart="chart-monthly"]');
        const option = window.echarts.getInstanceByDom(el).getOption();
        return option.series.map(s => [s.name, s.data]);
    }""")
    that_year = [data for name, data in drawn if name == f"{held.year}年"][0]
    assert that_year[held.month - 1] >= 1, drawn
    assert pg.locator('[data-chart="chart-units"][data-chart-drawn="1"] canvas').count() >= 1
    assert outside == [], outside
    office.close()

    # DOC-2 in the browser: work assigned without a responsible person is refused, naming it.
    unit = BrowserSession(browser, base, "jiaoyu_lly")
    pg = unit.page
    pg.get_by_role("link", name="公文", exact=True).click()
    pg.wait_for_url(re.compile(r"/documents/$"))
    pg.get_by_role("link", name="登记发文").click()
    pg.fill("input[name=title]", "关于开展校园周边环境整治的通知")
    pg.fill("input[name=char_count]", "1600")
    pg.fill("input[name=task1_content]", "各学校排查周边隐患")
    pg.locator("select[name=task1_unit]").select_option(option_value(pg, "task1_unit", "县教育局"))
    pg.fill("input[name=task1_due]", (now + dt.timedelta(days=20)).date().isoformat())
    pg.get_by_role("button", name="登记").click()
    assert "第1项工作安排“各学校排查周边隐患”缺少责任人" in pg.locator("#tasks .form-errors").inner_text()
    unit.close()
