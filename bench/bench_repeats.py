"""Registering one problem with its repeat check (issue 20 item 1, RECT-6)
at 10,000, 100,000 and 1,000,000 problems already present: through the
near-duplicate index (duban.neardup) against the exact scan the ledger used
before (every earlier problem of the unit compared with difflib), measured
in the same run, with the agreement of the two.

    .venv/bin/python bench/bench_repeats.py [--sizes 10000,100000,1000000] [--probes 30]

SQLite by default, in a temporary database that the script creates and
migrates itself; with DATABASE_URL set to a PostgreSQL server, a temporary
database of its own on that server (dropped at the end).

The problems belong to 100 units of one campaign with Zipf-like weights, so
that the unit probed (the largest) holds about a fifth of them: at 1,000,000
about 190,000 descriptions to compare for the exact scan. Descriptions are
written from a vocabulary of places, subjects, problems and fillers; the
probes are near-duplicates of the unit's problems (small edits, other
punctuation) or new texts, half and half. The rows are loaded raw (COPY on
PostgreSQL, executemany on SQLite) with the index's band rows, the band
index rebuilt after the load.

Figures at each size:
  register  rs.create_problem: the whole service (checks, number, problem,
            round, clock, repeat lookup in the index, feeding the index,
            entries, journal) -> target at 1,000,000: p95 <= 50 ms; after
            WARM_UP registrations whose times are printed apart (the first
            ones after the load read the rebuilt index from disk)
  find      the index lookup alone (neardup.find)
  scan      the exact scan alone: the unit's descriptions read and compared
            with difflib (rectification.services.similar), as registration
            did before; fewer probes at large sizes (it takes seconds)
  agree     probes whose repeats found through the index equal the scan's
Also the agreement on the 2,400 labelled pairs of tests/neardup (>= 99%).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

UNITS = 100
WARM_UP = 5
CHUNK = 20_000


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


class Texts:
    """Descriptions from a vocabulary: place + subject + problem + filler + tail."""

    def __init__(self, rng):
        from tests.neardup.pairs import FILLER, PROBLEMS, SUBJECTS, TAILS

        self.rng = rng
        pool = "东西南北中上下新老城乡河山湖桥岭坪塘湾溪林石金银安平宁康和兴盛丰华青白黄红"
        self.places = ["".join(rng.choice(pool) for _ in range(2)) for _ in range(400)]
        self.subjects, self.problems, self.tails, self.filler = SUBJECTS, PROBLEMS, TAILS, FILLER

    def new(self):
        r = self.rng
        filler = "".join(r.choice(self.filler) for _ in range(r.randint(2, 6)))
        return (f"{r.choice(self.places)}{r.choice(self.subjects)}{filler}{r.choice(self.problems)}"
                f"{r.choice(self.tails)}")


class Loader:
    """Raw rows: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def value(self, v):
        if self.pg or v is None:
            return v
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    def write(self, table, columns, rows):
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as cur:
            if self.pg:
                with cur.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
                                [[self.value(v) for v in r] for r in rows])

    def next_id(self, table):
        with self.connection.cursor() as cur:
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            return cur.fetchone()[0] + 1

    def finish(self, tables):
        with self.connection.cursor() as cur:
            if self.pg:
                for t in tables:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                                f'COALESCE((SELECT MAX(id) FROM "{t}"), 1))')
                cur.execute("ANALYZE")
            else:
                cur.execute("ANALYZE")


def fill(loader, campaign, units, weights, category, texts, count, at, sample):
    """`count` more problems with their index rows."""
    from django.db import transaction

    from duban.neardup import engine
    from duban.rectification import services as rs

    pid, tid = loader.next_id("rectification_problem"), loader.next_id("neardup_indexedtext")
    pcols = ["id", "campaign_id", "number", "unit_id", "category_id", "source", "subject", "subject_name",
             "description", "normalized", "cause", "measures", "responsible_leader_name", "responsible_person_name",
             "deadline", "long_term", "report_cycle", "due_at", "state", "round", "latest_progress", "is_public",
             "repeat_count", "created_at"]
    deadline = (at + dt.timedelta(days=120)).date()
    due = rs.day_end(deadline)
    done = 0
    while done < count:
        n = min(CHUNK, count - done)
        problems, indexed, bands = [], [], []
        chosen = random.choices(units, weights=weights, k=n)
        batch = [(unit, texts.new()) for unit in chosen]
        norms = [engine.normalize(text) for _, text in batch]
        signed = engine.band_values_many([(rs.repeat_namespace(unit.pk), norm) for (unit, _), norm in
                                          zip(batch, norms, strict=True)])
        for (unit, text), norm, values in zip(batch, norms, signed, strict=True):
            problems.append((pid, campaign.pk, f"B-{pid:08d}", unit.pk, category.pk, "self", "team", "", text, norm,
                             "", "整改", "", "", deadline, False, "", due, "rectifying", 1, "", False, 1, at))
            ns = rs.repeat_namespace(unit.pk)
            indexed.append((tid, ns, str(pid), norm, engine.SCHEME))
            bands += [(tid, v) for v in values]
            if unit.pk == units[0].pk and len(sample) < 5000:
                sample.append(text)
            pid += 1
            tid += 1
        with transaction.atomic():
            loader.write("rectification_problem", pcols, problems)
            loader.write("neardup_indexedtext", ["id", "namespace", "key", "text", "scheme"], indexed)
            loader.write("neardup_band", ["text_id", "value"], bands)
        done += n
    engine.band_values.cache_clear()


def run(args):
    from django.db import connection
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from duban.neardup import engine
    from duban.neardup.models import Band
    from duban.org import services as org
    from duban.org.models import UnitKind
    from duban.rectification import services as rs
    from duban.rectification.models import Problem
    from tests.neardup.pairs import cosmetic, edit, labelled_pairs

    rng = random.Random(20261207)
    at = timezone.now()
    reverse("rectification:problem", args=[1])  # the URL configuration loads once, not in the first probe
    root = org.create_unit("基准省人民政府", kind=UnitKind.GOVERNMENT)
    units = [org.create_unit(f"第{i}单位", parent=root, kind=UnitKind.DEPARTMENT) for i in range(UNITS)]
    weights = [1 / (i + 1) for i in range(UNITS)]
    campaign = rs.create_campaign(code="BENCH-REPEATS", name="基准", start_date=(at - dt.timedelta(days=30)).date(),
                                  end_date=(at + dt.timedelta(days=300)).date(), organizer=root, units=units, at=at)
    category = campaign.categories.first()
    texts = Texts(rng)
    loader = Loader()
    sample = []

    # The band index is built after the load (a B-tree filled in random order is slow).
    index = next(i for i in Band._meta.indexes if i.name == "neardup_band_value")
    with connection.schema_editor() as editor:
        editor.remove_index(Band, index)
    present, results = 0, []
    for size in args.sizes:
        t = time.perf_counter()
        with connection.schema_editor() as editor:
            try:
                editor.remove_index(Band, index)
            except Exception:
                pass
        fill(loader, campaign, units, weights, category, texts, size - present, at, sample)
        with connection.schema_editor() as editor:
            editor.add_index(Band, index)
        loader.finish(["rectification_problem", "neardup_indexedtext", "neardup_band"])
        present = size
        probe_unit = units[0]
        in_unit = Problem.objects.filter(unit=probe_unit).aggregate(n=Count("id"))["n"]
        print(f"  {size:,} problems loaded ({in_unit:,} in the unit probed) in {time.perf_counter() - t:.1f} s",
              flush=True)

        probes = []
        for i in range(args.probes):
            base = rng.choice(sample)
            probes.append(cosmetic(rng, edit(rng, base, rng.randint(0, 2))) if i % 2 == 0 else texts.new())
        ns = rs.repeat_namespace(probe_unit.pk)
        # Warm: the first lookup pays for imports and caches.
        engine.find(ns, probes[0], ratio=rs.REPEAT_RATIO)
        find_times, index_answers = [], []
        for text in probes:
            t = time.perf_counter()
            found = engine.find(ns, text, ratio=rs.REPEAT_RATIO)
            find_times.append(time.perf_counter() - t)
            index_answers.append({m.key for m in found})
        exact_probes = max(2, min(args.probes, int(200_000 / max(in_unit, 1))))
        scan_times, agree = [], 0
        for text, answer in zip(probes[:exact_probes], index_answers, strict=False):
            norm = rs.normalize_text(text)
            t = time.perf_counter()
            exact = {str(pk) for pk, other in Problem.objects.filter(unit_id=probe_unit.pk).values_list(
                "pk", "normalized").iterator(chunk_size=5000) if rs.similar(norm, other)}
            scan_times.append(time.perf_counter() - t)
            agree += exact == answer
        reg_times = []
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            rs.create_problem(campaign, unit=probe_unit, category=category, description=probes[1], measures="整改",
                              deadline=(at + dt.timedelta(days=60)).date(), at=at)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumtime").print_stats(25)
        # Warm-up, timed apart: the first registrations after the load read
        # the freshly rebuilt band index and the tables from disk, as a
        # server does once after a restart, not at every registration.
        warm_times = []
        for i in range(WARM_UP):
            text = probes[i % len(probes)] + "（预热）"
            t = time.perf_counter()
            rs.create_problem(campaign, unit=probe_unit, category=category, description=text, measures="整改",
                              deadline=(at + dt.timedelta(days=60)).date(), at=at + dt.timedelta(seconds=i))
            warm_times.append(time.perf_counter() - t)
        for i, text in enumerate(probes):
            t = time.perf_counter()
            rs.create_problem(campaign, unit=probe_unit, category=category, description=text, measures="整改",
                              deadline=(at + dt.timedelta(days=60)).date(), at=at + dt.timedelta(seconds=i))
            reg_times.append(time.perf_counter() - t)
        present += len(probes) + WARM_UP
        print(f"  {size:,}: warm-up {WARM_UP} registrations, "
              f"{' / '.join(f'{x * 1000:.0f}' for x in warm_times)} ms", flush=True)
        results.append((size, in_unit, reg_times, find_times, scan_times, agree, exact_probes))
        print(f"  {size:,}: register p50 {statistics.median(reg_times) * 1000:.1f} ms, p95 {p95(reg_times) * 1000:.1f} ms; "
              f"find p95 {p95(find_times) * 1000:.1f} ms; scan {statistics.mean(scan_times) * 1000:.0f} ms; "
              f"agree {agree}/{exact_probes}", flush=True)

    pairs = labelled_pairs(2400)
    same = 0
    for _, a, b in pairs:
        na, nb = engine.normalize(a), engine.normalize(b)
        exact = rs.similar(na, nb)
        indexed = bool(set(engine.band_values("p", na)) & set(engine.band_values("p", nb))) and \
            engine.near(nb, na, rs.REPEAT_RATIO) is not None
        same += exact == indexed

    ms = 1000
    print()
    print(f"database: {connection.vendor}")
    print(f"{'present':>9} {'in unit':>8} {'register p50':>13} {'p95':>8} {'find p95':>9} {'scan':>9} "
          f"{'scan/reg':>9} {'agree':>7}")
    for size, in_unit, reg, find, scan, agree, n_exact in results:
        scan_mean = statistics.mean(scan)
        print(f"{size:>9,} {in_unit:>8,} {statistics.median(reg) * ms:>10.1f} ms {p95(reg) * ms:>5.1f} ms "
              f"{p95(find) * ms:>6.1f} ms {scan_mean * ms:>6.0f} ms {scan_mean / p95(reg):>8.0f}x "
              f"{agree:>3}/{n_exact:<3}")
    last = results[-1]
    print(f"\nlabelled pairs: the index agrees with the exact rule on {same / len(pairs):.2%} of {len(pairs):,} "
          f"(target >= 99%)")
    print(f"target: register one problem at {last[0]:,} present: p95 <= 50 ms -> {p95(last[2]) * ms:.1f} ms: "
          f"{'met' if p95(last[2]) <= 0.05 else 'NOT met'}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--probes", type=int, default=30)
    args = p.parse_args()
    args.sizes = [int(x) for x in args.sizes.split(",") if x]
    from generate_province import setup

    _, cleanup = setup()
    try:
        run(args)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
