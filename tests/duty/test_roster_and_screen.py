"""The duty roster (entered by month) and the duty office's screen (no N+1)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.duty import queries
from duban.duty import services as duty
from duban.duty.models import DutyShift
from duban.journal.models import Event

from .conftest import after, incident_data, local, phone


def test_roster_month_is_replaced_in_one_go(dc):
    shifts = duty.set_month_roster(dc.town, 2026, 3, [
        {"date": 1, "officer": dc.town_duty, "leader": dc.town_head},
        {"date": "2026-03-02", "officer": dc.town_duty.pk, "leader": dc.town_leader.pk, "note": "汛期"},
    ], dc.town_duty, at=local(2026, 2, 28, 9))
    assert [(s.date.day, s.leader) for s in shifts] == [(1, dc.town_head), (2, dc.town_leader)]
    assert DutyShift.objects.filter(unit=dc.town).count() == 2
    s = duty.on_duty(dc.town, dt.date(2026, 3, 2))
    assert (s.officer, s.leader, s.note) == (dc.town_duty, dc.town_leader, "汛期")
    assert duty.on_duty(dc.town, local(2026, 3, 1, 23, 30)).leader == dc.town_head
    assert duty.on_duty(dc.town, dt.date(2026, 3, 3)) is None
    assert Event.objects.filter(action="duty.roster.set").count() == 2  # the fixture's and this one


def test_roster_errors_name_the_day_and_write_nothing(dc):
    before = DutyShift.objects.filter(unit=dc.town).count()
    with pytest.raises(ValidationError) as e:
        duty.set_month_roster(dc.town, 2026, 3, [
            {"date": 5, "officer": dc.town_user, "leader": dc.town_leader},  # a liaison, not a duty officer
            {"date": 6, "officer": dc.em_user, "leader": dc.town_leader},  # another unit's duty officer
            {"date": 7, "officer": dc.town_duty, "leader": dc.town_duty},  # not a leader
            {"date": 7, "officer": dc.town_duty, "leader": dc.town_leader},
            {"date": 32, "officer": dc.town_duty, "leader": dc.town_leader},
            {"date": "2026-04-01", "officer": dc.town_duty, "leader": dc.town_leader},
            {"date": 8, "officer": None, "leader": dc.town_leader},
        ], dc.town_duty, at=local(2026, 2, 28, 9))
    assert e.value.messages == [
        "第5行：2026年3月没有32日",
        "4月1日：不在2026年3月",
        "3月5日：赵城关没有“值班员”角色",
        "3月6日：值班员吴应急不属于城关镇",
        "3月7日：冯值班没有“带班领导”或“单位负责人”角色",
        "3月7日：重复安排",
        "3月8日：请选择值班员",
    ]
    assert DutyShift.objects.filter(unit=dc.town).count() == before


def test_roster_county_duty_office_may_use_leaders_with_scope(dc):
    # 钱带班 sits in 县政府办公室 and leads the county duty office's shifts
    # through the scope of the role.
    shifts = duty.set_month_roster(dc.duty_unit, 2026, 3, [
        {"date": 2, "officer": dc.duty_clerk, "leader": dc.duty_chief}], dc.duty_clerk)
    assert shifts[0].leader == dc.duty_chief
    with pytest.raises(PermissionDenied):
        duty.set_month_roster(dc.town, 2026, 3, [], dc.fin_user)


def _incidents(dc, n, start):
    for i in range(n):
        inc = duty.report_incident(dc.town_duty, at=after(minutes=start + i), **incident_data(
            dc, title=f"事件{start + i}", learned_at=after(minutes=start + i)))
        phone(dc, inc, after(minutes=start + i))


def test_duty_screen_query_count_does_not_grow(dc):
    _incidents(dc, 2, 0)
    user = dc.duty_clerk
    queries.duty_screen(user, now=after(minutes=30))  # warm caches (content types, the user's roles)
    with CaptureQueriesContext(connection) as small:
        screen = queries.duty_screen(user, now=after(minutes=30))
        [(r.view.seconds_remaining, r.incident.reporting_unit.name) for r in screen.running]
        [(i.reporting_unit.name, [u.name for u in i.involved_units.all()], i.clock_list)
         for i in screen.incidents]
        [(s.unit.name, s.officer.get_full_name(), s.leader.get_full_name()) for s in screen.roster]
    _incidents(dc, 6, 10)
    with CaptureQueriesContext(connection) as large:
        screen = queries.duty_screen(user, now=after(minutes=30))
        [(r.view.seconds_remaining, r.incident.reporting_unit.name) for r in screen.running]
        [(i.reporting_unit.name, [u.name for u in i.involved_units.all()], i.clock_list)
         for i in screen.incidents]
        [(s.unit.name, s.officer.get_full_name(), s.leader.get_full_name()) for s in screen.roster]
    assert len(screen.incidents.object_list) == 8
    assert len(screen.running) == 16  # phone met; written and written_2h running for each
    assert len(screen.roster) == 1
    assert len(large.captured_queries) == len(small.captured_queries)
    # roster, running clocks, their incidents, count, page, involved units, the page's clocks
    assert len(large.captured_queries) <= 7, [q["sql"][:80] for q in large.captured_queries]


def test_incident_list_newest_learned_first_and_paginated(dc):
    _incidents(dc, 5, 0)
    page = queries.incident_page(dc.duty_clerk, page=1, per_page=2, now=after(minutes=30))
    assert [i.title for i in page] == ["事件4", "事件3"]
    assert page.paginator.count == 5 and page.has_next()
    assert page.object_list[0].clock_views["phone"].state == "met"
    assert [c.kind for c in page.object_list[0].clock_list] == ["phone", "written", "written_2h"]
    assert [i.title for i in queries.incident_page(dc.duty_clerk, page=3, per_page=2)] == ["事件0"]
