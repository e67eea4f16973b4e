"""Issue 6, item 7: an incident travels from the town's report to a supervised
matter in a real browser (Debian's Chromium) against the real server with the
demo county (manage.py load_demo, which loads the duty demo: today's roster of
城关镇 and the county's 总值班室 with its county-wide duty scope).

城关镇's liaison (on the town's duty roster) reports an incident, records the
phone report and writes the first report; the town's leader on duty today
signs it with their password; the 总值班室 (zhiban) sees it on the duty
screen, compiles and issues the 值班要情 and downloads the Word file; 督查室
(duchashi, the role record_instruction requires) records the 县长's
instruction on the item, which becomes a matter that 城关镇's liaison finds
in their worklist. 县财政局's liaison gets 404 on the incident.

With DUBAN_E2E_SHOTS=<dir> the test also saves screenshots of the duty
screen and the incident page (desktop and 390 px)."""

import datetime as dt
import io
import os
import re
import zipfile

import pytest

from duban.core import demo_data
from duban.duty.demo import TOWN_LEADERS
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()
SHOTS = os.environ.get("DUBAN_E2E_SHOTS")


def label(username):
    p = PLAN.person(username)
    return f"{p.full_name}（{p.position}）"


class Session(BrowserSession):
    """One signed-in user in their own browser context."""

    def body(self):
        return self.page.locator("#incident-body").inner_text()


def local_input(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_duty_incident_from_town_report_to_matter_in_the_browser(browser, e2e_server, tmp_path):
    now = local_now()
    title = f"城关镇化工园区仓库火灾（{now:%H%M%S}）"

    # 1. 城关镇's liaison reports the incident, records the phone call and writes the first report.
    town = Session(browser, e2e_server, "chengguan_lly")
    pg = town.page
    pg.locator("nav.mainnav").get_by_role("link", name="值班", exact=True).click()  # (the workbench has a 值班 card too)
    pg.wait_for_url(re.compile(r"/duty/$"))
    pg.get_by_role("link", name="报告突发事件").first.click()
    pg.wait_for_url(re.compile(r"/duty/incidents/new/$"))
    pg.fill("input[name=title]", title)
    pg.select_option("select[name=kind]", "accident")
    pg.select_option("select[name=level]", "larger")
    pg.fill("input[name=occurred_at]", local_input(now - dt.timedelta(minutes=8)))
    pg.fill("input[name=learned_at]", local_input(now - dt.timedelta(minutes=3)))
    pg.fill("input[name=place]", "城关镇工业园区3号仓库")
    assert pg.locator("select[name=reporting_unit] option:checked").inner_text().strip() == "城关镇"
    pg.fill("textarea[name=description]", "园区一化工企业仓库起火，消防救援队伍已到场处置。")
    pg.get_by_role("button", name="报告").click()
    pg.wait_for_url(re.compile(r"/duty/incidents/\d+/$"))
    url = re.search(r"/duty/incidents/\d+/$", pg.url).group(0)
    assert "报送时限开始计时" in pg.locator(".messages").first.inner_text()
    clocks = pg.locator("#clocks").inner_text()
    assert "电话报告" in clocks and "剩余" in clocks
    # The countdown ticks in the browser (duban/countdown.js), from the seconds the server rendered.
    countdown = pg.locator("#clocks tr.clock-phone .countdown")
    first = countdown.inner_text()
    pg.wait_for_timeout(1500)
    assert countdown.inner_text() != first and countdown.inner_text().startswith("剩余 ")
    pg.locator("#act-phone summary").click()
    pg.fill("#act-phone input[name=called_at]", local_input(now))
    pg.fill("#act-phone input[name=callee_name]", "总值班室值班员")
    pg.fill("#act-phone textarea[name=summary]", "仓库起火，消防已到场，暂无人员伤亡报告。")
    pg.locator("#act-phone button[type=submit]").click()
    pg.locator("#incident-body .messages").filter(has_text="已记录电话报告").wait_for()
    assert "按时" in pg.locator("#clocks tr.clock-phone").inner_text()
    write = pg.locator("#act-write")
    write.locator("select[name=kind]").select_option("first")
    write.locator("textarea[name=text]").fill("首报：园区仓库起火，2人轻伤已送医，周边群众已疏散。")
    write.locator("input[name=injuries]").fill("2")
    write.locator("input[name=deaths]").fill("0")
    write.locator("button[type=submit]").click()
    pg.locator("#incident-body .messages").filter(has_text="已保存书面报告").wait_for()
    # The leader of the shift on duty now, as the page names them: a shift runs from morning to morning,
    # so in the small hours it is the previous day's. Only they may sign (step 2 proves it).
    on_duty = re.search(r"城关镇今日带班领导(\S+?)或主要领导审签", town.body())
    assert on_duty, town.body()
    leader_name = on_duty.group(1)
    leader_username = next((u for u in TOWN_LEADERS if PLAN.person(u).full_name == leader_name), None)
    assert leader_username, f"{leader_name}不是演示值班表里城关镇的带班领导"
    assert "审签并报送" not in town.body()
    town.shot("incident-desktop-town")
    town.close()

    # 2. The leader on duty signs with their password (a wrong one first).
    lead = Session(browser, e2e_server, leader_username)
    pg = lead.page
    pg.goto(url)
    sign = pg.locator("[id^=act-sign-]")
    sign.locator("input[name=password]").fill("not-my-password")
    sign.locator("button[type=submit]").click()
    pg.locator("[id^=act-sign-] .errorlist").filter(has_text="密码不正确，审签未完成").wait_for()
    pg.locator("[id^=act-sign-] input[name=password]").fill(demo_data.DEMO_PASSWORD)
    pg.locator("[id^=act-sign-] button[type=submit]").click()
    pg.locator("#incident-body .messages").filter(has_text="已审签并报送").wait_for()
    sig = pg.locator(".signature").first.inner_text()
    assert "审签" in sig and leader_name in sig and "带班领导" in sig
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", sig)
    assert "已审签报送" in lead.body()
    assert "按时" in pg.locator("#clocks tr.clock-written").inner_text()
    lead.close()

    # 3. The 总值班室 sees it on the duty screen, compiles and issues the bulletin, downloads the Word file.
    office = Session(browser, e2e_server, "zhiban")
    pg = office.page
    pg.locator("nav.mainnav").get_by_role("link", name="值班", exact=True).click()  # (the workbench has a 值班 card too)
    pg.wait_for_url(re.compile(r"/duty/$"))
    assert title in pg.locator("#incidents").inner_text()
    assert "城关镇" in pg.locator("#roster-today").inner_text()
    # Every clock of the incident is met: nothing runs for it any more.
    assert title not in pg.locator("#running").inner_text()
    office.shot("screen-desktop")
    pg.get_by_role("link", name="值班要情").click()
    pg.get_by_role("link", name="编辑值班要情").click()
    pg.wait_for_url(re.compile(r"/duty/bulletins/new/$"))
    pick = pg.locator("fieldset.pick").filter(has_text=title)
    pick.locator("input[type=checkbox]").check()
    pick.locator("textarea").fill("城关镇工业园区一化工企业仓库起火，2人轻伤已送医，周边群众已疏散，火势已得到控制。")
    pg.fill("input[name=title]", "城关镇化工园区仓库火灾情况")
    pg.get_by_role("button", name="保存要情").click()
    pg.wait_for_url(re.compile(r"/duty/bulletins/\d+/$"))
    bulletin_url = re.search(r"/duty/bulletins/\d+/$", pg.url).group(0)
    pg.get_by_role("button", name="印发").click()
    message = pg.locator(".messages").first.inner_text()
    number = re.search(r"值班要情(\d{4})年第(\d+)期", message)
    assert number, message
    assert "已印发" in pg.locator("#bulletin-state").inner_text()
    with pg.expect_download() as info:
        pg.get_by_role("link", name="下载Word文件").click()
    download = info.value
    assert download.suggested_filename == f"值班要情{number.group(1)}年第{number.group(2)}期.docx"
    path = tmp_path / "bulletin.docx"
    download.save_as(path)
    xml = zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("word/document.xml").decode()
    assert "值班要情" in xml and f"第{number.group(2)}期" in xml and "城关镇化工园区仓库火灾情况" in xml
    office.close()

    # 4. 督查室 records the 县长's instruction on the item: it becomes a matter.
    sup = Session(browser, e2e_server, "duchashi")
    pg = sup.page
    pg.goto(bulletin_url)
    box = pg.locator("[id^=act-instruct-]").first
    box.locator("summary").click()
    box.locator("select[name=leader]").select_option(label=label("xianzhang"))
    box.locator("textarea[name=text]").fill("请城关镇全力做好伤员救治和善后工作，举一反三排查园区安全隐患。")
    town_option = box.locator("select[name=lead_unit] option").filter(has_text=re.compile(r"^\s*城关镇\s*$"))
    box.locator("select[name=lead_unit]").select_option(town_option.get_attribute("value"))
    box.locator("button[type=submit]").click()
    message = pg.locator(".messages").first.inner_text()
    matter_number = re.search(r"督办〔\d{4}〕\d+号", message)
    assert "已录入批示并传达：督办事项" in message and matter_number, message
    instruction = pg.locator(".instruction").first.inner_text()
    assert "批示" in instruction and "请城关镇全力做好伤员救治" in instruction
    pg.locator(".instruction a").first.click()
    pg.wait_for_url(re.compile(r"/matters/\d+/$"))
    matter_url = re.search(r"/matters/\d+/$", pg.url).group(0)
    assert "领导批示" in pg.locator("#matter-body").inner_text()
    sup.close()

    # 5. 城关镇's liaison finds the matter in their worklist.
    town = Session(browser, e2e_server, "chengguan_lly")
    pg = town.page
    pg.goto("/matters/")
    row = pg.locator("table.list tbody tr").filter(has_text=matter_number.group(0))
    assert row.count() == 1 and "城关镇化工园区仓库火灾" in row.inner_text()
    row.get_by_role("link").first.click()
    pg.wait_for_url(re.compile(matter_url + "$"))
    if SHOTS:
        pg.set_viewport_size({"width": 390, "height": 844})
        pg.goto(url)
        town.shot("incident-390")
        pg.set_viewport_size({"width": 1280, "height": 900})
        pg.goto(url)
        town.shot("incident-desktop")
    town.close()

    # 6. Another unit's user: 404.
    other = Session(browser, e2e_server, "caizheng_b")
    response = other.page.goto(url)
    assert response.status == 404
    other.close()
    if SHOTS:
        small = Session(browser, e2e_server, "zhiban", width=390)
        small.page.goto("/duty/")
        small.shot("screen-390")
        small.close()
