"""SUP-3 / SUP-5: the closed loop, its clocks and its journal; every illegal
transition refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.clocks import sweep
from duban.clocks.models import Clock, ClockState
from duban.clocks.services import clocks_for
from duban.journal import chain
from duban.journal.models import Event
from duban.supervision import queries
from duban.supervision import services as sv
from duban.supervision.models import ExtensionRequest, Matter, Report, ReportKind, ReviewState
from duban.supervision.transitions import TRANSITIONS, Action, State

from .conftest import later, local, upload

pytestmark = pytest.mark.django_db


def clock(m, kind):
    return clocks_for(m, kind).order_by("-id").first()


def test_sup3_full_loop_with_clocks_timeline_and_verified_journal(county, loop):
    c = county
    m = loop.draft(urgency="normal")  # signed for within 1 working day (加急: 4 hours, test_urgency.py)
    assert m.state == State.DRAFT and m.number == ""
    m = sv.assign_matter(m, c.supervisor, at=later(hours=1))
    assert m.state == State.ASSIGNED and m.number == "督办〔2026〕1号"
    ack, done = clock(m, "ack"), clock(m, "completion")
    # 1 working day from Monday 2 March: the end of Tuesday 3 March.
    assert ack.due_at == local(2026, 3, 3, 23, 59, 59) and ack.rule.code == "matter_ack_1wd"
    assert done.due_at == local(2026, 3, 31, 18, 0) and done.explicit
    assert m.completion_clock_id == done.pk and m.current_clock_id == ack.pk

    m = sv.acknowledge(m, c.edu_user, at=later(hours=2))
    ack.refresh_from_db()
    assert m.state == State.ACKNOWLEDGED and ack.state == ClockState.MET
    assert m.current_clock_id == done.pk

    r = sv.submit_report(m, c.edu_user, text="已部署排查。", files=[upload("部署通知.pdf")], progress=40,
                         at=later(days=3))
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS and m.progress == 40 and r.files.count() == 1

    sv.request_completion(m, c.edu_user, text="已整改完毕。", files=[upload()], at=later(days=10))
    m.refresh_from_db()
    done.refresh_from_db()
    assert m.state == State.COMPLETION_REQUESTED and done.state == ClockState.PAUSED

    m = sv.return_matter(m, c.supervisor, reason="缺少食堂整改照片", at=later(days=11))
    done.refresh_from_db()
    assert m.state == State.IN_PROGRESS and m.return_count == 1
    assert done.state == ClockState.RUNNING and done.due_at == local(2026, 3, 31, 18, 0)
    assert Report.objects.get(matter=m, kind=ReportKind.COMPLETION).review_state == ReviewState.RETURNED

    sv.request_completion(m, c.edu_user, text="补充食堂整改照片。", files=[upload("照片.jpg", b"\xff\xd8\xff\xe0 photo")], at=later(days=12))
    m = sv.complete_matter(m, c.supervisor, comment="同意办结", at=later(days=14))
    done.refresh_from_db()
    assert m.state == State.COMPLETED and m.result == "met" and m.progress == 100
    assert done.state == ClockState.MET and done.met_at == later(days=12)
    m = sv.archive_matter(m, c.supervisor, at=later(days=15))
    assert m.state == State.ARCHIVED

    actions = [e.action for e in queries.matter_timeline(m) if e.action.startswith("supervision.")]
    assert actions == [
        "supervision.matter.create", "supervision.matter.assign", "supervision.matter.acknowledge",
        "supervision.report.submit", "supervision.matter.request_completion", "supervision.matter.return",
        "supervision.matter.request_completion", "supervision.matter.complete", "supervision.matter.archive",
    ]
    assert {"clocks.start", "clocks.meet", "clocks.pause", "clocks.resume"} <= {
        e.action for e in queries.matter_timeline(m)}
    assert chain.verify().ok


def test_sup3_late_completion_is_met_late(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 5, 18, 0))
    sv.request_completion(m, county.edu_user, text="完成", files=[upload()], at=local(2026, 3, 6, 9, 0))
    m = sv.complete_matter(m, county.supervisor, at=local(2026, 3, 6, 10, 0))
    c = clock(m, "completion")
    assert m.result == "met_late" and c.state == ClockState.MET_LATE and c.late_seconds == 15 * 3600


def test_sup3_late_acknowledgement_is_met_late(county, loop):
    m = loop.assigned()
    assert sweep.sweep_breaches(now=local(2026, 3, 4, 9)) == 1
    m = sv.acknowledge(m, county.edu_user, at=local(2026, 3, 4, 10))
    assert clock(m, "ack").state == ClockState.MET_LATE


def test_sup3_review_time_is_not_a_breach_but_a_return_keeps_the_original_deadline(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 5, 18, 0))
    sv.request_completion(m, county.edu_user, text="完成", files=[upload()], at=local(2026, 3, 5, 9, 0))
    # The office takes its time: no breach while it reviews.
    assert sweep.sweep_breaches(now=local(2026, 3, 9, 9, 0)) == 0
    m = sv.return_matter(m, county.supervisor, reason="材料不全", at=local(2026, 3, 9, 10, 0))
    c = clock(m, "completion")
    assert c.due_at == local(2026, 3, 5, 18, 0) and c.state == ClockState.RUNNING
    # Back with the unit after its deadline: the sweep breaches it.
    assert sweep.sweep_breaches(now=local(2026, 3, 9, 10, 1)) == 1


def test_sup3_completion_request_needs_text_and_evidence(county, loop):
    m = loop.in_progress()
    with pytest.raises(ValidationError, match="至少一份佐证材料"):
        sv.request_completion(m, county.edu_user, text="完成", files=[], at=loop.tick())
    with pytest.raises(ValidationError, match="办理情况"):
        sv.request_completion(m, county.edu_user, text=" ", files=[upload()], at=loop.tick())
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS


def test_sup3_cannot_complete_before_completion_request(county, loop):
    m = loop.in_progress()
    with pytest.raises(ValidationError, match="事项当前状态为“办理中”，不能审核办结"):
        sv.complete_matter(m, county.supervisor, at=loop.tick())


def test_sup3_first_report_or_explicit_start_begins_the_work(county, loop):
    m = loop.acknowledged()
    m = sv.start_work(m, county.edu_user, at=loop.tick())
    assert m.state == State.IN_PROGRESS
    sv.submit_report(m, county.edu_user, text="第二次反馈", at=loop.tick())
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS


def test_sup3_suspend_pauses_clocks_and_resume_restores_prior_state_moving_deadline(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 20, 18, 0))
    m = sv.suspend_matter(m, county.supervisor, reason="等待上级政策", at=local(2026, 3, 10, 18, 0))
    c = clock(m, "completion")
    assert m.state == State.SUSPENDED and m.suspended_from == State.IN_PROGRESS and c.state == ClockState.PAUSED
    with pytest.raises(ValidationError, match="已暂停"):
        sv.submit_report(m, county.edu_user, text="x", at=local(2026, 3, 11))
    m = sv.resume_matter(m, county.supervisor, at=local(2026, 3, 12, 18, 0))
    c.refresh_from_db()
    assert m.state == State.IN_PROGRESS and c.state == ClockState.RUNNING
    # An explicit deadline moves on by the paused wall time: two days.
    assert c.due_at == local(2026, 3, 22, 18, 0) and m.deadline == c.due_at


def test_sup3_suspend_and_cancel_need_reasons(county, loop):
    m = loop.assigned()
    with pytest.raises(ValidationError, match="理由"):
        sv.suspend_matter(m, county.supervisor, reason="", at=loop.tick())
    with pytest.raises(ValidationError, match="理由"):
        sv.cancel_matter(m, county.supervisor, reason=" ", at=loop.tick())


def test_sup3_cancel_stops_clocks_withdraws_extension_and_cancels_subtasks(county, loop):
    c = county
    m = loop.acknowledged()
    child = sv.split_matter(m, c.edu_user, title="城关镇学校排查", content="排查镇属学校", standard="全覆盖",
                            lead_unit=c.town, lead_person=c.town_user, due_at=local(2026, 3, 25), at=loop.tick())
    ext = sv.request_extension(m, c.edu_user, reason="涉及面广", proposed_due=local(2026, 4, 15), at=loop.tick())
    m = sv.cancel_matter(m, c.supervisor, reason="上级已另行部署", at=loop.tick())
    child.refresh_from_db()
    ext.refresh_from_db()
    assert m.state == State.CANCELLED and child.state == State.CANCELLED
    assert ext.state == "withdrawn"
    owned = Clock.objects.filter(pk__in=[c_.pk for c_ in clocks_for(m)] + [c_.pk for c_ in clocks_for(child)])
    # The ack clocks were met; every clock still owed stopped at the cancellation.
    assert set(owned.values_list("state", flat=True)) == {ClockState.MET, ClockState.STOPPED}
    assert not owned.filter(state=ClockState.STOPPED).exclude(stopped_at=m.cancelled_at).exists()
    assert m.current_clock_id == m.completion_clock_id and m.current_clock.light() == "stopped"
    assert sweep.sweep_breaches(now=local(2026, 6, 1)) == 0
    assert Event.objects.filter(action="supervision.matter.cancel", object_id=str(child.pk),
                                after__cascade_from=m.pk).exists()


def test_sup3_cancelled_matter_leaves_the_red_list_and_is_counted_apart(county, loop):
    """A matter cancelled after its deadline passed (its clock breached)
    or while paused for review no longer counts as red, yellow or green:
    its light is 已撤销 (stopped), its breach stays on record."""
    c = county
    late = loop.acknowledged(title="逾期后撤销", due_at=local(2026, 3, 3, 18))
    assert sweep.sweep_breaches(now=local(2026, 3, 4)) >= 1
    loop.t = local(2026, 3, 4, 9)
    waiting = loop.completion_requested(title="待审时撤销")
    now = loop.tick()
    before = queries.supervision_list(c.supervisor, now=now).counts
    for m in (late, waiting):
        sv.cancel_matter(m, c.supervisor, reason="上级已另行部署", at=loop.tick())
    now = loop.tick()
    wl = queries.supervision_list(c.supervisor, now=now)
    after = wl.counts
    assert after["stopped"] == before["stopped"] + 2 and after["total"] == before["total"]
    assert after["red"] + after["yellow"] + after["green"] == before["red"] + before["yellow"] + before["green"] - 2
    for light in ("red", "yellow", "green"):
        titles = [m.title for m in queries.supervision_list(c.supervisor, {"light": light}, now=now).rows]
        assert "逾期后撤销" not in titles and "待审时撤销" not in titles, light
    stopped = [m.title for m in queries.supervision_list(c.supervisor, {"light": "stopped"}, now=now).rows]
    assert sorted(stopped) == ["待审时撤销", "逾期后撤销"]
    late.refresh_from_db()
    assert late.current_clock.state == ClockState.STOPPED and late.current_clock.breached_at is not None


def _check_call(county, m, action, loop):
    """Call the service of `action` on `m` as a user allowed to take it."""
    c = county
    t = loop.tick()
    calls = {
        Action.UPDATE: lambda: sv.update_draft(m, c.supervisor, title="改", at=t),
        Action.ASSIGN: lambda: sv.assign_matter(m, c.supervisor, at=t),
        Action.ACKNOWLEDGE: lambda: sv.acknowledge(m, c.edu_user, at=t),
        Action.START: lambda: sv.start_work(m, c.edu_user, at=t),
        Action.REPORT: lambda: sv.submit_report(m, c.edu_user, text="进展", at=t),
        Action.REQUEST_COMPLETION: lambda: sv.request_completion(m, c.edu_user, text="完成", files=[upload()],
                                                                 at=t),
        Action.COMPLETE: lambda: sv.complete_matter(m, c.supervisor, at=t),
        Action.RETURN: lambda: sv.return_matter(m, c.supervisor, reason="不合格", at=t),
        Action.ARCHIVE: lambda: sv.archive_matter(m, c.supervisor, at=t),
        Action.SUSPEND: lambda: sv.suspend_matter(m, c.supervisor, reason="暂停", at=t),
        Action.RESUME: lambda: sv.resume_matter(m, c.supervisor, at=t),
        Action.CANCEL: lambda: sv.cancel_matter(m, c.supervisor, reason="撤销", at=t),
        Action.SPLIT: lambda: sv.split_matter(m, c.edu_user, title="子任务", content="内容", standard="标准",
                                              lead_unit=c.town, lead_person=c.town_user,
                                              due_at=local(2026, 3, 20), at=t),
        Action.REQUEST_EXTENSION: lambda: sv.request_extension(m, c.edu_user, reason="延期",
                                                               proposed_due=local(2026, 4, 30), at=t),
        Action.DECIDE_EXTENSION: lambda: sv.decide_extension(
            ExtensionRequest.objects.create(matter=m, reason="延期", proposed_due=local(2026, 4, 30),
                                            old_due=local(2026, 3, 31), requested_by=c.edu_user, requested_at=t),
            c.supervisor, approve=True, at=t),
        Action.URGE: lambda: sv.urge_matter(m, c.supervisor, channel="phone", at=t),
        Action.ADJUST_DEADLINE: lambda: sv.adjust_deadline(m, c.supervisor, due_at=t + dt.timedelta(days=30),
                                                           reason="核定期限", at=t),
        Action.REVIEW_REPORT: lambda: sv.review_report(
            Report.objects.create(matter=m, kind="progress", text="进展", submitted_by=c.edu_user,
                                  submitted_at=t), c.supervisor, accept=True, at=t),
    }
    assert set(calls) == set(Action.values)
    return calls[action]()


ILLEGAL = [(s, a) for s in State.values for a in Action.values if s not in TRANSITIONS[a][0]]


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_sup3_every_illegal_transition_is_refused(county, loop, state, action):
    m = loop.to(state)
    assert m.state == state
    events = Event.objects.count()
    with pytest.raises(ValidationError) as e:
        _check_call(county, m, action, loop)
    assert e.value.code == "illegal_transition"
    assert e.value.messages == [f"事项当前状态为“{State(state).label}”，不能{Action(action).label}"]
    assert Matter.objects.get(pk=m.pk).state == state
    # Nothing journaled by the refused step (the test's own helper rows aside).
    assert not Event.objects.filter(seq__gt=events, action__startswith="supervision.").exists()


LEGAL = [(s, a) for s in State.values for a in Action.values if s in TRANSITIONS[a][0]]


@pytest.mark.parametrize(("state", "action"), LEGAL, ids=[f"{s}-{a}" for s, a in LEGAL])
def test_sup3_every_legal_transition_is_taken(county, loop, state, action):
    m = loop.to(state)
    to = TRANSITIONS[action][1]
    expected = state if to is None else (m.suspended_from if to == "prior" else to)
    _check_call(county, m, action, loop)
    assert Matter.objects.get(pk=m.pk).state == expected


def test_sup3_transition_table_names_every_action_and_state():
    assert set(TRANSITIONS) == set(Action.values)
    reachable = {to for _, to in TRANSITIONS.values() if to not in (None, "prior")}
    assert reachable | {State.DRAFT} == set(State.values)
