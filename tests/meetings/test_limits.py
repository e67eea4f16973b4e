"""MEET-1: meeting types with their limits as rows (seed 004 §9), a plan
beyond them refused with a message naming the limit unless it carries a
reason, then approved (or not) by the office that controls meetings; a
registered meeting counts against its convening unit's annual plan (MEET-4
hand-over), a cancelled one is withdrawn."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.journal.models import Event
from duban.meetings import services as mt
from duban.meetings.models import Meeting, MeetingState, MeetingType
from duban.notify.models import Message
from duban.plans.models import PlanUsage

from .conftest import REGISTERED, T0, plan

pytestmark = pytest.mark.django_db


def messages_of(e):
    return [m for msgs in e.value.message_dict.values() for m in msgs]


def test_meet1_types_are_rows_with_their_seed_section(db):
    rows = {t.code: t for t in MeetingType.objects.all()}
    county, general = rows["county_work"], rows["general"]
    assert (county.max_minutes, county.combined_max_minutes, county.cap_minutes, county.speech_minutes) == (
        120, 180, 240, 5)
    assert county.video_first and county.county_wide
    assert (general.max_minutes, general.combined_max_minutes, general.speech_minutes) == (60, 180, 3)
    assert not general.video_first
    assert all(t.seed_section == "种子004 §9" and "2小时左右" in t.description for t in rows.values())
    assert rows["standing"].matter_source == "standing_meeting"


def test_meet1_within_limits_is_planned_counted_and_journaled(mc):
    m = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc))
    assert m.state == MeetingState.PLANNED and m.departures == [] and m.organiser == mc.office
    assert [a.attendee for a in m.attendances.order_by("sort_order")] == [mc.edu_head, mc.fin_head, mc.town_head]
    assert [(i.seq, i.kind, i.planned_minutes) for i in m.items.all()] == [
        (1, "speech", 5), (2, "speech", 5), (3, "address", 30)]
    usage = PlanUsage.objects.get(source_type="meetings.meeting", source_id=str(m.pk))
    assert (usage.unit, usage.year, usage.kind, usage.occurred_on) == (mc.gov, 2026, "meeting", T0.date())
    ev = Event.objects.get(action="meetings.meeting.register")
    assert ev.occurred_at == REGISTERED and ev.after["attendees"] == [mc.edu_head.pk, mc.fin_head.pk,
                                                                        mc.town_head.pk]


def test_meet1_county_wide_meeting_over_two_hours_is_refused_naming_the_limit(mc):
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, planned_minutes=150))
    errors = e.value.message_dict
    assert errors["planned_minutes"] == ["全县性工作会议会期一般控制在2小时以内（种子004 §9），本次计划2小时30分钟"]
    assert errors["over_limit_reason"] == ["超出上述标准须填写理由，并报县政府办公室审批"]
    assert not Meeting.objects.exists() and not PlanUsage.objects.exists()


def test_meet1_speech_over_five_minutes_onsite_and_half_a_day_are_named(mc):
    data = plan(mc, planned_minutes=260, mode="onsite")
    data["agenda"][0]["minutes"] = 8
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **data)
    errors = e.value.message_dict
    assert errors["planned_minutes"] == ["会期一般不超过半天（4小时）（种子004 §9），本次计划4小时20分钟"]
    assert errors["agenda"] == ["议程第1项“县教育局汇报校园安全工作”计划发言8分钟，全县性会议发言一般控制在5分钟以内"
                                "（种子004 §9）"]
    assert errors["mode"] == ["全县性工作会议优先采用视频会议形式召开（种子004 §9），本次为现场会议"]


def test_meet1_other_meetings_speak_three_minutes_and_last_an_hour(mc):
    data = plan(mc, type="general", title="校园安全专题会议", planned_minutes=75)
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **data)
    text = messages_of(e)
    assert "一般性会议（含专题会议）会期一般控制在1小时以内（种子004 §9），本次计划1小时15分钟" in text
    assert any("其他会议发言一般控制在3分钟以内" in t for t in text)


def test_meet1_combined_meeting_may_last_three_hours(mc):
    other = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, title="全县防汛工作会议"))
    m = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(
        mc, title="全县安全生产暨防汛工作会议", planned_minutes=170, combined_with=other.pk))
    assert m.state == MeetingState.PLANNED and m.is_combined and m.combined_with == other
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, planned_minutes=200, combined_title="全县防汛工作会议"))
    assert e.value.message_dict["planned_minutes"] == [
        "全县性工作会议合并召开或套开的会期一般控制在3小时以内（种子004 §9），本次计划3小时20分钟"]


def test_meet1_agenda_longer_than_the_meeting_and_bad_input_name_the_field(mc):
    data = plan(mc, planned_minutes=30, title="", chair=None, attendees=[], attendee_units=[])
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **data)
    errors = e.value.message_dict
    assert errors["title"] == ["会议名称不能为空"] and errors["chair"] == ["请选择主持人"]
    assert errors["agenda"] == ["议程计划用时合计40分钟，超过计划会期30分钟"]
    assert errors["attendees"] == ["请选择参会人员或参会单位"]
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, starts_at=REGISTERED, convener=mc.edu))
    assert e.value.message_dict["starts_at"][0].startswith("开始时间（2026年2月27日 10:00）须晚于当前时间")
    assert e.value.message_dict["convener"] == ["召集单位应为县政府办公室或其上级单位"]


def test_meet1_over_limit_with_reason_waits_for_the_control_office(mc):
    reason = "年度安全生产目标责任书签订，议程较多"
    m = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, planned_minutes=150, over_limit_reason=reason))
    assert m.state == MeetingState.PENDING and m.over_limit_reason == reason
    assert m.departures == ["全县性工作会议会期一般控制在2小时以内（种子004 §9），本次计划2小时30分钟"]
    assert not PlanUsage.objects.exists()  # not counted before it is approved
    assert Message.objects.filter(recipient=mc.office_head, subject__startswith="【会议报批】").exists()
    # Not the organiser, not another unit's head: the control office's head.
    for who in (mc.clerk, mc.edu_head, mc.supervisor):
        with pytest.raises(PermissionDenied):
            mt.decide_plan(m, who, approve=True, at=REGISTERED)
    with pytest.raises(ValidationError) as e:
        mt.decide_plan(m, mc.office_head, approve=False, at=REGISTERED)
    assert e.value.message_dict == {"comment": ["不批准时须填写意见"]}
    mt.decide_plan(m, mc.office_head, approve=True, comment="同意，严格控制发言时间", at=REGISTERED)
    m.refresh_from_db()
    assert m.state == MeetingState.PLANNED and m.decided_by == mc.office_head
    assert PlanUsage.objects.filter(source_id=str(m.pk), withdrawn_at=None).count() == 1
    assert Event.objects.filter(action="meetings.meeting.approve", object_id=str(m.pk)).exists()


def test_meet1_rejected_plan_does_not_count(mc):
    m = mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, planned_minutes=150, over_limit_reason="议程多"))
    mt.decide_plan(m, mc.office_head, approve=False, comment="请压缩议程，控制在2小时以内", at=REGISTERED)
    m.refresh_from_db()
    assert m.state == MeetingState.REJECTED and not PlanUsage.objects.exists()


def test_meet1_the_organiser_cannot_approve_its_own_plan(mc):
    m = mt.register_meeting(mc.office_head, at=REGISTERED, **plan(mc, planned_minutes=150, over_limit_reason="多"))
    with pytest.raises(PermissionDenied) as e:
        mt.decide_plan(m, mc.office_head, approve=True, at=REGISTERED)
    assert "登记人本人除外" in str(e.value)


def test_meet1_no_control_office_means_no_approval_path(mc):
    from duban.meetings.models import ControlOffice

    ControlOffice.objects.all().delete()
    with pytest.raises(ValidationError) as e:
        mt.register_meeting(mc.clerk, at=REGISTERED, **plan(mc, planned_minutes=150, over_limit_reason="多"))
    assert "尚未设置管控“县人民政府”会议的办公室" in e.value.message_dict["over_limit_reason"][0]


def test_meet4_cancelled_meeting_is_withdrawn_from_the_plan(planned):
    m = planned.meeting
    with pytest.raises(PermissionDenied):
        mt.cancel_meeting(m, planned.edu_head, reason="改期", at=REGISTERED)
    with pytest.raises(ValidationError):
        mt.cancel_meeting(m, planned.clerk, reason="", at=REGISTERED)
    mt.cancel_meeting(m, planned.clerk, reason="与市里会议冲突，改期召开", at=REGISTERED)
    usage = PlanUsage.objects.get(source_id=str(m.pk))
    assert usage.withdrawn_at == REGISTERED and "改期" in usage.withdrawn_reason
    assert Meeting.objects.get(pk=m.pk).state == MeetingState.CANCELLED
    assert T0  # the meeting's date stays on record
