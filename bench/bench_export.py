"""Ledger exports at 100,000 rows (issue 20, OUT-2): the problem ledger of a
campaign (duban.rectification.excel.export_response, as the 导出台账 button
sends it) and the supervision office's matter ledger (督办总表,
duban.supervision.ledger.export_response), against a bare XlsxWriter
constant_memory save of the same rows (the writer the exports use), and
for comparison a bare openpyxl write-only save (the writer they used
before), measured in the same run.

    .venv/bin/python bench/bench_export.py [--rows 100000] [--scale 0.01] [--db PATH|NAME]

SQLite by default, in a temporary database that the script creates, migrates
and fills with bench/generate_province.py at `--scale` (0.01: 100 units,
10,000 matters, whose 督办总表 is the matter ledger measured; 0.1 gives
100,000); `--db` reuses a province generated before (a campaign and its
problems are then added to it). With DATABASE_URL set to a PostgreSQL
server, a temporary database of its own on that server.

The script adds a campaign over up to 300 of the province's units and
`--rows` problems in it (written in bulk through the models, not through
the registration service, whose speed is bench_import's and bench_repeats'
concern): mixed states, one round each, descriptions and measures of
realistic length.

Figures, per ledger:
  rows      the rows exported
  export s  the export as the view runs it: the query, the rows, the .xlsx
            file written (to a temporary file) and read back as the download
  floor s   the floor: a bare XlsxWriter constant_memory save of the same
            rows, already in memory (read beforehand, not timed), each row
            written with write_row
  ratio     export s / floor s
  opx s     for comparison: a bare openpyxl write-only save of the same rows
  cpu ratio the same ratio of the process's CPU time (time.process_time):
            steadier than the wall clock's on a machine whose cores other
            work shares (with SQLite the database's work is in the process
            too; a PostgreSQL server's is not counted)
  peak MB   the most memory the export held at once (tracemalloc, Python
            allocations), at `--rows` and at a tenth of them; for the floor
            (floor MB) the bare XlsxWriter save's peak when each row is made
            afresh as it is written. Flat memory: the export's peak beyond
            the floor's does not grow with the rows (it holds no list of
            rows or problems; XlsxWriter keeps one row at a time, its text
            inline, and openpyxl's table of shared strings is gone)
            -> target: problem ledger of 100,000 rows <= 20 s, flat memory
Each export runs once per measurement (timed without tracemalloc, then
traced once more for the memory). The machine's other work shows in every
figure; the ratios, measured in the same run, are the steadier ones.
"""

import argparse
import datetime as dt
import gc
import pickle
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WORDS = ("落实", "整改", "台账", "责任", "制度", "会议", "学习", "检查", "资金", "项目", "群众", "服务", "窗口",
         "审批", "监督", "考核", "作风", "纪律", "公开", "程序")


def text(rng, lo, hi):
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def bare_write(header, rows) -> int:
    """The floor: XlsxWriter in constant_memory mode, the same rows, to a
    temporary file."""
    import xlsxwriter

    with tempfile.TemporaryFile() as f:
        with xlsxwriter.Workbook(f, {"constant_memory": True}) as wb:
            ws = wb.add_worksheet("台账")
            ws.write_row(0, 0, header)
            for i, r in enumerate(rows, start=1):
                ws.write_row(i, 0, r)
        return f.tell()


def openpyxl_write(header, rows) -> int:
    """For comparison: openpyxl write-only (the exports' writer before
    issue 20), the same rows, to a temporary file."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(header)
    for r in rows:
        ws.append(r)
    with tempfile.TemporaryFile() as f:
        wb.save(f)
        return f.tell()


def drain(response) -> int:
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return size


def traced(fn):
    """(result, peak bytes) of fn() under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def add_problems(n, rng, log):
    """A campaign of the province government over up to 300 of its units,
    with `n` problems; returns (campaign, a supervisor of the province's 督查室)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from duban.core.batch import create_rows, insert_rows
    from duban.org.models import Role, RoleAssignment, Unit
    from duban.rectification import services as rs
    from duban.rectification.models import Problem, ProblemRound, ProblemState, Source, Subject

    at = timezone.now()
    ra = (RoleAssignment.objects.filter(role=Role.SUPERVISOR, user__person__isnull=False)
          .select_related("user__person__unit__parent").order_by("user__person__unit__depth", "id").first())
    supervisor = get_user_model().objects.select_related("person").get(pk=ra.user_id)
    organizer = Unit.objects.get(path=supervisor.person.unit.path[:5])  # the government at the top
    units = list(Unit.objects.filter(is_active=True, path__startswith=organizer.path, depth__gt=organizer.depth)
                 .order_by("path")[:300])
    campaign = rs.create_campaign(code=f"EXPORT-{int(time.time())}", name="导出基准专项行动", start_date=at.date(),
                                  end_date=at.date() + dt.timedelta(days=300), organizer=organizer, units=units,
                                  at=at - dt.timedelta(days=1))
    cats = list(campaign.categories.all())
    states = [ProblemState.RECTIFYING] * 6 + [ProblemState.SUBMITTED] * 2 + [ProblemState.CLOSED] * 2
    t = time.perf_counter()
    for start in range(0, n, 10_000):
        problems, rounds = [], []
        for i in range(start, min(n, start + 10_000)):
            state = states[i % len(states)]
            deadline = at.date() + dt.timedelta(days=rng.randint(-30, 200))
            problems.append(Problem(
                campaign=campaign, number=f"{campaign.code}-{i + 1:06d}", unit=units[rng.randrange(len(units))],
                category=rng.choice(cats), source=rng.choice(Source.values), subject=Subject.TEAM,
                description=text(rng, 8, 30), cause=text(rng, 4, 12), measures=text(rng, 8, 25),
                responsible_leader_name="张三", responsible_person_name="李四", deadline=deadline,
                due_at=at + dt.timedelta(days=rng.randint(-30, 200)), state=state,
                latest_progress=text(rng, 0, 15), created_at=at - dt.timedelta(days=rng.randint(1, 60)),
                closed_at=at if state == ProblemState.CLOSED else None))
        with transaction.atomic():
            create_rows(problems)
            for p in problems:
                done = p.state != ProblemState.RECTIFYING
                rounds.append(ProblemRound(problem=p, number=1, started_at=p.created_at, deadline=p.deadline,
                                           result_text="已整改" if done else "",
                                           submitted_at=at - dt.timedelta(days=1) if done else None))
            insert_rows(rounds)
    log(f"  problems: {n:,} in a campaign over {len(units)} units, written in {time.perf_counter() - t:.1f} s")
    return campaign, supervisor


def timed(fn, *args):
    """(wall seconds, CPU seconds) of fn(*args)."""
    t, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - t, time.process_time() - cpu


def measure(name, header, make_rows, export, rows_expected=None):
    """The figures of one ledger: the export timed and traced, the floor
    (and openpyxl's save) timed and traced on the same rows."""
    size = []
    took, took_cpu = timed(lambda: size.append(export()))
    rows = list(make_rows())
    if rows_expected is not None:
        assert len(rows) == rows_expected, (name, len(rows), rows_expected)
    bare, bare_cpu = timed(bare_write, header, rows)
    opx, opx_cpu = timed(openpyxl_write, header, rows)
    # The floors' memory: each row made afresh as it is written (unpickled
    # from bytes held outside the trace), so that text a writer keeps (as
    # openpyxl keeps the workbook's shared strings until the save) counts
    # for the floor as it does for the export.
    packed = [pickle.dumps(r) for r in rows]
    del rows
    _, bare_peak = traced(lambda: bare_write(header, (pickle.loads(b) for b in packed)))
    _, opx_peak = traced(lambda: openpyxl_write(header, (pickle.loads(b) for b in packed)))
    packed.clear()
    _, peak = traced(export)
    return {"ledger": name, "export": took, "bare": bare, "opx": opx, "peak": peak, "bare_peak": bare_peak,
            "opx_peak": opx_peak, "size": size[0], "cpu_ratio": took_cpu / bare_cpu, "opx_cpu_ratio": opx_cpu / bare_cpu}


def line(r) -> str:
    return (f"export {r['export']:6.2f} s, floor {r['bare']:6.2f} s (openpyxl {r['opx']:6.2f} s), "
            f"cpu ratio {r['cpu_ratio']:.2f} (openpyxl {r['opx_cpu_ratio']:.2f}), "
            f"peak {r['peak'] / 2**20:6.1f} MB (floor {r['bare_peak'] / 2**20:.1f} MB, "
            f"openpyxl {r['opx_peak'] / 2**20:.1f} MB)")


def run(args):
    from django.db import connection
    from django.urls import reverse

    from duban.rectification import excel, queries
    from duban.supervision import ledger
    from duban.supervision import queries as sq

    reverse("rectification:problem", args=[1])  # the URL configuration loads once, before any timing
    rng = random.Random(20261207)
    campaign, supervisor = add_problems(args.rows, rng, log=lambda *a: print(*a, flush=True))

    def problems_qs(limit=None):
        qs = queries.problems_for(supervisor, campaign)
        if limit is not None:  # the first `limit` problems, as a filter would select them
            qs = qs.filter(pk__in=list(qs.values_list("pk", flat=True)[:limit]))
        return qs

    results = []
    for n in (args.rows // 10, args.rows):
        qs = problems_qs(None if n == args.rows else n)
        count = qs.count()
        r = measure("problems", excel.HEADERS, lambda qs=qs: excel.ledger_rows(qs),
                    lambda qs=qs: drain(excel.export_response(qs, by=supervisor, campaign=campaign)), count)
        r["rows"] = count
        results.append(r)
        print(f"  problems {count:>8,}: {line(r)}", flush=True)

    if not args.no_matters:
        from duban.supervision.models import Matter

        wl = sq.supervision_list(supervisor, {})
        total = Matter.objects.count()
        cut = Matter.objects.order_by("pk").values_list("pk", flat=True)[total // 10]
        for qs in (wl.rows.filter(pk__lte=cut), wl.rows):  # about a tenth, then all the list
            n = qs.count()
            r = measure("matters", ledger.LEDGER_COLUMNS, lambda qs=qs: ledger.ledger_rows(qs),
                        lambda qs=qs: drain(ledger.export_response(None, qs, "督办总表")), n)
            r["rows"] = n
            results.append(r)
            print(f"  matters  {n:>8,}: {line(r)}", flush=True)

    print()
    print(f"database: {connection.vendor}")
    print(f"{'ledger':<9} {'rows':>8} {'export s':>9} {'floor s':>8} {'ratio':>6} {'cpu':>5} {'opx s':>7} "
          f"{'opx/floor':>9} {'cpu':>5} {'peak MB':>8} {'floor MB':>9} {'opx MB':>7} {'file MB':>8}")
    for r in results:
        print(f"{r['ledger']:<9} {r['rows']:>8,} {r['export']:>9.2f} {r['bare']:>8.2f} {r['export'] / r['bare']:>6.2f} "
              f"{r['cpu_ratio']:>5.2f} {r['opx']:>7.2f} {r['opx'] / r['bare']:>9.2f} {r['opx_cpu_ratio']:>5.2f} "
              f"{r['peak'] / 2**20:>8.1f} {r['bare_peak'] / 2**20:>9.1f} {r['opx_peak'] / 2**20:>7.1f} "
              f"{r['size'] / 2**20:>8.1f}")
    small, big = [r for r in results if r["ledger"] == "problems"]
    extra_small, extra_big = small["peak"] - small["bare_peak"], big["peak"] - big["bare_peak"]
    flat = extra_big <= max(2 * extra_small, 8 * 2**20)
    ok = big["export"] <= 20 and flat
    print(f"\ntarget: problem ledger of {big['rows']:,} rows <= 20 s, flat memory -> {big['export']:.1f} s "
          f"({big['export'] / big['bare']:.2f}x the bare XlsxWriter save, {big['cpu_ratio']:.2f}x in CPU time); "
          f"peak beyond the floor's "
          f"{extra_small / 2**20:.1f} MB at {small['rows']:,} rows, {extra_big / 2**20:.1f} MB at "
          f"{big['rows']:,}: {'met' if ok else 'NOT met'}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--db", help="reuse a province generated by bench/generate_province.py")
    p.add_argument("--no-matters", action="store_true", help="only the problem ledger")
    args = p.parse_args()
    from generate_province import run_in_province

    run_in_province(args, run)


if __name__ == "__main__":
    main()
