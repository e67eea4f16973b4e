"""The meeting pages (issue 17 items 1, 2): registering (refused, naming the
limit, without a reason), the meeting page (notice, leave, attendance,
minutes and decisions with their matters' lights), the meeting-room screen
(the speaker's countdown, the meeting's remaining time, the sign-in code
for the organiser only, refreshed passively), signing in from a phone, the
minutes form; lists paginated with a fixed number of queries; a user of
another unit gets 404 everywhere.

The pages use the real clock, so these tests work relative to now."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.meetings import services as mt
from duban.meetings.models import Attendance, Meeting, MeetingState
from duban.org import services as org
from duban.org.models import Role
from duban.plans.models import PlanUsage
from duban.supervision.models import Matter
from tests.pages import HTMX, as_user, fmt, minute

from .conftest import plan

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date


@pytest.fixture
def live(mc):
    """`mc` plus 县水务局 (not invited) and a meeting starting in 20 minutes."""
    mc.water = org.create_unit("县水务局", parent=mc.gov)
    mc.water_user = mc.person("water", "罗水务", mc.water, Role.LIAISON)
    mc.meeting = mt.register_meeting(mc.clerk, **plan(mc, starts_at=minute(20)))
    return mc


def form_data(c, **kw):
    data = {
        "type": "county_work", "title": "全县安全生产工作会议", "convener": str(c.gov.pk), "chair": str(c.leader.pk),
        "starts_at": fmt(minute(60 * 24)), "planned_minutes": "90", "mode": "video", "venue": "县政府三楼会议室",
        "attendees": [str(c.edu_head.pk), str(c.fin_head.pk)], "attendee_units": [str(c.town.pk)],
        "agenda-TOTAL_FORMS": "6", "agenda-INITIAL_FORMS": "0", "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "40",
        "agenda-0-title": "县教育局汇报", "agenda-0-kind": "speech", "agenda-0-speaker": str(c.edu_head.pk),
        "agenda-0-minutes": "5",
        "agenda-1-title": "县长讲话", "agenda-1-kind": "address", "agenda-1-speaker": str(c.leader.pk),
        "agenda-1-minutes": "40",
    }
    data.update(kw)
    return data


def test_meet1_register_page_refuses_beyond_the_limit_then_registers(mc):
    c = as_user(mc.clerk)
    r = c.get("/meetings/new/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "全县性工作会议（会期2小时以内，发言5分钟）" in html and "<script>" not in html
    r = c.post("/meetings/new/", form_data(mc, planned_minutes="150", **{"agenda-0-minutes": "8"}))
    assert r.status_code == 422
    html = r.content.decode()
    assert "全县性工作会议会期一般控制在2小时以内（种子004 §9），本次计划2小时30分钟" in html
    assert "议程第1项“县教育局汇报”计划发言8分钟，全县性会议发言一般控制在5分钟以内" in html
    assert "超出上述标准须填写理由，并报县政府办公室审批" in html
    assert not Meeting.objects.exists()
    r = c.post("/meetings/new/", form_data(mc))
    m = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/meetings/{m.pk}/"
    assert m.state == MeetingState.PLANNED and m.attendances.count() == 3
    assert PlanUsage.objects.filter(source_id=str(m.pk)).exists()
    page = c.get(r["Location"]).content.decode()
    assert "已计入县人民政府年度会议计划" in page and "会场屏幕" in page


def test_meet1_register_page_is_for_liaisons_and_heads_only(mc):
    assert as_user(mc.sysadmin).get("/meetings/new/").status_code == 404
    assert as_user(mc.edu_head).get("/meetings/new/").status_code == 200  # a 单位负责人


def test_meet1_over_limit_plan_is_approved_on_the_page(mc):
    m = mt.register_meeting(mc.clerk, **plan(mc, starts_at=minute(60 * 24), planned_minutes=150,
                                                over_limit_reason="签订目标责任书"))
    head = as_user(mc.office_head)
    assert "待我审批" in head.get("/meetings/").content.decode()
    listing = head.get("/meetings/?tab=approval").content.decode()
    assert m.title in listing
    page = head.get(f"/meetings/{m.pk}/").content.decode()
    assert "超出会议标准" in page and "签订目标责任书" in page and 'name="approve" value="1"' in page
    assert 'name="approve"' not in as_user(mc.clerk).get(f"/meetings/{m.pk}/").content.decode()
    r = head.post(f"/meetings/{m.pk}/decide/", {"approve": "1", "comment": "同意"}, follow=True)
    assert "已批准，会议计入年度会议计划" in r.content.decode()
    assert Meeting.objects.get(pk=m.pk).state == MeetingState.PLANNED


def test_meet2_leave_asked_and_approved_on_the_meeting_page(live):
    c = live
    m = c.meeting
    a = Attendance.objects.get(meeting=m, attendee=c.fin_head)
    fin = as_user(c.fin_head)
    page = fin.get(f"/meetings/{m.pk}/").content.decode()
    assert f'id="act-leave-{a.pk}"' in page
    # Only their own row offers leave.
    other = Attendance.objects.get(meeting=m, attendee=c.edu_head)
    assert f'id="act-leave-{other.pk}"' not in page
    r = fin.post(f"/meetings/attendances/{a.pk}/leave/", {"reason": ""}, follow=True)
    assert "请填写请假事由" in r.content.decode()
    r = fin.post(f"/meetings/attendances/{a.pk}/leave/", {"reason": "参加省财政厅会议"}, follow=True)
    assert "已提交请假申请，等待会务人员审批" in r.content.decode()
    clerk = as_user(c.clerk)
    page = clerk.get(f"/meetings/{m.pk}/").content.decode()
    assert "参加省财政厅会议" in page and "待审批" in page
    assert fin.post(f"/meetings/attendances/{a.pk}/decide/", {"approve": "1"}, follow=True).status_code == 200
    assert Attendance.objects.get(pk=a.pk).leave_state == "requested"  # refused: not the organiser
    r = clerk.post(f"/meetings/attendances/{a.pk}/decide/", {"approve": "1"}, follow=True)
    assert "已批准" in r.content.decode()
    row = re.search(rf'<tr id="att-{a.pk}".*?</tr>', clerk.get(f"/meetings/{m.pk}/").content.decode(), re.S).group(0)
    assert "请假" in row and "已批准" in row


def test_meet2_room_shows_code_to_the_organiser_and_counts_down_the_speaker(live):
    c = live
    m = c.meeting
    clerk = as_user(c.clerk)
    r = clerk.get(f"/meetings/{m.pk}/room/")
    html = r.content.decode()
    assert r.status_code == 200
    code = re.search(r'id="sign-code">(\d{6})<', html).group(1)
    assert code in (mt.sign_code(m), mt.sign_code(m, timezone.now() - dt.timedelta(seconds=5)))
    assert 'hx-trigger="every 10s, refresh"' in html and "X-Duban-Passive" in html
    assert "meetings/meetings.js" in html and "duban/countdown.js" in html
    assert "<script>" not in html and "style=" not in html
    # An attendee sees the room without the code.
    assert 'id="sign-code"' not in as_user(c.edu_head).get(f"/meetings/{m.pk}/room/").content.decode()
    # Sign in from a phone with the code on the screen.
    edu = as_user(c.edu_head)
    r = edu.post("/meetings/sign-in/", {"code": "000000" if code != "000000" else "111111"})
    assert r.status_code == 422 and "签到码不正确或已过期" in r.content.decode()
    r = edu.post("/meetings/sign-in/", {"code": mt.sign_code(m)}, follow=True)
    assert "签到成功：全县安全生产工作会议" in r.content.decode()
    # Run it: start, the first speaker with a countdown, the meeting's remaining time.
    r = clerk.post(f"/meetings/{m.pk}/start/", **HTMX)
    assert r.status_code == 200 and 'id="room-body"' in r.content.decode()
    item = m.items.get(seq=1)
    html = clerk.post(f"/meetings/items/{item.pk}/start/", **HTMX).content.decode()
    speech = int(re.search(r'id="speech-countdown" data-remaining="(-?\d+)"', html).group(1))
    left = int(re.search(r'id="meeting-countdown" data-remaining="(-?\d+)"', html).group(1))
    assert 295 <= speech <= 300 and 90 * 60 - 10 <= left <= 90 * 60
    assert "县教育局汇报校园安全工作" in html
    live_html = clerk.get(f"/meetings/{m.pk}/room/live/", HTTP_X_DUBAN_PASSIVE="1", **HTMX).content.decode()
    assert 'id="speech-countdown"' in live_html
    r = clerk.post(f"/meetings/{m.pk}/end/", follow=True)
    assert Meeting.objects.get(pk=m.pk).state == MeetingState.HELD
    # An attendee cannot run it.
    assert as_user(c.edu_head).post(f"/meetings/items/{item.pk}/end/").status_code == 302
    assert Meeting.objects.get(pk=m.pk).actual_end is not None


def test_meet3_minutes_form_and_hand_over_show_matters_with_lights(live):
    c = live
    m = c.meeting
    mt.start_meeting(m, c.clerk)
    mt.end_meeting(m, c.clerk)
    clerk = as_user(c.clerk)
    assert as_user(c.edu_head).get(f"/meetings/{m.pk}/minutes/").status_code == 404
    r = clerk.get(f"/meetings/{m.pk}/minutes/")
    assert r.status_code == 200
    data = {"summary": "会议部署安全生产工作。", "decisions-TOTAL_FORMS": "3", "decisions-INITIAL_FORMS": "0",
            "decisions-MIN_NUM_FORMS": "0", "decisions-MAX_NUM_FORMS": "50",
            "decisions-0-title": "开展校园安全排查", "decisions-0-content": "全面排查校舍安全。",
            "decisions-0-lead_unit": str(c.edu.pk),
            "decisions-1-title": "开展燃气安全排查", "decisions-1-content": "逐户排查。",
            "decisions-1-lead_unit": str(c.town.pk), "decisions-1-cooperating_units": [str(c.fin.pk)],
            "decisions-1-due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat()}
    r = clerk.post(f"/meetings/{m.pk}/minutes/", {**data, "decisions-1-lead_unit": ""})
    assert r.status_code == 422 and "议定事项第2项（开展燃气安全排查）：请选择牵头单位（责任单位）" in r.content.decode()
    r = clerk.post(f"/meetings/{m.pk}/minutes/", data)
    assert r.status_code == 302
    r = clerk.post(f"/meetings/{m.pk}/minutes/issue/", follow=True)
    assert "已印发会议纪要" in r.content.decode()
    r = clerk.post(f"/meetings/{m.pk}/minutes/hand-over/", follow=True)
    html = r.content.decode()
    numbers = list(Matter.objects.order_by("id").values_list("number", flat=True))
    assert len(numbers) == 2 and "议定事项已转为督办事项并交办：" + "、".join(numbers) in html
    table = re.search(r'<table class="list stack" id="decisions">.*?</table>', html, re.S).group(0)
    assert table.count('class="light green"') == 2 and all(n in table for n in numbers)
    assert "7个工作日内报告落实情况" in table


def test_meet2_notice_word_download(live):
    c = live
    clerk = as_user(c.clerk)
    r = clerk.post(f"/meetings/{c.meeting.pk}/notice/", follow=True)
    assert "已印发会议通知" in r.content.decode()
    r = clerk.get(f"/meetings/{c.meeting.pk}/notice.docx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r["Content-Disposition"] and r.content[:2] == b"PK"


def test_org3_another_units_user_gets_404_everywhere(live):
    c = live
    m = c.meeting
    mt.start_meeting(m, c.clerk)
    mt.end_meeting(m, c.clerk)
    minutes = mt.write_minutes(m, c.clerk, summary="部署。", decisions=[
        {"title": "排查", "content": "排查", "lead_unit": c.edu}])
    mt.issue_minutes(minutes, c.clerk)
    a = m.attendances.first()
    item = m.items.first()
    water = as_user(c.water_user)
    for url in (f"/meetings/{m.pk}/", f"/meetings/{m.pk}/room/", f"/meetings/{m.pk}/room/live/",
                f"/meetings/{m.pk}/notice.docx", f"/meetings/{m.pk}/minutes/"):
        assert water.get(url).status_code == 404, url
    for url in (f"/meetings/{m.pk}/decide/", f"/meetings/{m.pk}/cancel/", f"/meetings/{m.pk}/notice/",
                f"/meetings/{m.pk}/start/", f"/meetings/{m.pk}/end/", f"/meetings/{m.pk}/minutes/issue/",
                f"/meetings/{m.pk}/minutes/hand-over/", f"/meetings/items/{item.pk}/start/",
                f"/meetings/attendances/{a.pk}/leave/", f"/meetings/attendances/{a.pk}/decide/"):
        assert water.post(url, {"reason": "x", "approve": "1"}).status_code == 404, url
    assert m.title not in water.get("/meetings/?tab=all").content.decode()
    # The invited units' own liaison sees it (the notice is addressed to the unit).
    assert as_user(c.town_user).get(f"/meetings/{m.pk}/").status_code == 200


def test_meetings_list_is_paginated_with_a_fixed_number_of_queries(mc):
    clerk = as_user(mc.clerk)
    mt.register_meeting(mc.clerk, **plan(mc, starts_at=minute(60 * 24)))
    clerk.get("/meetings/?tab=all")  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert clerk.get("/meetings/?tab=all").status_code == 200
    for i in range(25):
        mt.register_meeting(mc.clerk, **plan(mc, title=f"专题会议{i}", starts_at=minute(60 * 24 + i)))
    with CaptureQueriesContext(connection) as many:
        html = clerk.get("/meetings/?tab=all").content.decode()
    assert len(many.captured_queries) <= len(one.captured_queries)
    assert "第 1 / 2 页" in html and html.count('class="row-title"') == 20


def test_meeting_page_query_count_does_not_grow_with_attendees(mc):
    from duban.org.models import Person

    clerk = as_user(mc.clerk)
    m = mt.register_meeting(mc.clerk, **plan(mc, starts_at=minute(60 * 24)))
    clerk.get(m.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        clerk.get(m.get_absolute_url())
    extra = [mc.person(f"p{i}", f"参会人{i}", mc.fin, Role.LIAISON) for i in range(12)]
    m2 = mt.register_meeting(mc.clerk, **plan(mc, starts_at=minute(60 * 24), attendees=[mc.edu_head, *extra]))
    with CaptureQueriesContext(connection) as many:
        clerk.get(m2.get_absolute_url())
    assert len(many.captured_queries) <= len(few.captured_queries)
    assert Person.objects.count() > 12


def test_workbench_card_tells_attendees_organisers_and_approvers(live):
    c = live
    html = as_user(c.edu_head).get("/").content.decode()
    assert "您有1个会议待参加" in html and "/meetings/sign-in/" in html
    a = Attendance.objects.get(meeting=c.meeting, attendee=c.fin_head)
    mt.request_leave(a, c.fin_head, reason="外出")
    html = as_user(c.clerk).get("/").content.decode()
    assert "本单位承办的会议1个待召开" in html and "1项请假或代会申请待您审批" in html
    mt.register_meeting(c.clerk, **plan(c, starts_at=minute(60 * 24), planned_minutes=150, over_limit_reason="多"))
    assert "1个超出标准的会议计划待您审批" in as_user(c.office_head).get("/").content.decode()
    assert "会议" not in re.sub(r"<nav.*?</nav>", "", as_user(c.auditor).get("/").content.decode(), flags=re.S)
