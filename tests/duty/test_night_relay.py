"""DUTY-5, TL-3 (seed 004 §4: a county leader's instruction relayed to the
towns and departments within 1 hour), DUTY-3: the duty office relays a
leader's instruction itself, at night, and the shift on duty at night is
the one that started the evening before."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.duty import queries
from duban.duty import services as duty
from duban.journal.models import Event
from duban.notify.models import Message
from duban.org import services as org
from duban.org.models import Role
from duban.org.visibility import visible
from duban.supervision import queries as sv_queries
from duban.supervision import services as sv
from duban.supervision.models import Matter
from duban.supervision.transitions import Action, State

from .conftest import local, written

# Tuesday 3 March 2026, 01:40 and 02:00: the county head instructs at night,
# the duty clerk relays twenty minutes later.
NIGHT = local(2026, 3, 3, 1, 40)
RELAY = local(2026, 3, 3, 2, 0)


def test_duty5_the_duty_officer_relays_a_leaders_instruction_at_night_within_the_hour(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请应急局牵头，城关镇配合，连夜排查园区隐患。",
                                  [dc.emergency, dc.town], dc.duty_clerk, at=RELAY, instructed_at=NIGHT)
    m = ins.matter
    # Relayed: the matter is assigned to the units at 02:00, by the duty clerk.
    assert m.state == State.ASSIGNED and m.number and m.assigned_at == RELAY
    assert m.created_by == dc.duty_clerk
    assert m.lead_unit == dc.emergency and m.lead_person == dc.em_user
    # Its supervising office is the 督查室 that supervises the lead unit,
    # not the duty office.
    assert m.supervising_unit == dc.duchashi
    # The 1-hour relay clock runs from the instruction and is met by the relay.
    relay = clocks_for(ins, "relay").get()
    assert (relay.started_at, relay.due_at) == (NIGHT, NIGHT + dt.timedelta(hours=1))
    assert (relay.state, relay.met_at, relay.late_seconds) == (ClockState.MET, RELAY, 0)
    # The units were told at once; the 督查室 too.
    assert Message.objects.filter(recipient=dc.em_user, subject__contains=m.number).exists()
    told = Message.objects.get(recipient=dc.supervisor, subject__startswith="【值班转办】", channel="inapp")
    assert m.number in told.subject and "孙值班" in told.body and told.created_at == RELAY
    # Journaled with the business moment.
    ev = Event.objects.get(action="duty.instruction.record", object_id=str(ins.pk))
    assert ev.actor == dc.duty_clerk and ev.occurred_at == RELAY
    create = Event.objects.get(action="supervision.matter.create", object_id=str(m.pk))
    assert create.after["relayed_by_duty_office"] is True


def test_duty5_relayed_matter_reaches_the_unit_worklist_and_the_office_in_the_morning(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请连夜核实。", [dc.town], dc.duty_clerk, at=RELAY,
                                  instructed_at=NIGHT)
    m = ins.matter
    # The town's liaison sees it on their worklist.
    assert m.pk in {row.pk for row in sv_queries.unit_worklist(dc.town_user, now=RELAY).rows[:50]}
    # In the morning the 督查室 finds it, with the relay on time, and takes it
    # over like any of its matters: it may urge, suspend or cancel; the duty
    # clerk may not.
    morning = local(2026, 3, 3, 8, 40)
    assert visible(Matter, dc.supervisor).filter(pk=m.pk).exists()
    assert sv.may(dc.supervisor, m, Action.CANCEL) and sv.may(dc.supervisor, m, Action.URGE)
    assert not sv.may(dc.duty_clerk, m, Action.CANCEL)
    with pytest.raises(PermissionDenied):
        sv.cancel_matter(m, dc.duty_clerk, reason="值班员无权撤销", at=morning)
    sv.urge_matter(m, dc.supervisor, channel="phone", note="请今日上午报送核实情况。", at=morning)
    relay = clocks_for(ins, "relay").get()
    assert relay.state == ClockState.MET


def test_duty5_a_late_night_relay_is_late_in_minutes(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请迅速核实。", [dc.town], dc.duty_chief,
                                  at=NIGHT + dt.timedelta(hours=1, minutes=10), instructed_at=NIGHT)
    relay = clocks_for(ins, "relay").get()
    assert relay.state == ClockState.MET_LATE
    assert queries.late_minutes(relay.due_at, relay.met_at) == 10


def test_duty5_only_the_duty_office_of_the_bulletins_unit_or_the_office_may_relay(dc, item):
    town_officer = dc.town_duty  # a duty officer without the county's duty jurisdiction
    with pytest.raises(PermissionDenied):
        duty.record_instruction(item, dc.leader, "请处置。", [dc.town], town_officer, at=RELAY,
                                instructed_at=NIGHT)
    assert not Matter.objects.filter(source_kind="leader_instruction").exists()
    # The duty leader of the county may.
    ins = duty.record_instruction(item, dc.leader, "请处置。", [dc.town], dc.duty_chief, at=RELAY,
                                  instructed_at=NIGHT)
    assert ins.matter.supervising_unit == dc.duchashi


def test_duty5_relay_without_a_supervising_office_is_refused_naming_it(dc, item):
    org.revoke_role(dc.supervisor, Role.SUPERVISOR)
    with pytest.raises(ValidationError) as e:
        duty.record_instruction(item, dc.leader, "请处置。", [dc.town], dc.duty_clerk, at=RELAY,
                                instructed_at=NIGHT)
    assert "督查室" in str(e.value)
    assert not Matter.objects.filter(source_kind="leader_instruction").exists()


def test_duty5_relay_in_the_browser_form_at_night(dc, item):
    with time_machine.travel(RELAY, tick=False):
        c = Client()
        c.force_login(dc.duty_clerk)
        b = item.bulletin
        assert "录入领导批示" in c.get(f"/duty/bulletins/{b.pk}/").content.decode()
        r = c.post(f"/duty/items/{item.pk}/instruct/", {
            "leader": dc.leader.pk, "text": "请城关镇连夜排查。", "lead_unit": dc.town.pk,
            "instructed_at": "2026-03-03T01:40"}, follow=True)
        html = r.content.decode()
    m = Matter.objects.get(source_kind="leader_instruction")
    assert "已录入批示并传达" in html and m.number in html
    assert "1小时内传达：按时（用时20分钟）" in html
    relay = clocks_for(m.duty_instruction, "relay").get()
    assert relay.state == ClockState.MET and relay.met_at == RELAY


# --- night shifts (DUTY-3) ------------------------------------------------------


def _night_roster(dc, by=None):
    return duty.set_month_roster(dc.town, 2026, 3, [
        {"date": 2, "officer": dc.town_duty, "leader": dc.town_leader, "start": "18:00", "end": "08:00"},
        {"date": 3, "officer": dc.town_duty, "leader": dc.town_head, "start": "18:00", "end": "08:00"},
    ], by or dc.town_duty, at=local(2026, 2, 26, 10))


def test_duty3_a_night_shift_over_midnight_is_one_shift(dc):
    shifts = _night_roster(dc)
    assert [(s.date.day, s.starts_at, s.ends_at) for s in shifts] == [
        (2, local(2026, 3, 2, 18), local(2026, 3, 3, 8)), (3, local(2026, 3, 3, 18), local(2026, 3, 4, 8))]
    # At 02:00 on the 3rd the shift of the 2nd is on duty, with its leader.
    now = duty.on_duty(dc.town, local(2026, 3, 3, 2, 0))
    assert now.date == dt.date(2026, 3, 2) and now.leader == dc.town_leader
    assert duty.on_duty(dc.town, local(2026, 3, 3, 12, 0)) is None  # daytime: nobody rostered
    assert duty.on_duty(dc.town, local(2026, 3, 3, 19, 0)).leader == dc.town_head


def test_duty3_the_screen_shows_who_is_on_duty_now(dc):
    _night_roster(dc)
    screen = queries.duty_screen(dc.duty_clerk, now=local(2026, 3, 3, 2, 0))
    assert [(s.unit, s.leader) for s in screen.roster] == [(dc.town, dc.town_leader)]
    with time_machine.travel(local(2026, 3, 3, 2, 0), tick=False):
        c = Client()
        c.force_login(dc.duty_clerk)
        html = c.get("/duty/").content.decode()
    assert "陈副镇长" in html and "3月2日 18:00至3月3日 08:00" in html


def test_duty3_the_night_leader_signs_at_2am_the_next_days_leader_does_not(dc):
    _night_roster(dc)
    inc = duty.report_incident(dc.town_duty, title="城关镇夜间火情", kind="accident", level="general",
                               occurred_at=local(2026, 3, 3, 1, 20), learned_at=local(2026, 3, 3, 1, 30),
                               place="城关镇", reporting_unit=dc.town, involved_units=[],
                               description="夜间一仓库起火。", at=local(2026, 3, 3, 1, 35))
    r = written(dc, inc, local(2026, 3, 3, 1, 50))
    at = local(2026, 3, 3, 2, 0)
    assert duty.signing_basis(dc.town_leader, r, at) == duty.BASIS_DUTY_LEADER
    # The head is the 3rd's night leader; at 02:00 on the 3rd they sign as
    # principal leader, not as the leader on duty.
    assert duty.signing_basis(dc.town_head, r, at) == duty.BASIS_PRINCIPAL


def test_duty3_overlapping_shifts_are_refused_naming_the_day(dc):
    with pytest.raises(ValidationError) as e:
        duty.set_month_roster(dc.town, 2026, 3, [
            {"date": 2, "officer": dc.town_duty, "leader": dc.town_leader, "start": "18:00", "end": "10:00"},
            {"date": 3, "officer": dc.town_duty, "leader": dc.town_leader, "start": "08:00", "end": "18:00"},
        ], dc.town_duty, at=local(2026, 2, 26, 10))
    assert any(m.startswith("3月3日：与3月2日的值班时间重叠") for m in e.value.messages)
    # Across the month's edge: 31 March's night shift runs into 1 April.
    duty.set_month_roster(dc.town, 2026, 3, [
        {"date": 31, "officer": dc.town_duty, "leader": dc.town_leader, "start": "18:00", "end": "09:00"},
    ], dc.town_duty, at=local(2026, 2, 26, 10))
    with pytest.raises(ValidationError) as e:
        duty.set_month_roster(dc.town, 2026, 4, [
            {"date": 1, "officer": dc.town_duty, "leader": dc.town_leader},  # default 08:30-08:30
        ], dc.town_duty, at=local(2026, 2, 26, 10))
    assert any(m.startswith("4月1日：与3月31日的值班时间重叠") for m in e.value.messages)
    with pytest.raises(ValidationError) as e:
        duty.set_month_roster(dc.town, 2026, 4, [
            {"date": 1, "officer": dc.town_duty, "leader": dc.town_leader, "start": "25:00"}],
            dc.town_duty, at=local(2026, 2, 26, 10))
    assert "4月1日：开始时间“25:00”不是有效时间" in e.value.messages[0]


def test_duty3_roster_page_saves_a_night_shift(dc):
    c = Client()
    c.force_login(dc.town_duty)
    r = c.post("/duty/roster/", {"unit": dc.town.pk, "month": "2026-04", "officer-6": dc.town_duty.pk,
                                 "leader-6": dc.town_leader.pk, "start-6": "18:00", "end-6": "08:00"})
    assert r.status_code == 302, r.content.decode()[:500]
    s = duty.on_duty(dc.town, local(2026, 4, 7, 3, 0))
    assert s.date == dt.date(2026, 4, 6) and s.ends_at == local(2026, 4, 7, 8, 0)
    html = c.get(f"/duty/roster/?unit={dc.town.pk}&month=2026-04").content.decode()
    assert 'name="start-6" value="18:00"' in html and 'name="end-6" value="08:00"' in html


# --- the 督查室 adjusts the relayed matter in the morning ------------------------


def test_duty5_the_office_adjusts_the_relayed_matters_deadline_in_the_morning(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请连夜核实。", [dc.town], dc.duty_clerk, at=RELAY,
                                  instructed_at=NIGHT)
    m = ins.matter
    morning = local(2026, 3, 3, 8, 40)
    assert clocks_for(m, "completion").get().rule.code == "matter_report_7wd"
    # The duty clerk and the town may not; the office may, with a reason.
    for who in (dc.duty_clerk, dc.town_user):
        with pytest.raises(PermissionDenied):
            sv.adjust_deadline(m, who, due_at=dt.date(2026, 3, 6), reason="核定", at=morning)
    with pytest.raises(ValidationError) as e:
        sv.adjust_deadline(m, dc.supervisor, due_at=dt.date(2026, 3, 2), reason="", at=morning)
    assert set(e.value.message_dict) == {"due_at", "reason"}
    sv.adjust_deadline(m, dc.supervisor, due_at=dt.date(2026, 3, 6), reason="县长要求本周内办结", at=morning)
    m.refresh_from_db()
    done = clocks_for(m, "completion").get()
    assert done.explicit and timezone.localtime(done.due_at).date() == dt.date(2026, 3, 6)
    ev = Event.objects.get(action="supervision.matter.adjust_deadline", object_id=str(m.pk))
    assert ev.actor == dc.supervisor and ev.after["reason"] == "县长要求本周内办结"
    assert Message.objects.filter(recipient=dc.town_user, subject__startswith="【期限调整】").exists()


def test_duty5_adjust_deadline_through_the_api_and_refused_to_another_unit(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请连夜核实。", [dc.town], dc.duty_clerk, at=RELAY,
                                  instructed_at=NIGHT)
    m = ins.matter
    with time_machine.travel(local(2026, 3, 3, 8, 40), tick=False):
        office, other = Client(), Client()
        office.force_login(dc.supervisor)
        other.force_login(dc.fin_user)
        body = {"due_at": "2026-03-06", "reason": "核定期限"}
        r = other.post(f"/api/supervision/matters/{m.pk}/deadline", body, content_type="application/json")
        assert r.status_code == 404
        r = office.post(f"/api/supervision/matters/{m.pk}/deadline", body, content_type="application/json")
        assert r.status_code == 200, r.content
        assert r.json()["deadline"].startswith("2026-03-06")
        assert "adjust_deadline" in r.json()["actions"]
