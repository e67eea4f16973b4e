"""A signed-in demo user (or nobody) in a browser context of their own,
shared by the browser tests. Script errors and console errors such as
refusals by the content security policy are collected and fail `close()`."""

import datetime as dt
import os
import zoneinfo
from pathlib import Path

from duban.core import demo_data

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local_now() -> dt.datetime:
    """Now in China time, as the server shows it (the machine's own zone may
    be another, whose date differs for eight hours of the day)."""
    return dt.datetime.now(SHANGHAI)


class BrowserSession:
    def __init__(self, browser, base_url, username=None, width=1280):
        self.context = browser.new_context(base_url=base_url, locale="zh-CN",
                                           viewport={"width": width, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        if username:
            pg = self.page
            pg.goto("/accounts/login/")
            pg.locator("input[name=username]").fill(username)
            pg.locator("input[name=password]").fill(demo_data.DEMO_PASSWORD)
            pg.locator("form").filter(has=pg.locator("input[name=password]")).locator("button[type=submit]").click()
            pg.wait_for_url(base_url + "/")

    def shot(self, name):
        """With DUBAN_E2E_SHOTS=<dir>, a full-page screenshot <dir>/<name>.png."""
        shots = os.environ.get("DUBAN_E2E_SHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)

    def _console(self, message):
        # Not the browser's own note of a 404 answer, which tests provoke.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def close(self):
        assert not self.errors, self.errors
        self.context.close()
