"""SUP-4 at a province's size: a list's page is read in two steps (the
page's ids by a lean query that an index on the clocks' due moment can
answer, then those rows in full; queries.DueOrderedQuerySet). Every page
is exactly that slice of the whole list: what is due first, ties by id,
drafts last; rows come with their relations, in a fixed number of queries.
The figures at scale are in bench/bench_lists.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.supervision import queries

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 9, 12, 0)


@pytest.fixture
def lists(county, loop):
    c = county
    same = local(2026, 3, 20, 18)
    for i in range(4):
        loop.acknowledged(title=f"同一期限{i}", due_at=same)  # ties, ordered by id
    for i, day in enumerate((5, 31, 10, 12)):
        loop.acknowledged(title=f"期限{day}日", due_at=local(2026, 3, day, 18),
                          cooperating=[{"unit": c.fin, "person": c.fin_user}] if i % 2 else [])
    loop.assigned(title="未签收")  # its ack clock is the current one
    loop.completed(title="已办结")
    for i in range(3):
        loop.draft(title=f"草稿{i}")
    return [
        (queries.supervision_list, c.supervisor, {}),
        (queries.supervision_list, c.supervisor, {"light": "green"}),
        (queries.supervision_list, c.supervisor, {"state": "draft,acknowledged"}),
        (queries.unit_worklist, c.edu_user, {}),
        (queries.unit_worklist, c.fin_user, {}),
        (queries.leader_list, c.leader, {}),
    ]


def test_sup4_every_page_is_the_slice_of_the_whole_list(lists):
    for fn, user, filters in lists:
        whole = [m.pk for m in fn(user, filters, now=NOW).rows]
        assert whole, (fn.__name__, filters)
        for start in range(len(whole) + 2):
            for size in (1, 2, 5, 20):
                page = [m.pk for m in fn(user, filters, now=NOW).rows[start:start + size]]
                assert page == whole[start:start + size], (fn.__name__, filters, start, size)


def test_sup4_drafts_come_last_and_ties_by_id(county, lists):
    rows = list(queries.supervision_list(county.supervisor, now=NOW).rows[:50])
    assert [m.title for m in rows[-3:]] == ["草稿0", "草稿1", "草稿2"]
    assert all(m.current_clock_id is None for m in rows[-3:])
    ties = [m.pk for m in rows if m.title.startswith("同一期限")]
    assert ties == sorted(ties) and len(ties) == 4


def test_sup4_a_page_brings_its_relations_in_a_fixed_number_of_queries(county, lists):
    wl = queries.supervision_list(county.supervisor, now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        page = list(wl.rows[2:8])
        shown = [(m.number, m.lead_unit.name, m.lead_person.get_full_name(), m.light,
                  m.current_clock.due_at if m.current_clock_id else None, m.deadline,
                  [co.unit.name for co in m.cooperations.all()]) for m in page]
    assert len(shown) == 6
    # scope, lean ids, the page, its cooperating units
    assert len(ctx.captured_queries) <= 4
