"""DUTY-5, TL-3 (seed 004 §4: a county leader's instruction relayed to the
towns and departments within 1 hour), issue 22 item 3, in a real browser
against a server whose clock reads 02:00 at night (tests/e2e/clocked.py).

At 01:40 the 县长 phones in an instruction on the demo's 值班要情; at 02:00
the 总值班室's duty officer (zhiban) records it on the bulletin and relays
it: it becomes a supervised matter assigned to 城关镇 and 县应急管理局, and
the bulletin says it was relayed within the hour. 城关镇's liaison finds it
on the worklist at once. The server is then started again on the same
database at 08:40 the same morning: the 督查室 (duchashi) finds the relayed
matter in its inbox and on the bulletin with the relay on time, and opens
the matter as the office that supervises it. Another unit's liaison gets
404 on the matter. Nothing waited for the 督查室 to be awake."""

import datetime as dt
import re

import pytest

from duban.core import demo_data
from duban.duty.demo import BULLETIN_TITLE
from tests.e2e.conftest import DubanServer
from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()
TEXT = "请城关镇会同县应急管理局连夜组织排查沿河低洼地带群众，确保人员安全转移。"


def label(username):
    p = PLAN.person(username)
    return f"{p.full_name}（{p.position}）"


def next_two_oclock():
    """The coming 02:00 in China: within a day of the real clock, so the
    browser keeps the session cookies the server dates."""
    now = local_now()
    night = now.replace(hour=2, minute=0, second=0, microsecond=0)
    return night if night > now else night + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A server at 02:00, with the demo county loaded a quarter of an hour
    before; stopped at the end (the test restarts it in the morning)."""
    at = next_two_oclock()
    server = DubanServer(tmp_path_factory.mktemp("e2e-night"))
    server.prepare(clock=at - dt.timedelta(minutes=15))
    try:
        yield server, at
    finally:
        server.stop()


def test_duty5_duty_officer_relays_an_instruction_at_night_and_the_office_finds_it_in_the_morning(browser, night):
    server, at = night
    base = server.start(clock=at)

    # 02:00: the duty officer records the 县长's 01:40 instruction on the bulletin item and relays it.
    duty = BrowserSession(browser, base, "zhiban")
    pg = duty.page
    pg.goto("/duty/bulletins/")
    pg.get_by_role("link", name=re.compile(re.escape(BULLETIN_TITLE))).first.click()
    pg.wait_for_url(re.compile(r"/duty/bulletins/\d+/$"))
    bulletin_path = re.search(r"/duty/bulletins/\d+/$", pg.url).group(0)
    box = pg.locator("[id^=act-instruct-]").first
    box.locator("summary").click()
    box.locator("select[name=leader]").select_option(label=label("xianzhang"))
    box.locator("textarea[name=text]").fill(TEXT)
    box.locator("input[name=instructed_at]").fill((at - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"))
    box.locator("select[name=lead_unit]").select_option(
        box.locator("select[name=lead_unit] option").filter(has_text=re.compile(r"^\s*城关镇\s*$"))
        .get_attribute("value"))
    box.locator("select[name=units]").select_option(
        box.locator("select[name=units] option").filter(has_text=re.compile(r"^\s*县应急管理局\s*$"))
        .get_attribute("value"))
    box.locator("button[type=submit]").click()
    message = pg.locator(".messages").first.inner_text()
    number = re.search(r"督办〔\d{4}〕\d+号", message)
    assert "已录入批示并传达" in message and number, message
    assert "督查室" in message, message  # the office that supervises the lead unit is told
    ours = pg.locator(".instruction").filter(has_text=TEXT)
    assert ours.count() == 1
    relayed = ours.inner_text()
    # Relayed by the duty officer, within the hour (about 20 minutes after the instruction).
    assert PLAN.person("zhiban").full_name in relayed and "1小时内传达：按时" in relayed, relayed
    assert f"{at:%Y-%m-%d} 02:0" in relayed, relayed
    duty.close()

    # Still at night: 城关镇's liaison finds it on the worklist.
    town = BrowserSession(browser, base, "chengguan_lly")
    town.page.goto("/matters/")
    row = town.page.locator("table.list tbody tr").filter(has_text=number.group(0))
    assert row.count() == 1, town.page.locator("main").inner_text()
    row.get_by_role("link").first.click()
    town.page.wait_for_url(re.compile(r"/matters/\d+/$"))
    matter_path = re.search(r"/matters/\d+/$", town.page.url).group(0)
    assert "领导批示" in town.page.locator("#matter-body").inner_text()
    town.close()
    server.stop()

    # 08:40 the same morning: the 督查室 finds the relayed matter in its inbox and on the bulletin.
    morning = at.replace(hour=8, minute=40)
    base = server.start(clock=morning)
    office = BrowserSession(browser, base, "duchashi")
    pg = office.page
    pg.goto("/notify/inbox/")
    inbox = pg.locator("main").inner_text()
    assert f"【值班转办】{number.group(0)}" in inbox, inbox
    pg.goto(bulletin_path)
    relayed = pg.locator(".instruction").filter(has_text=TEXT).inner_text()
    assert "1小时内传达：按时" in relayed and number.group(0) in relayed, relayed
    pg.goto(matter_path)
    body = pg.locator("#matter-body").inner_text()
    assert number.group(0) in body and TEXT[:12] in body, body
    office.close()

    # Another unit's liaison: 404.
    other = BrowserSession(browser, base, "caizheng_b")
    assert other.page.goto(matter_path).status == 404
    other.close()
