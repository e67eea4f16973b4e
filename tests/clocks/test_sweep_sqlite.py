"""TL-4 on the embedded database: the sweep command, run as its own process
against its own SQLite file, breaches a clock within seconds of its deadline
while nobody is looking; several sweepers at once flip each clock exactly
once.

These run in subprocesses against a fresh database in a temporary
directory: the sweep commits journal events, which a transactional test on
the shared test database could not flush afterwards (the journal refuses
DELETE)."""

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import datetime as dt, sys, django
django.setup()
from django.utils import timezone
from duban.clocks import services as clocks
from duban.org import services as org
from duban.org.models import Role
n, offset = int(sys.argv[1]), float(sys.argv[2])
unit = org.create_unit("县教育局")
owner = org.create_person("edu", full_name="张教育", unit=unit).user
head = org.create_person("head", full_name="王局长", unit=unit).user
org.assign_role(head, Role.UNIT_HEAD)
now = timezone.now()
for i in range(n):
    clocks.start_clock(unit, "report", due_at=now + dt.timedelta(seconds=offset),
                       started_at=now - dt.timedelta(hours=1), owner_unit=unit, owner_person=owner,
                       label=f"事项{i}报告落实情况")
print(n)
"""

RACER = """
import os, sys, time, django
django.setup()
from duban.clocks import sweep
from duban.clocks.models import Clock
Clock.objects.exists()  # connect before the start signal
open(sys.argv[1] + ".ready", "w").close()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.002)
r = sweep.tick(deliver=False)
print(r.breaches, r.messages)
"""


@pytest.fixture
def site(tmp_path):
    """A migrated SQLite database of its own, and the environment to run
    commands against it."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_VAR_DIR": str(tmp_path),
           "DUBAN_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("DUBAN_SQLITE_PATH", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    class Site:
        pass

    s = Site()
    s.env, s.db, s.tmp = env, tmp_path / "duban.sqlite3", tmp_path

    def python(code, *args, **kw):
        return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, **kw).stdout

    def query(sql):
        con = sqlite3.connect(s.db, timeout=30)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    s.python, s.query = python, query
    return s


def _utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_tl4_sweep_command_breaches_within_five_seconds_and_stops_on_sigterm(site):
    sweeper = subprocess.Popen([sys.executable, "manage.py", "sweep", "--interval", "0.5"], cwd=ROOT,
                               env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "期限巡检已启动" in sweeper.stdout.readline()
        site.python(SETUP, 3, 1.5)  # three clocks due 1.5 s from now
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rows = site.query("SELECT due_at, breached_at FROM clocks_clock WHERE state = 'breached'")
            if len(rows) == 3:
                break
            time.sleep(0.1)
        assert len(rows) == 3, "not breached within 15 s"
        for due, breached in rows:
            lag = (_utc(breached) - _utc(due)).total_seconds()
            assert 0 <= lag < 5, lag
        # One breach row and one breach event per clock; messages for owner and unit head.
        assert site.query("SELECT COUNT(*) FROM clocks_clockflip WHERE kind = 'breach'") == [(3,)]
        assert site.query("SELECT COUNT(*) FROM journal_event WHERE action = 'clocks.breach'") == [(3,)]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and site.query(
            "SELECT COUNT(*) FROM notify_message WHERE source = 'breach'"
        ) != [(6,)]:
            time.sleep(0.1)
        assert site.query("SELECT COUNT(*) FROM notify_message WHERE source = 'breach'") == [(6,)]
    finally:
        sweeper.send_signal(signal.SIGTERM)
        out, err = sweeper.communicate(timeout=10)
    assert sweeper.returncode == 0, err
    assert "期限巡检已停止" in out


def test_tl4_sweepers_in_parallel_processes_flip_each_clock_exactly_once(site):
    n = 600
    site.python(SETUP, n, -60)  # all due a minute ago
    barrier = site.tmp / "go"
    racers = [
        subprocess.Popen([sys.executable, "-c", RACER, str(barrier) + str(i)], cwd=ROOT, env=site.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(Path(f"{barrier}{i}.ready").exists() for i in range(3)):
            assert time.monotonic() < deadline, "racers did not start"
            assert all(r.poll() is None for r in racers), [r.communicate() for r in racers]
            time.sleep(0.01)
        for i in range(3):
            Path(f"{barrier}{i}").touch()
        results = [r.communicate(timeout=120) for r in racers]
    finally:
        for r in racers:
            if r.poll() is None:
                r.kill()
    assert [r.returncode for r in racers] == [0, 0, 0], [e for _, e in results]
    flipped = [int(out.split()[0]) for out, _ in results]
    written = [int(out.split()[1]) for out, _ in results]
    print("breaches flipped by each sweeper:", flipped)
    assert sum(flipped) == n, flipped
    assert sum(written) == 2 * n, written

    assert site.query("SELECT COUNT(*) FROM clocks_clock WHERE state = 'breached'") == [(n,)]
    assert site.query(
        "SELECT COUNT(*), COUNT(DISTINCT clock_id) FROM clocks_clockflip WHERE kind = 'breach'"
    ) == [(n, n)]
    assert site.query("SELECT COUNT(*) FROM clocks_clockflip WHERE kind = 'warning'") == [(0,)]
    assert site.query(
        "SELECT COUNT(*), COUNT(DISTINCT object_id) FROM journal_event WHERE action = 'clocks.breach'"
    ) == [(n, n)]
    assert site.query(
        "SELECT COUNT(*), COUNT(DISTINCT clock_id || ':' || recipient_id) FROM notify_message "
        "WHERE channel = 'inapp'"
    ) == [(2 * n, 2 * n)]
    verify = subprocess.run([sys.executable, "manage.py", "verify_journal", "--skip-files"], cwd=ROOT,
                            env=site.env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
