"""Backup and restore of an installation: the database and the uploaded files in one archive.

The archive is a gzip'ed tar:

- ``manifest.json`` — format, version of Маршрут, database engine, time, row counts of every table
  and the SHA-256 of every other member;
- ``database.sqlite3`` (SQLite: a copy through sqlite3's online backup API, consistent while the
  server and the worker keep writing in WAL mode) or ``database.dump`` (PostgreSQL: ``pg_dump``
  custom format, taken in the same snapshot as the row counts);
- ``media/…`` — every file under ``MEDIA_ROOT``.

A restore reads the whole archive into a staging directory beside ``MEDIA_ROOT`` and checks every
checksum before it changes anything; it refuses an archive of the other engine, a damaged one, and
a database or file directory that already holds data unless told ``force``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Tables that a bare ``migrate`` fills by itself: their rows do not make a database «not empty».
BOOKKEEPING = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the person at the console."""


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DB_MEMBER:
        raise BackupError(f"Резервное копирование базы «{vendor}» не поддерживается.")
    return vendor


def _app_version() -> str:
    try:
        return version("marshrut")
    except PackageNotFoundError:  # a checkout run without installing
        return "unknown"


def _tables() -> dict[str, str]:
    """Model label → table, for every table Маршрут's models own (including auto M2M tables)."""
    found: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            found[meta.label_lower] = meta.db_table
    return dict(sorted(found.items()))


def _count(cursor: Any, quote: Any, existing: set[str]) -> dict[str, int]:
    counts = {}
    for label, table in _tables().items():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[label] = int(cursor.fetchone()[0])
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(using: str) -> dict[str, str]:
    """libpq's environment for the client programs, from Django's settings of the connection."""
    s = connections[using].settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    if sslmode := (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def _client_major(program: str) -> int:
    if not shutil.which(program):
        raise BackupError(
            f"Не найдена программа {program}: установите клиент PostgreSQL "
            "(пакет Debian postgresql-client; scripts/install.sh ставит его сам)."
        )
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else 0


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} завершился с ошибкой:\n{done.stderr.strip()}")


# ---- backup ---------------------------------------------------------------------------------


def _dump_sqlite(using: str, target: Path) -> dict[str, int]:
    conn = connections[using]
    conn.ensure_connection()
    source = conn.connection
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot while others read and write.
        source.backup(copy)
        cursor = copy.cursor()
        existing = {r[0] for r in cursor.execute("SELECT name FROM sqlite_master")}
        return _count(cursor, conn.ops.quote_name, existing)
    finally:
        copy.close()


def _dump_postgresql(using: str, target: Path) -> tuple[dict[str, int], str]:
    conn = connections[using]
    conn.ensure_connection()
    server_major = conn.pg_version // 10000  # type: ignore[attr-defined]
    client_major = _client_major("pg_dump")
    if client_major < server_major:
        raise BackupError(
            f"pg_dump версии {client_major} не снимает копию с сервера PostgreSQL "
            f"{server_major}: установите postgresql-client-{server_major}."
        )
    # Count and dump in one snapshot, so the manifest says what the dump holds.
    with conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            existing = set(conn.introspection.table_names(cursor))
            counts = _count(cursor, conn.ops.quote_name, existing)
            _run(
                ["pg_dump", "--format=custom", "--snapshot", snapshot, "--file", str(target)],
                _pg_env(using),
                "pg_dump",
            )
        finally:
            cursor.execute("ROLLBACK")
    return counts, f"{server_major}"


def _media_files() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, MEDIA_PREFIX + path.relative_to(root).as_posix()


def do_backup(out: Path, *, using: str = "default") -> dict[str, Any]:
    """Write the archive of the database and MEDIA_ROOT to ``out``; returns its manifest."""
    engine = _engine(using)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".marshrut-backup-") as tmp:
        db_path = Path(tmp) / DB_MEMBER[engine]
        server = ""
        if engine == "sqlite":
            counts = _dump_sqlite(using, db_path)
            server = sqlite3.sqlite_version
        else:
            counts, server = _dump_postgresql(using, db_path)
        members = {DB_MEMBER[engine]: {"size": db_path.stat().st_size, "sha256": _sha256(db_path)}}
        files = list(_media_files())
        for path, name in files:
            members[name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {
            "format": FORMAT,
            "marshrut": _app_version(),
            "engine": engine,
            "server_version": server,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "counts": counts,
            "files": len(files),
            "members": members,
        }
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_path, arcname=DB_MEMBER[engine])
            for path, name in files:
                tar.add(path, arcname=name)
        # A half-written archive never takes the place of a good one.
        os.replace(partial, out)
    return manifest


# ---- restore --------------------------------------------------------------------------------


def database_rows(using: str = "default") -> int:
    """Rows in the tables of Маршрут beyond what ``migrate`` writes; 0 for a new database."""
    conn = connections[using]
    with conn.cursor() as cursor:
        existing = set(conn.introspection.table_names(cursor))
        counts = _count(cursor, conn.ops.quote_name, existing)
    return sum(n for label, n in counts.items() if label not in BOOKKEEPING)


def _damaged(detail: str) -> BackupError:
    return BackupError(f"Архив повреждён или не является резервной копией Маршрута: {detail}.")


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack into ``staging``, checking the manifest and every checksum; returns the manifest."""
    if not archive.is_file():
        raise BackupError(f"Файл «{archive}» не найден.")
    try:
        with tarfile.open(archive, "r:*") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise _damaged("в начале нет описи manifest.json")
            raw = tar.extractfile(first)
            try:
                manifest = json.loads(raw.read() if raw else b"")
                members: dict[str, dict[str, Any]] = manifest["members"]
            except (ValueError, KeyError, TypeError) as exc:
                raise _damaged("опись не читается") from exc
            if manifest.get("format") != FORMAT:
                raise BackupError(
                    f"Архив формата {manifest.get('format')!r}, эта версия Маршрута читает "
                    f"формат {FORMAT}."
                )
            seen = set()
            while (member := tar.next()) is not None:
                name = member.name
                if name not in members or not member.isfile():
                    raise _damaged(f"лишний элемент «{name}»")
                path = PurePosixPath(name)
                if path.is_absolute() or ".." in path.parts:
                    raise _damaged(f"недопустимый путь «{name}»")
                target = staging / Path(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                assert source is not None
                with target.open("wb") as f:
                    while block := source.read(1 << 20):
                        digest.update(block)
                        f.write(block)
                if digest.hexdigest() != members[name]["sha256"]:
                    raise _damaged(f"не сходится контрольная сумма «{name}»")
                seen.add(name)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise _damaged("файл обрезан или испорчен") from exc
    if missing := sorted(set(members) - seen):
        raise _damaged("нет элементов " + ", ".join(f"«{m}»" for m in missing[:5]))
    return manifest


def _restore_sqlite(using: str, db_file: Path) -> None:
    check = sqlite3.connect(db_file)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _damaged("файл базы SQLite не читается") from exc
    finally:
        check.close()
    if ok != "ok":
        raise _damaged("файл базы SQLite не прошёл проверку целостности")
    conn = connections[using]
    conn.close()
    conn.ensure_connection()
    source = sqlite3.connect(db_file)
    try:
        # Through the backup API the database is replaced page by page under SQLite's own
        # locks, so a running server or worker sees either the old database or the new one.
        source.backup(conn.connection)
    finally:
        source.close()
    conn.close()


def _restore_postgresql(using: str, dump: Path, *, clean: bool) -> None:
    _client_major("pg_restore")
    conn = connections[using]
    conn.close()
    name = str(conn.settings_dict["NAME"])
    env = _pg_env(using)
    argv = ["pg_restore", "--no-owner", "--no-privileges"]
    if not clean:
        _run(
            [*argv, "--single-transaction", "--exit-on-error", "--dbname", name, str(dump)],
            env,
            "pg_restore",
        )
        return
    # Replacing a database: «pg_restore --clean» drops object by object and fails on partitioned
    # tables (a partition's inherited constraints cannot be dropped alone). Instead the script
    # pg_restore writes runs after a drop of the whole schema, all in one transaction of psql:
    # either the backup replaces everything or nothing changes.
    psql_argv = ["psql", "--quiet", "--no-psqlrc", "--single-transaction"]
    psql_argv += ["-v", "ON_ERROR_STOP=1", "--dbname", name]
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as restore_err:
        psql = subprocess.Popen(
            psql_argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env
        )
        assert psql.stdin is not None
        restored = False
        try:
            psql.stdin.write(b"DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
            psql.stdin.flush()
            done = subprocess.run(
                [*argv, "--file", "-", str(dump)], stdout=psql.stdin, stderr=restore_err, env=env
            )
            restored = done.returncode == 0
        except BrokenPipeError:  # psql stopped at an error: its message says which
            pass
        if not restored and psql.poll() is None:
            # A cut script must not be committed: killing psql rolls its transaction back.
            psql.kill()
            psql.wait()
            raise BackupError(f"pg_restore завершился с ошибкой:\n{_text(restore_err)}")
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        if psql.wait() != 0:
            raise BackupError(f"psql завершился с ошибкой:\n{_text(psql_err)}")


def _text(file: Any) -> str:
    file.seek(0)
    return file.read().decode("utf-8", "replace").strip()


def _place_media(staged: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    if not staged.is_dir():
        return
    for path in sorted(staged.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def do_restore(archive: Path, *, force: bool = False, using: str = "default") -> dict[str, Any]:
    """Put the database and the files of ``archive`` in place; returns its manifest.

    Refuses (BackupError, nothing changed) a damaged archive, one of the other database engine,
    and a database or MEDIA_ROOT that already holds data unless ``force``. Existing files that
    the archive does not hold are left where they are.
    """
    engine = _engine(using)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".marshrut-restore-") as tmp:
        staging = Path(tmp)
        manifest = _unpack(Path(archive), staging)
        source = manifest.get("engine")
        if source != engine:
            raise BackupError(
                f"Архив снят с базы {ENGINE_NAMES.get(str(source), source)}, а эта установка "
                f"работает на {ENGINE_NAMES[engine]}: восстановить его сюда нельзя."
            )
        if not force:
            rows = database_rows(using)
            if rows:
                raise BackupError(
                    f"В базе уже есть данные (строк: {rows}). Восстановление их заменит; "
                    "если это и нужно, повторите команду с --force."
                )
            if media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
                raise BackupError(
                    f"В каталоге файлов {media_root} уже есть файлы. Восстановление запишет "
                    "поверх них; если это и нужно, повторите команду с --force."
                )
        db_file = staging / DB_MEMBER[engine]
        if engine == "sqlite":
            _restore_sqlite(using, db_file)
        else:
            _restore_postgresql(using, db_file, clean=force)
        _place_media(staging / MEDIA_PREFIX.rstrip("/"))
    with contextlib.suppress(Exception):
        connections[using].close()
    conn = connections[using]
    with conn.cursor() as cursor:
        existing = set(conn.introspection.table_names(cursor))
        counts = _count(cursor, conn.ops.quote_name, existing)
    expected = manifest.get("counts", {})
    wrong = {k: (v, counts.get(k)) for k, v in expected.items() if counts.get(k) != v}
    if wrong:
        shown = "; ".join(f"{k}: в архиве {a}, в базе {b}" for k, (a, b) in list(wrong.items())[:5])
        raise BackupError(f"После восстановления число строк не совпало с описью: {shown}.")
    return manifest
