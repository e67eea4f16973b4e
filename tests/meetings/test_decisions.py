"""MEET-3: minutes (会议纪要) with a number and the decisions (议定事项);
each decision becomes a supervised matter in one step through the
supervision hand-over, with the 7-working-day report rule when it has no
limit of its own; the meeting page's data shows each decision's matter
with its light."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.journal.models import Event
from duban.meetings import queries
from duban.meetings import services as mt
from duban.meetings.models import Decision, MinutesState
from duban.notify.models import Message
from duban.supervision.models import Matter

from .conftest import T0, after

pytestmark = pytest.mark.django_db

HELD_AT = after(95)
WRITTEN = after(60 * 24 + 120)  # the next day, 11:00
ISSUED = WRITTEN + dt.timedelta(hours=2)


@pytest.fixture
def held(planned):
    c = planned
    mt.start_meeting(c.meeting, c.clerk, at=after(0))
    mt.end_meeting(c.meeting, c.clerk, at=HELD_AT)
    return c


def decisions(c, **second):
    row2 = {"title": "开展城区燃气安全专项排查", "content": "对城区餐饮场所燃气设施逐户排查，建立隐患台账。",
            "lead_unit": c.town, "cooperating_units": [c.fin], "due_at": dt.date(2026, 3, 31)}
    row2.update(second)
    return [
        {"title": "落实校园安全“日管控”制度", "content": "全县中小学3月底前完成安全隐患自查。", "lead_unit": c.edu,
         "lead_person": c.edu_user, "responsible_leader": c.leader},
        row2,
    ]


def test_meet3_minutes_only_after_the_meeting_and_by_the_organiser(planned):
    c = planned
    with pytest.raises(ValidationError):
        mt.write_minutes(c.meeting, c.clerk, summary="会议要求……", decisions=[], at=WRITTEN)
    mt.start_meeting(c.meeting, c.clerk, at=after(0))
    mt.end_meeting(c.meeting, c.clerk, at=HELD_AT)
    with pytest.raises(PermissionDenied):
        mt.write_minutes(c.meeting, c.edu_head, summary="会议要求……", decisions=[], at=WRITTEN)


def test_meet3_decisions_name_unit_person_and_time_node(held):
    c = held
    with pytest.raises(ValidationError) as e:
        mt.write_minutes(c.meeting, c.clerk, summary="", at=WRITTEN, decisions=[
            {"title": "", "content": "x", "lead_unit": None},
            {"title": "燃气排查", "content": "排查", "lead_unit": c.town, "lead_person": c.edu_user},
            {"title": "过期事项", "content": "排查", "lead_unit": c.edu, "due_at": dt.date(2026, 3, 1)},
            {"title": "无效日期", "content": "排查", "lead_unit": c.edu, "due_at": "2026-02-30"},
            {"title": "无效时间", "content": "排查", "lead_unit": c.edu, "due_at": "三月底"}])
    errors = e.value.message_dict
    assert errors["summary"] == ["请填写会议主要内容"]
    assert errors["decisions"] == [
        "议定事项第1项：请填写事项", "议定事项第1项：请选择牵头单位（责任单位）",
        "议定事项第2项（燃气排查）：责任人张教育不属于“城关镇”",
        "议定事项第3项（过期事项）：办结期限（2026年3月1日 23:59）须晚于当前时间",
        "议定事项第4项（无效日期）：办结期限不是有效日期",
        "议定事项第5项（无效时间）：办结期限格式应为 年-月-日 时:分，例如 2026-03-02 09:15"]
    # A date is the end of that day, as for matters; a moment is itself.
    assert mt._due_moment("2026-03-31").isoformat().startswith("2026-03-31T23:59:59")
    assert mt._due_moment("2026-03-31T18:00") == dt.datetime(2026, 3, 31, 18, 0, tzinfo=T0.tzinfo)


def test_meet3_decisions_become_matters_in_one_step_with_lights(held):
    c = held
    minutes = mt.write_minutes(c.meeting, c.clerk, summary="会议听取了各单位安全生产工作汇报，研究部署下一阶段工作。",
                               decisions=decisions(c), at=WRITTEN)
    rows = list(minutes.decisions.order_by("seq"))
    assert rows[1].lead_person == c.town_user  # the unit's liaison when none is named
    with pytest.raises(ValidationError) as e:
        mt.hand_over_decisions(minutes, c.clerk, at=WRITTEN)
    assert e.value.messages == ["纪要印发后才能将议定事项转为督办事项"]
    mt.issue_minutes(minutes, c.clerk, at=ISSUED)
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.ISSUED and minutes.number == "示范县会纪〔2026〕1号"
    with pytest.raises(ValidationError):
        mt.write_minutes(c.meeting, c.clerk, summary="改", decisions=[], at=ISSUED)
    with pytest.raises(PermissionDenied):
        mt.hand_over_decisions(minutes, c.edu_head, at=ISSUED)
    matters = mt.hand_over_decisions(minutes, c.clerk, at=ISSUED)
    assert len(matters) == 2 and Matter.objects.count() == 2
    first, second = (Matter.objects.get(pk=m.pk) for m in matters)
    for m in (first, second):
        assert m.state == "assigned" and m.source_kind == "special_meeting"
        assert m.meeting_name == "全县安全生产工作会议" and m.minutes_number == "示范县会纪〔2026〕1号"
        assert m.meeting_date == dt.date(2026, 3, 2)
        assert m.supervising_unit == c.duchashi  # the 督查室 over the lead unit supervises it
    # No limit of its own: 7 working days to report (TL-3); with one: that day.
    assert first.deadline_rule == "matter_report_7wd" and first.due_at is None
    assert first.deadline.date() == dt.date(2026, 3, 12)
    assert second.deadline.date() == dt.date(2026, 3, 31)
    assert [c.unit for c in second.cooperations.all()] == [c.fin]
    assert [c.person for c in second.cooperations.all()] == [c.fin_user]
    # The 督查室 is told; the decisions keep their matters; the page shows their lights.
    assert Message.objects.filter(recipient=c.supervisor, subject__startswith="【会议议定事项】").count() == 2
    assert list(Decision.objects.order_by("seq").values_list("matter_id", flat=True)) == [first.pk, second.pk]
    d = queries.meeting_detail(c.clerk, c.meeting.pk, now=ISSUED)
    lights = [x.matter_light for x in d.decisions]
    assert [x["number"] for x in lights] == [first.number, second.number]
    assert {x["light"] for x in lights} == {"green"}
    assert Event.objects.filter(action="meetings.decisions.hand_over").get().after["decisions"] == [
        [1, first.pk, first.number], [2, second.pk, second.number]]
    with pytest.raises(ValidationError) as e:
        mt.hand_over_decisions(minutes, c.clerk, at=ISSUED)
    assert e.value.messages == ["没有待转办的议定事项"]


def test_meet3_a_unit_reader_sees_only_the_matters_it_may_open(held):
    c = held
    minutes = mt.write_minutes(c.meeting, c.clerk, summary="研究部署。", decisions=decisions(c), at=WRITTEN)
    mt.issue_minutes(minutes, c.clerk, at=ISSUED)
    mt.hand_over_decisions(minutes, c.supervisor, at=ISSUED)  # the 督查室 may hand over too
    # 县教育局's head attended: sees the meeting, and the light only of its own matter.
    d = queries.meeting_detail(c.edu_head, c.meeting.pk, now=ISSUED)
    assert [x.matter_light is not None for x in d.decisions] == [True, False]


def test_meet3_all_or_nothing_naming_the_decision(held):
    c = held
    minutes = mt.write_minutes(c.meeting, c.clerk, summary="研究部署。", at=WRITTEN,
                               decisions=decisions(c, cooperating_units=[c.edu_office]))
    mt.issue_minutes(minutes, c.clerk, at=ISSUED)
    # A cooperating unit without anyone to answer for it: DOC-2 refuses it, nothing is written.
    from duban.org.models import RoleAssignment

    RoleAssignment.objects.filter(user__person__unit=c.edu_office).delete()
    with pytest.raises(ValidationError) as e:
        mt.hand_over_decisions(minutes, c.clerk, at=ISSUED)
    assert e.value.message_dict["decisions"] == ["议定事项第2项：配合单位“基础教育股”没有联络员或负责人"]
    assert not Matter.objects.exists() and not Decision.objects.exclude(matter=None).exists()
