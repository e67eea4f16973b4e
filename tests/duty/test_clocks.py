"""DUTY-2: the 15-minute, 30-minute and 2-hour clocks from the moment the
reporting unit learned of the incident, measured to the minute."""

import datetime as dt

import pytest

from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.duty import queries
from duban.duty import services as duty

from .conftest import T0, after, phone, send, written


def clock(incident, kind):
    return clocks_for(incident, kind).get()


def test_duty2_three_clocks_start_from_learned_at(incident):
    assert clock(incident, "phone").started_at == T0
    assert clock(incident, "phone").due_at == after(minutes=15)
    assert clock(incident, "written").due_at == after(minutes=30)
    assert clock(incident, "written_2h").due_at == after(hours=2)
    assert {c.rule.code for c in clocks_for(incident)} == {"duty_phone_15min", "duty_written_30min",
                                                          "duty_final_2h"}
    assert all(c.owner_unit_id == incident.reporting_unit_id for c in clocks_for(incident))


@pytest.mark.parametrize("minutes,seconds,state,late", [
    (14, 0, ClockState.MET, 0),
    (14, 59, ClockState.MET, 0),
    (15, 0, ClockState.MET, 0),
    (15, 1, ClockState.MET_LATE, 1),
    (16, 0, ClockState.MET_LATE, 1),
    (16, 1, ClockState.MET_LATE, 2),
])
def test_duty2_phone_report_minute_precision(dc, incident, minutes, seconds, state, late):
    phone(dc, incident, after(minutes=minutes, seconds=seconds))
    c = clock(incident, "phone")
    assert c.state == state
    assert c.met_at == after(minutes=minutes, seconds=seconds)
    view = queries.clock_view(c, now=after(hours=3))
    assert view.late_minutes == late
    assert view.status_text == ("按时" if late == 0 else f"逾期{late}分钟")


def test_duty2_second_phone_report_leaves_the_clock_alone(dc, incident):
    phone(dc, incident, after(minutes=10))
    phone(dc, incident, after(minutes=40), summary="续：火势已控制。")
    c = clock(incident, "phone")
    assert (c.state, c.met_at) == (ClockState.MET, after(minutes=10))


@pytest.mark.parametrize("at,written_state,written_late,hard_state,hard_late", [
    (after(minutes=29), ClockState.MET, 0, ClockState.MET, 0),
    (after(minutes=30), ClockState.MET, 0, ClockState.MET, 0),
    (after(minutes=31), ClockState.MET_LATE, 1, ClockState.MET, 0),
    (after(hours=2), ClockState.MET_LATE, 90, ClockState.MET, 0),
    (after(hours=2, seconds=1), ClockState.MET_LATE, 91, ClockState.MET_LATE, 1),
    (after(hours=2, minutes=5), ClockState.MET_LATE, 95, ClockState.MET_LATE, 5),
])
def test_duty2_written_report_met_when_signed(dc, incident, at, written_state, written_late, hard_state,
                                              hard_late):
    # Drafted early; only the sign-off (the sending) counts.
    report = written(dc, incident, after(minutes=5))
    assert clock(incident, "written").state == ClockState.RUNNING
    send(dc, report, at)
    w, h = clock(incident, "written"), clock(incident, "written_2h")
    assert (w.state, queries.late_minutes(w.due_at, w.met_at)) == (written_state, written_late)
    assert (h.state, queries.late_minutes(h.due_at, h.met_at)) == (hard_state, hard_late)
    assert w.met_at == h.met_at == at


def test_duty2_involved_units_reports_do_not_meet_the_reporting_units_clocks(dc, incident):
    r = written(dc, incident, after(minutes=10), unit=dc.emergency, by=dc.em_user, text="应急局首报。")
    send(dc, r, after(minutes=12), signer=dc.em_head)
    assert clock(incident, "written").state == ClockState.RUNNING


def test_duty2_running_clocks_count_down_from_stored_due_at(dc, incident):
    rows = queries.running_clocks(dc.duty_clerk, now=after(minutes=10))
    assert [(r.view.kind, r.view.seconds_remaining) for r in rows] == [
        ("phone", 5 * 60), ("written", 20 * 60), ("written_2h", 110 * 60)]
    assert rows[0].incident == incident
    assert rows[0].view.status_text == "剩余5分钟"
    # Past the deadline the screen shows how late, before the sweep runs.
    rows = queries.running_clocks(dc.duty_clerk, now=after(minutes=15, seconds=30))
    assert rows[0].view.seconds_remaining == -30
    assert rows[0].view.overdue_minutes == 1
    assert rows[0].view.light == "red"
    assert rows[0].view.status_text == "已超时1分钟"


def test_duty2_met_clocks_leave_the_running_list(dc, incident):
    phone(dc, incident, after(minutes=10))
    send(dc, written(dc, incident, after(minutes=12)), after(minutes=20))
    assert queries.running_clocks(dc.duty_clerk, now=after(minutes=21)) == []


def test_duty1_final_report_closes_the_incident(dc, incident):
    send(dc, written(dc, incident, after(minutes=10)), after(minutes=20))
    send(dc, written(dc, incident, after(hours=3), kind="follow_up", text="续报：火已扑灭。"), after(hours=3))
    send(dc, written(dc, incident, after(hours=20), kind="final", text="终报：原因调查中。"), after(hours=21))
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert incident.closed_at == after(hours=21)
    with pytest.raises(duty.ValidationError):
        written(dc, incident, after(hours=22), kind="follow_up", text="再报")


def test_duty1_report_chain_order(dc, incident):
    with pytest.raises(duty.ValidationError) as e:
        written(dc, incident, after(minutes=5), kind="follow_up")
    assert "首报" in str(e.value)
    written(dc, incident, after(minutes=5))
    with pytest.raises(duty.ValidationError) as e:
        written(dc, incident, after(minutes=6))
    assert "已有首报" in str(e.value)


def test_duty1_incident_input_is_checked(dc):
    from .conftest import incident_data

    with pytest.raises(duty.ValidationError) as e:
        duty.report_incident(dc.town_duty, at=after(minutes=1), **incident_data(
            dc, title=" ", level="huge", learned_at=after(minutes=-20)))
    errors = e.value.message_dict
    assert set(errors) == {"title", "level", "learned_at"}
    assert "获知时间不能早于发生时间" in errors["learned_at"]
    with pytest.raises(duty.ValidationError) as e:
        duty.report_incident(dc.town_duty, at=after(minutes=1), **incident_data(dc, learned_at=after(minutes=5)))
    assert "晚于当前时间" in e.value.message_dict["learned_at"][0]


def test_duty1_phone_before_learning_is_refused(dc, incident):
    with pytest.raises(duty.ValidationError) as e:
        phone(dc, incident, T0 - dt.timedelta(minutes=1))
    assert "called_at" in e.value.message_dict


def test_duty1_other_unit_cannot_report_for_the_town(dc):
    from .conftest import incident_data

    with pytest.raises(duty.PermissionDenied):
        duty.report_incident(dc.fin_user, at=after(minutes=1), **incident_data(dc))
