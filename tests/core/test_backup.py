"""等保 level 3 backup and recovery (issue 21 item 5): `manage.py backup`
writes a consistent snapshot (SQLite's online backup API), the evidence
files and a manifest of SM3 hashes; on a fresh machine -- the database and
the evidence destroyed -- `manage.py restore` brings it back and the journal,
the signatures and the evidence check pass; a damaged backup is refused
before anything is written."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STORY = """
from django.core.files.uploadedfile import SimpleUploadedFile
from duban.journal import evidence
from duban.org import services as org
gov = org.create_unit("县人民政府", kind="government")
edu = org.create_unit("县教育局", parent=gov)
org.create_person("edu", full_name="张教育", unit=edu, mobile="13812341234", id_number="110101199003071234")
evidence.store(SimpleUploadedFile("整改照片.png", b"\\x89PNG\\r\\n\\x1a\\n" + b"0" * 64), owner_unit=edu)
print("story written")
"""


def manage(env, *args, check=True):
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_backup_restore_on_a_fresh_machine(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_VAR_DIR": str(var),
                # A fresh machine gets its keys from the environment, as production does.
                "DUBAN_SECRET_KEY": secrets.token_urlsafe(40), "DUBAN_SM4_KEYS": f"k1:{secrets.token_hex(16)}"})
    manage(env, "migrate", "--noinput")
    assert "story written" in manage(env, "shell", "-c", STORY).stdout
    out = manage(env, "backup", str(tmp_path / "backups")).stdout
    assert "备份完成" in out
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite" and manifest["journal"]["count"] >= 5
    assert sum(1 for f in manifest["files"] if f.startswith("evidence/")) == 1

    # Destroy: the database and the evidence are gone.
    shutil.rmtree(var)
    restored = manage(env, "restore", str(folder))
    text = restored.stdout
    assert "已恢复" in text and "日志完好" in text and "佐证材料完好：共 1 个文件" in text, text + restored.stderr
    check = manage(env, "shell", "-c", "from duban.org.models import Person; print(Person.objects.get().mobile)")
    assert check.stdout.strip().splitlines()[-1] == "13812341234"
    assert manage(env, "verify_journal").returncode == 0

    # Restoring over a database with data needs --force; a damaged backup is refused.
    refused = manage(env, "restore", str(folder), check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr
    db = folder / manifest["database"]
    db.write_bytes(db.read_bytes()[:-10] + b"0123456789")
    refused = manage(env, "restore", str(folder), "--force", check=False)
    assert refused.returncode != 0 and "SM3 哈希不符" in refused.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_backup_on_postgresql_dumps_with_pg_dump(tmp_path, county):
    """On PostgreSQL the snapshot is pg_dump's custom format, hashed into
    the manifest like any file (restore, with pg_restore, is the same path
    as SQLite's apart from the tool)."""
    from duban.core import backup

    folder = backup.backup(tmp_path)
    manifest = backup.check(folder)
    assert manifest["engine"] == "postgresql" and manifest["database"] == "database.pgdump"
    assert (folder / "database.pgdump").read_bytes()[:5] == b"PGDMP"
