"""Issue 6: the 值班 pages — the duty office's self-refreshing screen (running
clocks counting down, met/late in minutes), the roster by month with Chinese
errors naming the day, reporting an incident, the incident page (phone and
written reports, 审签 with the password, 需重新审签 after an edit, figures
and their conflicts), the bulletin (compile, issue, Word) and a leader's
instruction becoming a matter; another unit's user gets 404 everywhere.

The pages use the real clock, so these tests work relative to now."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import timezone

from duban.duty import pages as duty_pages
from duban.duty import services as duty
from duban.duty.models import Bulletin, Incident, ReportState, WrittenReport
from duban.security.signals import LAST_ACTIVITY_KEY
from duban.supervision.models import Matter
from tests.conftest import DEMO_PASSWORD
from tests.pages import HTMX, as_user, fmt, minute

from .conftest import roster_around_now

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date


@pytest.fixture
def live(dc):
    """The town rostered for the current month and the last day of the one
    before (24-hour shifts from 08:30: before 08:30 on the 1st, last
    month's shift is on duty), and an incident learned of 5 minutes ago."""
    roster_around_now(dc)
    dc.inc = duty.report_incident(
        dc.town_duty, title="城关镇化工厂火灾", kind="accident", level="larger", occurred_at=minute(-15),
        learned_at=minute(-5), place="城关镇工业园区", reporting_unit=dc.town, involved_units=[dc.emergency],
        description="园区一化工厂仓库起火。")
    return dc


# --- the duty screen --------------------------------------------------------------

def test_screen_shows_roster_running_clocks_and_refreshes_passively(live):
    c = as_user(live.duty_clerk)
    r = c.get("/duty/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "当前值班" in html and "冯值班" in html and "陈副镇长" in html
    assert "城关镇化工厂火灾" in html
    # The countdowns: seconds remaining rendered by the server (about 10 minutes on the phone clock).
    seconds = sorted(int(s) for s in re.findall(r'data-remaining="(-?\d+)"', html))
    assert seconds and 500 < seconds[0] <= 600
    # The self-refreshing list: htmx polling every 15 s, marked passive.
    assert 'hx-trigger="every 15s"' in html and "X-Duban-Passive" in html
    assert "duban/countdown.js" in html and "<script>" not in html and "style=" not in html
    # The poll answers the list alone and does not count as activity.
    session = c.session
    session[LAST_ACTIVITY_KEY] = session[LAST_ACTIVITY_KEY] - 120
    session.save()
    before = c.session[LAST_ACTIVITY_KEY]
    r = c.get("/duty/live/", HTTP_X_DUBAN_PASSIVE="1", **HTMX)
    assert r.status_code == 200 and 'id="screen-live"' in r.content.decode()
    assert "<html" not in r.content.decode()
    assert c.session[LAST_ACTIVITY_KEY] == before


def test_screen_shows_met_and_late_in_minutes(live):
    inc = live.inc
    duty.record_phone_report(inc, live.town_duty, called_at=minute(-1), caller_name="冯值班", callee_name="孙值班",
                             summary="仓库起火")
    # A second incident learned 40 minutes ago, its phone report 20 minutes late.
    late = duty.report_incident(
        live.town_duty, title="城关镇山体滑坡", kind="natural_disaster", level="general",
        occurred_at=minute(-45), learned_at=minute(-40), place="城关镇后山村", reporting_unit=live.town,
        description="后山村发生小型滑坡。")
    duty.record_phone_report(late, live.town_duty, called_at=minute(-5), caller_name="冯值班",
                             callee_name="孙值班", summary="小型滑坡")
    html = as_user(live.duty_clerk).get("/duty/").content.decode()
    assert "按时" in html
    assert "逾期20分钟" in html
    assert "已超时10分钟" in html or "已超时" in html  # the slide's written clock is 10 minutes overdue


# --- the roster --------------------------------------------------------------------

def test_roster_grid_errors_name_the_day_and_saving_replaces_the_month(dc):
    c = as_user(dc.town_duty)
    today = timezone.localdate()
    month = f"{today.year:04d}-{today.month:02d}"
    r = c.get(f"/duty/roster/?month={month}")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="officer-1"' in html and "冯值班" in html and "陈副镇长" in html and "褚镇长" in html
    data = {"unit": dc.town.pk, "month": month, "officer-1": dc.town_duty.pk, "leader-1": dc.town_leader.pk,
            "officer-2": dc.town_duty.pk, "leader-2": "", "officer-3": dc.town_user.pk,
            "leader-3": dc.town_head.pk}
    r = c.post("/duty/roster/", data)
    assert r.status_code == 422
    html = r.content.decode()
    assert f"{today.month}月2日：请选择带班领导" in html
    assert f"{today.month}月3日：赵城关没有“值班员”角色" in html
    assert 'id="day-2"' in html and "has-error" in html
    data.update({"leader-2": dc.town_head.pk, "officer-3": dc.town_duty.pk})
    r = c.post("/duty/roster/", data)
    assert r.status_code == 302
    shifts = duty.DutyShift.objects.filter(unit=dc.town, date__year=today.year, date__month=today.month)
    assert shifts.count() == 3
    assert duty.on_duty(dc.town, dt.date(today.year, today.month, 2)).leader == dc.town_head


def test_roster_is_not_offered_to_a_user_without_duty_roles(dc):
    r = as_user(dc.fin_user).get("/duty/roster/")
    # A liaison may roster their own unit.
    assert r.status_code == 200 and "县财政局" in r.content.decode()
    r = as_user(dc.leader).get("/duty/roster/")
    assert "只有值班员" in r.content.decode()


# --- reporting an incident ------------------------------------------------------------

def test_report_form_creates_incident_and_shows_errors(dc):
    c = as_user(dc.town_user)
    r = c.get("/duty/incidents/new/")
    assert r.status_code == 200 and "获知时间" in r.content.decode()
    r = c.post("/duty/incidents/new/", {"title": "", "kind": "accident", "level": "general",
                                        "reporting_unit": dc.town.pk})
    assert r.status_code == 422
    html = r.content.decode()
    assert "事件名称不能为空" in html and "发生地点不能为空" in html
    r = c.post("/duty/incidents/new/", {
        "title": "城关镇燃气泄漏", "kind": "accident", "level": "general", "occurred_at": fmt(minute(-20)),
        "learned_at": fmt(minute(-10)), "place": "城关镇幸福小区", "reporting_unit": dc.town.pk,
        "involved_units": [dc.emergency.pk], "description": "小区燃气管道泄漏，已疏散。"})
    assert r.status_code == 302
    inc = Incident.objects.get(title="城关镇燃气泄漏")
    assert r.url == f"/duty/incidents/{inc.pk}/"
    assert list(inc.involved_units.all()) == [dc.emergency]


# --- the incident page ------------------------------------------------------------------

def test_incident_page_phone_write_sign_revise_resign(live):
    inc = live.inc
    url = f"/duty/incidents/{inc.pk}/"
    town = as_user(live.town_duty)
    html = town.get(url).content.decode()
    assert "报送时限" in html and "剩余" in html and "记录电话报告" in html
    # Phone report over htmx: the refreshed body.
    r = town.post(f"{url}phone/", {"called_at": fmt(minute(0)), "caller_name": "冯值班", "callee_name": "孙值班",
                                   "callee_unit": live.duty_unit.pk, "summary": "仓库起火，暂无伤亡。"}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="incident-body"' in html and "已记录电话报告" in html and "按时" in html
    # A bad phone report: the error next to the form.
    r = town.post(f"{url}phone/", {"called_at": fmt(minute(-60)), "caller_name": "冯值班", "callee_name": "孙值班",
                                   "summary": "x"}, **HTMX)
    assert "通话时间不能早于获知时间" in r.content.decode()
    # The first written report.
    r = town.post(f"{url}reports/", {"unit": live.town.pk, "kind": "first", "text": "首报：仓库起火，2人受伤。",
                                     "injuries": "2", "deaths": "0"}, **HTMX)
    assert "已保存书面报告" in r.content.decode()
    report = WrittenReport.objects.get(incident=inc)
    assert report.state == ReportState.DRAFT
    # The duty officer may not sign: no sign form, the leader on duty is named.
    html = town.get(url).content.decode()
    assert "审签并报送" not in html and "今日带班领导陈副镇长" in html
    # The leader signs: a wrong password first.
    leader = as_user(live.town_leader)
    html = leader.get(url).content.decode()
    assert "您以带班领导身份审签第1版" in html
    r = leader.post(f"/duty/reports/{report.pk}/sign/", {"password": "wrong"}, **HTMX)
    assert "密码不正确，审签未完成" in r.content.decode()
    r = leader.post(f"/duty/reports/{report.pk}/sign/", {"password": DEMO_PASSWORD}, **HTMX)
    html = r.content.decode()
    assert "已审签并报送" in html and "已审签报送" in html
    sig = report.signatures.get()
    assert re.search(r"审签</span> 陈副镇长（带班领导） · <time>" + timezone.localtime(sig.signed_at).strftime(
        "%Y-%m-%d %H:%M"), html)
    # An edit after signing: a new version and 需重新审签.
    r = town.post(f"/duty/reports/{report.pk}/revise/", {"text": "首报：仓库起火，3人受伤。", "injuries": "3",
                                                         "deaths": "0"}, **HTMX)
    html = r.content.decode()
    assert "需重新审签" in html and "此签名只对应第1版" in html and "历次版本（2）" in html
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT and report.current_version.number == 2
    # Without htmx: a redirect after success, the page with errors (422) otherwise.
    r = leader.post(f"/duty/reports/{report.pk}/sign/", {"password": ""})
    assert r.status_code == 422 and "密码不正确" in r.content.decode()
    r = leader.post(f"/duty/reports/{report.pk}/sign/", {"password": DEMO_PASSWORD})
    assert r.status_code == 302 and r.url == url
    assert report.signatures.count() == 2


def test_incident_page_highlights_figure_conflicts_and_history(live):
    inc = live.inc
    r1 = duty.create_written_report(inc, live.town_duty, kind="first", text="首报", figures={"injuries": 2})
    duty.sign_report(r1, live.town_leader, DEMO_PASSWORD)
    r2 = duty.create_written_report(inc, live.town_duty, kind="follow_up", text="续报", figures={"injuries": 4})
    duty.sign_report(r2, live.town_leader, DEMO_PASSWORD)
    em = duty.create_written_report(inc, live.em_user, kind="first", text="应急局首报", unit=live.emergency,
                                    figures={"injuries": 5})
    duty.sign_report(em, live.em_head, DEMO_PASSWORD)
    html = as_user(live.duty_clerk).get(f"/duty/incidents/{inc.pk}/").content.decode()
    assert "各单位报送的数据不一致" in html
    assert "受伤：城关镇 <b>4</b>人，县应急管理局 <b>5</b>人" in html
    assert html.count('class="num conflict"') == 2
    assert "从首报到终报" in html and 'class="num changed"' in html


# --- the bulletin and the instruction --------------------------------------------------

def _sent_report(c):
    r = duty.create_written_report(c.inc, c.town_duty, kind="first", text="首报：化工厂仓库起火，2人受伤。",
                                   figures={"injuries": 2})
    duty.sign_report(r, c.town_leader, DEMO_PASSWORD)
    return r


def test_bulletin_compile_issue_word_and_instruction(live):
    report = _sent_report(live)
    clerk = as_user(live.duty_clerk)
    html = clerk.get("/duty/bulletins/new/").content.decode()
    assert f'name="pick-{report.pk}"' in html and "首报：化工厂仓库起火" in html
    r = clerk.post("/duty/bulletins/new/", {"title": "值班要情", "report": [report.pk]})
    assert r.status_code == 422 and "要情至少要有一条内容" in r.content.decode()
    r = clerk.post("/duty/bulletins/new/", {
        "title": "城关镇化工厂火灾情况", "report": [report.pk], f"pick-{report.pk}": "1",
        f"heading-{report.pk}": "城关镇化工厂仓库火灾", f"summary-{report.pk}": "仓库起火，2人受伤，已送医。"})
    assert r.status_code == 302
    b = Bulletin.objects.get()
    assert b.items.get().summary == "仓库起火，2人受伤，已送医。"
    r = clerk.post(f"/duty/bulletins/{b.pk}/issue/", follow=True)
    year = timezone.localdate().year
    assert f"已印发值班要情{year}年第1期" in r.content.decode()
    r = clerk.get(f"/duty/bulletins/{b.pk}/word.docx")
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode()
    assert "值班要情" in xml and "第1期" in xml and "城关镇化工厂仓库火灾" in xml
    # The county duty office and the 督查室 see the instruction form; a town's
    # own duty officer does not.
    assert "录入领导批示" in clerk.get(f"/duty/bulletins/{b.pk}/").content.decode()
    town_page = as_user(live.town_duty).get(f"/duty/bulletins/{b.pk}/")
    assert town_page.status_code == 404 or "录入领导批示" not in town_page.content.decode()
    sup = as_user(live.supervisor)
    item = b.items.get()
    html = sup.get(f"/duty/bulletins/{b.pk}/").content.decode()
    assert "录入领导批示" in html
    r = sup.post(f"/duty/items/{item.pk}/instruct/", {"leader": live.leader.pk, "text": ""})
    assert r.status_code == 422 and "批示内容不能为空" in r.content.decode()
    r = sup.post(f"/duty/items/{item.pk}/instruct/", {
        "leader": live.leader.pk, "text": "请城关镇全力救治伤员，排查园区隐患。", "lead_unit": live.town.pk,
        "units": [live.emergency.pk]}, follow=True)
    html = r.content.decode()
    m = Matter.objects.get(source_kind="leader_instruction")
    assert f"已录入批示并传达：督办事项 {m.number}" in html and f"/matters/{m.pk}/" in html
    assert m.lead_unit == live.town and m.lead_person == live.town_user
    # The town's liaison finds it in their worklist.
    assert m.title in as_user(live.town_user).get("/matters/").content.decode()
    # A reader of the bulletin who may not open its incident (the auditor, in
    # the office that issues it) reads its name, unlinked; each link shown
    # opens (the matter's does: the office's 督查室 supervises it).
    auditor = as_user(live.auditor)
    html = auditor.get(f"/duty/bulletins/{b.pk}/").content.decode()
    incident_url, matter_url = live.inc.get_absolute_url(), f"/matters/{m.pk}/"
    assert live.inc.title in html and m.title in html
    assert incident_url not in html and auditor.get(incident_url).status_code == 404
    assert (matter_url in html) == (auditor.get(matter_url).status_code == 200)
    assert incident_url in sup.get(f"/duty/bulletins/{b.pk}/").content.decode()


# --- visibility -----------------------------------------------------------------------------

def test_another_units_user_gets_404_everywhere(live):
    report = _sent_report(live)
    b = duty.create_bulletin(live.duty_clerk, title="要情", items=[{"report": report}])
    other = as_user(live.fin_user)
    inc = live.inc
    for url in (f"/duty/incidents/{inc.pk}/", f"/duty/bulletins/{b.pk}/", f"/duty/bulletins/{b.pk}/word.docx"):
        assert other.get(url).status_code == 404, url
    for url, data in ((f"/duty/incidents/{inc.pk}/phone/", {}), (f"/duty/incidents/{inc.pk}/reports/", {}),
                      (f"/duty/reports/{report.pk}/sign/", {"password": DEMO_PASSWORD}),
                      (f"/duty/reports/{report.pk}/revise/", {"text": "x"}),
                      (f"/duty/bulletins/{b.pk}/issue/", {}),
                      (f"/duty/items/{b.items.get().pk}/instruct/", {})):
        assert other.post(url, data).status_code == 404, url
    html = other.get("/duty/").content.decode()
    assert "城关镇化工厂火灾" not in html


def test_the_report_button_is_shown_only_to_those_who_may_report(live, county):
    """The screen offers 报告突发事件 only to users who can report for some
    unit; the auditor, who cannot (the form answers 404), sees no button."""
    assert "报告突发事件" in as_user(live.duty_clerk).get("/duty/").content.decode()
    auditor = as_user(county.auditor)
    assert "报告突发事件" not in auditor.get("/duty/").content.decode()
    assert auditor.get("/duty/incidents/new/").status_code == 404
    # The button's rule agrees with the form's list of units, user by user.
    for user in (live.duty_clerk, live.town_duty, live.town_leader, live.fin_user, county.auditor, county.supervisor,
                 county.leader):
        assert duty.may_report(user) == bool(duty_pages.actable_units(user)), user
    # Compiling is the duty office's.
    assert as_user(live.town_duty).get("/duty/bulletins/new/").status_code == 404
