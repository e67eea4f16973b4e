"""DUTY-4: key figures of different units must agree; differences are
shown; the history runs from first to final report."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from duban.duty import queries
from duban.duty import services as duty

from .conftest import after, send, written


def em_report(dc, incident, at, kind="first", **figures):
    return written(dc, incident, at, kind=kind, unit=dc.emergency, by=dc.em_user, text=f"应急局{kind}", **figures)


def test_duty4_conflicting_figures_between_two_units_are_highlighted(dc, incident):
    send(dc, written(dc, incident, after(minutes=10), deaths=2, injuries=5, economic_loss="120.5"),
         after(minutes=20))
    send(dc, em_report(dc, incident, after(minutes=15), deaths=3, injuries=5, economic_loss="120.50", missing=1),
         after(minutes=25), signer=dc.em_head)
    conflicts = queries.figure_conflicts(incident)
    assert list(conflicts) == ["deaths"]  # 120.5 = 120.50; missing given by one unit only
    assert [(u.name, v) for u, v in conflicts["deaths"]] == [("城关镇", 2), ("县应急管理局", 3)]
    rows = queries.latest_figures(incident)
    assert [(r.unit.name, r.conflicts) for r in rows] == [("城关镇", {"deaths"}), ("县应急管理局", {"deaths"})]


def test_duty4_latest_report_of_each_unit_is_compared(dc, incident):
    send(dc, written(dc, incident, after(minutes=10), deaths=2), after(minutes=20))
    send(dc, em_report(dc, incident, after(minutes=15), deaths=3), after(minutes=25), signer=dc.em_head)
    assert "deaths" in queries.figure_conflicts(incident)
    send(dc, written(dc, incident, after(hours=2), kind="follow_up", text="续报", deaths=3), after(hours=2))
    assert queries.figure_conflicts(incident) == {}


def test_duty4_unsent_drafts_are_not_compared(dc, incident):
    send(dc, written(dc, incident, after(minutes=10), deaths=2), after(minutes=20))
    em_report(dc, incident, after(minutes=15), deaths=9)  # not signed
    assert queries.figure_conflicts(incident) == {}


def test_duty4_history_from_first_to_final(dc, incident):
    send(dc, written(dc, incident, after(minutes=10), deaths=1, injuries=3), after(minutes=20))
    send(dc, written(dc, incident, after(hours=2), kind="follow_up", text="续报", deaths=2), after(hours=2))
    send(dc, em_report(dc, incident, after(minutes=15), deaths=2), after(minutes=30), signer=dc.em_head)
    send(dc, written(dc, incident, after(hours=30), kind="final", text="终报", deaths=2, injuries=4,
                     economic_loss=Decimal("88.00")), after(hours=30))
    history = queries.figure_history(incident)
    assert [h.unit.name for h in history] == ["城关镇", "县应急管理局"]
    town = history[0]
    assert [e.kind_display for e in town.entries] == ["首报", "续报", "终报"]
    assert [e.figures["deaths"] for e in town.entries] == [1, 2, 2]
    # The follow-up took over the injuries it did not restate.
    assert [e.figures["injuries"] for e in town.entries] == [3, 3, 4]
    assert [e.changed for e in town.entries] == [set(), {"deaths"}, {"injuries", "economic_loss"}]
    assert town.latest.figures["economic_loss"] == Decimal("88.00")
    assert [e.sent_at for e in town.entries] == [after(minutes=20), after(hours=2), after(hours=30)]


def test_duty4_follow_up_keeps_figures_it_does_not_change(dc, incident):
    r = written(dc, incident, after(minutes=10), deaths=1, affected=300)
    v2 = duty.revise_report(r, dc.town_duty, figures={"deaths": 2}, at=after(minutes=11))
    assert (v2.deaths, v2.affected) == (2, 300)


@pytest.mark.parametrize("figures,field,message", [
    ({"deaths": -1}, "deaths", "不能为负数"),
    ({"injuries": "三"}, "injuries", "应为整数"),
    ({"economic_loss": "1.234"}, "economic_loss", "两位小数"),
    ({"economic_loss": "abc"}, "economic_loss", "应为数字"),
    ({"victims": 1}, "victims", "未知数据项"),
])
def test_duty4_bad_figures_are_refused_naming_the_field(dc, incident, figures, field, message):
    with pytest.raises(ValidationError) as e:
        written(dc, incident, after(minutes=10), **figures)
    assert message in e.value.message_dict[field][0]
