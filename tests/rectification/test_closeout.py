"""RECT-4: close-out needs the owner's result with evidence and a verifier
who is neither the owner nor in the owner's unit; reopening; look-back
sends ineffective ones to re-rectification, keeping both rounds."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks.models import ClockState
from duban.journal.models import Event
from duban.rectification import queries as rq
from duban.rectification import services as rs
from duban.rectification.models import EntryKind, LookBackVerdict, ProblemState
from duban.timelimits.periods import day_end

from .conftest import D, T, make_problem, upload

pytestmark = pytest.mark.django_db


def submitted(c, **kw):
    p = make_problem(c, **kw)
    rs.add_progress(p, c.edu_user, "已制定整改方案", at=T(3, 20))
    rs.submit_result(p, c.edu_user, "已全部办结，建立周调度制度", files=[upload()], at=T(5, 20))
    p.refresh_from_db()
    return p


def test_rect4_result_needs_evidence_and_the_owners_unit(camp):
    c = camp
    p = make_problem(c)
    with pytest.raises(ValidationError) as e:
        rs.submit_result(p, c.edu_user, "已整改", at=T(5, 1))
    assert "佐证材料" in str(e.value)
    with pytest.raises(PermissionDenied):
        rs.submit_result(p, c.fin_user, "替人整改", files=[upload()], at=T(5, 1))
    rs.submit_result(p, c.edu_user, "已整改", files=[upload()], at=T(5, 1))
    p.refresh_from_db()
    assert p.state == ProblemState.SUBMITTED and p.deadline_clock.state == ClockState.PAUSED


def test_rect4_verifier_rules_owner_and_same_unit_refused_task_force_member_ok(camp):
    c = camp
    p = submitted(c, responsible_person_name="张教育")
    for user, why in ((c.edu_user, "不能核验自己"), (c.tf_edu, "本单位人员"), (c.edu_head, "本单位人员"),
                      (c.fin_user, "工作专班成员或督查室")):
        assert why in (rs.verifier_refusal(user, p) or "")
        with pytest.raises(PermissionDenied):
            rs.verify_result(p, user, passed=True, at=T(5, 25))
    assert rs.verifier_refusal(c.tf_fin, p) is None and rs.verifier_refusal(c.supervisor, p) is None
    rs.verify_result(p, c.tf_fin, passed=True, note="资料齐全", onsite_check=True, onsite_note="到现场查看台账",
                     at=T(5, 25))
    p.refresh_from_db()
    assert p.state == ProblemState.CLOSED and p.closed_at == T(5, 25)
    assert p.deadline_clock.state == ClockState.MET and p.deadline_clock.met_at == T(5, 20)
    r = p.rounds.get(number=1)
    assert r.verified_by == c.tf_fin and r.onsite_checked and r.onsite_note == "到现场查看台账"
    assert p.entries.filter(kind=EntryKind.CLOSED, onsite=True).exists()
    assert Event.objects.filter(action="rectification.problem.verify", object_id=str(p.pk)).count() == 1


def test_rect4_returned_result_goes_back_to_rectification(camp):
    c = camp
    p = submitted(c)
    with pytest.raises(ValidationError):
        rs.verify_result(p, c.supervisor, passed=False, at=T(5, 22))
    rs.verify_result(p, c.supervisor, passed=False, note="佐证不足", at=T(5, 22))
    p.refresh_from_db()
    assert p.state == ProblemState.RECTIFYING and p.deadline_clock.state == ClockState.RUNNING
    assert p.entries.filter(kind=EntryKind.RETURNED).count() == 1


def test_rect4_reopen_with_reason_starts_a_second_round(camp):
    c = camp
    p = submitted(c)
    rs.verify_result(p, c.tf_fin, passed=True, at=T(5, 25))
    with pytest.raises(PermissionDenied):
        rs.reopen(p, c.edu_user, "自己要重开", deadline=D(9, 30), at=T(6, 1))
    with pytest.raises(ValidationError):
        rs.reopen(p, c.supervisor, "", deadline=D(9, 30), at=T(6, 1))
    rs.reopen(p, c.supervisor, "群众再次反映", deadline=D(9, 30), at=T(6, 1))
    p.refresh_from_db()
    assert p.state == ProblemState.RERECTIFYING and p.round == 2 and p.deadline == D(9, 30)
    assert p.closed_at is None and p.deadline_clock.due_at == day_end(D(9, 30))
    with pytest.raises(ValidationError):
        rs.reopen(p, c.supervisor, "又一次", deadline=D(9, 30), at=T(6, 2))


def test_rect4_look_back_ineffective_means_re_rectification_and_history_keeps_both_rounds(camp):
    c = camp
    a = submitted(c, description="审批慢")
    b = submitted(c, description="会议多", category="文山会海")
    make_problem(c, description="还在整改")
    rs.verify_result(a, c.tf_fin, passed=True, at=T(5, 25))
    rs.verify_result(b, c.tf_fin, passed=True, at=T(5, 25))
    lb = rs.start_look_back(c.campaign, c.supervisor, at=T(7, 1))
    assert sorted(lb.selected) == sorted([a.pk, b.pk]) and lb.items.count() == 2
    item_a = lb.items.get(problem=a)
    with pytest.raises(PermissionDenied):
        rs.record_look_back(item_a, c.tf_edu, effective=True, note="本单位自查", at=T(7, 5))
    with pytest.raises(ValidationError):
        rs.record_look_back(item_a, c.tf_fin, effective=False, note="反弹", at=T(7, 5))  # no new deadline
    rs.record_look_back(item_a, c.tf_fin, effective=False, note="问题反弹，审批仍超时", new_deadline=D(10, 31),
                        at=T(7, 5))
    rs.record_look_back(lb.items.get(problem=b), c.supervisor, effective=True, note="成效巩固", at=T(7, 5))
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == ProblemState.RERECTIFYING and a.round == 2 and a.deadline == D(10, 31)
    assert b.state == ProblemState.CLOSED and b.round == 1
    assert lb.items.get(problem=a).verdict == LookBackVerdict.INEFFECTIVE
    rounds = rq.history(a)
    assert [h.round.number for h in rounds] == [1, 2]
    assert rounds[0].round.deadline == D(6, 10) and rounds[0].round.closed_at == T(5, 25)
    assert rounds[1].round.deadline == D(10, 31) and "回头看" in rounds[1].round.reason
    assert [e.kind for e in rounds[0].entries] == [EntryKind.REGISTERED, EntryKind.PROGRESS, EntryKind.SUBMITTED,
                                                   EntryKind.CLOSED]
    assert [e.kind for e in rounds[1].entries] == [EntryKind.LOOKBACK_FAIL]
    # The second round closes in its turn.
    rs.submit_result(a, c.edu_user, "再整改完成", files=[upload()], at=T(9, 1))
    rs.verify_result(a, c.supervisor, passed=True, at=T(9, 5))
    a.refresh_from_db()
    assert a.state == ProblemState.CLOSED and a.rounds.get(number=2).verdict == "passed"


def test_rect4_look_back_sample_is_drawn_reproducibly(camp):
    c = camp
    ps = [submitted(c, description=f"问题{i}号事项") for i in range(5)]
    for p in ps:
        rs.verify_result(p, c.tf_fin, passed=True, at=T(5, 25))
    lb1 = rs.start_look_back(c.campaign, c.supervisor, sample_size=2, seed="42", at=T(7, 1))
    lb2 = rs.start_look_back(c.campaign, c.supervisor, sample_size=2, seed="42", at=T(7, 2))
    assert len(lb1.selected) == 2 and lb1.selected == lb2.selected
    assert lb1.candidates == sorted(p.pk for p in ps)
