"""MEET-4: meetings, documents and inspections count against their unit's
annual plan through the hand-over `count_against_plan`, once per record,
and a withdrawn record keeps its row, marked, journaled."""

import datetime as dt

import pytest

from duban.journal.models import Event
from duban.plans import services as plans
from duban.plans.models import PlanKind, PlanUsage

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_meet4_a_record_counts_once_and_moves_with_its_date(county):
    source = county.edu  # any saved model stands for the counted record
    u = plans.count_against_plan(source, unit=county.edu, kind="meeting", when=dt.date(2026, 3, 5),
                                 title="全县教育工作会议", by=county.supervisor, at=AT)
    assert (u.unit, u.year, u.kind, u.occurred_on) == (county.edu, 2026, PlanKind.MEETING, dt.date(2026, 3, 5))
    again = plans.count_against_plan(source, unit=county.edu, kind="meeting", when=dt.date(2027, 1, 4),
                                     title="全县教育工作会议（改期）", by=county.supervisor, at=AT)
    assert again.pk == u.pk and again.year == 2027 and PlanUsage.objects.count() == 1
    assert Event.objects.filter(action="plans.usage.count").count() == 2


def test_meet4_a_withdrawn_record_keeps_its_row_marked(county):
    source = county.edu
    plans.count_against_plan(source, unit=county.edu, kind="document", when=AT, title="关于……的通知", at=AT)
    u = plans.withdraw_from_plan(source, reason="会议取消", by=county.supervisor, at=AT)
    assert u.withdrawn_at == AT and u.withdrawn_reason == "会议取消"
    assert plans.withdraw_from_plan(source, reason="再次", at=AT).withdrawn_reason == "会议取消"
    ev = Event.objects.get(action="plans.usage.withdraw")
    assert ev.after == {"reason": "会议取消"} and ev.occurred_at == AT
