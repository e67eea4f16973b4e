"""EVAL-2, OUT-3 in a real browser (Debian's Chromium) against the real
server with the demo county.

The 督查室 (duchashi) sets up the quarter before last (the demo published
the last one), computes it from the records, closes and publishes it: the
period is frozen and its input hash shown; the ranking links every score to
its records. On the 驾驶舱 ECharts (served by the app) draws the charts; a
click on the first bar of the overdue chart opens the 督办总表 filtered to
that unit and light, listing as many matters as the bar counted. No request
leaves the server and the content security policy refuses nothing. On a
phone's width the dashboard's charts stack in one column."""

import re

import pytest

from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e


def quarter_before_last(today):
    n = today.year * 4 + (today.month - 1) // 3 - 2
    return n // 4, n % 4 + 1


def test_eval2_out3_a_quarter_is_published_and_a_chart_opens_its_list(browser, e2e_duban):
    base = e2e_duban.base_url
    year, quarter = quarter_before_last(local_now().date())

    office = BrowserSession(browser, base, "duchashi")
    pg = office.page
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    pg.get_by_role("link", name="考核评价", exact=True).click()
    pg.wait_for_url(re.compile(r"/assessment/$"))
    assert "已发布" in pg.locator("#periods").inner_text()  # the demo's last quarter
    form = pg.locator("#new-period")
    form.locator("select[name=kind]").select_option("quarter")
    form.locator("input[name=year]").fill(str(year))
    form.locator("input[name=number]").fill(str(quarter))
    form.locator("button[type=submit]").click()
    pg.wait_for_url(re.compile(r"/assessment/periods/\d+/$"))
    assert f"已设立考核周期：{year}年第{'一二三四'[quarter - 1]}季度" in pg.locator(".messages").inner_text()
    pg.get_by_role("button", name="按当前数据试算").click()
    pg.wait_for_url(re.compile(r"/assessment/periods/\d+/$"))
    assert pg.locator("#period-state").inner_text() == "试算"
    assert pg.locator("table.ranking").count() == 2  # departments and towns, compared apart
    pg.locator("#publish").click()
    pg.wait_for_url(re.compile(r"/assessment/periods/\d+/$"))
    assert pg.locator("#period-state").inner_text() == "已发布"
    assert re.fullmatch(r"[0-9a-f]{64}", pg.locator("#input-hash").inner_text())
    assert pg.locator("#publish").count() == 0  # frozen
    # A score opens the records that made it.
    pg.locator("table.ranking tbody tr").first.locator("td a").first.click()
    pg.wait_for_url(re.compile(r"/assessment/results/\d+/$"))

    # The dashboard: click the first bar of the overdue chart.
    pg.get_by_role("link", name="驾驶舱", exact=True).click()
    pg.wait_for_url(re.compile(r"/assessment/dashboard/$"))
    chart = pg.locator('[data-chart="chart-overdue"][data-chart-drawn="1"]')
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    bar = pg.evaluate("""() => {
        const el = document.querySelector('[data-chart="chart-overdue"]');
        const chart = window.echarts.getInstanceByDom(el);
        const series = chart.getOption().series;
        for (let s = 0; s < series.length; s++) {
            const data = series[s].data;
            for (let i = 0; i < data.length; i++) {
                if (data[i] && data[i].link && data[i].value > 0) {
                    const r = chart.getModel().getSeriesByIndex(s).getData().getItemLayout(i);
                    return {x: r.x + r.width / 2, y: r.y + r.height / 2, link: data[i].link, value: data[i].value};
                }
            }
        }
        return null;
    }""")
    assert bar is not None, "the demo county has overdue or nearly due matters"
    box = chart.bounding_box()
    pg.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    pg.wait_for_url(re.compile(r"/matters/all/\?unit=\d+&light=(red|yellow)$"))
    assert pg.url.endswith(bar["link"])
    assert f"共 {bar['value']} 项" in pg.locator("main").inner_text()
    assert outside == [], outside
    office.close()

    # A phone: the charts stack in one column and are still drawn.
    phone = BrowserSession(browser, base, "duchashi", width=390)
    pg = phone.page
    pg.goto("/assessment/dashboard/")
    pg.locator('[data-chart="chart-trend"][data-chart-drawn="1"]').wait_for()
    cards = pg.locator(".dash-grid > section.dash")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1 and first["width"] <= 390
    phone.close()
