"""Issue 5, item 9: a problem travels from a unit's Excel ledger to the public
page in a real browser (Debian's Chromium) against the real server with the
demo county and its campaign DEMO-2026.

县教育局's liaison (jiaoyu_lly) imports a ledger built here with openpyxl —
title row, merged cells, a date written 2026年…日前 style — first as a
preview, then for real; rectifies one problem, submitting the result with an
evidence file; the 常务副县长 (changwu), leader of the 工作专班 and not of
县教育局, verifies and closes it; the 督查室 (duchashi) publishes it; the
public page, without login, shows it closed and no phone number at all.
县财政局's liaison cannot open the problem (404).

Set DUBAN_SCREENSHOTS=/some/dir to keep screenshots of the pages."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.e2e.session import BrowserSession, local_now

pytestmark = pytest.mark.e2e

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


class Session(BrowserSession):
    """One signed-in user (or nobody) in their own browser context."""

    def shot(self, name):
        folder = os.environ.get("DUBAN_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
            self.page.screenshot(path=str(Path(folder) / f"{name}-top.png"))

    def close(self):
        # No console errors: CSP refusals (inline scripts or styles) would show here.
        assert not self.errors, self.errors
        self.context.close()


def ledger_file(path: Path, stamp: str, deadline: dt.date) -> Path:
    """A real-world ledger: a title row over merged cells, headers with line
    breaks, a deadline written 2026年…日前, a long-term measure."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单台账"
    ws.append(["县教育局“改进作风、狠抓落实”年问题清单台账"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "问题\n类别", "问题来源", "存在问题", "原因分析", "整改措施", "整改\n时限", "责任人"])
    ws.append([1, "慢作为", "自己找", f"学生资助资金审核发放慢，个别学校拖延一个月（{stamp}）", "审核环节多",
               "压缩审核环节，资金到位后5个工作日内发放", f"{deadline.year}年{deadline.month}月{deadline.day}日前",
               "县教育局联络员"])
    ws.append([2, "文山会海", "群众提", f"对学校的检查评比过多，基层负担重（{stamp}）", "统筹不够",
               "清理规范检查评比事项，实行年度计划备案", "长期坚持", ""])
    ws.append([])
    wb.save(path)
    return path


def test_rect_problem_from_excel_ledger_to_the_public_page(browser, e2e_server, tmp_path):
    now = local_now()
    stamp = now.strftime("%H%M%S%f")
    deadline = now.date() + dt.timedelta(days=40)
    xlsx = ledger_file(tmp_path / "县教育局问题清单台账.xlsx", stamp, deadline)
    evidence = tmp_path / "资助资金发放台账.pdf"
    evidence.write_bytes(b"%PDF-1.4 e2e evidence")

    # 1. 县教育局 imports its ledger: preview, then confirm.
    unit = Session(browser, e2e_server, "jiaoyu_lly")
    pg = unit.page
    pg.goto("/rectification/")
    pg.get_by_role("link", name=re.compile("改进作风、狠抓落实")).first.click()
    pg.locator("#phases").wait_for()
    unit.shot("campaign")
    pg.locator("nav.subnav").get_by_role("link", name="导入台账").click()
    pg.locator("#import-form input[type=file]").set_input_files(str(xlsx))
    pg.locator("#import-form button[name=preview]").click()
    preview = pg.locator("#import-preview")
    preview.wait_for()
    assert "将导入 2 个问题" in preview.inner_text()
    pg.locator("#import-preview button[type=submit]").click()
    ok = pg.locator("#import-ok")
    ok.wait_for()
    assert "已导入 2 个问题" in ok.inner_text()

    # 2. The ledger shows them; the liaison rectifies the first one.
    pg.locator("nav.subnav").get_by_role("link", name="问题清单台账").click()
    pg.locator("input[name=q]").fill(stamp)
    pg.locator("#filters button[type=submit]").click()
    pg.wait_for_url(re.compile(r"q=\d+"))
    rows = pg.locator("table.ledger tbody tr")
    assert rows.count() == 2
    unit.shot("ledger")
    pg.get_by_role("link", name=re.compile("学生资助资金审核发放慢")).click()
    number = pg.locator("h1 .number").inner_text().strip()
    problem_url = pg.url
    box = pg.locator("#act-submit")
    box.locator("summary").click()
    box.locator("textarea[name=text]").fill("已压缩审核环节，本学期资助资金已全部按时发放到位。")
    box.locator("input[type=file]").set_input_files(str(evidence))
    box.locator("button[type=submit]").click()
    pg.locator(".messages").filter(has_text="已提交整改结果").wait_for()
    assert "待核验" in pg.locator("#problem-state").inner_text()
    assert pg.locator("#act-verify").count() == 0
    unit.close()

    # Another unit cannot open it.
    other = Session(browser, e2e_server, "chengguan_lly")
    response = other.page.goto(problem_url)
    assert response.status == 404
    other.close()

    # 3. A task-force member outside 县教育局 verifies and closes it.
    tf = Session(browser, e2e_server, "changwu")
    pg = tf.page
    pg.goto(problem_url)
    assert pg.get_by_role("link", name="资助资金发放台账.pdf").count() == 1
    box = pg.locator("#act-verify")
    box.locator("summary").click()
    box.locator("input[name=passed][value='1']").check()
    box.locator("textarea[name=note]").fill("佐证材料齐全，抽查两所学校发放记录属实，同意销号。")
    box.locator("button[type=submit]").click()
    pg.locator(".messages").filter(has_text="核验通过，已销号").wait_for()
    assert "已销号" in pg.locator("#problem-state").inner_text()
    tf.shot("problem")
    tf.close()

    # 4. The supervision office publishes it.
    office = Session(browser, e2e_server, "duchashi")
    pg = office.page
    pg.goto(problem_url)
    pg.locator("#act-publish button[type=submit]").click()
    pg.locator(".messages").filter(has_text="已公开").wait_for()
    office.close()

    # 5. The public page, without login, on a phone: closed, no phone number.
    public = Session(browser, e2e_server, None, width=390)
    pg = public.page
    pg.goto("/public/")
    pg.get_by_role("link", name=re.compile("改进作风、狠抓落实")).first.click()
    card = pg.locator(f"#pub-{number}")
    card.wait_for()
    text = card.inner_text()
    assert "学生资助资金审核发放慢" in text and "已销号" in text and "压缩审核环节" in text
    body = pg.locator("body").inner_text()
    assert not PHONE.search(body), PHONE.search(body)
    assert "县教育局联络员" not in body
    assert pg.locator("#progress").inner_text().count("销号率") == 1
    # Readable on a phone: nothing wider than the screen.
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    public.shot("public-390")
    public.close()
