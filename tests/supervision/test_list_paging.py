"""SUP-4 at a province's size: a list's page is read in two steps (the
page's ids by lean queries, group by group, along an index or filters
first; then those rows in full; queries.ListQuerySet). Every page is
exactly that slice of the whole list: open matters first, what is due
first, first; then closed ones, the most recently closed first; drafts
last, the newest first. Rows come with their relations, in a fixed number
of queries. The figures at scale are in bench/bench_lists.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.clocks.models import OPEN_STATES as CLOCK_OPEN_STATES
from duban.clocks.models import ClockState
from duban.org.visibility import visible
from duban.supervision import queries
from duban.supervision.models import Matter

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 9, 12, 0)


@pytest.fixture
def lists(county, loop):
    c = county
    same = local(2026, 3, 20, 18)
    for i in range(4):  # ties, ordered by id; the last one also the finance bureau's
        loop.acknowledged(title=f"同一期限{i}", due_at=same,
                          cooperating=[{"unit": c.fin, "person": c.fin_user}] if i == 3 else [])
    for i, day in enumerate((5, 31, 10, 12)):
        loop.acknowledged(title=f"期限{day}日", due_at=local(2026, 3, day, 18),
                          cooperating=[{"unit": c.fin, "person": c.fin_user}] if i % 2 else [])
    loop.assigned(title="未签收")  # its ack clock is the current one
    loop.completed(title="已办结")
    loop.cancelled(title="已撤销")  # its clocks stopped: light 已撤销
    loop.completed(title="后办结")
    loop.suspended(title="已暂停", due_at=local(2026, 3, 25, 18))
    # Frozen green although its deadline passed by NOW: the paused matters'
    # range finds it (ListQuerySet._ranges).
    loop.suspended(title="暂停时尚未预警", due_at=local(2026, 3, 5, 18))
    loop.acknowledged(title="临近期限", due_at=local(2026, 3, 9, 18))  # yellow at NOW
    for i in range(3):
        loop.draft(title=f"草稿{i}")
    return [
        (queries.supervision_list, c.supervisor, {}),
        (queries.supervision_list, c.supervisor, {"light": "green"}),
        (queries.supervision_list, c.supervisor, {"light": "yellow"}),
        (queries.supervision_list, c.supervisor, {"light": "red"}),
        (queries.supervision_list, c.supervisor, {"state": "draft,acknowledged"}),
        (queries.supervision_list, c.supervisor, {"state": "completed,cancelled"}),
        (queries.supervision_list, c.supervisor, {"light": "done"}),
        (queries.supervision_list, c.supervisor, {"light": "stopped"}),
        (queries.supervision_list, c.supervisor, {"unit": str(c.fin.pk)}),
        # a walk that goes on from the middle of the ties
        (queries.supervision_list, c.supervisor, {"unit": str(c.fin.pk), "light": "green"}),
        # a light's ranges within one state (read plainly, not walked)
        (queries.supervision_list, c.supervisor, {"light": "green", "state": "acknowledged"}),
        (queries.supervision_list, c.supervisor, {"light": "yellow", "state": "acknowledged"}),
        (queries.unit_worklist, c.edu_user, {}),
        (queries.unit_worklist, c.edu_user, {"light": "green"}),
        (queries.unit_worklist, c.fin_user, {}),
        (queries.leader_list, c.leader, {}),
    ]


def _pages_are_slices(lists):
    for fn, user, filters in lists:
        whole = [m.pk for m in fn(user, filters, now=NOW).rows]
        assert whole, (fn.__name__, filters)
        for start in range(len(whole) + 2):
            for size in (1, 2, 5, 20):
                page = [m.pk for m in fn(user, filters, now=NOW).rows[start:start + size]]
                assert page == whole[start:start + size], (fn.__name__, filters, start, size)


@pytest.mark.parametrize("walk", [None, (1000, 8, 10**6), (1, 2, 10**6), (1, 1, 1), (1, 2, 5)],
                         ids=["plain", "one-batch", "batches", "filters-first", "mixed"])
def test_sup4_every_page_is_the_slice_of_the_whole_list(lists, monkeypatch, walk):
    """Whether a light's ranges are read by plain queries, or by the walk
    of an index in one batch or in several (keyset), from the filters first
    (the walk gives up) or from both on different pages, on either
    database, the pages are the same."""
    if walk is None:
        monkeypatch.setattr(queries, "WALK_VENDORS", ())
    else:
        monkeypatch.setattr(queries, "WALK_VENDORS", ("sqlite", "postgresql"))
        monkeypatch.setattr(queries, "WALK_SHARE", 0)
        monkeypatch.setattr(queries, "WALK_FIRST", walk[0])
        monkeypatch.setattr(queries, "WALK_GROWTH", walk[1])
        monkeypatch.setattr(queries, "WALK_MAX", walk[2])
    walked = []
    plain_walk = queries.ListQuerySet._walk

    def counted(*args):
        walked.append(args)
        return plain_walk(*args)

    monkeypatch.setattr(queries.ListQuerySet, "_walk", staticmethod(counted))
    _pages_are_slices(lists)
    assert bool(walked) == (walk is not None)


def test_sup4_open_first_by_due_then_closed_most_recent_first_then_drafts(county, lists):
    rows = list(queries.supervision_list(county.supervisor, now=NOW).rows[:50])
    titles = [m.title for m in rows]
    open_rows = [m for m in rows if m.state in queries.OPEN_STATES]
    assert rows[:len(open_rows)] == open_rows
    dues = [(m.current_clock.due_at, m.pk) for m in open_rows]
    assert dues == sorted(dues)
    closed = [m.title for m in rows[len(open_rows):] if m.current_clock_id]
    assert closed == ["后办结", "已撤销", "已办结"]
    assert titles[-3:] == ["草稿2", "草稿1", "草稿0"]
    assert all(m.current_clock_id is None for m in rows[-3:])
    ties = [m.pk for m in rows if m.title.startswith("同一期限")]
    assert len(ties) == 4 and ties == sorted(ties)
    lights = {m.title: m.light for m in rows}
    assert lights["暂停时尚未预警"] == "green" and lights["临近期限"] == "yellow" and lights["期限5日"] == "red"
    green = [m.title for m in queries.supervision_list(county.supervisor, {"light": "green"}, now=NOW).rows[:3]]
    assert green[0] == "暂停时尚未预警"


def _check_sort_keys():
    """The rule the open group's index walks rely on (ListQuerySet): an
    open matter's current clock is an open clock, and the matter keeps its
    due moment as `open_due_at`, its warning moment as `open_warn_at` and,
    while it is paused, its (frozen) light as `open_frozen_light`; no other
    matter has any of them."""
    for m in Matter.objects.select_related("current_clock"):
        if m.state in queries.OPEN_STATES:
            clock = m.current_clock
            assert clock.state in CLOCK_OPEN_STATES, (m.title, m.state, clock.state)
            assert m.open_due_at == clock.due_at, (m.title, m.state, m.open_due_at)
            assert m.open_warn_at == clock.warn_at, (m.title, m.state, m.open_warn_at)
            frozen = clock.light() if clock.state == ClockState.PAUSED else None
            assert m.open_frozen_light == frozen, (m.title, m.state, m.open_frozen_light)
        else:
            assert m.open_due_at is None and m.open_warn_at is None and m.open_frozen_light is None, m.title
        if m.state in queries.CLOSED_STATES:
            assert m.closed_at is not None and m.current_clock_id is not None, m.title
            # so that a red, yellow or green list holds open matters only (filter_light)
            light = m.current_clock.light()
            assert light == ("stopped" if m.state == "cancelled" else "done"), (m.title, m.state, light)
        else:
            assert m.closed_at is None, m.title


def test_sup4_an_open_matter_keeps_its_current_clocks_due_moment(county, lists):
    _check_sort_keys()


def test_sup4_the_sort_key_follows_every_move_of_the_deadline(county, loop):
    """Extension, suspension, return for redoing, completion, cancellation
    and a rule change (the calendar's path: recompute_rule_clocks) each
    leave every matter's sort key equal to its current clock's due moment."""
    from duban.clocks.services import recompute_rule_clocks
    from duban.supervision import services as sv
    from duban.timelimits.models import TimeLimitRule

    c = county
    by_rule = loop.acknowledged(title="按规则计时", due_at=None, deadline_rule="matter_report_7wd")
    _check_sort_keys()
    ext = sv.request_extension(loop.acknowledged(title="申请延期"), c.edu_user, reason="工程量大",
                               proposed_due=local(2026, 4, 15, 18), at=loop.tick())
    _check_sort_keys()
    sv.decide_extension(ext, c.supervisor, approve=True, reason="同意", at=loop.tick())
    _check_sort_keys()
    assert Matter.objects.get(pk=ext.matter_id).open_due_at == local(2026, 4, 15, 18)
    m = loop.suspended(title="暂停后恢复")
    _check_sort_keys()
    sv.resume_matter(m, c.supervisor, at=loop.tick(60 * 24 * 3))
    _check_sort_keys()
    m = loop.completion_requested(title="退回重办")
    sv.return_matter(m, c.supervisor, reason="佐证不足", at=loop.tick(60 * 24))
    _check_sort_keys()
    loop.completed(title="办结")
    loop.cancelled(title="撤销")
    _check_sort_keys()

    before = Matter.objects.get(pk=by_rule.pk).open_due_at
    rule = TimeLimitRule.objects.get(code="matter_report_7wd")
    rule.limit = "10wd"
    rule.save(update_fields=["limit"])
    recompute_rule_clocks("测试：规则由7个工作日改为10个工作日", rule=rule)
    _check_sort_keys()
    after = Matter.objects.get(pk=by_rule.pk).open_due_at
    assert after > before
    # …and the list orders by the moved deadline.
    rows = [m for m in queries.supervision_list(c.supervisor, now=NOW).rows[:50] if m.state in queries.OPEN_STATES]
    keys = [(m.current_clock.due_at, m.pk) for m in rows]
    assert by_rule.pk in [m.pk for m in rows] and keys == sorted(keys)


def test_org3_the_lists_hold_only_what_their_user_may_see(county, lists):
    """The worklists are read without the visibility module's full
    condition, because every row they can hold is visible: checked row by
    row against duban.org.visibility."""
    for fn, user, filters in lists:
        shown = {m.pk for m in fn(user, filters, now=NOW).rows}
        assert shown <= set(visible(Matter, user).values_list("pk", flat=True)), (fn.__name__, user)
    assert not list(queries.unit_worklist(county.fin_user, {"unit": str(county.edu.pk)}, now=NOW).rows
                    .filter(lead_unit=county.edu).exclude(cooperations__unit=county.fin))


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


def test_sup4_counts_in_one_query_and_the_paginator_takes_its_size_from_them(county, lists):
    wl = queries.supervision_list(county.supervisor, now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        counts = wl.counts
        size = wl.rows_count
    assert len(ctx.captured_queries) == 1
    assert size == len(list(wl.rows)) == counts["total"] + counts["drafts"] == 18
    red = queries.supervision_list(county.supervisor, {"light": "red"}, now=NOW)
    assert red.rows_count == red.counts["red"] == len(list(red.rows))


def test_sup4_slow_counts_are_kept_a_minute_and_say_when_they_were_made(county, lists, loop, settings,
                                                                        monkeypatch):
    from django.core.cache import cache

    cache.clear()
    settings.DUBAN_LIST_COUNTS_CACHE = 60
    monkeypatch.setattr(queries, "COUNTS_SLOW", -1)  # every count is "slow"
    first = queries.supervision_list(county.supervisor, now=NOW)
    before = first.counts
    assert first.counted_at is None  # made now
    loop.acknowledged(title="新交办")
    again = queries.supervision_list(county.supervisor, now=NOW)
    assert again.counts == before and again.counted_at is not None
    monkeypatch.setattr(queries, "COUNTS_SLOW", 10)  # fast counts are never kept
    cache.clear()
    fresh = queries.supervision_list(county.supervisor, now=NOW)
    assert fresh.counts["total"] == before["total"] + 1 and fresh.counted_at is None
    cache.clear()
