"""The sweep: find clocks whose warning point or deadline has passed, flip
them exactly once, and record one ClockFlip row per clock and moment.

In the style of healthchecks' `sendalerts`:
1. ask the index for a batch of candidates (`state = 'running' AND due_at <=
   now`, `state = 'running' AND warned_at IS NULL AND warn_at <= now`);
2. flip the batch in one transaction: lock the candidates that still
   qualify (PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so a second
   sweeper skips the rows the first holds and finds them flipped once it
   commits; SQLite: the IMMEDIATE transaction holds the database's write
   lock), flip them with a guarded UPDATE (`… WHERE id IN (…) AND state =
   'running' AND due_at <= now`, whose row count must match), and write one
   ClockFlip row and one journal event per clock in the same transaction.
   The unique constraint on (clock, kind, moment) is the second guard.

Locks are taken in the same order as every other clock write (clock rows,
then the journal's chain head), and SKIP LOCKED never waits for a clock
row, so sweepers do not deadlock with each other or with the web.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from duban.journal import chain

from .models import Clock, ClockFlip, ClockState, FlipKind

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class TickResult:
    warnings: int = 0
    breaches: int = 0
    messages: int = 0

    def __bool__(self):
        return bool(self.warnings or self.breaches or self.messages)


def candidate_query(kind, now, limit=BATCH):
    """(sql, params) of the query that finds the clocks to flip: ids of
    running clocks past their deadline (breach; index clocks_due) or past
    their warning point and not yet warned (warning; index
    clocks_warn_open), earliest first. Both are index range scans that read
    no table row (on SQLite the id is in the index). Written out rather
    than built by the ORM each second: it is the one query the sweep runs
    all the time, so its cost stays that of the bare query (see
    bench/bench_sweep.py)."""
    qn = connection.ops.quote_name
    col = lambda name: qn(Clock._meta.get_field(name).column)  # noqa: E731
    table = qn(Clock._meta.db_table)
    if kind == FlipKind.BREACH:
        where, order = f"{col('state')} = %s AND {col('due_at')} <= %s", col("due_at")
    else:
        where = f"{col('state')} = %s AND {col('warned_at')} IS NULL AND {col('warn_at')} <= %s"
        order = col("warn_at")
    sql = f"SELECT {col('id')} FROM {table} WHERE {where} ORDER BY {order} LIMIT %s"
    return sql, [ClockState.RUNNING.value, connection.ops.adapt_datetimefield_value(now), int(limit)]


def _candidates(kind, now, limit):
    sql, params = candidate_query(kind, now, limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def breach_candidates(now, limit=BATCH):
    """Ids of running clocks past their deadline, earliest first."""
    return _candidates(FlipKind.BREACH, now, limit)


def warning_candidates(now, limit=BATCH):
    """Ids of running, not yet warned clocks past their warning point."""
    return _candidates(FlipKind.WARNING, now, limit)


def _flip(kind, ids, now) -> list:
    """Flip the candidate clocks that still qualify, in one transaction:
    lock them (PostgreSQL: FOR UPDATE SKIP LOCKED, so a second sweeper
    skips what the first is flipping; SQLite: the IMMEDIATE transaction
    already holds the write lock), flip them with a guarded UPDATE, write
    one ClockFlip row per clock and moment, and journal each flip. Returns
    the (id, moment) pairs this sweeper won."""
    if not ids:
        return []
    if kind == FlipKind.BREACH:
        guard = dict(state=ClockState.RUNNING, due_at__lte=now)
        moment_field, action = "due_at", "clocks.breach"
    else:
        guard = dict(state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now)
        moment_field, action = "warn_at", "clocks.warning"
    with transaction.atomic():
        rows = list(
            Clock.objects.select_for_update(skip_locked=True)
            .filter(id__in=ids, **guard)
            .order_by("id")
            .values_list("id", moment_field, "label")
        )
        if not rows:
            return []
        # The moment this sweep found them (the tick's clock: the server's
        # now, or the moment a loader's story is at).
        at = now
        won_ids = [r[0] for r in rows]
        labels = {r[0]: r[2] for r in rows}
        if kind == FlipKind.BREACH:
            changes = dict(state=ClockState.BREACHED, breached_at=at)
        else:
            changes = dict(warned_at=at)
        # The guarded UPDATE: it must change exactly the rows we hold.
        won = Clock.objects.filter(id__in=won_ids, **guard).update(**changes)
        if won != len(rows):
            raise RuntimeError(f"guarded {kind} update changed {won} of {len(rows)} locked clocks")
        # Second guard: one row per clock, kind and moment (unique constraint).
        existing = set(
            ClockFlip.objects.filter(clock_id__in=won_ids, kind=kind).values_list("clock_id", "moment")
        )
        fresh = [(cid, moment) for cid, moment, _ in rows if (cid, moment) not in existing]
        ClockFlip.objects.bulk_create(
            [ClockFlip(clock_id=cid, kind=kind, moment=moment, created_at=at) for cid, moment in fresh],
            ignore_conflicts=True,
        )
        entries = []
        for cid, moment in fresh:
            if kind == FlipKind.BREACH:
                before, after = {"state": ClockState.RUNNING}, {"state": ClockState.BREACHED, "due_at": moment}
            else:
                before, after = {"warned": False}, {"warned": True, "warn_at": moment}
            # The breach (warning) happened at its moment, whenever the sweep
            # finds it: an imported ledger's past deadline is dated there.
            entries.append(dict(action=action, object_type="clocks.clock", object_id=cid,
                                object_repr=labels[cid], before=before, after=after, occurred_at=moment))
        # One lock of the chain head and one insert for the whole batch.
        chain.record_many(entries)
    return [(cid, moment) for cid, moment, _ in rows]


def flip_breach(clock_id, now=None) -> bool:
    """Flip one clock to breached if it still runs and its deadline has
    passed by `now`. True when this call won the flip."""
    return bool(_flip(FlipKind.BREACH, [clock_id], now or timezone.now()))


def flip_warning(clock_id, now=None) -> bool:
    """Mark one running clock warned if its warning point has passed."""
    return bool(_flip(FlipKind.WARNING, [clock_id], now or timezone.now()))


def _sweep(kind, candidates, now, batch, max_batches) -> int:
    flipped = 0
    for _ in range(max_batches):
        rows = candidates(now, batch)
        flipped += len(_flip(kind, rows, now))
        if len(rows) < batch:
            break
    return flipped


def sweep_breaches(now=None, batch=BATCH, max_batches=20) -> int:
    """Flip every running clock past its deadline; returns how many this
    sweeper flipped."""
    return _sweep(FlipKind.BREACH, breach_candidates, now or timezone.now(), batch, max_batches)


def sweep_warnings(now=None, batch=BATCH, max_batches=20) -> int:
    """Mark every running clock past its warning point as warned; returns
    how many this sweeper marked."""
    return _sweep(FlipKind.WARNING, warning_candidates, now or timezone.now(), batch, max_batches)


def tick(now=None, *, deliver=True) -> TickResult:
    """One round: breaches first (they matter most), then warnings, then the
    flips become messages; with `deliver`, pending e-mail is sent too."""
    from duban.notify import services as notify

    now = now or timezone.now()
    result = TickResult()
    result.breaches = sweep_breaches(now)
    result.warnings = sweep_warnings(now)
    result.messages = notify.process_flips(now=now)
    if deliver:
        notify.deliver_pending()
    return result


def guarded(step, *args, **kwargs):
    """Run one step of the loop; an error (say, the database restarting) is
    logged and the next round starts with a fresh connection."""
    try:
        return step(*args, **kwargs)
    except Exception:
        log.exception("sweep step %s failed", getattr(step, "__name__", step))
        close_old_connections()
        try:
            connection.close()
        except Exception:  # the connection is already broken
            log.debug("closing the broken connection failed", exc_info=True)
        return None


def deliver_loop(stop: threading.Event, interval=1.0):
    """Send pending e-mail until `stop` is set (its own thread and database
    connection, so that a slow mail server never delays a breach)."""
    from duban.notify.services import deliver_pending

    try:
        while not stop.is_set():
            if not guarded(deliver_pending):
                stop.wait(interval)
    finally:
        connection.close()


def run(stop: threading.Event, interval=1.0, *, deliver=True, report=None):
    """The sweep loop: one tick every `interval` seconds until `stop` is set.
    With `deliver`, a second thread sends e-mail; a third runs the apps'
    periodic jobs (duban.core.periodic) every few seconds."""
    deliverer = None
    if deliver:
        deliverer = threading.Thread(target=deliver_loop, args=(stop, interval), name="duban-deliver", daemon=True)
        deliverer.start()
    # The apps' periodic jobs (duban.core.periodic), in a thread of their own.
    from duban.core import periodic

    jobs = threading.Thread(target=periodic.loop, args=(stop, max(interval, 5.0)), name="duban-periodic",
                            daemon=True)
    jobs.start()
    try:
        while not stop.is_set():
            started = time.monotonic()
            result = guarded(tick, deliver=False)
            if result and report is not None:
                report(result)
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        stop.set()
        if deliverer is not None:
            deliverer.join(timeout=30)
        jobs.join(timeout=30)
        connection.close()
