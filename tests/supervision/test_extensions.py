"""SUP-3: extension requests — only before the deadline (after it the matter
is judged on the original deadline), decided by the supervision office; an
approval moves the clock, journaled with old and new dates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.clocks import sweep
from duban.clocks.models import ClockState
from duban.journal.models import Event
from duban.supervision import services as sv
from duban.supervision.models import ExtensionState

from .conftest import local

pytestmark = pytest.mark.django_db

DUE = local(2026, 3, 31, 18, 0)


def test_sup3_extension_before_the_deadline_approved_moves_the_clock_with_journal(county, loop):
    m = loop.in_progress(due_at=DUE)
    ext = sv.request_extension(m, county.edu_user, reason="涉及学校多，需增加排查轮次",
                               proposed_due=local(2026, 4, 15, 18), at=local(2026, 3, 20, 9))
    m.completion_clock.refresh_from_db()
    assert ext.state == ExtensionState.PENDING and ext.old_due == DUE
    assert m.completion_clock.state == ClockState.PAUSED
    ext = sv.decide_extension(ext, county.supervisor, approve=True, reason="同意", at=local(2026, 3, 23, 9))
    m.refresh_from_db()
    clock = m.completion_clock
    assert ext.state == ExtensionState.APPROVED and ext.new_due == local(2026, 4, 15, 18)
    assert clock.state == ClockState.RUNNING and clock.due_at == local(2026, 4, 15, 18) and clock.explicit
    e = Event.objects.get(action="supervision.extension.approve", object_id=str(ext.pk))
    assert e.before["due_at"] == "2026-03-31T10:00:00.000000+00:00"
    assert e.after["due_at"] == "2026-04-15T10:00:00.000000+00:00"
    assert e.actor_id == county.supervisor.pk
    assert Event.objects.filter(action="clocks.deadline", object_id=str(clock.pk)).exists()


def test_sup3_extension_after_the_deadline_is_refused(county, loop):
    m = loop.in_progress(due_at=local(2026, 3, 5, 18))
    with pytest.raises(ValidationError) as e:
        sv.request_extension(m, county.edu_user, reason="来不及", proposed_due=local(2026, 3, 20),
                             at=local(2026, 3, 5, 18, 1))
    assert e.value.messages == ["已超过办理时限，按原期限考核"]
    sweep.sweep_breaches(now=local(2026, 3, 6))
    with pytest.raises(ValidationError, match="已超过办理时限，按原期限考核"):
        sv.request_extension(m, county.edu_user, reason="来不及", proposed_due=local(2026, 3, 20),
                             at=local(2026, 3, 4))


def test_sup3_one_pending_extension_request_at_a_time(county, loop):
    m = loop.in_progress(due_at=DUE)
    sv.request_extension(m, county.edu_user, reason="a", proposed_due=local(2026, 4, 10), at=local(2026, 3, 10))
    with pytest.raises(ValidationError, match="已有一份延期申请待审批"):
        sv.request_extension(m, county.edu_user, reason="b", proposed_due=local(2026, 4, 20), at=local(2026, 3, 11))
    with pytest.raises(ValidationError, match="延期申请尚待审批"):
        from .conftest import upload

        sv.request_completion(m, county.edu_user, text="完成", files=[upload()], at=local(2026, 3, 11))


def test_sup3_rejected_extension_keeps_the_original_deadline_without_credit(county, loop):
    m = loop.in_progress(due_at=DUE)
    ext = sv.request_extension(m, county.edu_user, reason="人手不足", proposed_due=local(2026, 4, 10),
                               at=local(2026, 3, 30, 9))
    # While it waits the clock does not breach …
    assert sweep.sweep_breaches(now=local(2026, 4, 2, 9)) == 0
    with pytest.raises(ValidationError, match="不予延期须填写理由"):
        sv.decide_extension(ext, county.supervisor, approve=False, at=local(2026, 4, 2, 10))
    ext = sv.decide_extension(ext, county.supervisor, approve=False, reason="时限不能突破",
                              at=local(2026, 4, 2, 10))
    m.refresh_from_db()
    assert ext.state == ExtensionState.REJECTED and m.completion_clock.due_at == DUE
    # … and once rejected it is judged on the original deadline.
    assert sweep.sweep_breaches(now=local(2026, 4, 2, 10, 1)) == 1
    e = Event.objects.get(action="supervision.extension.reject", object_id=str(ext.pk))
    assert e.before["due_at"] == e.after["due_at"]


def test_sup3_extension_checks_dates_and_deciders(county, loop):
    m = loop.in_progress(due_at=DUE)
    with pytest.raises(ValidationError, match="须晚于现期限 2026年3月31日 18:00"):
        sv.request_extension(m, county.edu_user, reason="x", proposed_due=local(2026, 3, 30), at=local(2026, 3, 10))
    ext = sv.request_extension(m, county.edu_user, reason="x", proposed_due=local(2026, 4, 10),
                               at=local(2026, 3, 10))
    for user in (county.edu_user, county.edu_head, county.leader):
        with pytest.raises(PermissionDenied):
            sv.decide_extension(ext, user, approve=True, at=local(2026, 3, 11))
    # The office may approve another date than the one asked for.
    ext = sv.decide_extension(ext, county.supervisor, approve=True, new_due=local(2026, 4, 5, 18),
                              at=local(2026, 3, 11))
    assert ext.new_due == local(2026, 4, 5, 18)
    with pytest.raises(ValidationError, match="已批准，不能再审批"):
        sv.decide_extension(ext, county.supervisor, approve=False, reason="x", at=local(2026, 3, 12))


def test_sup3_a_sub_tasks_extension_cannot_pass_its_parents_deadline(county, loop):
    p = loop.acknowledged(due_at=DUE)
    child = sv.split_matter(p, county.edu_user, title="镇属学校排查", content="x", standard="全覆盖",
                            lead_unit=county.town, lead_person=county.town_user, due_at=local(2026, 3, 20),
                            at=loop.tick())
    with pytest.raises(ValidationError, match="不能晚于上级事项期限 2026年3月31日 18:00"):
        sv.request_extension(child, county.town_user, reason="x", proposed_due=local(2026, 4, 2),
                             at=local(2026, 3, 10))
    ext = sv.request_extension(child, county.town_user, reason="x", proposed_due=local(2026, 3, 28),
                               at=local(2026, 3, 10))
    # The unit that split it decides (一级抓一级).
    assert sv.decide_extension(ext, county.edu_user, approve=True, at=local(2026, 3, 11)).state == "approved"


def test_sup3_extension_decided_while_suspended_keeps_the_suspension_pause(county, loop):
    m = loop.in_progress(due_at=DUE)
    ext = sv.request_extension(m, county.edu_user, reason="x", proposed_due=local(2026, 4, 10),
                               at=local(2026, 3, 10, 9))
    sv.suspend_matter(m, county.supervisor, reason="政策调整", at=local(2026, 3, 11, 9))
    sv.decide_extension(ext, county.supervisor, approve=True, at=local(2026, 3, 12, 9))
    m.refresh_from_db()
    assert m.completion_clock.state == ClockState.PAUSED
    sv.resume_matter(m, county.supervisor, at=local(2026, 3, 14, 9))
    m.refresh_from_db()
    # Approved 10 April, plus the two days of suspension after the decision.
    assert m.completion_clock.due_at == local(2026, 4, 12, 0, 0)
