"""Issue 19's browser test: the public at the door, in a real browser
(Debian's Chromium) against the real server with the demo county, its
robots pointed at the local test receiver (`manage.py robot_receiver`) and
the sweep delivering (`manage.py sweep`), both started here on the server's
database.

A citizen files a complaint without an account and gets a code; the
督查室 (duchashi) turns it into a supervised matter led by 县教育局; 县教育局's
group robot receives the assignment; the liaison (jiaoyu_lly) signs,
reports and requests completion; the office completes the matter and closes
the complaint with an answer; the citizen follows it with the code and
rates it 不满意; the 差评 is verified (office), rectified (liaison) and the
citizen called back (office); its trail is on the rating's page. 县财政局's
liaison cannot open the complaint (404)."""

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from duban.core import demo_data
from tests.e2e.conftest import BASE_DIR, RECEIVER_PORT
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()
RECEIVER = f"http://127.0.0.1:{RECEIVER_PORT}"


def label(username):
    p = PLAN.person(username)
    return f"{p.full_name}（{p.position}）"


def received():
    with urllib.request.urlopen(RECEIVER + "/messages.json", timeout=5) as r:
        return json.load(r)["messages"]


@pytest.fixture
def delivery(e2e_duban):
    """The receiver and the sweep on the e2e server's database, for this test only."""
    procs = [subprocess.Popen([sys.executable, "manage.py", *argv], cwd=BASE_DIR, env=e2e_duban.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for argv in (["robot_receiver", "--bind", f"127.0.0.1:{RECEIVER_PORT}"], ["sweep"])]
    deadline = time.monotonic() + 30
    while True:
        try:
            received()
            break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("演示接收端 30 秒内没有启动")
            time.sleep(0.2)
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


class Session(BrowserSession):
    def action(self, action, fields, button):
        """Fill the form of `action` on the page (opening its <details>) and submit it."""
        form = self.page.locator(f"form:has(input[name=action][value={action}])")
        details = self.page.locator(f"details:has(input[name=action][value={action}])")
        if details.count() and not details.first.evaluate("d => d.open"):
            details.first.locator("summary").click()
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            kind = field.first.evaluate("e => e.tagName + (e.type ? ':' + e.type : '')")
            if kind.startswith("SELECT"):
                field.select_option(value)  # by value or label
            elif kind.endswith("radio"):
                form.locator(f"input[name={name}][value='{value}']").check()
            elif kind.endswith("checkbox"):
                field.set_checked(bool(value))
            elif kind.endswith("file"):
                field.set_input_files(value)
            else:
                field.fill(value)
        form.get_by_role("button", name=button).click()
        self.page.wait_for_load_state()


def test_pub2_eval5_out1_a_complaint_becomes_a_matter_reaches_the_robot_and_its_bad_rating_is_handled(
        browser, e2e_server, delivery, tmp_path):
    stamp = local_now().strftime("%H%M%S")
    title = f"窗口人员推诿不办事（{stamp}）"
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(b"%PDF-1.4 rectified")

    # 1. A citizen, without an account, complains and gets a code.
    citizen = Session(browser, e2e_server)
    pg = citizen.page
    pg.goto("/p/")
    pg.get_by_role("link", name="我要投诉").first.click()
    pg.fill("input[name=title]", title)
    pg.fill("textarea[name=content]", "到县教育局办理教师资格认定，窗口人员说系统坏了让改天再来，已经跑了三趟。")
    pg.select_option("select[name=subject_unit]", label="县教育局")
    pg.fill("input[name=name]", "周市民")
    pg.fill("input[name=phone]", "13711112222")
    pg.get_by_role("button", name="提交").click()
    pg.wait_for_url(re.compile(r"/p/complain/received/$"))
    code = pg.locator("#tracking-code").inner_text().strip()
    number = re.search(r"诉〔\d{4}〕\d+号", pg.locator("main").inner_text()).group(0)
    assert re.fullmatch(r"[A-Z2-9]{12}", code)
    citizen.close()

    # 2. The office finds it and turns it into a matter led by 县教育局.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.get_by_role("link", name="投诉工单").click()
    pg.get_by_role("link", name=number).click()
    assert "13711112222" in pg.locator("#contact").inner_text()  # the office sees the contact
    assigned_at = time.time()
    office.action("matter", {"lead_unit": "县教育局", "lead_person": label("jiaoyu_lly"), "urgency": "urgent",
                             "standard": "查明情况，整改窗口服务，答复群众。"}, "转为督办事项并交办")
    assert "已转督办事项" in pg.locator("#ticket-state").inner_text()
    matter_number = re.search(r"督办〔\d{4}〕\d+号", pg.locator("main").inner_text()).group(0)
    ticket_url = pg.url
    office.close()

    # 3. 县教育局's group robot receives the assignment, @-mentioning the liaison.
    robot = "县教育局工作群（企业微信）"
    deadline = time.monotonic() + 20
    got = []
    while time.monotonic() < deadline and not got:
        got = [m for m in received() if m["name"] == robot and matter_number in m["text"]]
        time.sleep(0.3)
    assert got, f"{robot}没有收到 {matter_number}"
    assert got[0]["text"].startswith("【督办】") and got[0]["mentions"] == [PLAN.person("jiaoyu_lly").mobile]
    print(f"\n交办到群机器人收到：{got[0]['wall'] - assigned_at:.1f} 秒")

    # 4. The liaison signs, reports and requests completion; the office completes the matter.
    edu = Session(browser, e2e_server, "jiaoyu_lly")
    pg = edu.page
    pg.goto("/matters/?q=" + title[:6])
    pg.get_by_role("link", name=title).click()
    matter_url = pg.url
    for name, fill, done in (("acknowledge", {}, "已签收"),
                             ("report", {"text": "已约谈窗口负责人，恢复系统并开设绿色通道。", "progress": "60"}, "已报送进展反馈"),
                             ("request_completion", {"text": "已整改，当事人已办结认定。"}, "已提交办结申请")):
        box = pg.locator(f"#act-{name}")
        if box.locator("summary").count():
            box.locator("summary").click()
        for field, value in fill.items():
            box.locator(f"[name={field}]").fill(value)
        if name == "request_completion":
            box.locator("input[name=files]").set_input_files(str(proof))
        box.locator("button[type=submit]").click()
        pg.locator("#matter-body .messages").filter(has_text=done).first.wait_for()
    edu.close()
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto(matter_url)
    box = pg.locator("#act-complete")
    if box.locator("summary").count():
        box.locator("summary").click()
    box.locator("textarea[name=comment]").fill("同意办结。")
    box.locator("button[type=submit]").click()
    pg.locator("#matter-body .messages").filter(has_text="已审核办结").first.wait_for()

    # 5. The office closes the complaint with an answer for the citizen.
    pg.goto(ticket_url)
    office.action("close", {"public_answer": "经督办核实，窗口已整改，开设绿色通道，您的认定已办结。"}, "办结")
    assert "已办结" in pg.locator("#ticket-state").inner_text()
    office.close()

    # 6. The citizen follows it with the code and rates it 不满意.
    citizen = Session(browser, e2e_server)
    pg = citizen.page
    pg.goto("/p/track/")
    pg.fill("input[name=code]", code)
    pg.get_by_role("button", name="查询").click()
    assert "已办结" in pg.locator("#public-state").inner_text()
    assert "开设绿色通道" in pg.locator("#public-answer").inner_text()
    assert "13711112222" not in pg.content() and "周市民" not in pg.content()
    pg.get_by_label("不满意", exact=True).check()
    pg.fill("textarea[name=comment]", "办是办了，但窗口态度还是很差。")
    pg.get_by_role("button", name="提交评价").click()
    assert "您的评价：" in pg.locator("main").inner_text() and "不满意" in pg.locator("main").inner_text()
    citizen.close()

    # 7. The office verifies the 差评; the liaison rectifies; the office calls the citizen back.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto("/portal/ratings/?step=open")
    pg.get_by_role("row").filter(has_text="办是办了").get_by_role("link").first.click()
    rating_url = pg.url
    office.action("verify", {"verdict": "属实", "note": "调取录像，窗口人员答复生硬，属实。"}, "提交核实结论")
    assert "待整改" in pg.locator("#rating-step").inner_text()
    office.close()
    edu = Session(browser, e2e_server, "jiaoyu_lly")
    pg = edu.page
    pg.goto(rating_url)
    edu.action("handle", {"text": "对窗口人员批评教育，开展服务礼仪培训，实行首问负责。"}, "提交")
    assert "待回访" in pg.locator("#rating-step").inner_text()
    edu.close()
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto(rating_url)
    office.action("callback", {"callback_note": "电话回访，市民认可整改。", "satisfied": "on"}, "记录回访")
    trail = pg.locator("main").inner_text()
    assert "已办结" in pg.locator("#rating-step").inner_text()
    for step in ("核实", "整改", "回访", "属实", "市民认可整改"):
        assert step in trail, step
    office.close()

    # 8. 县财政局's liaison cannot open the complaint.
    fin = Session(browser, e2e_server, "caizheng_lly")
    assert fin.page.goto(ticket_url).status == 404
    fin.errors.clear()  # the browser logs the 404 itself
    fin.close()
