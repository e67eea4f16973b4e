"""Journal verification (issue 20 item 3, AUD-1): events per second of
`verify_journal` against a bare SM3 loop over the same canonical bytes,
measured in the same run.

    .venv/bin/python bench/bench_journal.py [--events 200000]

SQLite by default, in a temporary database that the script creates and
migrates itself; with DATABASE_URL set to a PostgreSQL server, in a
temporary database of its own on that server (dropped at the end).

The journal is filled through duban.journal.chain.record_many with events
shaped like the services' (a problem's snapshot as `after`, Chinese text,
moments, actor, object), in batches of 5,000.

Figures:
  floor     a bare loop of SM3 (the journal's own, chain.sm3_hex) over the
            events' canonical bytes, computed beforehand and held in memory:
            what hashing alone costs
  full      `verify(full=True)`: the whole chain read from the database,
            re-serialised (form 2: orjson, sorted keys) and re-hashed
            -> target: at least 100,000 events per second
  full xN   the same with N processes, as `verify_journal --full` runs by
            default (N: the number of cores)
  form 1    the same rows canonicalised as before forms were numbered
            (`_plain` and Python's json), then hashed: the old cost
  nightly   the run after a checkpoint, with 1,000 new events: it walks only
            those (and reads the newest checkpoint)
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_RATE = 100_000


def fill(n, batch=5000):
    from django.db import transaction
    from django.utils import timezone

    from duban.journal import chain

    moment = timezone.now() - dt.timedelta(days=30)
    done = 0
    while done < n:
        size = min(batch, n - done)
        entries = []
        for i in range(done, done + size):
            entries.append({
                "action": "rectification.problem.create", "object_type": "rectification.problem",
                "object_id": i, "object_repr": f"DEMO-2026-{i:05d} 重点项目审批拖延，群众反映办事慢",
                "occurred_at": moment + dt.timedelta(seconds=i),
                "after": {"number": f"DEMO-2026-{i:05d}", "campaign_id": 1, "unit_id": 100 + i % 700,
                          "category_id": 3, "source": "self", "subject": "team", "subject_name": "",
                          "description": "重点项目审批拖延，群众反映办事慢，整改后又出现反弹",
                          "deadline": "2027-03-10", "long_term": False, "due_at": "2027-03-10T15:59:59.000000+00:00",
                          "state": "rectifying", "round": 1, "repeat_count": 1, "responsible_person_name": "张伟"},
            })
        with transaction.atomic():
            chain.record_many(entries)
        done += size


def run(args):
    from django.db import connection

    from duban.journal import chain
    from duban.journal.models import Checkpoint, Event

    print(f"database: {connection.vendor}; filling {args.events:,} events …", flush=True)
    t = time.perf_counter()
    fill(args.events)
    print(f"  filled in {time.perf_counter() - t:.1f} s")

    # The canonical bytes of every event, from the rows as stored.
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {chain._COLUMNS} FROM {table} ORDER BY seq")
        rows = cur.fetchall()

    def canonical_bytes(row):
        (seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, before,
         after, prev_hash, _h, _form, on_behalf_of_id) = row
        return chain._canonical2(seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id,
                                 object_repr, chain._json(before), chain._json(after), prev_hash, on_behalf_of_id)

    data = [canonical_bytes(r) for r in rows]
    sm3 = chain.sm3_hex
    t = time.perf_counter()
    for b in data:
        sm3(b)
    floor = time.perf_counter() - t

    # Form 1: the old canonicalisation of the same rows, then SM3.
    t = time.perf_counter()
    for row in rows:
        (seq, at, occurred_at, actor_id, actor_name, ip, action, object_type, object_id, object_repr, before,
         after, prev_hash, _h, _form, on_behalf_of_id) = row
        e = Event(seq=seq, recorded_at=chain._moment_text(at), occurred_at=chain._moment_text(occurred_at),
                  actor_id=actor_id, actor_name=actor_name, ip=ip, action=action, object_type=object_type,
                  object_id=object_id, object_repr=object_repr, before=chain._json(before), after=chain._json(after),
                  prev_hash=prev_hash, on_behalf_of_id=on_behalf_of_id)
        chain.sm3_hex(chain.canonical(chain.event_fields(e)))
    form1 = time.perf_counter() - t
    del rows, data

    Checkpoint.objects.all().delete()
    full = chain.verify(full=True, every=args.events)
    assert full.ok, full.reason
    parallel = chain.verify(full=True, every=args.events, workers=args.workers)
    assert parallel.ok and parallel.walked == full.walked, parallel.reason
    fill(1000)
    nightly = chain.verify()
    assert nightly.ok and nightly.walked == 1000, (nightly.walked, nightly.reason)

    n = args.events
    print()
    print(f"{'measure':<10} {'events':>9} {'seconds':>9} {'events/s':>10} {'vs floor':>9}")
    print(f"{'floor':<10} {n:>9,} {floor:>9.3f} {n / floor:>10,.0f} {1:>9.2f}")
    print(f"{'full':<10} {full.walked:>9,} {full.seconds:>9.3f} {full.rate:>10,.0f} {full.seconds / floor:>9.2f}")
    print(f"{'full x' + str(args.workers):<10} {parallel.walked:>9,} {parallel.seconds:>9.3f} {parallel.rate:>10,.0f} "
          f"{parallel.seconds / floor:>9.2f}")
    print(f"{'form 1':<10} {n:>9,} {form1:>9.3f} {n / form1:>10,.0f} {form1 / floor:>9.2f}")
    print(f"{'nightly':<10} {nightly.walked:>9,} {nightly.seconds:>9.3f} {nightly.rate:>10,.0f} "
          f"{'(from #' + str(nightly.checkpoint) + ')':>9}")
    best = max(full.rate, parallel.rate)
    verdict = "met" if best >= TARGET_RATE else "NOT met"
    print(f"\ntarget: full verification >= {TARGET_RATE:,} events/s -> {best:,.0f}/s: {verdict} "
          f"(the bare SM3 loop alone: {n / floor:,.0f}/s); "
          f"the nightly run walked {nightly.walked:,} of {nightly.count:,} events")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes of the parallel walk (full xN); verify_journal's default, the number of cores")
    args = p.parse_args()
    from generate_province import setup

    _, cleanup = setup()
    try:
        run(args)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
