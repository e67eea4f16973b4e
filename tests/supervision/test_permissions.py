"""SUP-3 / ORG-3: who may take which step. Services refuse with
PermissionDenied; a user who cannot see a matter at all is refused by the
visibility module first (404, see test_api)."""

import pytest
from django.core.exceptions import PermissionDenied

from duban.org.models import Role
from duban.org.visibility import can_see
from duban.supervision import services as sv
from duban.supervision.transitions import Action, State

from .conftest import instruction_data, local, upload

pytestmark = pytest.mark.django_db


def test_org3_edu_user_cannot_act_on_a_fin_matter(county, loop):
    m = loop.assigned(lead_unit=county.fin, lead_person=county.fin_user)
    assert not can_see(county.edu_user, m)
    with pytest.raises(PermissionDenied):
        sv.acknowledge(m, county.edu_user, at=loop.tick())
    sv.acknowledge(m, county.fin_user, at=loop.tick())
    for call in (
        lambda: sv.submit_report(m, county.edu_user, text="x", at=loop.tick()),
        lambda: sv.request_extension(m, county.edu_user, reason="x", proposed_due=local(2026, 4, 30),
                                     at=loop.tick()),
        lambda: sv.split_matter(m, county.edu_user, title="x", content="x", standard="x", lead_unit=county.town,
                                lead_person=county.town_user, at=loop.tick()),
        lambda: sv.urge_matter(m, county.edu_user, channel="phone", at=loop.tick()),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_sup3_a_liaison_cannot_complete_or_return_their_own_matter(county, loop):
    m = loop.completion_requested()
    for user in (county.edu_user, county.edu_head):
        with pytest.raises(PermissionDenied, match="只有督查室"):
            sv.complete_matter(m, user, at=loop.tick())
        with pytest.raises(PermissionDenied):
            sv.return_matter(m, user, reason="x", at=loop.tick())
    assert sv.complete_matter(m, county.supervisor, at=loop.tick()).state == State.COMPLETED


@pytest.mark.parametrize("who", ["edu_user", "edu_head", "leader", "fin_user", "sysadmin"])
def test_sup3_only_supervisors_suspend_resume_or_cancel(county, loop, who):
    user = getattr(county, who)
    m = loop.in_progress()
    with pytest.raises(PermissionDenied, match="只有督查室可以暂停"):
        sv.suspend_matter(m, user, reason="x", at=loop.tick())
    with pytest.raises(PermissionDenied, match="只有督查室可以撤销"):
        sv.cancel_matter(m, user, reason="x", at=loop.tick())
    m = sv.suspend_matter(m, county.supervisor, reason="x", at=loop.tick())
    with pytest.raises(PermissionDenied, match="只有督查室可以恢复"):
        sv.resume_matter(m, user, at=loop.tick())


def test_sup3_a_supervisor_outside_the_jurisdiction_cannot_act(county, loop):
    other = county.person("towndc", "镇督查员", county.town, Role.SUPERVISOR, scope=county.town)
    m = loop.in_progress()
    with pytest.raises(PermissionDenied):
        sv.suspend_matter(m, other, reason="x", at=loop.tick())


def test_sup3_the_lead_unit_acknowledges_and_cooperating_units_only_report(county, loop):
    m = loop.assigned(cooperating=[{"unit": county.fin, "person": county.fin_user}])
    with pytest.raises(PermissionDenied, match="只有牵头单位"):
        sv.acknowledge(m, county.fin_user, at=loop.tick())
    # Another member of the lead unit without a liaison or head role cannot sign either.
    clerk = county.person("educlerk", "刘办事员", county.edu)
    with pytest.raises(PermissionDenied):
        sv.acknowledge(m, clerk, at=loop.tick())
    m = sv.acknowledge(m, county.edu_head, at=loop.tick())
    r = sv.submit_report(m, county.fin_user, text="资金已落实。", progress=90, at=loop.tick())
    m.refresh_from_db()
    assert r.unit == county.fin and m.state == State.IN_PROGRESS and m.progress == 0
    with pytest.raises(PermissionDenied, match="只有牵头单位"):
        sv.request_completion(m, county.fin_user, text="x", files=[upload()], at=loop.tick())


def test_sup3_available_actions_follow_state_and_role(county, loop):
    m = loop.acknowledged()
    assert sv.available_actions(county.edu_user, m) == [
        Action.START, Action.REPORT, Action.SPLIT, Action.REQUEST_EXTENSION]
    assert sv.available_actions(county.supervisor, m) == [
        Action.SUSPEND, Action.CANCEL, Action.SPLIT, Action.URGE, Action.ADJUST_DEADLINE]
    assert sv.available_actions(county.leader, m) == [Action.URGE]
    assert sv.available_actions(county.fin_user, m) == []


def test_sup3_instructing_leader_may_urge(county, loop):
    m = loop.acknowledged(**{k: v for k, v in instruction_data(county).items() if k == "instructing_leader"})
    u = sv.urge_matter(m, county.leader, channel="in_person", note="请加快进度", at=loop.tick())
    assert u.urged_by == county.leader and u.urged_person == county.edu_user
