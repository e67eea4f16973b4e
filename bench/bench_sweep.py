"""One sweep tick over 1,000,000 open clocks of which 1,000 are due, against
the bare SQL query that selects those 1,000 (issue 3, TL-4), measured in the
same run.

    .venv/bin/python bench/bench_sweep.py [--clocks 1000000] [--due 1000] [--repeat 25]

SQLite by default, in a temporary database that the script creates and
migrates itself (var/duban.sqlite3 is never touched). With DATABASE_URL set
to a PostgreSQL server, the script creates a database of its own on that
server (duban_bench_<pid>), and drops it at the end.

Figures (medians of --repeat runs, warm cache):
  bare      the bare SQL query selecting the due clocks' ids (raw DB-API cursor,
            `SELECT id FROM clocks_clock WHERE state = 'running' AND due_at <= ?`)
  select    the sweep's own candidate query (duban.clocks.sweep.breach_candidates: the
            same index, ORDER BY due_at LIMIT, through Django's cursor)
            -> target: within 1.5x of bare
  idle      a whole tick when nothing is due (breach, warning, flip and outbox
            queries): what the sweep costs every second, whatever the table size
  flip      a whole tick that flips the 1,000 due clocks: a batch transaction
            with the guarded UPDATE, one ClockFlip row and one journal event per
            clock, then the messages (owner and unit head). This is write work
            proportional to the clocks that fell due, not to the table: the
            script measures it on a 10,000-clock table and on the full table
            and prints that ratio (target ≈ 1). It cannot be within 1.5x of a
            bare SELECT: it writes ~5,000 rows, 1,000 of them hash-chained.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 1.5
SMALL = 10_000
CHUNK = 50_000


def setup(tmp):
    """Point Django at a fresh database of our own and migrate it. Returns
    a cleanup function."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    os.environ["DUBAN_VAR_DIR"] = tmp
    os.environ["DUBAN_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    url = os.environ.get("DATABASE_URL")
    cleanup = []
    if url:
        import psycopg

        parts = urlsplit(url)
        name = f"duban_bench_{os.getpid()}"
        admin = urlunsplit(parts._replace(scheme="postgresql"))
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}"')

        cleanup.append(drop)
    else:
        os.environ["DUBAN_SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return cleanup


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class Loader:
    """Bulk insert of clocks without the service layer: executemany on
    SQLite, COPY on PostgreSQL."""

    COLUMNS = [
        "owner_type_id", "owner_id", "kind", "label", "link", "owner_unit_id", "owner_person_id", "explicit",
        "limit", "warn_before", "roll_forward", "started_at", "base_set_at", "base_due_at", "base_warn_at",
        "due_at", "warn_at", "state", "warned_at", "created_at",
    ]

    def __init__(self, ct_id, unit_id, person_id):
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.ct_id, self.unit_id, self.person_id = ct_id, unit_id, person_id

    def _ts(self, moment):
        if self.pg:
            return moment
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def row(self, i, due, warn, warned, now):
        started = now - dt.timedelta(days=1)
        ts = self._ts
        return (
            self.ct_id, str(self.unit_id), "report", f"事项{i}报告落实情况", "", self.unit_id, self.person_id,
            True, "", "", True, ts(started), ts(started), ts(due), ts(warn), ts(due), ts(warn), "running",
            ts(warned) if warned else None, ts(now),
        )

    def insert(self, rows):
        from django.db import transaction

        cols = ", ".join(f'"{c}"' for c in self.COLUMNS)
        with transaction.atomic(), self.connection.cursor() as cur:
            if self.pg:
                with cur.cursor.copy(f"COPY clocks_clock ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(self.COLUMNS))
                cur.executemany(f"INSERT INTO clocks_clock ({cols}) VALUES ({marks})", rows)

    def analyze(self):
        with self.connection.cursor() as cur:
            cur.execute("ANALYZE clocks_clock" if self.pg else "ANALYZE")


def future_rows(loader, start, count, now, rng):
    """Clocks not yet due: deadlines from one hour to half a year ahead,
    warning points still ahead as well."""
    out = []
    for i in range(start, start + count):
        due = now + dt.timedelta(seconds=rng.randint(3600, 180 * 86400))
        warn = due - dt.timedelta(seconds=min(86400, (due - now).total_seconds() / 2))
        out.append(loader.row(i, due, warn, None, now))
        if len(out) == CHUNK:
            loader.insert(out)
            out = []
    if out:
        loader.insert(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clocks", type=int, default=1_000_000)
    p.add_argument("--due", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=25)
    p.add_argument("--flip-repeat", type=int, default=3)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="duban-bench-sweep-")
    cleanup = setup(tmp)
    try:
        run(args)
    finally:
        for fn in cleanup:
            fn()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from duban.clocks import sweep
    from duban.clocks.models import Clock, ClockFlip
    from duban.notify.models import Message
    from duban.org import services as org
    from duban.org.models import Role, Unit

    rng = random.Random(20261001)
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        cur.execute("SELECT version()" if pg else "SELECT 'SQLite ' || sqlite_version()")
        engine = cur.fetchone()[0].split(",")[0]
    print(f"数据库 / database: {engine}")

    unit = org.create_unit("县教育局")
    owner = org.create_person("edu", full_name="张教育", unit=unit).user
    head = org.create_person("head", full_name="王局长", unit=unit).user
    org.assign_role(head, Role.UNIT_HEAD)
    loader = Loader(ContentType.objects.get_for_model(Unit).id, unit.id, owner.id)

    now = timezone.now()
    due_rows = []
    for i in range(args.due):
        due = now - dt.timedelta(seconds=rng.randint(1, 60))
        warn = due - dt.timedelta(minutes=20)
        due_rows.append(loader.row(i, due, warn, warn, now))  # warned at its warning point
    t0 = time.perf_counter()
    loader.insert(due_rows)
    small = min(SMALL, args.clocks)
    future_rows(loader, args.due, small - args.due, now, rng)
    loader.analyze()
    due_ids = list(Clock.objects.filter(state="running", due_at__lte=now).values_list("id", flat=True))
    assert len(due_ids) == args.due, len(due_ids)

    def reset():
        """Put the due clocks back to running and forget their flips and
        messages (journal events stay: the journal is append-only)."""
        with transaction.atomic():
            Message.objects.all().delete()
            ClockFlip.objects.all().delete()
            Clock.objects.filter(id__in=due_ids).update(state="running", breached_at=None)

    from duban.notify import services as notify

    def measure_flip():
        """A tick that flips the due clocks, timed in its two parts (the
        flips with their journal events; the messages): medians."""
        flips, messages = [], []
        for _ in range(args.flip_repeat):
            reset()
            t = time.perf_counter()
            flipped = sweep.sweep_breaches(now) + sweep.sweep_warnings(now)
            t1 = time.perf_counter()
            written = notify.process_flips()
            t2 = time.perf_counter()
            assert flipped == args.due and written == 2 * args.due, (flipped, written)
            flips.append(t1 - t)
            messages.append(t2 - t1)
        return statistics.median(flips), statistics.median(messages)

    flip_small = sum(measure_flip())

    print(f"插入 {args.clocks:,} 个计时器中……", flush=True)
    future_rows(loader, small, args.clocks - small, now, rng)
    loader.analyze()
    load_s = time.perf_counter() - t0
    total = Clock.objects.count()
    print(f"计时器 / clocks: {total:,}（其中到期 {args.due:,}），装载用时 {load_s:.1f} s")
    reset()

    raw = connection.connection if not pg else None
    bare_sql = "SELECT id FROM clocks_clock WHERE state = 'running' AND due_at <= {}"

    def bare():
        if pg:
            with connection.cursor() as c:
                cur = c.cursor
                cur.execute(bare_sql.format("%s"), (now,))
                rows = cur.fetchall()
        else:
            rows = raw.execute(bare_sql.format("?"), (now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(
                sep=" ", timespec="microseconds"),)).fetchall()
        assert len(rows) == args.due, len(rows)

    def select():
        rows = sweep.breach_candidates(now, limit=args.due)
        assert len(rows) == args.due, len(rows)

    # The plans of the tick's queries: each an index range scan.
    from django.db.models import Q

    from duban.clocks.models import FlipKind

    def plan(sql, params):
        with connection.cursor() as cur:
            cur.execute(("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + sql, params)
            return "\n".join(" ".join(str(x) for x in row) for row in cur.fetchall())

    plans = {
        "breach candidates": sweep.candidate_query(FlipKind.BREACH, now, args.due),
        "warning candidates": sweep.candidate_query(FlipKind.WARNING, now, 500),
        "unprocessed flips": ClockFlip.objects.filter(processed_at__isnull=True).order_by("id")
        .values_list("id", flat=True)[:200].query.sql_with_params(),
        "e-mail due": Message.objects.filter(Q(next_attempt_at__lte=now)).order_by("next_attempt_at", "id")
        .values_list("id", "next_attempt_at")[:100].query.sql_with_params(),
    }
    print("\n查询计划 / query plans of one tick:")
    for name, (sql, params) in plans.items():
        print(f"  {name}:\n    " + plan(sql, params).replace("\n", "\n    "))

    for _ in range(3):  # warm up
        bare()
        select()
    t_bare = median_time(bare, args.repeat)
    t_select = median_time(select, args.repeat)
    flips_large, messages_large = measure_flip()
    flip_large = flips_large + messages_large
    t_idle = median_time(lambda: sweep.tick(now, deliver=True), args.repeat)

    print("\n结果 / results (中位数 / medians):")
    print(f"  bare SQL selecting the {args.due:,} due clocks        {t_bare * 1000:9.2f} ms")
    print(f"  sweep selection (index clocks_due)               {t_select * 1000:9.2f} ms"
          f"   ratio {t_select / t_bare:5.2f}x  (target ≤ {TARGET}x: {'OK' if t_select / t_bare <= TARGET else 'MISSED'})")
    print(f"  idle tick, nothing due (4 indexed queries)       {t_idle * 1000:9.2f} ms"
          f"   ratio {t_idle / t_bare:5.2f}x")
    print(f"  flip tick: {args.due:,} breaches + journal + {2 * args.due:,} messages"
          f" {flip_large * 1000:9.2f} ms   ratio {flip_large / t_bare:5.0f}x"
          f"  ({flip_large / args.due * 1e6:.0f} µs per due clock)")
    print(f"    of which guarded flips, ClockFlip rows, journal  {flips_large * 1000:9.2f} ms")
    print(f"    of which messages (2 per clock)                {messages_large * 1000:9.2f} ms")
    print(f"  same flip tick on a {small:,}-clock table           {flip_small * 1000:9.2f} ms"
          f"   {total:,} vs {small:,}: {flip_large / flip_small:5.2f}x")


if __name__ == "__main__":
    main()
