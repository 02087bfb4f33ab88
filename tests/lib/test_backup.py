"""``marshrut backup`` / ``marshrut restore``: database and files, on the engine the tests run on.

The round trip restores into a database that has never seen Маршрут — a new SQLite file or a
freshly created PostgreSQL database — and an empty file directory, through the console command a
person runs, and compares the rows and the file bytes with what was backed up.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from marshrut.lib.backup import BackupError, do_backup, do_restore
from marshrut.orgs.models import Region, School
from marshrut.plans.actions import do_report_progress
from marshrut.plans.models import Evidence, ItemStatus, Level
from tests.conftest import World
from tests.plans.conftest import make_plan

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "marshrut"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _evidence(world: World) -> Evidence:
    plan = make_plan(world, Level.SCHOOL, school=world.s1)
    report = do_report_progress(
        world.users["head"],
        plan.items.first(),
        status=ItemStatus.DONE,
        files=[SimpleUploadedFile("протокол.pdf", PDF)],
    )
    return report.evidence.get()


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A database URL that no Маршрут has touched, and a DB-API connect() to read it back."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    s = connection.settings_dict
    name = f"{s['NAME']}_restored"
    params = {"host": s["HOST"], "port": s["PORT"] or 5432, "user": s["USER"]}
    if s["PASSWORD"]:
        params["password"] = s["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    yield url, lambda: psycopg.connect(dbname=name, **params)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _marshrut(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url, MEDIA_ROOT=str(media), DEBUG="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_bring_back_the_rows_and_the_files(
    world: World, tmp_path: Path, settings: Any, fresh_database: tuple[str, Any]
) -> None:
    evidence = _evidence(world)
    stored = Path(settings.MEDIA_ROOT) / evidence.file.name
    assert stored.read_bytes() == PDF
    schools = sorted(School.objects.values_list("id", "short_name", "inn"))
    archive = tmp_path / "копия.tar.gz"

    call_command("backup", "-o", str(archive), stdout=io.StringIO())

    url, connect = fresh_database
    media = tmp_path / "restored-media"
    done = _marshrut("restore", str(archive), database_url=url, media=media)
    assert done.returncode == 0, done.stderr
    assert "Восстановлено" in done.stdout
    db = connect()
    try:
        cur = db.cursor()
        cur.execute("SELECT id, short_name, inn FROM orgs_school ORDER BY id")
        assert sorted(tuple(r) for r in cur.fetchall()) == schools
        cur.execute("SELECT name FROM orgs_region")
        assert [r[0] for r in cur.fetchall()] == [world.region.name]
        cur.execute("SELECT file, sha256 FROM plans_evidence")
        assert [tuple(r) for r in cur.fetchall()] == [(evidence.file.name, evidence.sha256)]
    finally:
        db.close()
    assert (media / evidence.file.name).read_bytes() == PDF

    # A second restore over what is now there is refused without --force, and done with it.
    again = _marshrut("restore", str(archive), database_url=url, media=media)
    assert again.returncode != 0
    assert "уже есть данные" in again.stderr and "--force" in again.stderr
    forced = _marshrut("restore", str(archive), "--force", database_url=url, media=media)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.django_db(transaction=True)
def test_the_manifest_counts_the_rows_and_checks_every_member(world: World, tmp_path: Path) -> None:
    _evidence(world)
    manifest = do_backup(tmp_path / "a.tar.gz")
    assert manifest["engine"] == connection.vendor
    assert manifest["counts"]["orgs.school"] == School.objects.count()
    assert manifest["counts"]["orgs.region"] == Region.objects.count() == 1
    assert manifest["files"] == 1
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert set(names[1:]) == set(manifest["members"])


def _rewrite(src: Path, dst: Path, change: Any) -> None:
    """Copy the archive, letting ``change(name, data)`` alter the bytes of each member."""
    with tarfile.open(src) as tar_in, tarfile.open(dst, "w:gz") as tar_out:
        for member in tar_in:
            f = tar_in.extractfile(member)
            data = change(member.name, f.read() if f else b"")
            member.size = len(data)
            tar_out.addfile(member, io.BytesIO(data))


@pytest.fixture
def archive(world: World, tmp_path: Path) -> Path:
    _evidence(world)
    path = tmp_path / "a.tar.gz"
    do_backup(path)
    return path


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_of_the_other_engine(archive: Path, tmp_path: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def swap_engine(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["engine"] = other
        return json.dumps(manifest).encode()

    _rewrite(archive, tmp_path / "other.tar.gz", swap_engine)
    with pytest.raises(BackupError, match=r"Архив снят с базы .*восстановить его сюда нельзя"):
        do_restore(tmp_path / "other.tar.gz", force=True)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_archive_and_changes_nothing(
    archive: Path, tmp_path: Path, settings: Any
) -> None:
    before = School.objects.count()

    def flip_a_byte(name: str, data: bytes) -> bytes:
        if not name.startswith("media/"):
            return data
        return data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]

    _rewrite(archive, tmp_path / "flipped.tar.gz", flip_a_byte)
    with pytest.raises(BackupError, match=r"Архив повреждён.*контрольная сумма"):
        do_restore(tmp_path / "flipped.tar.gz", force=True)

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError, match="Архив повреждён"):
        do_restore(cut, force=True)

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive at all")
    with pytest.raises(CommandError, match="Архив повреждён"):
        call_command("restore", str(junk), "--force")
    assert School.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_to_overwrite_a_database_with_data(archive: Path) -> None:
    with pytest.raises(CommandError, match=r"В базе уже есть данные.*--force"):
        call_command("restore", str(archive))
