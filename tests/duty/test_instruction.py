"""DUTY-5: a leader's instruction on a bulletin item becomes a supervised
matter for the units concerned, relayed under the 1-hour rule."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from duban.clocks.models import ClockState
from duban.clocks.services import clocks_for
from duban.duty import queries
from duban.duty import services as duty
from duban.journal.models import Event
from duban.org.visibility import get_visible_or_404, visible
from duban.supervision.models import Matter
from duban.supervision.transitions import State

from .conftest import after


def test_duty5_instruction_becomes_an_assigned_matter(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请应急局牵头，城关镇配合，全力做好伤员救治和隐患排查。",
                                  [dc.emergency, dc.town], dc.supervisor, at=after(hours=2, minutes=30),
                                  instructed_at=after(hours=2))
    m = ins.matter
    assert m.state == State.ASSIGNED and m.number
    assert m.source_kind == "leader_instruction"
    assert m.instructing_leader == dc.leader and m.responsible_leader == dc.leader
    assert m.instruction_date == dt.date(2026, 3, 2)
    assert m.instruction_text.startswith("请应急局牵头")
    assert m.lead_unit == dc.emergency and m.lead_person == dc.em_user  # the liaison
    assert [(c.unit, c.person) for c in m.cooperations.all()] == [(dc.town, dc.town_user)]
    assert m.source_ref == "值班要情2026年第1期"
    assert "城关镇化工厂火灾" in m.title
    # The matter's completion follows the 7-working-day default.
    assert clocks_for(m, "completion").get().rule.code == "matter_report_7wd"
    # The relay clock: 1 hour from the instruction, met when assigned.
    relay = clocks_for(ins, "relay").get()
    assert relay.rule.code == "county_instruction_relay_1h"
    assert (relay.started_at, relay.due_at) == (after(hours=2), after(hours=3))
    assert (relay.state, relay.met_at) == (ClockState.MET, after(hours=2, minutes=30))
    assert Event.objects.filter(action="duty.instruction.record", object_id=str(ins.pk)).exists()
    assert Event.objects.filter(action="supervision.matter.assign", object_id=str(m.pk)).exists()


def test_duty5_late_relay_is_late_in_minutes(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请迅速核实。", [dc.town], dc.supervisor,
                                  at=after(hours=3, minutes=10), instructed_at=after(hours=2))
    relay = clocks_for(ins, "relay").get()
    assert relay.state == ClockState.MET_LATE
    assert queries.late_minutes(relay.due_at, relay.met_at) == 10


def test_duty5_matter_visible_to_the_concerned_units_only(dc, item):
    ins = duty.record_instruction(item, dc.leader, "请抓紧处置。", [dc.emergency, dc.town], dc.supervisor,
                                  at=after(hours=2))
    m = ins.matter
    assert get_visible_or_404(Matter, dc.em_user, pk=m.pk) == m
    assert get_visible_or_404(Matter, dc.town_user, pk=m.pk) == m
    with pytest.raises(Http404):
        get_visible_or_404(Matter, dc.fin_user, pk=m.pk)
    assert not visible(Matter, dc.edu_user).filter(pk=m.pk).exists()


def test_duty5_instruction_needs_an_issued_bulletin_and_the_duty_office_or_supervisor(dc, incident, item):
    # A town's own duty officer (no county duty jurisdiction) and a liaison
    # are refused; the county duty office and the 督查室 may relay.
    for who in (dc.town_duty, dc.town_user, dc.edu_user):
        with pytest.raises(PermissionDenied):
            duty.record_instruction(item, dc.leader, "请处置。", [dc.town], who, at=after(hours=2))
    b = duty.create_bulletin(dc.duty_clerk, title="草稿", at=after(hours=2),
                             items=[{"heading": "另一条", "summary": "内容"}])
    with pytest.raises(ValidationError) as e:
        duty.record_instruction(b.items.get(), dc.leader, "请处置。", [dc.town], dc.supervisor, at=after(hours=2))
    assert "尚未印发" in e.value.message_dict["item"][0]
    assert not Matter.objects.exists()


def test_duty5_instruction_input_errors_write_nothing(dc, item):
    nobody = dc.person("nobody_unit_user", "无名", dc.edu_office)  # an office without liaison or head
    with pytest.raises(ValidationError) as e:
        duty.record_instruction(item, dc.town_duty, " ", [dc.edu_office], dc.supervisor, at=after(hours=2))
    errors = e.value.message_dict
    assert set(errors) == {"leader", "text", "units"}
    assert "没有联络员或负责人" in errors["units"][0]
    assert nobody is not None
    assert not Matter.objects.exists()
    assert not Event.objects.filter(action="duty.instruction.record").exists()
