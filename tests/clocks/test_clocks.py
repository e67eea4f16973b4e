"""TL-4: clocks, pauses, meeting a deadline, explicit and rule deadlines,
the traffic light."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from duban.clocks import services as clocks
from duban.clocks import sweep
from duban.clocks.models import Clock, ClockFlip, ClockState, FlipKind, Light
from duban.journal import chain
from duban.journal.models import Event
from duban.timelimits.calendar import CalendarMissing, get_calendar
from duban.timelimits.models import CalendarDay, CalendarYear, TimeLimitRule

from .conftest import local

pytestmark = pytest.mark.django_db

# 2026 (国务院办公厅关于2026年部分节假日安排的通知): 中秋节 9月25日至27日,
# 国庆节 10月1日至7日放假, 10月10日（星期六）上班.
SEP29 = local(2026, 9, 29, 10, 0)


def start(owner, county, **kw):
    kw.setdefault("owner_unit", county.edu)
    kw.setdefault("owner_person", county.edu_user)
    kw.setdefault("label", f"“{owner.title}”报告落实情况")
    return clocks.start_clock(owner, kw.pop("kind", "report"), **kw)


def test_tl4_start_from_rule_copies_limit_and_computes_moments(owner, county):
    c = start(owner, county, rule="matter_report_7wd", started_at=SEP29)
    rule = TimeLimitRule.objects.get(code="matter_report_7wd")
    assert (c.rule, c.limit, c.explicit, c.state) == (rule, "7wd", False, ClockState.RUNNING)
    # 9/30, 10/8, 10/9, 10/10 (adjusted Saturday), 10/12, 10/13, 10/14.
    assert c.due_at == local(2026, 10, 14, 23, 59, 59)
    # Default warning: end of the working day before the due day.
    assert c.warn_at == local(2026, 10, 13, 23, 59, 59)
    assert c.base_due_at == c.due_at and c.base_warn_at == c.warn_at
    assert Event.objects.filter(action="clocks.start", object_id=str(c.pk)).count() == 1
    assert list(clocks.clocks_for(owner)) == [c]


def test_tl4_start_needs_exactly_one_source_of_deadline(owner, county):
    with pytest.raises(ValidationError):
        start(owner, county)
    with pytest.raises(ValidationError):
        start(owner, county, limit="1h", due_at=local(2026, 10, 1))
    with pytest.raises(ValidationError):
        start(owner, county, due_at=local(2026, 9, 1), started_at=SEP29)


def test_tl1_clock_reaching_a_provisional_year_is_marked(owner, county):
    c = start(owner, county, rule="matter_report_7wd", started_at=local(2026, 12, 28, 9))
    # 12/29-12/31, provisional 元旦 1/1, then 1/4-1/7.
    assert c.due_at == local(2027, 1, 7, 23, 59, 59)
    assert c.provisional and c.provisional_years == [2027]
    assert c.provisional_note == "（暂定：待国务院公布2027年节假日安排后自动校正）"
    # A deadline a person set, a clock-time limit and an official span are not.
    explicit = start(owner, county, kind="completion", due_at=local(2027, 2, 20, 18), started_at=local(2026, 12, 28))
    hours = start(owner, county, kind="phone", limit="2h", started_at=local(2027, 2, 5, 9))
    official = start(owner, county, kind="other", limit="7wd", started_at=SEP29)
    assert not explicit.provisional and not hours.provisional and not official.provisional
    assert official.provisional_note == ""


def test_tl1_clock_beyond_the_computation_fails_naming_the_year_and_writes_nothing(owner, county):
    before = Clock.objects.count()
    with pytest.raises(CalendarMissing) as e:
        start(owner, county, limit="7wd", started_at=local(2099, 12, 28, 9))
    assert e.value.year == 2100
    assert "2100年不在工作日历的计算范围内" in e.value.messages[0]
    assert Clock.objects.count() == before


def test_tl4_pause_over_national_day_does_not_eat_working_days(owner, county):
    c = start(owner, county, limit="7wd", started_at=SEP29)
    due = c.due_at
    clocks.pause(c, "延期申请待批", at=local(2026, 10, 1, 0, 0))
    clocks.resume(c, at=local(2026, 10, 8, 0, 0))
    c.refresh_from_db()
    assert c.state == ClockState.RUNNING
    assert c.due_at == due == local(2026, 10, 14, 23, 59, 59)


def test_tl4_pause_of_two_working_days_moves_due_by_two_working_days(owner, county):
    c = start(owner, county, limit="7wd", started_at=SEP29)
    # 9/30 00:00 → 10/9 00:00 holds two working days (9/30 and 10/8) and
    # the whole National Day holiday between them.
    clocks.pause(c, "延期申请待批", at=local(2026, 9, 30, 0, 0))
    clocks.resume(c, at=local(2026, 10, 9, 0, 0))
    c.refresh_from_db()
    cal = get_calendar()
    assert c.due_at.date() == cal.add_workdays(dt.date(2026, 10, 14), 2) == dt.date(2026, 10, 16)
    assert c.due_at == local(2026, 10, 16, 23, 59, 59)
    assert c.base_due_at == local(2026, 10, 14, 23, 59, 59)  # the base never changes
    assert cal.working_seconds_between(c.base_due_at, c.due_at) == 2 * 86400


def test_tl4_pauses_accumulate_from_history_not_a_counter(owner, county):
    c = start(owner, county, limit="7wd", started_at=SEP29)
    # Two half-day pauses on working days = one working day.
    clocks.pause(c, "第一次", at=local(2026, 9, 30, 8))
    clocks.resume(c, at=local(2026, 9, 30, 20))
    clocks.pause(c, "第二次", at=local(2026, 10, 8, 8))
    clocks.resume(c, at=local(2026, 10, 8, 20))
    c.refresh_from_db()
    assert c.due_at == local(2026, 10, 15, 23, 59, 59)
    assert c.pauses.count() == 2


def test_tl4_clock_time_pause_moves_by_wall_time(owner, county):
    c = start(owner, county, kind="written", limit="30min", started_at=local(2026, 10, 1, 9, 0))
    assert c.due_at == local(2026, 10, 1, 9, 30)
    clocks.pause(c, "等待核实", at=local(2026, 10, 1, 9, 10))
    # The light keeps the colour it had when paused.
    assert clocks.light(c, now=local(2026, 10, 1, 12)) == Light.GREEN
    clocks.resume(c, at=local(2026, 10, 1, 9, 25))
    c.refresh_from_db()
    assert c.due_at == local(2026, 10, 1, 9, 45)
    assert c.warn_at == local(2026, 10, 1, 9, 35)  # 20 of 30 minutes, moved by the 15-minute pause


def test_tl4_paused_clock_is_not_breached_by_the_sweep(owner, county):
    c = start(owner, county, kind="phone", limit="15min", started_at=local(2026, 3, 2, 9))
    clocks.pause(c, "通讯中断", at=local(2026, 3, 2, 9, 5))
    sweep.sweep_breaches(now=local(2026, 3, 2, 10))
    c.refresh_from_db()
    assert c.state == ClockState.PAUSED
    assert not ClockFlip.objects.filter(clock=c).exists()


def test_tl4_met_on_time_and_met_late_with_how_late(owner, county):
    on_time = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    late = start(owner, county, kind="completion", limit="1h", started_at=local(2026, 3, 2, 9))
    clocks.meet(on_time, at=local(2026, 3, 2, 9, 59))
    clocks.meet(late, at=local(2026, 3, 2, 10, 2, 30))
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.state, on_time.late_seconds) == (ClockState.MET, 0)
    assert (late.state, late.late_seconds) == (ClockState.MET_LATE, 150)
    assert clocks.light(late) == Light.DONE
    with pytest.raises(ValidationError):
        clocks.meet(on_time)


def test_tl4_breached_clock_can_still_be_met_late(owner, county):
    c = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    assert sweep.flip_breach(c.pk)
    clocks.meet(c, at=local(2026, 3, 2, 12))
    c.refresh_from_db()
    assert (c.state, c.late_seconds) == (ClockState.MET_LATE, 2 * 3600)
    assert c.breached_at is not None


def test_tl4_stopped_clock_owes_nothing_neither_warns_nor_breaches_and_has_no_colour(owner, county):
    """An obligation withdrawn (its matter cancelled): running, paused or
    breached, the clock stops; a pause ends with it, a breach stays on
    record; a stopped or met clock cannot be stopped (again)."""
    at = local(2026, 3, 2, 9)
    running = start(owner, county, limit="1h", started_at=at)
    paused = start(owner, county, limit="1h", started_at=at)
    breached = start(owner, county, limit="1h", started_at=at)
    met = start(owner, county, limit="1h", started_at=at)
    clocks.pause(paused, "办结待审", at=local(2026, 3, 2, 9, 50))
    assert sweep.flip_breach(breached.pk)
    clocks.meet(met, at=local(2026, 3, 2, 9, 30))
    with pytest.raises(ValidationError, match="终止原因"):
        clocks.stop(running, " ", at=local(2026, 3, 2, 9, 55))
    for c in (running, paused, breached):
        clocks.stop(c, "事项撤销", at=local(2026, 3, 2, 10, 30))
        c.refresh_from_db()
        assert (c.state, c.stopped_at, c.paused_at) == (ClockState.STOPPED, local(2026, 3, 2, 10, 30), None)
        assert clocks.light(c, now=local(2026, 3, 2, 11)) == Light.STOPPED
        assert Event.objects.get(action="clocks.stop", object_id=str(c.pk)).after["reason"] == "事项撤销"
    assert paused.pauses.get().ended_at == local(2026, 3, 2, 10, 30)
    assert paused.due_at == local(2026, 3, 2, 10)  # the deadline as it stood
    assert breached.breached_at is not None
    for c in (running, met):
        with pytest.raises(ValidationError, match="不能执行此操作"):
            clocks.stop(c, "事项撤销")
    assert sweep.sweep_warnings(now=local(2026, 3, 3)) == 0
    assert sweep.sweep_breaches(now=local(2026, 3, 3)) == 0
    assert not ClockFlip.objects.filter(clock__in=[running, paused]).exists()
    assert chain.verify().ok


def test_tl4_guarded_update_refuses_a_second_flip(owner, county):
    c = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    events = Event.objects.count()
    assert sweep.flip_breach(c.pk) is True
    assert sweep.flip_breach(c.pk) is False
    assert sweep.sweep_breaches(now=local(2026, 3, 2, 11)) == 0
    assert ClockFlip.objects.filter(clock=c, kind=FlipKind.BREACH).count() == 1
    assert Event.objects.count() == events + 1
    assert Event.objects.get(action="clocks.breach").object_id == str(c.pk)
    assert Event.objects.get(action="clocks.breach").object_repr == c.label
    # A clock whose deadline has not come (say, moved since the sweep read
    # it) is not flipped either.
    other = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    assert sweep.flip_breach(other.pk, now=local(2026, 3, 2, 9, 59, 59)) is False
    assert sweep.flip_breach(other.pk, now=local(2026, 3, 2, 10)) is True
    assert chain.verify().ok


def test_tl4_sweep_warns_then_breaches_once_each(owner, county):
    c = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    assert sweep.sweep_warnings(now=local(2026, 3, 2, 9, 39)) == 0
    assert sweep.sweep_warnings(now=local(2026, 3, 2, 9, 40)) == 1
    assert sweep.sweep_warnings(now=local(2026, 3, 2, 9, 41)) == 0
    assert sweep.sweep_breaches(now=local(2026, 3, 2, 9, 59)) == 0
    assert sweep.sweep_breaches(now=local(2026, 3, 2, 10, 0)) == 1
    assert sweep.sweep_breaches(now=local(2026, 3, 2, 10, 1)) == 0
    kinds = dict(ClockFlip.objects.filter(clock=c).values_list("kind").annotate(n=Count("id")))
    assert kinds == {FlipKind.WARNING: 1, FlipKind.BREACH: 1}
    c.refresh_from_db()
    assert c.state == ClockState.BREACHED and c.warned


def test_tl4_explicit_deadline_set_by_a_person_is_journaled(owner, county):
    c = start(owner, county, limit="7wd", started_at=SEP29)
    clocks.change_deadline(c, local(2026, 10, 20, 18), "县长批准延期", by=county.leader)
    c.refresh_from_db()
    assert c.explicit and c.due_at == local(2026, 10, 20, 18)
    e = Event.objects.get(action="clocks.deadline")
    assert e.before["due_at"].startswith("2026-10-14T15:59:59")  # UTC
    assert e.after["due_at"].startswith("2026-10-20T10:00:00")
    assert e.actor == county.leader
    with pytest.raises(ValidationError):
        clocks.change_deadline(c, local(2026, 10, 21), "  ")


@pytest.mark.usefixtures("fresh_calendar")
def test_tl1_calendar_change_recomputes_rule_deadlines_not_explicit_ones(owner, county):
    rule_clock = start(owner, county, rule="matter_report_7wd", started_at=SEP29)
    paused_rule_clock = start(owner, county, kind="ack", limit="7wd", started_at=SEP29)
    clocks.pause(paused_rule_clock, "待批", at=local(2026, 10, 9, 12))
    explicit = start(owner, county, kind="completion", due_at=local(2026, 10, 14, 23, 59, 59), started_at=SEP29)
    changed = start(owner, county, kind="other", limit="7wd", started_at=SEP29)
    clocks.change_deadline(changed, local(2026, 10, 14, 23, 59, 59), "人工确定")
    done = start(owner, county, kind="done", limit="7wd", started_at=SEP29)
    clocks.meet(done, at=local(2026, 10, 1))

    # The administrator turns Monday 10/12 into a holiday.
    CalendarDay.objects.filter(date=dt.date(2026, 10, 12)).update(kind="holiday", is_workday=False, name="测试")
    CalendarYear.objects.filter(year=2026).update(revision=99)
    from duban.timelimits import calendar as tl_calendar

    tl_calendar.invalidate()
    result = clocks.recompute_rule_clocks(reason="2026年日历调整")

    for c in (rule_clock, paused_rule_clock, explicit, changed, done):
        c.refresh_from_db()
    assert rule_clock.due_at == local(2026, 10, 15, 23, 59, 59)
    assert paused_rule_clock.base_due_at == local(2026, 10, 15, 23, 59, 59)
    assert explicit.due_at == local(2026, 10, 14, 23, 59, 59)
    assert changed.due_at == local(2026, 10, 14, 23, 59, 59)
    assert done.due_at == local(2026, 10, 14, 23, 59, 59)
    assert {c[0] for c in result.changed} == {rule_clock.pk, paused_rule_clock.pk}
    events = Event.objects.filter(action="clocks.recompute")
    assert {e.object_id for e in events} == {str(rule_clock.pk), str(paused_rule_clock.pk)}
    e = events.get(object_id=str(rule_clock.pk))
    assert e.before["due_at"] != e.after["due_at"] and e.after["reason"] == "2026年日历调整"
    # Nothing changed: nothing journaled the second time.
    assert clocks.recompute_rule_clocks(reason="再算一次").changed == []
    assert chain.verify().ok


def test_tl3_rule_edit_recomputes_that_rules_clocks(owner, county):
    rule = TimeLimitRule.objects.get(code="matter_report_7wd")
    c = start(owner, county, rule=rule, started_at=SEP29)
    rule.limit = "5wd"
    rule.save()
    clocks.recompute_rule_clocks(reason="规则调整", rule=rule)
    c.refresh_from_db()
    assert c.limit == "5wd"
    assert c.due_at == local(2026, 10, 12, 23, 59, 59)


def test_tl4_light_green_yellow_red_done(owner, county):
    c = start(owner, county, limit="1h", started_at=local(2026, 3, 2, 9))
    assert clocks.light(c, now=local(2026, 3, 2, 9, 10)) == Light.GREEN
    assert clocks.light(c, now=local(2026, 3, 2, 9, 40)) == Light.YELLOW
    # Red at the deadline even when no sweep ran.
    assert clocks.light(c, now=local(2026, 3, 2, 10, 0)) == Light.RED
    assert c.state == ClockState.RUNNING
    clocks.meet(c, at=local(2026, 3, 2, 10, 30))
    c.refresh_from_db()
    assert clocks.light(c, now=local(2026, 3, 2, 11)) == Light.DONE
    assert c.light(now=local(2026, 3, 2, 11)) == "done"


def test_sup4_annotate_light_agrees_with_light_and_sorts_in_sql(owner, county):
    base = local(2026, 3, 2, 9)
    made = [
        start(owner, county, kind="a", limit="1h", started_at=base),                      # red at 10:30
        start(owner, county, kind="b", limit="2h", started_at=base),                      # yellow (warn 10:20)
        start(owner, county, kind="c", limit="7wd", started_at=base),                     # green
        start(owner, county, kind="d", limit="1h", started_at=base),                      # done
        start(owner, county, kind="e", limit="1h", started_at=base),                      # paused while yellow
        start(owner, county, kind="f", limit="1h", started_at=base),                      # breached
        start(owner, county, kind="g", limit="1h", started_at=base),                      # stopped
    ]
    clocks.meet(made[3], at=base + dt.timedelta(minutes=5))
    clocks.pause(made[4], "待批", at=base + dt.timedelta(minutes=45))
    sweep.flip_breach(made[5].pk)
    clocks.stop(made[6], "事项撤销", at=base + dt.timedelta(minutes=50))
    now = local(2026, 3, 2, 10, 30)
    rows = list(clocks.annotate_light(Clock.objects.all(), now).order_by("light_rank", "due_at"))
    for row in rows:
        assert row.light == clocks.light(row, now), row.kind
    assert [r.light for r in rows] == ["red", "red", "yellow", "yellow", "green", "done", "stopped"]
    counts = dict(clocks.annotate_light(Clock.objects.all(), now).values_list("light").annotate(n=Count("id")))
    assert counts == {"red": 2, "yellow": 2, "green": 1, "done": 1, "stopped": 1}


@pytest.mark.usefixtures("fresh_calendar")
def test_tl1_year_entered_by_administrator_recomputes_rule_clocks_end_to_end(
        owner, county, django_capture_on_commit_callbacks):
    from duban.timelimits import services as tl

    rule_clock = start(owner, county, rule="matter_report_7wd", started_at=SEP29)
    explicit = start(owner, county, kind="completion", due_at=local(2026, 10, 14, 23, 59, 59), started_at=SEP29)
    holidays, adjusted = tl.derive_schedule(2026)
    # A corrected notice: National Day runs to Thursday 10/8.
    holidays = [tl.HolidayRange(h.name, h.start, dt.date(2026, 10, 8)) if h.start == dt.date(2026, 10, 1) else h
                for h in holidays]
    with django_capture_on_commit_callbacks(execute=True):
        tl.enter_year(2026, holidays=holidays, adjusted_workdays=adjusted, note="更正", by=county.sysadmin)
    rule_clock.refresh_from_db()
    explicit.refresh_from_db()
    # 9/30, 10/9, 10/10, 10/12, 10/13, 10/14, 10/15.
    assert rule_clock.due_at == local(2026, 10, 15, 23, 59, 59)
    assert explicit.due_at == local(2026, 10, 14, 23, 59, 59)
    assert Event.objects.filter(action="clocks.recompute", object_id=str(rule_clock.pk)).exists()


def test_tl3_rule_saved_by_administrator_recomputes_its_clocks(owner, county, django_capture_on_commit_callbacks):
    from duban.timelimits import services as tl

    c = start(owner, county, rule="matter_report_7wd", started_at=SEP29)
    rule = TimeLimitRule.objects.get(code="matter_report_7wd")
    rule.limit = "5wd"
    with django_capture_on_commit_callbacks(execute=True):
        tl.save_rule(rule, by=county.sysadmin)
    c.refresh_from_db()
    assert (c.limit, c.due_at) == ("5wd", local(2026, 10, 12, 23, 59, 59))


def test_tl3_unknown_or_inactive_rule_is_refused(owner, county):
    with pytest.raises(ValidationError) as e:
        start(owner, county, rule="no_such_rule")
    assert "no_such_rule" in str(e.value)
    TimeLimitRule.objects.filter(code="matter_report_7wd").update(is_active=False)
    with pytest.raises(ValidationError):
        start(owner, county, rule="matter_report_7wd")


def test_sup4_light_snippet_renders_the_dot_with_its_name():
    from django.template.loader import render_to_string

    html = render_to_string("clocks/_light.html", {"light": "yellow", "due": local(2026, 10, 14, 23, 59, 59)})
    assert 'class="light yellow"' in html and 'aria-label="黄灯"' in html and "2026-10-14 23:59" in html
    html = render_to_string("clocks/_light.html", {"light": "stopped"})
    assert 'class="light stopped"' in html and 'aria-label="已终止"' in html
