"""Backup and restore (等保 level 3 backup and recovery of important data):
a consistent snapshot of the database -- SQLite's online backup API, or
pg_dump for PostgreSQL -- with the evidence files and a manifest of SM3
hashes; restore checks every hash before it writes anything, then re-walks
the journal and the evidence files."""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from duban.journal import chain, evidence

MANIFEST = "manifest.json"
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
FORMAT = "duban-backup-1"


class BackupError(RuntimeError):
    pass


def _sm3_file(path: Path) -> tuple[str, int]:
    return evidence._hash_file(path)


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["-h", str(db.get("HOST") or "localhost"), "-p", str(db.get("PORT") or 5432), "-U", str(db.get("USER") or "")]
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client）")


def backup(target_dir, *, now=None) -> Path:
    """Write a backup into a new folder under `target_dir`; returns it."""
    now = now or timezone.now()
    out = Path(target_dir) / f"duban-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    if out.exists():
        raise BackupError(f"备份目录已存在：{out}")
    out.mkdir(parents=True)
    engine = _engine()
    # The backup is itself on the record, inside the snapshot it describes.
    with transaction.atomic():
        chain.record("system.backup", object_type="system.backup", object_id=out.name, object_repr=out.name,
                     after={"engine": engine, "folder": out.name})
    if engine == "sqlite":
        connection.ensure_connection()
        dst = sqlite3.connect(out / DB_SQLITE)
        try:
            connection.connection.backup(dst)
        finally:
            dst.close()
        db_file = DB_SQLITE
    else:
        args, env = _pg_env()
        name = settings.DATABASES["default"]["NAME"]
        proc = subprocess.run([_pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "-f", str(out / DB_PG), name],
                              env=env, capture_output=True, text=True)
        if proc.returncode:
            raise BackupError(f"pg_dump 失败：{proc.stderr.strip()}")
        db_file = DB_PG
    files = {db_file: _entry(out / db_file)}
    root = evidence.evidence_root()
    if root.exists():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                rel = Path("evidence") / path.relative_to(root)
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out / rel)
                files[rel.as_posix()] = _entry(out / rel)
    result = chain.verify()
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "engine": engine, "database": db_file,
                "journal": {"count": result.count, "head_hash": result.head_hash}, "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return out


def _entry(path: Path) -> dict:
    digest, size = _sm3_file(path)
    return {"sm3": digest, "size": size}


def read_manifest(folder) -> dict:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as e:
        raise BackupError(f"{folder} 中没有可读的清单 {MANIFEST}") from e
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不是督办平台的备份（格式 {manifest.get('format')!r}）")
    return manifest


def check(folder) -> dict:
    """Every file of the backup against the manifest's SM3 hash."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for rel, expected in manifest["files"].items():
        path = folder / rel
        if not path.is_file():
            raise BackupError(f"备份缺少文件：{rel}")
        if _entry(path) != expected:
            raise BackupError(f"备份文件与清单的 SM3 哈希不符（被改动或损坏）：{rel}")
    return manifest


def _database_has_tables() -> bool:
    return bool(connection.introspection.table_names())


def restore(folder, *, force=False) -> dict:
    """Bring a checked backup back into the configured database and
    evidence folder. Refuses a database that already has tables unless
    `force`. Returns the manifest."""
    folder = Path(folder)
    manifest = check(folder)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"备份来自 {manifest['engine']}，当前数据库是 {engine}")
    if _database_has_tables() and not force:
        raise BackupError("目标数据库已有数据；确认要覆盖时加 --force")
    if engine == "sqlite":
        connection.ensure_connection()
        src = sqlite3.connect(folder / manifest["database"])
        try:
            src.backup(connection.connection)
        finally:
            src.close()
    else:
        connection.close()
        args, env = _pg_env()
        name = settings.DATABASES["default"]["NAME"]
        proc = subprocess.run([_pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "-d", name,
                               str(folder / manifest["database"])], env=env, capture_output=True, text=True)
        if proc.returncode:
            raise BackupError(f"pg_restore 失败：{proc.stderr.strip()}")
    root = evidence.evidence_root()
    for rel in manifest["files"]:
        if not rel.startswith("evidence/"):
            continue
        dest = root / Path(rel).relative_to("evidence")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            os.chmod(dest, 0o640)
        shutil.copy2(folder / rel, dest)
        os.chmod(dest, 0o440)
    return manifest


def age_of(manifest) -> dt.timedelta:
    return timezone.now() - dt.datetime.fromisoformat(manifest["created_at"])
