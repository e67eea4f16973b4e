"""SUP-4: worklists with traffic lights, what is due first, first; the
supervision office's filtered list; leaders' lists; no N+1."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.supervision import queries
from duban.supervision import services as sv

from .conftest import instruction_data, local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 9, 12, 0)


@pytest.fixture
def board(county, loop):
    c = county
    b = {}
    b["red"] = loop.acknowledged(title="红灯事项", due_at=local(2026, 3, 5, 18))
    b["yellow"] = loop.acknowledged(title="黄灯事项", due_at=local(2026, 3, 10, 9))
    b["green"] = loop.acknowledged(title="绿灯事项", due_at=local(2026, 3, 31, 18))
    coop = loop.assigned(title="配合事项", lead_unit=c.fin, lead_person=c.fin_user, due_at=local(2026, 3, 20, 18),
                         source_kind="hotline", ticket_number="12345-0001", instructing_leader=None,
                         urgency="extra_urgent",
                         cooperating=[{"unit": c.edu, "person": c.edu_user}])
    b["coop"] = sv.acknowledge(coop, c.fin_user, at=loop.tick())
    b["fin"] = loop.assigned(title="财政事项", lead_unit=c.fin, lead_person=c.fin_user)
    b["done"] = loop.completed(title="已办结事项")
    b["draft"] = loop.draft(title="草稿事项")
    return b


def test_sup4_unit_worklist_is_sorted_by_what_is_due_first_with_lights_and_counts(county, board):
    wl = queries.unit_worklist(county.edu_user, now=NOW)
    rows = list(wl.rows)
    assert [m.title for m in rows] == ["红灯事项", "黄灯事项", "配合事项", "绿灯事项"]
    assert [m.light for m in rows] == ["red", "yellow", "green", "green"]
    assert wl.counts == {"red": 1, "yellow": 1, "green": 2, "done": 0, "stopped": 0, "total": 4, "drafts": 0}
    red = queries.unit_worklist(county.edu_user, {"light": "red"}, now=NOW)
    assert [m.title for m in red.rows] == ["红灯事项"] and red.counts["total"] == 4


def test_sup4_another_units_worklist_shows_only_its_own(county, board):
    rows = list(queries.unit_worklist(county.fin_user, now=NOW).rows)
    # fin leads 财政事项 (not yet signed for: its ack clock is red) and 配合事项.
    assert [m.title for m in rows] == ["财政事项", "配合事项"]
    assert rows[0].light == "red" and rows[0].current_clock.kind == "ack"
    assert list(queries.unit_worklist(county.town_user, now=NOW).rows) == []


def test_sup4_supervision_list_filters(county, board):
    c = county
    sup = c.supervisor

    def titles(**f):
        return sorted(m.title for m in queries.supervision_list(sup, f, now=NOW).rows)

    assert len(titles()) == 7
    assert titles(source="hotline") == ["配合事项"]
    assert titles(unit=c.fin.pk) == ["财政事项", "配合事项"]
    assert titles(unit=c.edu.pk, state="in_progress,completion_requested") == []
    assert titles(state="draft") == ["草稿事项"]
    assert titles(light="red") == ["红灯事项", "财政事项"]
    assert titles(light="done") == ["已办结事项"]
    assert titles(leader=c.leader.pk) == sorted(["红灯事项", "黄灯事项", "绿灯事项", "财政事项", "已办结事项",
                                                 "草稿事项", "配合事项"])
    assert titles(urgency="extra_urgent") == ["配合事项"]
    assert titles(date_from="2026-03-02", date_to="2026-03-02") == sorted(
        ["红灯事项", "黄灯事项", "绿灯事项", "财政事项", "已办结事项", "配合事项"])
    assert titles(date_from="2026-03-03") == []
    assert titles(due_from="2026-03-20", due_to="2026-03-20") == ["配合事项"]
    assert titles(q="黄灯") == ["黄灯事项"]
    with pytest.raises(ValidationError) as e:
        queries.supervision_list(sup, {"light": "purple", "date_from": "3月"}, now=NOW)
    assert "date_from" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        queries.supervision_list(c.edu_user)


def test_org3_supervision_list_keeps_to_its_jurisdiction_and_needs_no_condition_over_the_whole_tree(
        county, board, loop):
    """A jurisdiction over every unit (the county's office) reads its list
    without a unit condition; one over a part of them (the education
    bureau's office; the county's, once a second county exists) keeps to
    it, the unit filter included."""
    from duban.org import services as org
    from duban.org.models import Role, UnitKind
    from duban.org.visibility import covers_every_unit, scope_for

    c = county
    assert covers_every_unit(scope_for(c.supervisor).jurisdictions)
    sql = str(queries.supervision_list(c.supervisor, now=NOW).rows.query)
    assert " WHERE " not in sql
    edu_office = c.person("edusup", "教育督查", c.edu_office, Role.SUPERVISOR, scope=c.edu)
    titles = {m.title for m in queries.supervision_list(edu_office, now=NOW).rows}
    # edu leads them; the county office's draft stays the county office's
    # until it is assigned (drafts_q)
    assert titles == {"红灯事项", "黄灯事项", "绿灯事项", "已办结事项"}
    assert {m.title for m in queries.supervision_list(edu_office, {"unit": c.fin.pk}, now=NOW).rows} == set()

    other = org.create_unit("邻县人民政府", kind=UnitKind.GOVERNMENT)
    other_dept = org.create_unit("邻县交通局", parent=other)
    other_sup = c.person("linxian", "邻县督查", other, Role.SUPERVISOR, scope=other)
    linjt = c.person("linjt", "邻县交通", other_dept, Role.LIAISON)
    m = sv.create_matter(other_sup, at=loop.tick(), **instruction_data(
        c, title="邻县事项", lead_unit=other_dept, lead_person=linjt, instructing_leader=None,
        source_kind="inspection", finding="道路养护不到位", responsible_leader=None))
    sv.assign_matter(m, other_sup, at=loop.tick())
    c.supervisor._duban_scope = None
    assert not covers_every_unit(scope_for(c.supervisor).jurisdictions)
    mine = {m.title for m in queries.supervision_list(c.supervisor, now=NOW).rows}
    assert "邻县事项" not in mine and len(mine) == 7
    assert [m.title for m in queries.supervision_list(other_sup, now=NOW).rows] == ["邻县事项"]


def test_sup4_leader_list_shows_what_they_instructed(county, board):
    rows = queries.leader_list(county.leader, now=NOW).rows
    assert "配合事项" in {m.title for m in rows}  # responsible leader there
    assert list(queries.leader_list(county.edu_head, now=NOW).rows) == []


def _render(user_id, fn):
    """What a page does: the rows, the counts, each row's units, people and clocks."""
    user = get_user_model().objects.get(pk=user_id)
    wl = fn(user, now=NOW)
    out = []
    for m in wl.rows:
        out.append((m.number, m.lead_unit.name, m.lead_person.get_full_name(), m.light,
                    m.current_clock.due_at if m.current_clock else None, m.deadline,
                    [(co.unit.name, co.person.get_full_name() if co.person else "") for co in m.cooperations.all()]))
    return out, wl.counts


@pytest.mark.parametrize("fn", [queries.unit_worklist, queries.supervision_list, queries.leader_list])
def test_sup4_worklist_queries_do_not_grow_with_rows(county, loop, fn):
    c = county
    user = {"unit_worklist": c.edu_user, "supervision_list": c.supervisor, "leader_list": c.leader}[fn.__name__]
    for _ in range(2):
        loop.acknowledged(cooperating=[{"unit": c.fin, "person": c.fin_user}])
    with CaptureQueriesContext(connection) as few:
        rows, _ = _render(user.pk, fn)
    assert len(rows) == 2
    for _ in range(6):
        loop.acknowledged(cooperating=[{"unit": c.fin, "person": c.fin_user}, {"unit": c.town,
                                                                              "person": c.town_user}])
    with CaptureQueriesContext(connection) as many:
        rows, _ = _render(user.pk, fn)
    assert len(rows) == 8
    # At most 9: one of them asks whom the user stands in for (ORG-4).
    assert len(many) == len(few) <= 9


def test_sup4_matter_timeline_in_order(county, loop):
    m = loop.in_progress()
    sv.urge_matter(m, county.supervisor, channel="phone", at=loop.tick())
    events = list(queries.matter_timeline(m))
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    actions = [e.action for e in events]
    assert actions.index("supervision.matter.assign") < actions.index("supervision.report.submit") \
        < actions.index("supervision.urge.create")
