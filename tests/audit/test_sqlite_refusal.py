"""Issue #17, point 6: the production settings refuse SQLite unless a single-user install says so."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _check(tmp_path, **extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba",
        "DJANGO_ALLOWED_HOSTS": "formarche.example.org",
        "FORMARCHE_VAR_DIR": str(tmp_path),
        **extra,
    }
    if "DATABASE_URL" not in extra:
        env.pop("DATABASE_URL", None)
    if "FORMARCHE_ALLOW_SQLITE" not in extra:
        env.pop("FORMARCHE_ALLOW_SQLITE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_sqlite_with_a_french_reason(tmp_path):
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "exigent PostgreSQL" in result.stderr and "FORMARCHE_ALLOW_SQLITE=1" in result.stderr


def test_a_declared_single_user_install_runs_on_sqlite(tmp_path):
    result = _check(tmp_path, FORMARCHE_ALLOW_SQLITE="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_on_postgresql_needs_no_declaration(tmp_path):
    result = _check(tmp_path, DATABASE_URL="postgres://formarche@db.invalid:5432/formarche")
    assert result.returncode == 0, result.stdout + result.stderr
