"""The demo as a newcomer starts it, for tests that drive it from outside as separate processes.

``marshrut demo`` builds a fresh SQLite under ``MARSHRUT_VAR_DIR`` with no other environment
(no DEBUG, no SECRET_KEY, no DATABASE_URL — what `scripts/demo.sh` execs after installing).
:func:`run` runs a ``marshrut`` command against such a directory; :func:`results_file` is meant to
run inside one (``marshrut shell -c``) and writes a results file from the project's own template.
"""

from __future__ import annotations

import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def env(var: Path, **extra: str) -> dict[str, str]:
    """The environment of a newcomer's shell, pointed at ``var``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        and not k.startswith("PYTEST")
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return {**clean, "MARSHRUT_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", **extra}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "marshrut", *args]


def run(var: Path, *args: str, **extra: str) -> str:
    """Run ``marshrut ARGS`` against the demo in ``var``; its standard output."""
    result = subprocess.run(
        command(*args), env=env(var, **extra), cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def shell(var: Path, code: str) -> str:
    """Run Python ``code`` inside the demo's Django; the last line it printed."""
    return run(var, "shell", "-v", "0", "-c", code).strip().splitlines()[-1]


def build(var: Path) -> float:
    """Build the demo data (no server) in ``var``; seconds it took."""
    clock = time.monotonic()
    run(var, "demo", "--no-server")
    return time.monotonic() - clock


def query(var: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the demo's SQLite directly, as another process would (WAL lets it read)."""
    with sqlite3.connect(var / "marshrut.sqlite3", timeout=10) as db:
        return db.execute(sql, params).fetchall()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Any, timeout: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"не дождались за {timeout:.0f} с: {what}")


def results_file(year: int, path: str, schools: int | None = None) -> str:
    """Fill the project's own template of the demo campaign of ``year`` as schools would.

    Runs inside the demo's Django (``marshrut shell -c``). Returns the campaign's number.
    """
    import io

    import openpyxl

    from marshrut.diagnostics.importing import template_xlsx
    from marshrut.diagnostics.models import Campaign, Submission
    from marshrut.diagnostics.synthetic import answers_for

    campaign = Campaign.objects.get(year=year)
    catalogue = campaign.criteria.catalogue
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(campaign)))
    ws = book["Результаты"]
    codes = [c.value for c in ws[1]]
    subs = {
        s.school.inn: s
        for s in Submission.objects.filter(campaign=campaign).select_related("school")
    }
    rows = list(ws.iter_rows(min_row=3))
    for number, row in enumerate(rows):
        if schools is not None and number >= schools:
            for c in row:
                c.value = None
            continue
        sub = subs[row[0].value]
        values = answers_for(catalogue, sub.profile, 0.8, random.Random(number), sub.school.inn)
        for position, code in enumerate(codes):
            if code in values:
                row[position].value = _cell(values[code])
    book.save(path)
    return str(campaign.pk)


def _cell(value: object) -> object:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, tuple | list):
        return ", ".join(value) or "нет"
    return value
