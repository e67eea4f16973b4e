"""AUD-1: verification split over processes names the same first broken
link as the walk in one process (a real SQLite file, real processes)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.db import connection, transaction
from duban.journal import chain

with transaction.atomic():
    chain.record_many([dict(action="test.bulk", object_id=i, after={"i": i, "名称": "事项"}) for i in range(3000)])

def show(r):
    print(r.ok, r.count, r.walked, r.first_bad_seq, r.reason)

show(chain.verify(full=True, batch_size=200, workers=2))

def tamper(sql):
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER IF EXISTS journal_event_no_update")
        cur.execute("DROP TRIGGER IF EXISTS journal_event_no_delete")
        cur.execute(sql)

tamper("UPDATE journal_event SET actor_name = 'x' WHERE seq = 2500")
show(chain.verify(full=True, batch_size=200, workers=2))
show(chain.verify(full=True, batch_size=200, workers=1))
tamper("DELETE FROM journal_event WHERE seq = 1800")
show(chain.verify(full=True, batch_size=200, workers=2))
"""


def test_aud1_parallel_verification_names_the_first_broken_link(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout.splitlines()
    assert out[0].startswith("True 3000 3000 None")
    assert out[1].startswith("False") and " 2500 " in out[1] and "篡改" in out[1]
    assert out[2].split()[3] == "2500"
    assert out[3].startswith("False") and " 1800 " in out[3] and "缺失" in out[3]
