"""EVAL-3 干事档案 and EVAL-4 一线工作法: the record fills itself from what a
person did (matters completed on time, not late ones); innovations are
entered and wait for the unit head, who alone (not the person) confirms;
leaders' field-work days and research reports against the year's pace, with
a warning when behind; bad input names the field; another unit's user is
refused with a 404."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.assessment import queries, services
from duban.assessment.models import AchievementState, FieldWorkDay
from duban.journal.models import Event

from .conftest import AFTER, local

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # the pages read the real clock (this year, lights now)


def test_eval3_the_record_fills_itself_with_what_was_completed_on_time(q1, client):
    c = q1
    rec = queries.achievement_record(c.edu_user, c.edu_user.person, 2026)
    auto = dict(rec.automatic)
    c.a.refresh_from_db()
    assert [e.label for e in auto["按期办结督办事项"]] == [f"{c.a.number} {c.a.title}"]
    # The sub-task was completed two days late: it is not in its owner's record.
    late = dict(queries.achievement_record(c.edu_office_user, c.edu_office_user.person, 2026).automatic)
    assert not any(c.sub.title in e.label for e in late["按期办结督办事项"])
    client.force_login(c.edu_user)
    page = client.get(f"/assessment/people/{c.edu_user.pk}/?year=2026").content.decode()
    assert c.a.title in page and "按期办结督办事项（1）" in page


def test_eval3_entries_wait_for_the_unit_head_and_the_person_cannot_confirm(q1):
    c = q1
    with pytest.raises(ValidationError) as e:
        services.enter_achievement(c.edu_user, person=c.edu_user, kind="innovation", title="", description="",
                                   occurred_on="2026-13-01", at=AFTER)
    assert set(e.value.message_dict) == {"title", "description", "occurred_on"}
    with pytest.raises(PermissionDenied):
        services.enter_achievement(c.fin_user, person=c.edu_user, kind="innovation", title="课后服务菜单制",
                                   description="建立菜单。", occurred_on="2026-03-01", at=AFTER)
    a = services.enter_achievement(c.edu_user, person=c.edu_user, kind="innovation", title="课后服务菜单制",
                                   description="建立学生自选的服务菜单。", occurred_on="2026-03-01", at=AFTER)
    assert a.state == AchievementState.PENDING and a.unit == c.edu
    with pytest.raises(PermissionDenied):
        services.decide_achievement(a, c.edu_user, confirm=True, at=AFTER)
    with pytest.raises(ValidationError) as e:
        services.decide_achievement(a, c.edu_head, confirm=False, note="", at=AFTER)
    assert "note" in e.value.message_dict
    assert [x.pk for x in queries.pending_achievements(c.edu_head)] == [a.pk]
    services.decide_achievement(a, c.edu_head, confirm=True, note="情况属实", at=AFTER)
    a.refresh_from_db()
    assert a.state == AchievementState.CONFIRMED and a.decided_by == c.edu_head
    assert Event.objects.filter(action="assessment.achievement.decide").count() == 1
    assert queries.achievement_record(c.edu_head, c.edu_user.person, 2026).entered == [a]


def test_eval3_eval4_another_units_user_gets_404(q1, client):
    c = q1
    client.force_login(c.fin_user)
    assert client.get(f"/assessment/people/{c.edu_user.pk}/").status_code == 404
    assert client.get(f"/assessment/fieldwork/{c.leader.pk}/").status_code == 404
    assert client.get(f"/api/assessment/people/{c.edu_user.pk}/record").status_code in (401, 404)
    client.force_login(c.edu_user)
    assert client.get(f"/assessment/people/{c.edu_user.pk}/").status_code == 200


def test_eval4_pace_of_field_days_and_reports_with_warnings(q1):
    c = q1
    assert queries.pace(2026, dt.date(2026, 7, 2), 60) == 30  # 183 of 365 days
    assert queries.pace(2026, dt.date(2025, 12, 31), 60) == 0 and queries.pace(2026, dt.date(2026, 12, 31), 60) == 60
    for k in range(20):
        day = dt.date(2026, 1, 5) + dt.timedelta(days=7 * k)
        services.log_field_day(c.leader, date=day, place="城关镇", purpose="调研老旧小区改造",
                               problems_found="发现问题2个" if k == 0 else "", at=local(2026, 7, 2, 18))
    # Two entries on one day count as one day.
    services.log_field_day(c.leader, date="2026-01-05", place="县教育局", purpose="现场办公", at=local(2026, 7, 2, 18))
    assert FieldWorkDay.objects.filter(leader=c.leader).count() == 21
    [p] = [p for p in queries.progress_for([c.leader.person], 2026, dt.date(2026, 7, 2))]
    assert (p.days, p.expected_days, p.behind_days) == (20, 30, True)
    assert "应达30天，实际20天" in p.warning and not p.behind_reports
    for k in range(6):
        services.log_field_day(c.leader, date=dt.date(2026, 6, 20) + dt.timedelta(days=k), place="河口镇",
                               purpose="防汛检查", at=local(2026, 7, 2, 18))
    [p] = queries.progress_for([c.leader.person], 2026, dt.date(2026, 7, 2))
    assert p.days == 26 and not p.behind_days  # within the tolerance of 5 days
    # From October on, a year without a research report is behind.
    [p] = queries.progress_for([c.leader.person], 2026, dt.date(2026, 10, 8))
    assert p.behind_reports and "调研报告" in p.warning
    services.record_research_report(c.leader, title="关于老旧小区改造的调研报告", summary="提出五条建议。",
                                    submitted_on="2026-10-07", at=local(2026, 10, 8, 9))
    [p] = queries.progress_for([c.leader.person], 2026, dt.date(2026, 10, 8))
    assert not p.behind_reports and p.reports == 1


def test_eval4_bad_input_names_the_field_and_only_leaders_log(q1):
    c = q1
    with pytest.raises(ValidationError) as e:
        services.log_field_day(c.leader, date="2026-12-01", place=" ", purpose="", at=local(2026, 7, 2, 18))
    assert e.value.message_dict == {"date": ["日期不能晚于今天"], "place": ["请填写地点"], "purpose": ["请填写事由"]}
    with pytest.raises(ValidationError) as e:
        services.log_field_day(c.edu_user, date="2026-07-01", place="城关镇", purpose="调研", at=local(2026, 7, 2, 18))
    assert "不是领导干部" in e.value.message_dict["leader"][0]
    with pytest.raises(PermissionDenied):
        services.log_field_day(c.edu_user, leader=c.town_head, date="2026-07-01", place="城关镇", purpose="调研",
                               at=local(2026, 7, 2, 18))
    # The town's liaison logs for the town's head; the office for anyone of the county.
    services.log_field_day(c.town_user, leader=c.town_head, date="2026-07-01", place="老街", purpose="调研",
                           at=local(2026, 7, 2, 18))
    services.log_field_day(c.supervisor, leader=c.town_head, date="2026-07-02", place="新区", purpose="调研",
                           at=local(2026, 7, 2, 18))
    assert FieldWorkDay.objects.filter(leader=c.town_head).count() == 2
    assert Event.objects.filter(action="assessment.fieldwork.log").count() == 2
