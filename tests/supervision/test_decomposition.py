"""SUP-2: decomposition into sub-tasks, one level driving the next: each with
its own unit, person, standard and a deadline never later than its
parent's; progress rolls up; visibility follows the decomposition."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.org import services as org
from duban.org.models import Role, UnitKind
from duban.org.visibility import can_see, visible
from duban.supervision import queries
from duban.supervision import services as sv
from duban.supervision.models import Matter
from duban.supervision.transitions import State

from .conftest import local, upload

pytestmark = pytest.mark.django_db

def split(loop, parent, by, **kw):
    c = loop.c
    data = dict(title="城关镇学校隐患排查", content="排查镇属中小学", standard="镇属学校全覆盖",
                lead_unit=c.town, lead_person=c.town_user, due_at=local(2026, 3, 25, 18))
    data.update(kw)
    return sv.split_matter(parent, by, at=loop.tick(), **data)


def test_sup2_a_sub_task_has_its_own_unit_person_standard_deadline_and_number(county, loop):
    p = loop.acknowledged()
    child = split(loop, p, county.edu_user)
    assert child.parent == p and child.root == p and child.depth == 1
    assert child.state == State.ASSIGNED and child.number == f"{p.number}-1"
    assert child.lead_unit == county.town and child.lead_person == county.town_user
    assert child.assigning_unit == county.edu and child.supervising_unit == p.supervising_unit
    assert child.source_kind == p.source_kind and child.instructing_leader == county.leader
    assert child.standard == "镇属学校全覆盖" and child.deadline == local(2026, 3, 25, 18)
    assert split(loop, p, county.edu_user, lead_unit=county.fin, lead_person=county.fin_user).number == (
        f"{p.number}-2")


def test_sup2_sub_task_deadline_cannot_be_later_than_the_parents(county, loop):
    p = loop.acknowledged(due_at=local(2026, 12, 10, 23, 59))
    with pytest.raises(ValidationError) as e:
        split(loop, p, county.edu_user, due_at=local(2026, 12, 11, 12))
    assert e.value.message_dict["due_at"] == ["子任务期限不能晚于上级事项期限 2026年12月10日 23:59"]
    assert not Matter.objects.filter(parent=p).exists()


def test_sup2_a_rule_deadline_later_than_the_parents_is_refused_too(county, loop):
    p = loop.acknowledged(due_at=local(2026, 3, 4, 18))
    with pytest.raises(ValidationError, match="不能晚于上级事项期限 2026年3月4日 18:00"):
        split(loop, p, county.edu_user, due_at=None)  # 7 working days would end on 11 March
    assert not Matter.objects.filter(parent=p).exists()


def test_sup2_sub_task_needs_standard_unit_and_person_and_another_unit(county, loop):
    p = loop.acknowledged()
    with pytest.raises(ValidationError) as e:
        split(loop, p, county.edu_user, standard="", lead_person=None)
    assert e.value.message_dict["standard"] == ["子任务须明确工作标准"]
    with pytest.raises(ValidationError, match="交办前须明确责任人"):
        split(loop, p, county.edu_user, lead_person=None)
    with pytest.raises(ValidationError, match="不能交给上级事项的牵头单位本身"):
        split(loop, p, county.edu_user, lead_unit=county.edu, lead_person=county.edu_head)


def test_sup2_only_the_parents_lead_unit_or_the_office_may_split(county, loop):
    p = loop.acknowledged()
    for user in (county.fin_user, county.town_user, county.leader):
        with pytest.raises(PermissionDenied):
            split(loop, p, user)
    assert split(loop, p, county.supervisor).assigning_unit == county.edu


def test_sup2_split_needs_a_signed_for_parent(county, loop):
    p = loop.assigned()
    with pytest.raises(ValidationError, match="事项当前状态为“已交办”，不能分解子任务"):
        split(loop, p, county.edu_user)


def test_sup2_progress_rolls_up_as_the_mean_of_sub_tasks(county, loop):
    c = county
    p = loop.in_progress()
    assert p.progress == 30
    a = split(loop, p, c.edu_user)
    clerk = c.person("jcjy", "钱股长", c.edu_office, Role.LIAISON)
    b = split(loop, p, c.edu_user, lead_unit=c.edu_office, lead_person=clerk, title="城区学校排查")
    p.refresh_from_db()
    assert p.progress == 0  # two sub-tasks at 0
    a = sv.acknowledge(a, c.town_user, at=loop.tick())
    sv.submit_report(a, c.town_user, text="排查过半", progress=50, at=loop.tick())
    p.refresh_from_db()
    assert p.progress == 25
    sv.request_completion(a, c.town_user, text="完成", files=[upload()], at=loop.tick())
    # The unit that split it accepts the sub-task's completion (一级抓一级).
    sv.complete_matter(a, c.edu_user, at=loop.tick())
    p.refresh_from_db()
    assert p.progress == 50 and p.state == State.IN_PROGRESS  # never completed automatically
    sv.cancel_matter(b, c.supervisor, reason="并入其他任务", at=loop.tick())
    p.refresh_from_db()
    assert p.progress == 100 and p.state == State.IN_PROGRESS


def test_sup2_a_parent_cannot_request_completion_while_sub_tasks_are_open(county, loop):
    p = loop.in_progress()
    split(loop, p, county.edu_user)
    with pytest.raises(ValidationError, match="尚有1项子任务未办结"):
        sv.request_completion(p, county.edu_user, text="完成", files=[upload()], at=loop.tick())


def test_sup2_the_sub_tasks_own_unit_cannot_accept_its_completion(county, loop):
    p = loop.acknowledged()
    a = split(loop, p, county.edu_user)
    a = sv.acknowledge(a, county.town_user, at=loop.tick())
    sv.submit_report(a, county.town_user, text="完成", at=loop.tick())
    sv.request_completion(a, county.town_user, text="完成", files=[upload()], at=loop.tick())
    with pytest.raises(PermissionDenied):
        sv.complete_matter(a, county.town_user, at=loop.tick())
    with pytest.raises(PermissionDenied):
        sv.complete_matter(a, county.fin_user, at=loop.tick())


def test_sup2_sub_task_is_visible_to_the_units_above_it_and_not_to_others(county, loop):
    c = county
    grid = org.create_unit("城关镇网格办", parent=c.town, kind=UnitKind.OFFICE)
    grid_user = c.person("grid", "孙网格", grid, Role.LIAISON)
    other = org.create_unit("县卫健局", parent=c.gov)
    other_user = c.person("wj", "吴卫健", other, Role.LIAISON)
    p = loop.acknowledged(cooperating=[{"unit": other, "person": other_user}])
    a = split(loop, p, c.edu_user)
    a = sv.acknowledge(a, c.town_user, at=loop.tick())
    b = split(loop, a, c.town_user, lead_unit=grid, lead_person=grid_user, title="网格排查")
    assert b.depth == 2 and b.root == p and b.number == f"{p.number}-1-1"
    # The parent's lead unit, the grandparent's and the jurisdiction see it; the doer sees it.
    for user in (c.edu_user, c.town_user, grid_user, c.supervisor, c.leader):
        assert can_see(user, b), user
    assert not can_see(c.fin_user, b)
    # A lead unit sees its sub-tasks but the doer does not see the matter above.
    assert not can_see(grid_user, a) and not can_see(grid_user, p) and not can_see(c.town_user, p)
    # A cooperating unit of the parent sees the parent, not its sub-tasks.
    assert can_see(other_user, p)
    assert not visible(Matter.objects.filter(pk__in=[a.pk, b.pk]), other_user).exists()
    tree = queries.subtree(p, c.edu_user)
    assert tree["matter"] == p and [n["matter"] for n in tree["children"]] == [a]
    assert [n["matter"] for n in tree["children"][0]["children"]] == [b]
    assert queries.subtree(a, c.town_user)["children"][0]["matter"] == b


def test_sup2_depth_is_limited(county, loop, settings):
    settings.DUBAN_SUPERVISION_MAX_DEPTH = 1
    p = loop.acknowledged()
    a = sv.acknowledge(split(loop, p, county.edu_user), county.town_user, at=loop.tick())
    with pytest.raises(ValidationError, match="最多分解1级"):
        split(loop, a, county.town_user, lead_unit=county.fin, lead_person=county.fin_user)
