"""Deadline computations per second (issue 3, TL-2), against a naive
day-by-day loop measured in the same run.

    .venv/bin/python bench/bench_deadline.py [--n 100000] [--repeat 3]

Sets up Django itself against a temporary SQLite database that it migrates
(the calendar seed 2004–2026 included), so it never touches the dev data.
Target: ≥ 200,000 working-day computations per second on one core.
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 200_000


def setup_django(tmp):
    os.environ["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    os.environ["DUBAN_VAR_DIR"] = tmp
    os.environ["DUBAN_SQLITE_PATH"] = os.path.join(tmp, "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "timelimits", verbosity=0)


def naive_due(start, limit, workday_of, tz, day_end):
    """A straightforward implementation: walk the days one by one."""
    local = start.astimezone(tz)
    d = local.date()
    one = dt.timedelta(days=1)
    if limit.unit == "min":
        return start + dt.timedelta(minutes=limit.amount)
    if limit.unit == "h":
        return start + dt.timedelta(hours=limit.amount)
    if limit.unit == "wd":
        n = 0
        while n < limit.amount:
            d += one
            if workday_of[d]:
                n += 1
    else:
        if limit.unit == "d":
            for _ in range(limit.amount):
                d += one
        else:
            # month by month, then day by day back from the month's end
            y, m = d.year, d.month
            for _ in range(limit.amount):
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            day = d.day
            while True:
                try:
                    d = dt.date(y, m, day)
                    break
                except ValueError:
                    day -= 1
        while not workday_of[d]:
            d += one
    return dt.datetime.combine(d, day_end, tz)


def rate(fn, starts, limit, repeat):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        for s in starts:
            fn(s, limit)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return len(starts) / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="computations per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per figure (best is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="duban-bench-") as tmp:
        setup_django(tmp)
        from duban.timelimits.calendar import get_calendar
        from duban.timelimits.limits import compute_due, compute_due_at, parse_limit
        from duban.timelimits.models import CalendarDay

        cal = get_calendar()
        tz = cal.tz
        workday_of = dict(CalendarDay.objects.values_list("date", "is_workday"))
        rnd = random.Random(20261001)
        lo = dt.datetime(2010, 1, 1, tzinfo=tz).timestamp()
        hi = dt.datetime(2025, 12, 31, tzinfo=tz).timestamp()
        starts = [dt.datetime.fromtimestamp(rnd.uniform(lo, hi), tz) for _ in range(args.n)]

        print(f"时限计算基准：每项 {args.n:,} 次，取 {args.repeat} 次中最快；Python {sys.version.split()[0]}")
        print(f"{'时限':<7}{'compute_due_at/秒':>18}{'compute_due/秒':>16}{'逐日循环/秒':>14}{'倍数':>9}")
        results = {}
        for text in ("7wd", "30wd", "3d", "2mo", "1h"):
            limit = parse_limit(text)
            # Same answers first.
            for s in starts[:2000]:
                fast = compute_due_at(s, limit)
                slow = naive_due(s, limit, workday_of, tz, cal.day_end)
                assert fast == slow, (s, text, fast, slow)
            fast_rate = rate(compute_due_at, starts, limit, args.repeat)
            due_rate = rate(compute_due, starts, limit, args.repeat)
            naive_rate = rate(lambda s, lim: naive_due(s, lim, workday_of, tz, cal.day_end), starts, limit,
                              args.repeat)
            results[text] = fast_rate
            print(f"{text:<8}{fast_rate:>18,.0f}{due_rate:>16,.0f}{naive_rate:>16,.0f}{fast_rate / naive_rate:>9.1f}×")
        ok = results["7wd"] >= TARGET
        print(f"目标：工作日时限 ≥ {TARGET:,} 次/秒 —— {'达到' if ok else '未达到'}"
              f"（7wd 为 {results['7wd']:,.0f} 次/秒）")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
