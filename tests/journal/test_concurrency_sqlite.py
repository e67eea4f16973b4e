"""AUD-1 on the embedded database: separate processes writing to one SQLite
file at once (as the web server and the worker do) never fork the chain."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import django, os, sys
django.setup()
from django.db import transaction
from duban.journal import chain
n = int(sys.argv[1])
for i in range(40):
    with transaction.atomic():
        chain.record("test.process", object_type="writer", object_id=n, after={"i": i})
"""

CHECK = """
import django
django.setup()
from duban.journal import chain
from duban.journal.models import Event
r = chain.verify()
print(r.ok, r.count, list(Event.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, r.count + 1)))
"""


def test_aud1_processes_writing_one_sqlite_file_never_fork_the_chain(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(n)], cwd=ROOT, env=env) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    assert out == ["True", "160", "True"]
