"""A clone with no ``../shared`` beside it builds the whole demo, its regional roadmap included.

The demo is built by a separate process from a copy of the package in a temporary directory, so
nothing beside the checkout (the seeds of ``../shared``) can be reached, on a fresh SQLite database
of its own; the database is then read as it is.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import docx
from django.conf import settings

# Paths of the product code that must not reach outside the checkout: written out, or joined
# (``BASE_DIR.parent / "shared" / "seeds"``).
OUTSIDE = re.compile(r"\.\./shared|shared/seeds|/\s*[\"']shared[\"']")


def _clone(root: Path) -> Path:
    clone = root / "checkout"
    shutil.copytree(
        Path(settings.BASE_DIR) / "marshrut",
        clone / "marshrut",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(Path(settings.BASE_DIR) / "manage.py", clone / "manage.py")
    return clone


def _run(clone: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_clone_without_shared_builds_the_whole_demo_with_its_roadmap(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    assert not (clone.parent / "shared").exists()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PYTHONPATH", "MEDIA_ROOT", "STATIC_ROOT", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="marshrut.settings",
        DEBUG="1",
        MARSHRUT_VAR_DIR=str(tmp_path / "var"),
    )
    # The copy is what runs, not the checkout the tests were started from.
    imported = subprocess.run(
        [sys.executable, "-c", "import marshrut; print(marshrut.__file__)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(imported).parent == clone / "marshrut"

    _run(clone, env, "demo", "--no-server")

    db = sqlite3.connect(tmp_path / "var" / "marshrut.sqlite3")
    (plan_id, source) = db.execute(
        "SELECT id, source_filename FROM plans_plan WHERE level = 'region' AND year = 2024"
    ).fetchone()
    assert source.endswith(".docx")
    sections = [
        title
        for (title,) in db.execute(
            "SELECT title FROM plans_plansection WHERE plan_id = ? ORDER BY position", [plan_id]
        )
    ]
    assert sections[0] == "Нормативно-правовое обеспечение" and len(sections) == 5
    items = {
        number: [json.loads(value) for value in values]
        for number, *values in db.execute(
            "SELECT number, deadlines, responsible, targets FROM plans_planitem WHERE plan_id = ?",
            [plan_id],
        )
    }
    assert len(items) >= 30
    deadlines, responsible, targets = items["2.3"]
    assert [d["kind"] for d in deadlines] == ["windows"]  # «февраль, октябрь»
    assert [r["organisation"] for r in responsible] == ["ИРО ДО", "МОУО", "ОО"]
    assert [(t["metric"], t["value"]) for t in targets] == [("Охват участников", 40)]
    deadlines, responsible, targets = items["1.1"]
    assert deadlines[0]["windows"] == [[None, "2024-01-17"]]  # «до 17.01.2024»
    assert [r["organisation"] for r in responsible] == ["ДОиН ДО", "ИРО ДО"]
    # Its items were handed down to municipalities and reported on.
    assert db.execute(
        "SELECT count(*) FROM plans_planitem WHERE parent_id IN "
        "(SELECT id FROM plans_planitem WHERE plan_id = ?)",
        [plan_id],
    ).fetchone()[0]
    assert db.execute("SELECT count(*) FROM plans_progressreport").fetchone()[0]
    # The coordinator's events of autumn 2022, with participants by category.
    assert (
        db.execute(
            "SELECT count(*) FROM events_event WHERE starts_on BETWEEN '2022-09-01' AND '2022-12-31'"
        ).fetchone()[0]
        == 12
    )
    assert db.execute("SELECT count(*) FROM events_participantcount").fetchone()[0]

    # The period report of the demo starts its «Задачи» from the regional roadmap.
    report = tmp_path / "period.docx"
    _run(
        clone,
        env,
        "report",
        "period",
        "--from",
        "01.09.2024",
        "--to",
        "31.12.2024",
        "-o",
        str(report),
    )
    tasks = next(
        t
        for t in docx.Document(io.BytesIO(report.read_bytes())).tables
        if t.rows[0].cells[0].text.startswith("Задачи")
    )
    lines = [row.cells[0].text for row in tasks.rows[1:]]
    assert len(lines) >= 5 and "—" not in lines
    assert any("Региональный мониторинг выполнения «дорожной карты» проекта" in t for t in lines)


def test_product_code_reads_nothing_beside_the_checkout() -> None:
    base = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(base)}:{n}"
        for folder in ("marshrut", "scripts")
        for path in (base / folder).rglob("*")
        if path.is_file() and path.suffix in {".py", ".sh", ".html", ".txt", ".toml", ""}
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []
