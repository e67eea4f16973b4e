"""RECT-6: problems raised again and again for the same unit are flagged
with the count and listed for the task force."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.rectification import queries as rq
from duban.rectification import services as rs
from duban.rectification.models import Problem

from .conftest import D, T, make_problem

pytestmark = pytest.mark.django_db


def test_rect6_same_or_near_identical_description_for_the_same_unit_is_flagged(camp):
    c = camp
    a = make_problem(c, description="重点项目审批拖延，群众反映办事慢")
    b = make_problem(c, description=" 重点项目审批拖延,群众反映办事慢。", at=T(4, 1))
    d = make_problem(c, description="重点项目审批拖延，群众反映办事很慢", at=T(4, 2))
    other_unit = make_problem(c, unit=c.fin, by=c.fin_user, description="重点项目审批拖延，群众反映办事慢")
    different = make_problem(c, description="会议过多，以会议落实会议")
    for p in (a, b, d, other_unit, different):
        p.refresh_from_db()
    assert (a.repeat_count, b.repeat_count, d.repeat_count) == (3, 3, 3)
    assert b.repeat_root == a and d.repeat_root == a and a.repeat_root is None
    assert other_unit.repeat_count == 1 and different.repeat_count == 1
    groups = rq.repeated_problems(campaign=c.campaign)
    assert len(groups) == 1 and groups[0].count == 3 and groups[0].unit == c.edu
    assert [p.pk for p in groups[0].problems] == [a.pk, b.pk, d.pk]
    assert rs.similar(rs.normalize_text("ＡＢＣ审批慢 "), rs.normalize_text("abc审批慢"))


def test_rect6_repeat_across_campaigns_and_linked_by_hand(camp):
    c = camp
    old = rs.create_campaign(code="ZF-2025", name="去年的", start_date=D(1, 1), end_date=D(12, 31),
                             organizer=c.duchashi, units=[c.edu], at=T(1, 2))
    first = rs.create_problem(old, unit=c.edu, category="慢作为", description="学校食堂检查走过场",
                              measures="整改", deadline=D(3, 1), at=T(1, 5))
    again = make_problem(c, description="学校食堂检查走过场")
    again.refresh_from_db()
    assert again.repeat_count == 2 and again.repeat_root == first
    loose = make_problem(c, description="食堂安全检查流于形式，只看资料不看现场")
    with pytest.raises(PermissionDenied):
        rs.link_repeated(loose, again, c.edu_user, at=T(4, 1))
    with pytest.raises(ValidationError):
        rs.link_repeated(loose, make_problem(c, unit=c.fin, by=c.fin_user), c.supervisor, at=T(4, 1))
    rs.link_repeated(loose, again, c.tf_fin, reason="同一问题反复出现", at=T(4, 1))
    loose.refresh_from_db()
    first.refresh_from_db()
    assert loose.repeat_count == 3 and first.repeat_count == 3 and loose.is_repeated
    groups = rq.repeated_problems(campaign=c.campaign, user=c.tf_fin)
    assert [g.count for g in groups] == [3]
    assert {p.pk for p in groups[0].problems} >= {again.pk, loose.pk}


def test_rect6_joining_a_large_group_updates_the_group_once_through_the_index(camp):
    """The repeats are found through the index (a fixed number of queries,
    not a scan of the unit's problems), and merging the new problem into a
    group of many writes the group in one statement, not once per member."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = camp
    first = [make_problem(c, description=f"重点项目审批拖延，群众反映办事慢{'。' * i}", at=T(3, 5, 9, i))
             for i in range(12)]
    for i in range(30):
        make_problem(c, description=f"第{i}件不同的事情：会议通知下发迟缓第{i}号", at=T(3, 6, 9, i))
    with CaptureQueriesContext(connection) as ctx:
        p = make_problem(c, description="重点项目审批拖延，群众反映办事很慢", at=T(4, 1))
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "rectification_problem"')
               and "repeat_count" in q["sql"]]
    # One statement for the members, one for the root, and the new problem's own save.
    assert len(updates) == 3 and sum(" IN (" in sql for sql in updates) == 1
    scans = [q["sql"] for q in ctx.captured_queries if 'FROM "rectification_problem"' in q["sql"]
             and '"normalized"' in q["sql"]]
    assert scans == []
    p.refresh_from_db()
    assert p.repeat_count == 13 and p.repeat_root == first[0]
    assert {x.repeat_count for x in Problem.objects.filter(pk__in=[f.pk for f in first])} == {13}
