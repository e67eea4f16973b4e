"""A real browser against the real server: sign in with the demo logins
the loader prints, see the home page (工作台), sign out; the auditor reads
the journal."""

import re

import pytest

from duban.core import demo_data

pytestmark = pytest.mark.e2e

PLAN = demo_data.build_plan()


def login(page, username, password=demo_data.DEMO_PASSWORD):
    page.goto("/")
    # Anonymous visitors are sent to the Chinese login page.
    page.wait_for_url(re.compile(r"/accounts/login/"))
    body = page.locator("body")
    assert "登录" in body.inner_text()
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit], input[type=submit]"
    ).first.click()


def test_liaison_logs_in_sees_home_and_logs_out(page, e2e_server):
    person = PLAN.person("jiaoyu_lly")
    login(page, "jiaoyu_lly")
    page.wait_for_url(e2e_server + "/")
    text = page.locator("body").inner_text()
    assert "工作台" in text
    assert person.full_name in text
    assert "县教育局" in text

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    # The session is over on the server: home sends us back to the login page.
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert "登录" in page.locator("body").inner_text()


def test_auditor_reads_the_journal(page, e2e_server):
    login(page, "auditor")
    page.wait_for_url(e2e_server + "/")
    page.goto("/journal/")
    page.wait_for_url(re.compile(r"/journal/"))
    assert "审计日志" in page.locator("body").inner_text()
    rows = page.locator("table tbody tr")
    assert rows.count() > 0, "审计日志页面应以表格列出事件"
    # The demo county's loading is on the record: the table is not an empty-list notice.
    assert "没有符合条件" not in page.locator("table").first.inner_text()
