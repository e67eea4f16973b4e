"""Issue 4, item 8: a matter travels from a leader's instruction to completion
in a real browser (Debian's Chromium) against the real server with the demo
county.

督查室 (duchashi) records the 县长's instruction with 县教育局 as lead unit
and assigns it; 县教育局's liaison acknowledges it, splits a sub-task to
城关镇, reports progress with an evidence file and — the sub-task still open
— is told that it cannot yet request completion; 城关镇 does its part and
县教育局 completes the sub-task (一级抓一级); the liaison requests completion
with evidence; 督查室 returns it once with reasons, the liaison requests
again, 督查室 completes it. 县财政局's liaison cannot see it: 404 on its
address, absent from their lists."""

import datetime as dt
import re
from urllib.parse import quote

import pytest

from duban.core import demo_data
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()


def label(username):
    p = PLAN.person(username)
    return f"{p.full_name}（{p.position}）"


class Session(BrowserSession):
    """One signed-in user in their own browser context."""

    def action(self, name):
        """The panel's form for an action (its <details> opened)."""
        box = self.page.locator(f"#act-{name}")
        summary = box.locator("summary")
        if summary.count():
            summary.click()
        return box

    def submit(self, name, expect):
        box = self.page.locator(f"#act-{name}")
        box.locator("button[type=submit]").click()
        self.page.locator("#matter-body .messages, #act-" + name + " .form-errors").filter(
            has_text=expect).first.wait_for()

    def body(self):
        return self.page.locator("#matter-body").inner_text()


def test_sup_matter_from_instruction_to_completion_in_the_browser(browser, e2e_server, tmp_path):
    now = local_now()
    today = now.date()
    title = f"校园安全隐患排查整治（{now:%H%M%S}）"
    evidence = tmp_path / "排查台账.pdf"
    evidence.write_bytes(b"%PDF-1.4 \xe6\x8e\x92\xe6\x9f\xa5")
    photos = tmp_path / "食堂整改照片.pdf"
    photos.write_bytes(b"%PDF-1.4 photos")
    town_proof = tmp_path / "城关镇排查报告.pdf"
    town_proof.write_bytes(b"%PDF-1.4 town")

    # 1. 督查室 records the 县长's instruction and assigns it.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.get_by_role("link", name="督办事项").first.click()
    pg.get_by_role("link", name="新建督办事项").click()
    pg.wait_for_url(re.compile(r"/matters/new/"))
    pg.select_option("select[name=source_kind]", "leader_instruction")
    # The particulars of other sources are hidden; the instruction's show.
    assert pg.locator("input[name=ticket_number]").is_hidden()
    pg.select_option("select[name=instructing_leader]", label=label("xianzhang"))
    pg.fill("input[name=instruction_date]", today.isoformat())
    pg.fill("textarea[name=instruction_text]", "请县教育局牵头，对全县中小学校安全隐患开展全面排查整治，限期报结果。")
    pg.fill("input[name=title]", title)
    pg.fill("textarea[name=content]", "对全县中小学校舍、消防、食堂开展隐患排查，建立台账，限期整改。")
    pg.fill("textarea[name=standard]", "排查全覆盖，隐患整改率100%。")
    pg.select_option("select[name=urgency]", "urgent")
    pg.select_option("select[name=lead_unit]", label="县教育局")
    pg.select_option("select[name=lead_person]", label=label("jiaoyu_lly"))
    pg.select_option("select[name=responsible_leader]", label=label("xianzhang"))
    pg.fill("input[name=due_date]", (today + dt.timedelta(days=20)).isoformat())
    pg.get_by_role("button", name="保存草稿").click()
    pg.wait_for_url(re.compile(r"/matters/\d+/$"))
    url = re.search(r"/matters/\d+/$", pg.url).group(0)
    assert "已保存为草稿" in pg.locator(".messages").first.inner_text()
    office.submit("assign", "已交办")
    number = re.search(r"督办〔\d{4}〕\d+号", office.body()).group(0)
    assert "已交办" in pg.locator("#matter-state").inner_text()
    assert pg.get_by_role("link", name="下载督办通知单（Word）").is_visible()
    office.close()

    # 2. 县教育局's liaison finds it first in 我的待办, acknowledges it and splits a sub-task to 城关镇.
    edu = Session(browser, e2e_server, "jiaoyu_lly")
    pg = edu.page
    # The demo county's year of matters fills the list: search for this one.
    pg.goto("/matters/?q=" + quote(title))
    assert title in pg.locator("table.list").inner_text()
    pg.get_by_role("link", name=title).click()
    pg.wait_for_url(e2e_server + url)
    edu.submit("acknowledge", "已签收")
    split = edu.action("split")
    split.locator("input[name=title]").fill("城关镇中小学校安全隐患排查")
    split.locator("textarea[name=content]").fill("排查城关镇辖区内中小学校舍、消防和食堂。")
    split.locator("textarea[name=standard]").fill("辖区学校全覆盖，建立隐患台账。")
    split.locator("select[name=lead_unit]").select_option(label="城关镇")
    split.locator("select[name=lead_person]").select_option(label=label("chengguan_lly"))
    split.locator("input[name=due_date]").fill((today + dt.timedelta(days=10)).isoformat())
    edu.submit("split", "已分解子任务")
    sub_number = f"{number}-1"
    assert sub_number in pg.locator("#subtasks").inner_text()

    # Progress with an evidence file.
    report = edu.action("report")
    report.locator("textarea[name=text]").fill("已完成全县32所学校排查部署，建立隐患台账。")
    report.locator("input[name=progress]").fill("40")
    report.locator("input[name=files]").set_input_files(str(evidence))
    edu.submit("report", "已报送进展反馈")
    assert "排查台账.pdf" in pg.locator("#reports").inner_text()
    assert "办理中" in pg.locator("#matter-state").inner_text()

    # The sub-task is still open: the refusal is shown next to the form, nothing changes.
    done = edu.action("request_completion")
    done.locator("textarea[name=text]").fill("隐患已全部整改。")
    done.locator("input[name=files]").set_input_files(str(evidence))
    edu.submit("request_completion", "子任务未办结")
    assert "办理中" in pg.locator("#matter-state").inner_text()
    edu.close()

    # 3. 城关镇 does its part.
    town = Session(browser, e2e_server, "chengguan_lly")
    pg = town.page
    pg.goto("/matters/?q=" + quote("城关镇中小学校安全隐患排查"))
    pg.get_by_role("link", name="城关镇中小学校安全隐患排查").click()
    town.submit("acknowledge", "已签收")
    r = town.action("report")
    r.locator("textarea[name=text]").fill("已排查辖区学校8所。")
    town.submit("report", "已报送进展反馈")
    d = town.action("request_completion")
    d.locator("textarea[name=text]").fill("辖区学校隐患已整改完毕。")
    d.locator("input[name=files]").set_input_files(str(town_proof))
    town.submit("request_completion", "已提交办结申请")
    sub_url = re.search(r"/matters/\d+/$", pg.url).group(0)
    town.close()

    # 4. 县教育局 completes the sub-task it split, then requests completion of its matter.
    edu = Session(browser, e2e_server, "jiaoyu_lly")
    pg = edu.page
    pg.goto(sub_url)
    edu.action("complete").locator("textarea[name=comment]").fill("同意办结。")
    edu.submit("complete", "已审核办结")
    pg.goto(url)
    done = edu.action("request_completion")
    done.locator("textarea[name=text]").fill("全县学校隐患已全部整改，附整改台账。")
    done.locator("input[name=files]").set_input_files(str(evidence))
    edu.submit("request_completion", "已提交办结申请")
    assert "办结待审" in pg.locator("#matter-state").inner_text()
    edu.close()

    # 5. 督查室 returns it once, with reasons.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto(url)
    office.action("return").locator("textarea[name=reason]").fill("缺少食堂整改前后对比照片，请补充。")
    office.submit("return", "已退回重办")
    assert "办理中" in pg.locator("#matter-state").inner_text()
    assert "缺少食堂整改前后对比照片" in pg.locator("#timeline").inner_text()
    office.close()

    # 6. The liaison requests completion again, with the photos.
    edu = Session(browser, e2e_server, "jiaoyu_lly")
    pg = edu.page
    pg.goto(url)
    done = edu.action("request_completion")
    done.locator("textarea[name=text]").fill("已补充食堂整改前后对比照片。")
    done.locator("input[name=files]").set_input_files(str(photos))
    edu.submit("request_completion", "已提交办结申请")
    edu.close()

    # 7. 督查室 completes it; every step is on the timeline.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto(url)
    office.action("complete").locator("textarea[name=comment]").fill("经核实，同意办结。")
    office.submit("complete", "已审核办结")
    assert "已办结" in pg.locator("#matter-state").inner_text()
    timeline = pg.locator("#timeline").inner_text()
    for step in ("创建事项", "交办", "签收", "分解子任务", "报送反馈", "申请办结", "退回重办", "审核办结"):
        assert step in timeline, step
    assert timeline.count("申请办结") == 2
    assert "食堂整改照片.pdf" in pg.locator("#reports").inner_text()
    # The matter is in the office's list, lit as done.
    pg.goto("/matters/all/?q=" + title[:8])
    assert title in pg.locator("table.list").inner_text()
    office.close()

    # 8. 县财政局's liaison cannot see it.
    fin = Session(browser, e2e_server, "caizheng_lly")
    pg = fin.page
    response = pg.goto(url)
    assert response.status == 404
    assert title not in pg.locator("body").inner_text()
    response = pg.goto(sub_url)
    assert response.status == 404
    pg.goto("/matters/?q=" + quote(title))
    assert title not in pg.locator("body").inner_text()
    assert pg.goto("/matters/all/").status == 404
    fin.errors.clear()  # the browser logs the 404 responses themselves
    fin.close()


def test_sup_lists_matter_page_and_form_work_on_a_phone(browser, e2e_server):
    """390 px wide: the office records a matter on the phone; the list stacks
    its cells with their labels; the matter page puts the action panel right
    under its header; nothing scrolls sideways."""
    context = browser.new_context(base_url=e2e_server, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()

    def no_sideways_scroll(where):
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{where} scrolls sideways: {width}px"

    try:
        pg.goto("/accounts/login/")
        pg.locator("input[name=username]").fill("duchashi")
        pg.locator("input[name=password]").fill(demo_data.DEMO_PASSWORD)
        pg.locator("form").filter(has=pg.locator("input[name=password]")).locator("button[type=submit]").click()
        pg.wait_for_url(e2e_server + "/")
        pg.goto("/matters/new/")
        no_sideways_scroll("the form")
        title = f"城区停车难问题整治（{local_now():%H%M%S}）"
        pg.select_option("select[name=source_kind]", "hotline")
        pg.fill("input[name=ticket_number]", "GD-20261122-0001")
        pg.fill("input[name=title]", title)
        pg.fill("textarea[name=content]", "群众反映城区停车难，请牵头研究解决。")
        pg.select_option("select[name=lead_unit]", label="县教育局")
        pg.select_option("select[name=lead_person]", label=label("jiaoyu_lly"))
        pg.get_by_role("button", name="保存并交办").click()
        pg.wait_for_url(re.compile(r"/matters/\d+/$"))
        url = re.search(r"/matters/\d+/$", pg.url).group(0)
        no_sideways_scroll("the matter page")
        head = pg.locator(".matter-head").bounding_box()
        panel = pg.locator("#actions").bounding_box()
        assert panel["y"] > head["y"] and abs(panel["x"] - head["x"]) < 2
        pg.goto("/matters/all/?q=" + quote(title))
        no_sideways_scroll("the office list")
        assert pg.locator("table.list thead").is_hidden()
        cell = pg.locator("table.list tbody tr").filter(has_text=title).locator("td[data-label='事项名称']")
        content = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert "事项名称" in content
        cell.locator("a").click()
        pg.wait_for_url(e2e_server + url)
    finally:
        context.close()
