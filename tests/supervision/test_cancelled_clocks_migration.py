"""SUP-3, SUP-4: migration supervision 0005 mends the matters cancelled
before clocks could stop. Their clocks were left paused (an open pause) or
breached, their current clock the open one due first: red, yellow or green
in the lists. After it, as cancel_matter leaves them now: stopped at the
cancellation, the pause ended then, the current clock the completion
clock; and back again."""

import importlib

import pytest
from django.apps import apps

from duban.clocks import sweep
from duban.clocks.models import Clock, ClockPause, ClockState
from duban.clocks.services import clocks_for
from duban.supervision import queries
from duban.supervision import services as sv
from duban.supervision.models import Matter

from .conftest import local

pytestmark = pytest.mark.django_db

migration = importlib.import_module("duban.supervision.migrations.0005_cancelled_clocks_stopped")


def _as_before(m):
    """Put a cancelled matter's clocks back as cancel_matter left them
    before: paused from the cancellation (a breached one breached), the
    current clock the open one due first."""
    for c in clocks_for(m).filter(state=ClockState.STOPPED):
        if c.breached_at is not None:
            Clock.objects.filter(pk=c.pk).update(state=ClockState.BREACHED, stopped_at=None)
        else:
            ClockPause.objects.create(clock=c, started_at=c.stopped_at, reason="事项撤销")
            Clock.objects.filter(pk=c.pk).update(state=ClockState.PAUSED, paused_at=c.stopped_at, stopped_at=None)
    first = clocks_for(m).filter(state__in=[ClockState.PAUSED, ClockState.BREACHED]).order_by("due_at").first()
    Matter.objects.filter(pk=m.pk).update(current_clock=first)


def test_sup3_migration_stops_the_clocks_of_matters_cancelled_before(county, loop):
    c = county
    kept = loop.acknowledged(title="仍在办")
    overdue = loop.acknowledged(title="逾期后撤销", due_at=local(2026, 3, 3, 18))
    assert sweep.sweep_breaches(now=local(2026, 3, 4)) == 1
    loop.t = local(2026, 3, 4, 9)
    cancelled = sv.cancel_matter(loop.acknowledged(title="早先撤销"), c.supervisor, reason="上级已另行部署",
                                 at=loop.tick())
    sv.cancel_matter(overdue, c.supervisor, reason="上级已另行部署", at=loop.tick())
    done = {c_.pk: (c_.state, c_.stopped_at, c_.breached_at) for c_ in Clock.objects.all()}
    for m in (cancelled, overdue):
        _as_before(m)
    now = loop.tick()
    before = queries.supervision_list(c.supervisor, now=now).counts
    assert before["stopped"] == 0 and before["red"] == 1

    migration.stop_cancelled_clocks(apps, None)

    assert {c_.pk: (c_.state, c_.stopped_at, c_.breached_at) for c_ in Clock.objects.all()} == done
    assert not ClockPause.objects.filter(clock__in=clocks_for(cancelled), ended_at__isnull=True).exists()
    cancelled.refresh_from_db()
    assert cancelled.current_clock_id == cancelled.completion_clock_id
    counts = queries.supervision_list(c.supervisor, now=now).counts
    assert (counts["stopped"], counts["red"], counts["green"]) == (2, 0, 1)
    assert clocks_for(kept).filter(state=ClockState.RUNNING).exists()

    migration.pause_stopped_clocks(apps, None)
    assert set(clocks_for(cancelled).values_list("state", flat=True)) <= {ClockState.MET, ClockState.PAUSED}
    assert ClockPause.objects.filter(clock__in=clocks_for(cancelled), ended_at__isnull=True).exists()
    assert clocks_for(overdue).get(kind="completion").state == ClockState.BREACHED
