"""TL-4 on PostgreSQL: sweepers running at the same time, on separate
connections, flip each clock exactly once, write one breach row, one journal
event and one set of messages per clock; the running loop breaches within
seconds."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from duban.clocks import services as clocks
from duban.clocks import sweep
from duban.clocks.models import Clock, ClockFlip, ClockState, FlipKind
from duban.journal import chain
from duban.journal.models import Event
from duban.notify.models import Channel, Message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def make_due(county, n, *, offset=-60):
    now = timezone.now()
    return [
        clocks.start_clock(county.edu, "report", due_at=now + dt.timedelta(seconds=offset),
                           started_at=now - dt.timedelta(hours=1), owner_unit=county.edu,
                           owner_person=county.edu_user, label=f"事项{i}报告落实情况")
        for i in range(n)
    ]


def in_parallel(n, target):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_tl4_two_sweepers_on_postgresql_flip_each_clock_exactly_once(county):
    assert connection.vendor == "postgresql"
    n = 400
    make_due(county, n)
    results = in_parallel(2, lambda: sweep.tick(deliver=False))
    print("breaches flipped by each sweeper:", [r.breaches for r in results])
    assert sum(r.breaches for r in results) == n
    assert sum(r.messages for r in results) == 2 * n  # owner and unit head

    assert Clock.objects.filter(state=ClockState.BREACHED).count() == n
    per_clock = ClockFlip.objects.filter(kind=FlipKind.BREACH).values("clock").annotate(k=Count("id"))
    assert len(per_clock) == n and {row["k"] for row in per_clock} == {1}
    assert not ClockFlip.objects.filter(kind=FlipKind.WARNING).exists()
    events = Event.objects.filter(action="clocks.breach")
    assert events.count() == n and events.values("object_id").distinct().count() == n
    inapp = Message.objects.filter(channel=Channel.INAPP)
    assert inapp.count() == 2 * n
    assert inapp.values("clock", "recipient").distinct().count() == 2 * n
    assert chain.verify().ok


def test_tl4_racing_flips_of_the_same_clocks_on_postgresql(county):
    """The bare guarded UPDATE: four threads try to flip the same clocks in
    the same order; each clock has one winner."""
    made = make_due(county, 100)
    wins = in_parallel(4, lambda: [sweep.flip_breach(c.pk) for c in made])
    assert [sum(col) for col in zip(*wins, strict=True)] == [1] * len(made)
    assert ClockFlip.objects.count() == len(made)
    assert chain.verify().ok


def test_tl4_running_sweep_loop_breaches_within_five_seconds_on_postgresql(county):
    stop = threading.Event()
    loop = threading.Thread(target=sweep.run, args=(stop, 0.5), kwargs={"deliver": False})
    loop.start()
    try:
        (clock,) = make_due(county, 1, offset=1.5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            clock.refresh_from_db()
            if clock.state == ClockState.BREACHED:
                break
            time.sleep(0.1)
        assert clock.state == ClockState.BREACHED
        assert (clock.breached_at - clock.due_at).total_seconds() < 5
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()
