"""Issue 17 (MEET-1…3, MEET-4's count): a county meeting planned, held and
minuted in a real browser (Debian's Chromium) against the real server with
the demo county (manage.py load_demo: 县政府办公室 controls the county's
meetings; its 秘书科 liaison zfb_lly organises them).

The office plans a county-wide work meeting of 2½ hours and is refused,
naming the 2-hour limit; it plans one of 1½ hours and it is registered.
县教育局's head asks for leave and the office approves; 城关镇's liaison
signs in on a phone with the code shown on the meeting screen; the meeting
runs with the speaker's countdown ticking; the minutes' two decisions become
two supervised matters, shown with their lights; the meeting counts against
县人民政府's plan (PlanUsage in the server's database).

With DUBAN_E2E_SHOTS=<dir> the test also saves screenshots of the meeting
screen and the meeting page (desktop) and the sign-in page (390 px)."""

import datetime as dt
import re
import sqlite3

import pytest

from duban.core import demo_data
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()


def label(username):
    p = PLAN.person(username)
    return f"{p.full_name}（{p.position}）"


def local_input(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def option_value(select, text):
    """The value of the option whose text is exactly `text` (an indented unit name)."""
    option = select.locator("option").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))
    return option.first.get_attribute("value")


def test_meet1_meet2_meet3_a_meeting_planned_held_and_minuted_in_the_browser(browser, e2e_duban, tmp_path):
    base = e2e_duban.base_url
    now = local_now()
    title = f"全县安全生产工作会议（{now:%H%M%S}）"
    starts = (now + dt.timedelta(minutes=15)).replace(second=0, microsecond=0)

    # 1. The office plans a county-wide meeting beyond its limit: refused, naming the limit.
    office = BrowserSession(browser, base, "zfb_lly")
    pg = office.page
    pg.locator("nav.mainnav").get_by_role("link", name="会议", exact=True).click()
    pg.wait_for_url(re.compile(r"/meetings/$"))
    pg.get_by_role("link", name="登记会议").first.click()
    pg.wait_for_url(re.compile(r"/meetings/new/$"))
    pg.select_option("select[name=type]", "county_work")
    pg.fill("input[name=title]", title)
    pg.select_option("select[name=convener]", option_value(pg.locator("select[name=convener]"), "县人民政府"))
    pg.select_option("select[name=chair]", label=label("xianzhang"))
    pg.fill("input[name=starts_at]", local_input(starts))
    pg.fill("input[name=planned_minutes]", "150")
    pg.select_option("select[name=mode]", "video")
    pg.fill("input[name=venue]", "县政府三楼视频会议室")
    pg.fill("input[name=agenda-0-title]", "城关镇汇报安全生产工作")
    pg.select_option("select[name=agenda-0-kind]", "speech")
    pg.select_option("select[name=agenda-0-speaker]", label=label("chengguan_lly"))
    pg.fill("input[name=agenda-0-minutes]", "5")
    pg.fill("input[name=agenda-1-title]", "县长讲话")
    pg.select_option("select[name=agenda-1-kind]", "address")
    pg.select_option("select[name=agenda-1-speaker]", label=label("xianzhang"))
    pg.fill("input[name=agenda-1-minutes]", "40")
    pg.select_option("select[name=attendees]", label=[label("jiaoyu_fzr"), label("chengguan_lly")])
    pg.get_by_role("button", name="登记会议").click()
    # The answer is a whole page: wait for its last error (the form's end) before reading them all.
    pg.locator("#meeting-form").get_by_text("超出上述标准须填写理由", exact=False).wait_for()
    pg.wait_for_load_state()
    errors = "\n".join(pg.locator("#meeting-form .errorlist, #meeting-form .form-errors").all_inner_texts())
    assert "全县性工作会议会期一般控制在2小时以内（种子004 §9），本次计划2小时30分钟" in errors
    assert "超出上述标准须填写理由，并报县政府办公室审批" in errors

    # 2. Within the limits it is registered and counted against the plan.
    pg.fill("input[name=planned_minutes]", "90")
    pg.get_by_role("button", name="登记会议").click()
    pg.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting_url = re.search(r"/meetings/(\d+)/$", pg.url)
    meeting_id = int(meeting_url.group(1))
    assert "已计入县人民政府年度会议计划" in pg.locator(".messages").first.inner_text()
    assert "待召开" in pg.locator(".matter-tags").inner_text()
    office.close()

    # 3. 县教育局's head asks for leave; the office approves it.
    head = BrowserSession(browser, base, "jiaoyu_fzr")
    pg = head.page
    pg.locator("nav.mainnav").get_by_role("link", name="会议", exact=True).click()
    pg.get_by_role("link", name=title).click()
    pg.wait_for_url(re.compile(rf"/meetings/{meeting_id}/$"))
    leave = pg.locator("[id^=act-leave-]")
    assert leave.count() == 1  # their own row only
    leave.locator("summary").click()
    leave.locator("textarea[name=reason]").fill("参加省教育厅校园安全专题会议")
    leave.locator("button[type=submit]").click()
    assert "已提交请假申请，等待会务人员审批" in pg.locator(".messages").first.inner_text()
    head.close()

    office = BrowserSession(browser, base, "zfb_lly")
    pg = office.page
    pg.goto(f"/meetings/{meeting_id}/")
    row = pg.locator("#attendance tr").filter(has_text=PLAN.person("jiaoyu_fzr").full_name)
    assert "参加省教育厅校园安全专题会议" in row.inner_text() and "待审批" in row.inner_text()
    row.get_by_role("button", name="批准", exact=True).click()
    assert "已批准" in pg.locator(".messages").first.inner_text()
    row = pg.locator("#attendance tr").filter(has_text=PLAN.person("jiaoyu_fzr").full_name)
    assert "请假" in row.locator(".tag").first.inner_text()

    # 4. The meeting screen shows the sign-in code; 城关镇's liaison signs in on a phone.
    pg.get_by_role("link", name="会场屏幕").click()
    pg.wait_for_url(re.compile(rf"/meetings/{meeting_id}/room/$"))
    code = pg.locator("#sign-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert pg.locator("#code-countdown").inner_text().startswith("剩余 0:")
    phone = BrowserSession(browser, base, "chengguan_lly", width=390)
    ph = phone.page
    ph.goto("/meetings/sign-in/")
    ph.fill("input[name=code]", code)
    ph.get_by_role("button", name="签到").click()
    assert f"签到成功：{title}" in ph.locator(".messages").first.inner_text()
    phone.shot("meetings-sign-in-390")
    phone.close()

    # 5. The meeting runs: the speaker's countdown ticks, the meeting's remaining time shows.
    pg.get_by_role("button", name="宣布开会").click()
    pg.locator("#room-body .messages").filter(has_text="会议开始").wait_for()
    pg.locator("#room-agenda li").first.get_by_role("button", name="开始").click()
    countdown = pg.locator("#speech-countdown")
    countdown.wait_for()
    assert "城关镇汇报安全生产工作" in pg.locator("#current-item").inner_text()
    first = countdown.inner_text()
    pg.wait_for_timeout(1500)
    later = countdown.inner_text()
    assert later != first and later.startswith("剩余 4:"), (first, later)
    assert pg.locator("#meeting-countdown").inner_text().startswith("剩余 1:2")
    office.shot("meetings-room")
    pg.locator("#room-agenda li").nth(1).get_by_role("button", name="开始").click()
    pg.locator("#current-item").filter(has_text="县长讲话").wait_for()
    pg.get_by_role("button", name="散会").click()
    pg.locator("#room-body .messages").filter(has_text="散会").wait_for()

    # 6. Minutes with two decisions; issued; the decisions become two matters with their lights.
    pg.goto(f"/meetings/{meeting_id}/")
    attendance = pg.locator("#attendance").inner_text()
    assert "出席1人" in attendance and "请假1人" in attendance
    pg.get_by_role("link", name="起草会议纪要").click()
    pg.wait_for_url(re.compile(rf"/meetings/{meeting_id}/minutes/$"))
    pg.fill("textarea[name=summary]", "会议通报全县安全生产形势，部署下一阶段安全生产重点工作。")
    pg.fill("input[name=decisions-0-title]", "开展校园安全隐患排查整治")
    pg.fill("textarea[name=decisions-0-content]", "全县中小学月底前完成校舍、消防、食堂安全隐患自查。")
    lead = pg.locator("select[name=decisions-0-lead_unit]")
    lead.select_option(option_value(lead, "县教育局"))
    pg.fill("input[name=decisions-1-title]", "开展城区燃气安全专项排查")
    pg.fill("textarea[name=decisions-1-content]", "对城区餐饮场所燃气设施逐户排查，建立隐患台账。")
    lead = pg.locator("select[name=decisions-1-lead_unit]")
    lead.select_option(option_value(lead, "城关镇"))
    pg.get_by_role("button", name="保存纪要").click()
    pg.wait_for_url(re.compile(rf"/meetings/{meeting_id}/#minutes$"))
    pg.get_by_role("button", name="印发会议纪要").click()
    assert "已印发会议纪要" in pg.locator(".messages").first.inner_text()
    pg.get_by_role("button", name=re.compile(r"议定事项转为督办事项（2项）")).click()
    message = pg.locator(".messages").first.inner_text()
    numbers = re.findall(r"督办〔\d{4}〕\d+号", message)
    assert "议定事项已转为督办事项并交办" in message and len(numbers) == 2, message
    decisions = pg.locator("#decisions")
    assert decisions.locator(".light").count() == 2
    assert all(n in decisions.inner_text() for n in numbers)
    assert "7个工作日内报告落实情况" in decisions.inner_text()
    office.shot("meetings-meeting")
    decisions.get_by_role("link", name=numbers[0]).click()
    pg.wait_for_url(re.compile(r"/matters/\d+/$"))
    assert title in pg.locator("#matter-body").inner_text()
    office.close()

    # 7. The meeting counted against 县人民政府's annual plan (MEET-4).
    db = sqlite3.connect(e2e_duban.var_dir / "duban.sqlite3")
    try:
        rows = db.execute(
            "SELECT u.name, p.year, p.kind, p.withdrawn_at FROM plans_planusage p JOIN org_unit u ON u.id = p.unit_id "
            "WHERE p.source_type = 'meetings.meeting' AND p.source_id = ?", (str(meeting_id),)).fetchall()
    finally:
        db.close()
    assert rows == [("县人民政府", starts.year, "meeting", None)]
