"""Issue 4, item 9 (SUP-4 at scale): the province generator and the list
benchmark run end to end on a small province (10,000 matters), on the
database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL is
set: the benchmark then generates into a database of its own and drops it).

This proves the scripts work, not the figures: every case's first page from
the list functions is compared by the benchmark with the hand-written SQL
(the same ids in the same order, or it stops), and every case and table is
printed. The figures at a province's size are run by hand (README, 性能基准)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generator_and_list_benchmark_run_on_a_small_province():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DUBAN_"))}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_lists.py"), "--scale", "0.01",
                          "--repeat", "3", "--budget", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    assert "matters 10,000" in text and "returned other rows" not in text
    # the number counter continues from the numbers the generator gave
    assert re.search(r"督办编号计数 / number counters: 20\d\d → [\d,]+", text), text[:3000]
    rows = re.findall(r"^(我的待办|督办总表) .+?\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+"
                      r"\s+[\d.]+\s+[\d.]+x\s+[\d.]+x\s+[\d.]+x\s+[\d.]+x\s+(OK|MISSED.*)$", text, re.M)
    # every case of the benchmark: worklists of four units and the office
    # lists of the province, a city and a county, with their filters
    assert len(rows) == 18, text[-4000:]
    assert {r[0] for r in rows} == {"我的待办", "督办总表"}
    assert all(int(r[1]) > 0 for r in rows), "every case's first page has rows"
    assert re.search(r"^\d+/18 cases meet both targets\.$", text, re.M)
    assert re.search(r"^orm/bare ≤ 2x .+ in \d+/18; of the other \d+, \d+ are over 2x", text, re.M)
    assert "同页的计数" in text  # the counts' table
