"""MEET-4: annual plans of meetings, documents and inspections per issuing
unit, last year's count as the baseline and no growth by default; the
unit and the controlling office warned at 80% and 100%; beyond the plan
only with a written explanation the controlling office approved;
inspections filed with their targets, their frequency per unit and merge
suggestions (督查过频); the numbers as rows an administrator edits."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.core.numbers import save_number
from duban.journal.models import Event
from duban.notify.models import Message
from duban.plans import queries
from duban.plans import services as plans
from duban.plans.models import ExcessState, InspectionState, PlanSetting, PlanUsage

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def count(county, n, *, unit=None, kind="meeting", year=2026, start=0):
    """n records of `kind` counted against `unit` (sources: saved rows that
    stand for meetings, as the meetings app's would)."""
    from duban.org import services as org

    out = []
    for i in range(start, start + n):
        source = org.create_unit(f"会议{year}-{kind}-{i}", parent=county.town)  # any saved model will do
        out.append(plans.count_against_plan(source, unit=unit or county.edu, kind=kind,
                                            when=dt.date(year, 3, 1) + dt.timedelta(days=i), title=f"会议{i}", at=AT))
    return out


def test_meet4_baseline_is_last_years_count_and_the_default_quota_does_not_grow(county):
    count(county, 4, year=2025)
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", at=AT)
    assert (plan.baseline, plan.quota) == (4, 4)
    with pytest.raises(ValidationError) as e:
        plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", quota=5, at=AT)
    assert e.value.message_dict["reason"] == ["年度计划数5超过按“不超过上年实际”可定的4项（上年实际4项），须说明理由"]
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", quota=5,
                          reason="新增全县教育大会", at=AT)
    assert plan.quota == 5
    ev = Event.objects.filter(action="plans.plan.set").order_by("-seq").first()
    assert ev.before["quota"] == 4 and ev.after["quota"] == 5


def test_meet4_growth_allowed_is_a_row_an_administrator_edits(county):
    row = PlanSetting.objects.get(code="growth_over_baseline_pct")
    assert row.value == 0 and "计划管理" in row.seed_section
    row.value = 10
    save_number(row, by=county.sysadmin)
    assert plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="document", baseline=20,
                          at=AT).quota == 22
    assert Event.objects.filter(action="plans.plansetting.update").exists()


def test_meet4_only_the_controlling_office_sets_a_plan(county):
    with pytest.raises(PermissionDenied, match="只有管辖县教育局的督查室可以制定其年度计划"):
        plans.set_plan(county.edu_head, unit=county.edu, year=2026, kind="meeting", quota=3, baseline=3, at=AT)


def test_meet4_unit_and_controlling_office_warned_at_80_and_100_percent_once(county):
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", quota=5, baseline=5,
                          at=AT)
    count(county, 3)
    assert not Message.objects.filter(subject__startswith="【计划预警】").exists()
    count(county, 1, start=3)  # 4 of 5: 80%
    near = Message.objects.filter(subject__startswith="【计划预警】", channel="inapp")
    assert set(near.values_list("recipient__username", flat=True)) == {"edu", "eduhead", "duchashi"}
    assert near.first().subject == "【计划预警】县教育局2026年会议已达计划的80%（4/5）"
    count(county, 1, start=4)  # 5 of 5: 100%
    full = Message.objects.filter(subject__contains="已达计划的100%", channel="inapp")
    assert full.count() == 3 and "再有新增须先提交书面说明，经督查室批准" in full.first().body
    count(county, 1, start=5)  # over: no third warning, the record is marked
    assert Message.objects.filter(subject__startswith="【计划预警】", channel="inapp").count() == 6
    plan.refresh_from_db()
    assert plan.warned_near_at and plan.warned_full_at
    assert list(PlanUsage.objects.filter(over_plan=True).values_list("title", flat=True)) == ["会议5"]
    assert Event.objects.filter(action="plans.plan.warn").count() == 2


def test_meet4_beyond_the_plan_needs_an_explanation_the_controlling_office_approved(county):
    plan = plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", quota=2, baseline=2,
                          at=AT)
    count(county, 2)
    with pytest.raises(ValidationError, match="县教育局2026年会议计划2项，已计入2项。超出计划须先提交书面说明，经督查室批准"):
        plans.require_plan_room(county.edu, "meeting", dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as e:
        plans.request_excess(plan, county.edu_user, extra=1, explanation=" ", at=AT)
    assert "书面说明" in e.value.message_dict["explanation"][0]
    with pytest.raises(PermissionDenied):
        plans.request_excess(plan, county.fin_user, extra=1, explanation="财政局不能替教育局说明", at=AT)
    req = plans.request_excess(plan, county.edu_user, extra=1, explanation="上级临时部署的专题会议", at=AT)
    assert Message.objects.filter(recipient=county.supervisor, subject__startswith="【超计划说明】").exists()
    with pytest.raises(PermissionDenied):
        plans.decide_excess(req, county.edu_head, approve=True, at=AT)
    with pytest.raises(ValidationError, match="不批准时请写明意见"):
        plans.decide_excess(req, county.supervisor, approve=False, at=AT)
    req = plans.decide_excess(req, county.supervisor, approve=True, note="同意", at=AT)
    assert req.state == ExcessState.APPROVED and plans.ceiling(plan) == 3
    plans.require_plan_room(county.edu, "meeting", dt.date(2026, 6, 1))  # room for one more now
    assert Event.objects.filter(action="plans.excess.decide", object_id=str(req.pk)).exists()


def test_meet4_a_unit_without_a_plan_is_not_limited(county):
    count(county, 3, unit=county.fin)
    plans.require_plan_room(county.fin, "meeting", dt.date(2026, 6, 1))


def test_meet4_inspection_names_its_targets_and_is_filed_in_the_plan(county):
    with pytest.raises(ValidationError) as e:
        plans.file_inspection(county.edu_user, organizer=county.edu, kind="check", title="校园安全检查",
                              starts_on="2026-03-10", ends_on="2026-03-09", targets=[], at=AT)
    assert e.value.message_dict == {"ends_on": ["结束日期不能早于开始日期"],
                                    "targets": ["请选择被检查单位：每一项督查检查考核都须明确对象，纳入计划备案"]}
    with pytest.raises(PermissionDenied):
        plans.file_inspection(county.fin_user, organizer=county.edu, kind="check", title="校园安全检查",
                              starts_on="2026-03-10", ends_on="2026-03-10", targets=[county.town], at=AT)
    insp = plans.file_inspection(county.edu_user, organizer=county.edu, kind="check", title="校园安全检查",
                                 starts_on="2026-03-10", ends_on="2026-03-11", targets=[county.town.pk], at=AT)
    usage = PlanUsage.objects.get(source_type="plans.inspection", source_id=str(insp.pk))
    assert (usage.unit, usage.kind, usage.occurred_on) == (county.edu, "inspection", dt.date(2026, 3, 10))
    insp = plans.cancel_inspection(insp, county.edu_user, reason="与市里检查合并", at=AT)
    usage.refresh_from_db()
    assert insp.state == InspectionState.CANCELLED and usage.withdrawn_at == AT


def test_meet4_an_inspection_beyond_the_plan_is_refused(county):
    plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="inspection", quota=0, baseline=0, at=AT)
    with pytest.raises(ValidationError, match="督查检查考核计划0项，已计入0项"):
        plans.file_inspection(county.edu_user, organizer=county.edu, kind="assessment", title="年度考核",
                              starts_on="2026-03-10", ends_on="2026-03-10", targets=[county.town], at=AT)


def _inspect(county, organizer, by, day, title, targets=None):
    return plans.file_inspection(by, organizer=organizer, kind="inspection", title=title, starts_on=day,
                                 ends_on=day, targets=targets or [county.town], at=AT)


def test_meet4_frequency_per_target_unit_in_month_and_quarter_marks_too_often(county):
    _inspect(county, county.edu, county.edu_user, dt.date(2026, 4, 2), "教育督查")
    _inspect(county, county.fin, county.fin_user, dt.date(2026, 4, 20), "财政检查")
    _inspect(county, county.fin, county.fin_user, dt.date(2026, 4, 28), "财政考核", [county.town, county.edu])
    _inspect(county, county.edu, county.edu_user, dt.date(2026, 5, 6), "五月督查")
    _inspect(county, county.edu, county.edu_user, dt.date(2026, 7, 1), "下季度督查")
    f = queries.frequency(county.supervisor, 2026, 4)
    rows = {r.unit.name: (r.month, r.quarter, r.too_often) for r in f.rows}
    assert rows == {"城关镇": (3, 4, True), "县教育局": (1, 1, False)}
    assert (f.month_max, f.quarter_max) == (2, 4)
    # The town's liaison sees the inspections of their town (and so their other targets); 财政局's
    # liaison only its own two.
    town = {r.unit.name: r.month for r in queries.frequency(county.town_user, 2026, 4).rows}
    assert town == {"城关镇": 3, "县教育局": 1}
    assert {r.unit.name: r.month for r in queries.frequency(county.fin_user, 2026, 4).rows} == {"城关镇": 2, "县教育局": 1}


def test_meet4_inspections_visiting_one_unit_within_the_window_are_suggested_for_merging(county):
    a = _inspect(county, county.edu, county.edu_user, dt.date(2026, 4, 2), "教育督查")
    b = _inspect(county, county.fin, county.fin_user, dt.date(2026, 4, 14), "财政检查")
    _inspect(county, county.fin, county.fin_user, dt.date(2026, 6, 1), "六月检查")
    suggestions = queries.merge_suggestions(county.supervisor, dt.date(2026, 3, 20))
    assert [(s.unit.name, [i.title for i in s.inspections]) for s in suggestions] == [("城关镇", ["教育督查", "财政检查"])]
    assert [(u.name, o.title) for u, o in plans.overlapping_visits(a)] == [("城关镇", "财政检查")]
    plans.cancel_inspection(b, county.fin_user, reason="并入教育督查", at=AT)
    assert queries.merge_suggestions(county.supervisor, dt.date(2026, 3, 20)) == []


def test_meet4_statistics_this_year_against_plan_and_last_year_by_unit_and_month(county):
    count(county, 2, year=2025)
    plans.set_plan(county.supervisor, unit=county.edu, year=2026, kind="meeting", quota=2, at=AT)
    count(county, 3, year=2026)
    s = queries.statistics(county.supervisor, 2026)
    edu = next(r for r in s.rows if r.unit == county.edu)
    cell = edu.cells["meeting"]
    assert (cell.last, cell.plan, cell.used, cell.change) == (2, 2, 3, 1) and edu.over_plan == 1
    assert s.monthly["meeting"][0][2] == 3 and s.monthly["meeting"][1][2] == 2  # March, this and last year
    assert queries.statistics(county.fin_user, 2026).rows == []  # another unit sees none of it
