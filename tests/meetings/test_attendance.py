"""MEET-2: attendees are people of the org tree; leave (请假, with a reason)
and substitutes (代会: who, and who authorised it) are approved by the
organising office; sign-in with the code on the meeting screen, which
changes every minute; the attendance shows 出席 / 迟到 / 请假 / 代会 / 缺席.
Then the meeting runs: actual start and end, each item's actual minutes,
the overruns afterwards, and the notice as a GB/T 9704 Word file."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.journal.models import Event
from duban.meetings import documents
from duban.meetings import services as mt
from duban.meetings.models import Attendance, LeaveState, MeetingState
from duban.notify.models import Message

from .conftest import REGISTERED, T0, after

pytestmark = pytest.mark.django_db


def att(c, user):
    return Attendance.objects.get(meeting=c.meeting, attendee=user)


def statuses(c):
    m = type(c.meeting).objects.get(pk=c.meeting.pk)
    return {a.attendee.username: mt.attendance_status(a, m)[1]
            for a in m.attendances.select_related("attendee")}


def test_meet2_leave_is_asked_with_a_reason_and_approved_by_the_organiser(planned):
    c = planned
    a = att(c, c.fin_head)
    with pytest.raises(PermissionDenied):
        mt.request_leave(a, c.edu_head, reason="外出", at=REGISTERED)  # another unit's head
    with pytest.raises(ValidationError) as e:
        mt.request_leave(a, c.fin_head, reason=" ", at=REGISTERED)
    assert e.value.message_dict == {"reason": ["请填写请假事由"]}
    mt.request_leave(a, c.fin_user, reason="参加省财政厅预算会议", at=REGISTERED)  # the unit's liaison asks
    a.refresh_from_db()
    assert a.leave_state == LeaveState.REQUESTED and a.leave_kind == "leave" and a.requested_by == c.fin_user
    assert Message.objects.filter(recipient=c.clerk, subject__startswith="【请假申请】").exists()
    with pytest.raises(PermissionDenied):
        mt.decide_leave(a, c.fin_head, approve=True, at=REGISTERED)  # not the organising office
    mt.decide_leave(a, c.clerk, approve=True, at=REGISTERED)
    a.refresh_from_db()
    assert a.leave_state == LeaveState.APPROVED and a.leave_decided_by == c.clerk
    assert statuses(c)["finhead"] == "请假"
    assert Event.objects.filter(action="meetings.leave.decide", object_id=str(a.pk)).exists()


def test_meet2_substitute_names_who_and_who_authorised(planned):
    c = planned
    a = att(c, c.town_head)
    with pytest.raises(ValidationError) as e:
        mt.request_leave(a, c.town_head, reason="陪同市领导调研", substitute=c.town_deputy, at=REGISTERED)
    assert e.value.message_dict == {"authorised_by": ["请选择代会的授权人（参会人本人或其单位负责人）"]}
    with pytest.raises(ValidationError) as e:
        mt.request_leave(a, c.town_head, reason="陪同市领导调研", substitute=c.edu_head, authorised_by=c.fin_head,
                         at=REGISTERED)
    assert e.value.message_dict == {"substitute": ["王局长本身就是参会人员，不能代会"],
                                    "authorised_by": ["授权人应为参会人本人或城关镇的负责人"]}
    mt.request_leave(a, c.town_head, reason="陪同市领导调研", substitute=c.town_deputy, authorised_by=c.town_head,
                     at=REGISTERED)
    with pytest.raises(ValidationError) as e:
        mt.decide_leave(a, c.clerk, approve=False, at=REGISTERED)
    assert e.value.message_dict == {"comment": ["不批准时须填写意见"]}
    mt.decide_leave(a, c.clerk, approve=True, at=REGISTERED)
    a.refresh_from_db()
    assert (a.leave_kind, a.substitute, a.authorised_by) == ("substitute", c.town_deputy, c.town_head)
    # The substitute now sees the meeting and signs in with their own account.
    from duban.org.visibility import visible

    assert visible(type(c.meeting), c.town_deputy).filter(pk=c.meeting.pk).exists()
    mt.sign_in(c.town_deputy, mt.sign_code(c.meeting, after(-5)), at=after(-5))
    assert statuses(c)["townhead"] == "代会"


def test_meet2_sign_in_code_changes_every_minute_and_accepts_the_last_one(planned):
    c = planned
    m = c.meeting
    codes = {mt.sign_code(m, after(-10, s)) for s in (0, 20, 59)}
    assert len(codes) == 1 and codes.pop().isdigit()
    assert mt.sign_code(m, after(-10)) != mt.sign_code(m, after(-9))
    assert len(mt.sign_code(m, after(-10))) == 6
    # Too early: an hour before the start at the earliest.
    with pytest.raises(ValidationError) as e:
        mt.sign_in(c.edu_head, mt.sign_code(m, after(-61)), at=after(-61))
    assert "会议开始前1小时起可以签到" in e.value.message_dict["code"][0]
    # A wrong code is refused (and journaled); last minute's code still works.
    with pytest.raises(ValidationError) as e:
        mt.sign_in(c.edu_head, "000000" if mt.sign_code(m, after(-3)) != "000000" else "111111", at=after(-3))
    assert e.value.message_dict["code"] == ["签到码不正确或已过期，请输入会场屏幕上当前显示的签到码"]
    assert Event.objects.filter(action="meetings.sign_in.refused", actor=c.edu_head).count() == 1
    old = mt.sign_code(m, after(-4))
    a = mt.sign_in(c.edu_head, old, at=after(-3, 30))
    assert a.signed_in_at == after(-3, 30)
    with pytest.raises(ValidationError) as e:
        mt.sign_in(c.edu_head, mt.sign_code(m, after(-2)), at=after(-2))
    assert "已于08:57签到" in e.value.message_dict["code"][0]
    # Two minutes old: expired.
    with pytest.raises(ValidationError):
        mt.sign_in(c.fin_head, mt.sign_code(m, after(-5)), at=after(-3))
    # Someone who is not invited has nothing to sign in to.
    with pytest.raises(ValidationError) as e:
        mt.sign_in(c.fin_user, mt.sign_code(m, after(-1)), at=after(-1))
    assert "您此时没有需要签到的会议" in e.value.message_dict["code"][0]


def test_meet2_too_many_wrong_codes_pause_the_guesser(planned):
    c = planned
    wrong = "123456" if mt.sign_code(c.meeting, after(-3)) not in ("123456",) else "654321"
    for _ in range(mt.SIGN_IN_FAILURES):
        with pytest.raises(ValidationError):
            mt.sign_in(c.edu_head, wrong, at=after(-3))
    with pytest.raises(ValidationError) as e:
        mt.sign_in(c.edu_head, mt.sign_code(c.meeting, after(-3)), at=after(-3))
    assert "输错次数过多" in e.value.message_dict["code"][0]


def test_meet2_attendance_present_late_leave_substitute_absent_and_overruns(planned):
    c = planned
    m = c.meeting
    mt.issue_notice(m, c.clerk, at=REGISTERED)
    assert Message.objects.filter(recipient=c.edu_head, subject="【会议通知】全县安全生产工作会议").exists()
    fin = att(c, c.fin_head)
    mt.request_leave(fin, c.fin_head, reason="参加省财政厅预算会议", at=REGISTERED)
    mt.decide_leave(fin, c.clerk, approve=True, at=REGISTERED)
    mt.sign_in(c.edu_head, mt.sign_code(m, after(-5)), at=after(-5))
    with pytest.raises(ValidationError):
        mt.start_meeting(m, c.clerk, at=after(-61))
    mt.start_meeting(m, c.clerk, at=after(1))
    mt.sign_in(c.town_head, mt.sign_code(m, after(4)), at=after(4))  # late
    items = list(m.items.order_by("seq"))
    mt.start_item(items[0], c.clerk, at=after(2))
    mt.start_item(items[1], c.clerk, at=after(9))  # ends the first after 7 minutes (5 planned)
    mt.end_item(items[1], c.clerk, at=after(13))
    mt.start_item(items[2], c.clerk, at=after(14))
    with pytest.raises(ValidationError):
        mt.start_item(items[0], c.clerk, at=after(15))  # an item runs once
    mt.end_meeting(m, c.clerk, at=after(100))  # 99 minutes for a planned 90
    m.refresh_from_db()
    assert m.state == MeetingState.HELD and (m.actual_start, m.actual_end) == (after(1), after(100))
    assert m.actual_minutes == 99 and m.current_item is None
    items = list(m.items.order_by("seq"))
    assert [i.actual_seconds for i in items] == [7 * 60, 4 * 60, 86 * 60]
    assert statuses(c) == {"eduhead": "出席", "finhead": "请假", "townhead": "迟到"}
    over = mt.overruns(m, items)
    assert over == ["会议实际用时1小时39分钟，超出计划9分钟",
                    "议程第1项“县教育局汇报校园安全工作”用时7分钟，超出计划2分钟",
                    "议程第3项“县长讲话”用时86分钟，超出计划56分钟"]
    assert Event.objects.filter(action="meetings.meeting.end", occurred_at=after(100)).exists()


def test_meet2_absent_when_nobody_signed_in_by_the_end(planned):
    c = planned
    m = c.meeting
    mt.start_meeting(m, c.clerk, at=after(0))
    mt.end_meeting(m, c.clerk, at=after(50))
    assert set(statuses(c).values()) == {"缺席"}


def test_meet2_only_the_organiser_runs_the_meeting(planned):
    c = planned
    for who in (c.edu_head, c.supervisor, c.leader):
        with pytest.raises(PermissionDenied):
            mt.start_meeting(c.meeting, who, at=after(0))
        with pytest.raises(PermissionDenied):
            mt.issue_notice(c.meeting, who, at=REGISTERED)


def test_meet2_notice_is_a_gbt9704_word_file(planned):
    c = planned
    mt.issue_notice(c.meeting, c.clerk, at=REGISTERED)
    c.meeting.refresh_from_db()
    assert c.meeting.notice_number == "示范县会通〔2026〕1号"
    data = documents.notice_docx(c.meeting)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    for text in ("示范县政府办公室", "示范县会通〔2026〕1号", "关于召开全县安全生产工作会议的通知", "县教育局",
                 "2026年3月2日（星期一）09:00", "县教育局汇报校园安全工作", "5分钟", "签到码", "王局长", "代会"):
        assert text in xml, text
    from docx import Document

    doc = Document(io.BytesIO(data))
    table = doc.tables[-1]
    assert [cell.text for cell in table.rows[0].cells] == ["序号", "单位", "姓名", "职务"]
    assert [r.cells[2].text for r in table.rows[1:]] == ["王局长", "蒋局长", "沈镇长"]
    assert documents.notice_filename(c.meeting) == "会议通知示范县会通〔2026〕1号.docx"
    with pytest.raises(ValidationError):
        mt.issue_notice(c.meeting, c.clerk, at=REGISTERED + dt.timedelta(minutes=1))
    assert T0
