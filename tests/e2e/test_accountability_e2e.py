"""ACC-2, ACC-4, ACC-3, AUD-3 in a real browser (Debian's Chromium) against
the real server with the demo county: 督查室 (duchashi) opens the menu's
问责, finds 县水务局's suggestion waiting with its statement (申辩) and the
facts behind it as links, is refused an exemption with one ground, then
adopts the reminder with reasons -- the written explanation's clock
appears; the demo's exempted suggestion shows its three grounds; the
reverse trace of the failed matter shows each level's unit and person and
its report downloads as Word; the signals page lists each kind with its
evidence and one is dismissed with a reason."""

import re

import pytest

from tests.e2e.session import BrowserSession

pytestmark = pytest.mark.e2e


def test_acc2_a_suggestion_is_decided_in_the_browser(browser, e2e_duban):
    office = BrowserSession(browser, e2e_duban.base_url, "duchashi")
    pg = office.page
    pg.get_by_role("link", name="问责", exact=True).click()
    pg.wait_for_url(re.compile(r"/accountability/$"))
    row = pg.locator("#suggestions tr").filter(has_text="县水务局").filter(has_text="待决定").first
    row.locator("a.row-title").click()
    pg.wait_for_url(re.compile(r"/accountability/suggestions/\d+/$"))
    assert "汛期应急抢险" in pg.locator("#statements").inner_text()
    assert pg.locator("#facts a").count() >= 3

    form = pg.locator("#form-decide")
    form.locator("input[name=outcome][value=exempted]").check()
    form.locator("input[name=ground_reform]").check()
    form.locator("textarea[name=reasons]").fill("试行新办法")
    form.locator("button[type=submit]").click()
    assert "容错免责须三项情形均经核实成立" in pg.locator("#form-decide").inner_text()

    form = pg.locator("#form-decide")
    form.locator("input[name=outcome][value=adopted]").check()
    form.locator("input[name=ground_reform]").uncheck()
    form.locator("textarea[name=reasons]").fill("一个季度内三项工作超期，抢险占用人员不能说明全部超期，予以提醒。")
    form.locator("button[type=submit]").click()
    pg.wait_for_url(re.compile(r"/accountability/suggestions/\d+/$"))
    assert "已作出决定" in pg.locator(".messages").inner_text()
    decision = pg.locator("#decision").inner_text()
    assert "采纳：提醒" in decision and "书面说明整改情况" in decision and "✘ 不成立" in decision

    # The demo's exemption under 容错.
    pg.goto("/accountability/?state=decided")
    pg.locator("#suggestions tr").filter(has_text="县农业农村局").locator("a.row-title").click()
    assert pg.locator("#decision").inner_text().count("✔ 成立") == 3

    # The reverse trace and its report.
    pg.get_by_role("link", name="倒查", exact=True).click()
    pg.locator("#traces a.row-title").filter(has_text="老旧小区屋面防水改造").first.click()
    levels = pg.locator("#levels").inner_text()
    assert "城关镇" in levels and "党政办公室" in levels and "城市建设股" in levels
    with pg.expect_download() as dl:
        pg.locator("#report").click()
    assert dl.value.suggested_filename.endswith(".docx")

    # The signals, one of each kind, and a dismissal with its reason.
    pg.get_by_role("link", name="疑点核查", exact=True).click()
    kinds = pg.locator("#kinds").inner_text()
    for label in ("反馈内容雷同", "倒填日期", "照片拍摄时间与声称不符", "自己核验自己销号", "佐证材料重复使用",
                  "值班报送时间与系统记录不符"):
        assert re.search(label + r"（[1-9]\d*）", kinds), (label, kinds)
    card = pg.locator(".signal.kind-self_closure").first
    card.locator("input[name=reason]").fill("县政府办公室事项由督查室审核属职责分工，已另行复核")
    card.locator("button[type=submit]").click()
    assert "已排除该疑点" in pg.locator(".messages").inner_text()
    office.close()
