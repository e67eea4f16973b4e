"""ACC-1, ACC-2, ACC-4: the ladder as rows with their time limits, rules
that propose a measure from the record with its facts, the unit's side
kept before a decision, and a person deciding with reasons after checking
the three grounds of fault tolerance."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from duban.accountability import services
from duban.accountability.models import (
    Decision,
    Measure,
    Outcome,
    Statement,
    Suggestion,
    SuggestionRule,
    SuggestionState,
)
from duban.clocks.models import ClockState
from duban.journal.models import Event
from duban.timelimits.calendar import get_calendar
from duban.timelimits.services import get_rule
from tests.accountability.conftest import SWEPT, T0, overdue_matters
from tests.supervision.conftest import local

ALL_GROUNDS = {"ground_reform": True, "ground_no_gain": True, "ground_procedure": True}


def test_acc1_the_ladder_is_six_rows_with_their_answers_time_limits(db):
    ladder = list(Measure.objects.order_by("rung").values_list("name", "rung", "rule__code", "rule__limit"))
    assert [x[0] for x in ladder] == ["提醒", "函询", "诫勉", "约谈", "通报", "组织处理"]
    assert [x[1] for x in ladder] == [1, 2, 3, 4, 5, 6]
    inquiry = dict((x[0], x[3]) for x in ladder)
    assert inquiry["函询"] == "15wd" and inquiry["通报"] is None
    rule = SuggestionRule.objects.get(code="breaches_quarter_reminder")
    assert (rule.threshold, rule.period, rule.measure.code, rule.seed_section[:6]) == (3, "quarter", "reminder", "种子002 ")


def test_acc2_three_breaches_in_a_quarter_propose_a_reminder_with_the_facts(county, edu_breaches):
    made = services.evaluate(SWEPT)
    assert len(made) == 1
    s = made[0]
    assert (s.unit, s.measure.code, s.period_key, s.state) == (county.edu, "reminder", "2026Q1", SuggestionState.PENDING)
    assert len(s.facts) == 3
    for fact, m in zip(s.facts, edu_breaches, strict=True):
        assert m.number in fact["text"] and "超期" in fact["text"]
        assert fact["url"] == m.get_absolute_url()
    # Five working days to state its side, on the official calendar.
    assert s.statement_until == get_rule("acc_statement_5wd").compute_due_at(SWEPT)
    assert s.statement_until.astimezone(get_calendar().tz).date() == dt.date(2026, 4, 7)  # 清明 4–6 April
    assert Event.objects.filter(action="accountability.suggestion.create", object_id=str(s.pk)).count() == 1
    # Run again: nothing new; two breaches elsewhere propose nothing.
    overdue_matters(county, county.fin, county.fin_user, n=2, title="财政任务")
    assert services.evaluate(SWEPT) == []
    assert Suggestion.objects.count() == 1


def test_acc2_a_repeat_after_a_reminder_proposes_an_inquiry(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    services.state_side(s, county.edu_user, text="情况属实，已整改。", at=SWEPT)
    services.decide(s, county.supervisor, outcome=Outcome.ADOPTED, reasons="一季度三次超期", at=SWEPT)
    # One more breach after the reminder.
    later = local(2026, 4, 20, 9)
    overdue_matters(county, county.edu, county.edu_user, n=1, start=local(2026, 4, 1, 9), title="又一项任务")
    from duban.clocks import sweep

    sweep.tick(later, deliver=False)
    made = services.evaluate(later)
    inquiry = [x for x in made if x.measure.code == "inquiry"]
    assert len(inquiry) == 1 and inquiry[0].unit == county.edu
    assert "已决定提醒" in inquiry[0].facts[0]["text"]
    assert any("又一项任务1" in f["text"] for f in inquiry[0].facts)


def test_acc2_only_the_unit_concerned_states_its_side_and_it_is_kept(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    with pytest.raises(PermissionDenied):
        services.state_side(s, county.fin_user, text="不是我们的", at=SWEPT)
    with pytest.raises(ValidationError) as e:
        services.state_side(s, county.edu_user, text="  ", at=SWEPT)
    assert "陈述申辩" in str(e.value)
    st = services.state_side(s, county.edu_head, text="两项超期因上级调整要求所致。", at=SWEPT)
    assert Statement.objects.get(pk=st.pk).text == "两项超期因上级调整要求所致。"
    assert Event.objects.filter(action="accountability.suggestion.statement", object_id=str(st.pk)).exists()


def test_acc2_a_sanction_waits_for_the_statement_or_the_end_of_its_window(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    with pytest.raises(ValidationError) as e:
        services.decide(s, county.supervisor, outcome=Outcome.ADOPTED, reasons="超期三次", at=SWEPT)
    assert "陈述申辩" in str(e.value)
    # After the window, without a statement, the decision may be made.
    d = services.decide(s, county.supervisor, outcome=Outcome.ADOPTED, reasons="超期三次，期满未申辩",
                        at=s.statement_until + dt.timedelta(minutes=1))
    assert d.measure.code == "reminder" and d.is_sanction


def test_acc2_nobody_outside_the_jurisdiction_decides(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    for user in (county.edu_head, county.fin_user, county.sysadmin):
        with pytest.raises(PermissionDenied):
            services.decide(s, user, outcome=Outcome.REJECTED, reasons="不成立", at=SWEPT)
    assert not Decision.objects.exists()


def test_acc4_exemption_needs_all_three_grounds_and_all_three_refuse_a_sanction(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    services.state_side(s, county.edu_user, text="试行新办法所致。", at=SWEPT)
    with pytest.raises(ValidationError) as e:
        services.decide(s, county.supervisor, outcome=Outcome.EXEMPTED, reasons="改革探索",
                        grounds={"ground_reform": True, "ground_no_gain": True}, at=SWEPT)
    assert "依规依纪依法" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.decide(s, county.supervisor, outcome=Outcome.ADOPTED, reasons="仍予提醒", grounds=ALL_GROUNDS,
                        at=SWEPT)
    assert "应当容错免责" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.decide(s, county.supervisor, outcome=Outcome.EXEMPTED, reasons="", grounds=ALL_GROUNDS, at=SWEPT)
    assert "理由" in str(e.value)
    d = services.decide(s, county.supervisor, outcome=Outcome.EXEMPTED, reasons="三项情形均成立，予以免责",
                        grounds=ALL_GROUNDS, at=SWEPT)
    assert d.outcome == Outcome.EXEMPTED and d.measure is None and d.reply_clock is None
    assert all(held for _, held in d.grounds)
    s.refresh_from_db()
    assert s.state == SuggestionState.DECIDED
    event = Event.objects.get(action="accountability.suggestion.decide", object_id=str(d.pk))
    assert event.after["outcome"] == "exempted" and event.after["ground_reform"] is True
    with pytest.raises(ValidationError):
        services.decide(s, county.supervisor, outcome=Outcome.REJECTED, reasons="再决定", at=SWEPT)


def test_acc1_a_changed_measure_starts_its_answers_clock_and_the_reply_meets_it(county, edu_breaches):
    s = services.evaluate(SWEPT)[0]
    services.state_side(s, county.edu_user, text="无异议。", at=SWEPT)
    with pytest.raises(ValidationError) as e:
        services.decide(s, county.supervisor, outcome=Outcome.CHANGED, reasons="加重", at=SWEPT)
    assert "请选择措施" in str(e.value)
    d = services.decide(s, county.supervisor, outcome=Outcome.CHANGED, measure="inquiry",
                        reasons="超期情节较重，改为函询", grounds={"ground_no_gain": True}, at=SWEPT)
    clock = d.reply_clock
    assert clock.rule.code == "acc_inquiry_reply_15wd" and clock.owner_unit == county.edu
    # 15 working days from Monday 30 March 2026: Qingming (4–6 April) and
    # Labour Day (1–5 May) fall inside; the official calendar counts them.
    cal = get_calendar()
    days, d0 = 0, SWEPT.date()
    while days < 15:
        d0 += dt.timedelta(days=1)
        days += cal.is_workday(d0)
    assert clock.due_at.astimezone(cal.tz).date() == d0
    with pytest.raises(PermissionDenied):
        services.reply(d, county.fin_user, text="说明", at=SWEPT)
    services.reply(d, county.edu_user, text="书面说明：已逐项整改。", at=SWEPT + dt.timedelta(days=3))
    clock.refresh_from_db()
    assert clock.state == ClockState.MET
    with pytest.raises(ValidationError):
        services.reply(d, county.edu_user, text="再说明", at=SWEPT + dt.timedelta(days=4))


def test_acc2_rules_are_rows_an_inactive_rule_proposes_nothing(county, edu_breaches):
    SuggestionRule.objects.filter(code="breaches_quarter_reminder").update(is_active=False)
    assert services.evaluate(SWEPT) == []
    SuggestionRule.objects.filter(code="breaches_quarter_reminder").update(is_active=True, threshold=4)
    assert services.evaluate(SWEPT) == []
    SuggestionRule.objects.filter(code="breaches_quarter_reminder").update(threshold=2)
    assert [s.unit for s in services.evaluate(SWEPT)] == [county.edu]


def test_acc2_the_quarter_that_just_ended_is_judged_too(county, edu_breaches):
    made = services.evaluate(local(2026, 4, 2, 10))
    assert [(s.period_key, s.period_label) for s in made] == [("2026Q1", "2026年第一季度")]
    assert T0 < made[0].created_at


def test_acc2_the_daily_review_command_proposes_and_scans_once(county, edu_breaches):
    out = io.StringIO()
    call_command("accountability_review", "--at", SWEPT.isoformat(), stdout=out)
    assert "新提出 1 件" in out.getvalue() and "弄虚作假疑点" in out.getvalue()
    s = Suggestion.objects.get()
    assert (s.unit, s.measure.code, s.state) == (county.edu, "reminder", SuggestionState.PENDING)
    assert Event.objects.filter(action="accountability.signals.scan").count() == 1
    out = io.StringIO()
    call_command("accountability_review", "--at", SWEPT.isoformat(), "--skip-scan", stdout=out)
    assert "新提出 0 件" in out.getvalue() and "疑点" not in out.getvalue()
    assert Suggestion.objects.count() == 1 and Event.objects.filter(action="accountability.signals.scan").count() == 1
    with pytest.raises(CommandError, match="--at 时间格式应为"):
        call_command("accountability_review", "--at", "下周一")
