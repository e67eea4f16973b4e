"""RECT-1 campaigns with phases and category sets; RECT-2/RECT-3 problems and
the units' ledger submission with a clock per unit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks.models import ClockState
from duban.core.services import local_date
from duban.journal.models import Event
from duban.rectification import queries as rq
from duban.rectification import services as rs
from duban.rectification.models import CategorySet, LedgerState, LedgerSubmission, ProblemState
from duban.timelimits.periods import day_end

from .conftest import D, T, make_problem, upload

pytestmark = pytest.mark.django_db


def test_rect1_campaign_has_seed000_phases_categories_units_and_a_ledger_clock_per_unit(camp):
    c = camp.campaign
    phases = list(c.phases.order_by("sort_order"))
    assert [(p.name, p.start_date, p.end_date) for p in phases] == [
        ("全面自查自纠阶段", D(2, 24), D(3, 10)), ("整改落实阶段", D(3, 10), D(6, 10)),
        ("巩固提升阶段", D(6, 10), D(12, 10))]
    assert phases[0].requires_ledger and not phases[1].requires_ledger
    assert c.category_names() == ["慢作为", "不作为", "乱作为", "文山会海", "官僚作风", "弄虚作假"]
    subs = LedgerSubmission.objects.filter(campaign=c).select_related("clock", "unit")
    assert {s.unit.name for s in subs} == {"城关镇", "县教育局", "县财政局"}
    for s in subs:
        assert s.clock.owner_unit_id == s.unit_id and s.clock.state == ClockState.RUNNING
        assert local_date(s.clock.due_at) == D(3, 10)
    assert Event.objects.filter(action="rectification.campaign.create").count() == 1


@pytest.mark.parametrize("category_set,first,count", [
    (CategorySet.SEVEN_001, "精神缺钙", 7), (CategorySet.SEVEN_002, "精神状态不佳", 7)])
def test_rect1_alternative_category_sets_of_seeds_001_and_002(county, category_set, first, count):
    c = rs.create_campaign(code="X-1", name="作风整顿", start_date=D(1, 1), end_date=D(12, 31),
                           organizer=county.duchashi, units=[county.edu], category_set=category_set, at=T(1, 2))
    names = c.category_names()
    assert names[0] == first and len(names) == count


def test_rect1_custom_categories_and_refusals(county):
    c = rs.create_campaign(code="X-2", name="专项", start_date=D(1, 1), end_date=D(12, 31),
                           organizer=county.duchashi, units=[], category_set=CategorySet.CUSTOM,
                           categories=["门难进", "脸难看"], at=T(1, 2))
    assert c.category_names() == ["门难进", "脸难看"]
    with pytest.raises(ValidationError) as e:
        rs.create_campaign(code="X-3", name="专项", start_date=D(1, 1), end_date=D(12, 31),
                           organizer=county.duchashi, units=[], category_set=CategorySet.CUSTOM, at=T(1, 2))
    assert "类别" in str(e.value)
    with pytest.raises(ValidationError):
        rs.create_campaign(code="X-2", name="重复代码", start_date=D(1, 1), end_date=D(12, 31),
                           organizer=county.duchashi, units=[], at=T(1, 2))
    with pytest.raises(PermissionDenied):
        rs.create_campaign(code="X-4", name="专项", start_date=D(1, 1), end_date=D(12, 31),
                           organizer=county.duchashi, units=[], by=county.edu_user, at=T(1, 2))


def test_rect3_ledger_submitted_on_time_late_or_not_at_all(camp):
    c = camp
    edu = LedgerSubmission.objects.get(campaign=c.campaign, unit=c.edu)
    fin = LedgerSubmission.objects.get(campaign=c.campaign, unit=c.fin)
    make_problem(c)
    rs.submit_ledger(edu, c.edu_user, situation_report="共查找问题1个。", files=[upload()], at=T(3, 9))
    edu.refresh_from_db()
    assert edu.state == LedgerState.SUBMITTED and edu.problem_count == 1 and edu.evidence.count() == 1
    with pytest.raises(ValidationError):
        rs.submit_ledger(edu, c.edu_user, situation_report="再报一次", at=T(3, 9))
    with pytest.raises(PermissionDenied):
        rs.submit_ledger(fin, c.edu_user, situation_report="替别人报", at=T(3, 9))
    rs.submit_ledger(fin, c.fin_user, situation_report="未发现问题。", at=T(3, 12))
    fin.refresh_from_db()
    assert fin.state == LedgerState.LATE and fin.clock.state == ClockState.MET_LATE
    status = {s.unit.name: s.state_text for s in rq.ledger_status(c.campaign, now=T(3, 15))}
    assert status == {"县教育局": "按时报送", "县财政局": "逾期报送", "城关镇": "逾期未报"}
    assert rq.ledger_status(c.campaign, now=T(3, 1))[-1].state_text in ("待报送",)


def test_rect2_problem_fields_sources_subject_and_long_term_report_clock(camp):
    c = camp
    p = make_problem(c, source="群众提", subject="个人", subject_name="李某", cause="服务意识淡薄",
                     responsible_leader_name="刘副局长", responsible_person_name="张教育")
    assert p.number == "ZF-2026-0001" and p.state == ProblemState.RECTIFYING and p.round == 1
    assert p.get_source_display() == "群众提" and p.get_subject_display() == "个人" and p.subject_name == "李某"
    assert p.responsible_leader == c.edu_leader and p.responsible_person == c.edu_user
    assert p.deadline_clock.due_at == day_end(D(6, 10))
    q = make_problem(c, description="文件多会议多，以会议落实会议", category="文山会海", long_term=True,
                     responsible_person_name="不存在的人")
    assert q.long_term and q.deadline is None and q.report_cycle == "monthly" and q.deadline_clock is None
    assert local_date(q.report_clock.due_at) == D(3, 31)
    assert q.responsible_person is None and q.responsible_person_name == "不存在的人"
    assert not q.responsible_person_linked
    rs.add_progress(q, c.edu_user, "3月已精简会议5个", at=T(3, 28))
    q.refresh_from_db()
    assert q.report_clock.kind == "report" and local_date(q.report_clock.due_at) == D(4, 30)
    assert q.entries.filter(kind="periodic").count() == 1


def test_rect2_problem_input_is_checked_in_chinese(camp):
    c = camp
    with pytest.raises(ValidationError) as e:
        rs.create_problem(c.campaign, unit=c.edu, category="不存在", description="", measures="", deadline=None,
                          subject="个人", at=T(3, 5))
    d = e.value.message_dict
    assert set(d) >= {"category", "description", "measures", "deadline", "subject_name"}
    with pytest.raises(ValidationError) as e:
        make_problem(c, unit=c.office, by=c.supervisor)
    assert "不是本专项行动的参加单位" in str(e.value)
    with pytest.raises(PermissionDenied):
        make_problem(c, unit=c.fin, by=c.edu_user)
    # A 股室 of a participating bureau may hold problems.
    assert make_problem(c, unit=c.edu_office).unit == c.edu_office


def test_rect2_a_silent_report_period_is_a_breach_and_the_next_period_starts(camp):
    from duban.clocks import sweep
    from duban.clocks.models import Clock

    c = camp
    q = make_problem(c, description="长期措施", long_term=True)
    first = q.report_clock
    sweep.tick(now=T(4, 2))  # March's report was never made
    first.refresh_from_db()
    q.refresh_from_db()
    assert first.state == ClockState.BREACHED
    assert q.report_clock_id != first.pk and local_date(q.report_clock.due_at) == D(4, 30)
    assert Clock.objects.filter(owner_id=str(q.pk), kind="report").count() == 2
    # The ledger clock of the unit that never reported is breached by the same sweep.
    town = LedgerSubmission.objects.get(campaign=c.campaign, unit=c.town)
    assert town.clock.__class__.objects.get(pk=town.clock_id).state == ClockState.BREACHED
