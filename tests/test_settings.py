"""Production settings: Argon2, SQLite in WAL mode, and a clean ``check --deploy``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

import marshrut.settings as production
from marshrut.lib.env import envbool, envint

ROOT = Path(__file__).resolve().parent.parent


def test_passwords_are_hashed_with_argon2() -> None:
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sqlite_runs_in_wal_mode(db: object) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where SQLite reports "memory"; a file database is WAL.
    assert mode in ("wal", "memory")
    assert "journal_mode=WAL" in production.DATABASES["default"]["OPTIONS"]["init_command"] or (
        os.environ.get("DATABASE_URL", "").startswith("postgres")
    )


def test_a_file_database_is_created_in_wal_mode(tmp_path: Path) -> None:
    env = {**os.environ, "DEBUG": "1", "MARSHRUT_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "marshrut.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert out.stdout.strip() == "wal"


def test_check_deploy_is_clean_with_production_environment(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marshrut.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "marshrut.iro.example",
        "MARSHRUT_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marshrut.settings",
        "DEBUG": "0",
        "MARSHRUT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://marshrut@db.example:5432/marshrut",
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0 and "Не задан SECRET_KEY" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_default_needs_no_environment_and_keeps_one_key(tmp_path: Path) -> None:
    # What `.venv/bin/marshrut …` sees after scripts/demo.sh: no DEBUG, no SECRET_KEY, no database.
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    env["MARSHRUT_VAR_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"

    def key() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "marshrut", "shell", "-c", code],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    first = key()
    stored = tmp_path / "secret_key"
    assert stored.read_text().strip() == first and len(first) >= 50
    assert stored.stat().st_mode & 0o777 == 0o600
    assert key() == first  # sessions and signed links survive a restart


def test_environment_helpers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        envbool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        envint("X_NUM", 1)
    monkeypatch.setenv("X_FLAG", "да")
    assert envbool("X_FLAG", False) is True
