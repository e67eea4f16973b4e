"""`manage.py check --deploy` with production settings reports nothing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sec_check_deploy_reports_no_issues(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="duban.settings",
        DUBAN_PRODUCTION="1",
        DUBAN_SECRET_KEY=secrets.token_urlsafe(64),
        DUBAN_SM4_KEYS=f"k1:{secrets.token_hex(16)}",
        DUBAN_ALLOWED_HOSTS="duban.example.gov.cn",
        DUBAN_VAR_DIR=str(tmp_path),
        DUBAN_STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output


def test_pi_production_refuses_to_start_without_the_sm4_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="duban.settings", DUBAN_PRODUCTION="1", DUBAN_SECRET_KEY=secrets.token_urlsafe(64),
               DUBAN_ALLOWED_HOSTS="duban.example.gov.cn", DUBAN_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "DUBAN_SM4_KEYS" in result.stderr
