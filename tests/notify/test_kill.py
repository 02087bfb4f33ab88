"""A sender killed mid-run and restarted sends nothing twice.

``marshrut notify send`` runs in a subprocess against a local SMTP server that takes the second
letter in full and never confirms it; the test kills the sender with SIGKILL right then, and runs
it again once the lease of the dead run is over. Every letter reaches the server exactly once:
the first was confirmed and marked sent; the second, unconfirmed, is failed as «доставка не
подтверждена» instead of being sent again (the honest window, see marshrut/notify/sender.py);
the rest, claimed by the dead run but never started, are taken over and sent.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Delivery, Kind
from marshrut.notify.sender import UNCONFIRMED
from marshrut.orgs.models import Person, Region
from tests.notify.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3


def _env(tmp_path: Path, smtp: SMTPServer) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "NOTIFY_LEASE_SECONDS": str(LEASE),
        "SITE_URL": "https://m.example",
        "DJANGO_SETTINGS_MODULE": "marshrut.settings",
    }
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["MARSHRUT_VAR_DIR"] = str(tmp_path)
    else:
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    return env


def _to_file(tmp_path: Path) -> None:
    """SQLite: the test database lives in memory; the sender process needs it in a file."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(tmp_path / "marshrut.sqlite3")
        connection.connection.backup(target)
        target.close()


def _from_file(tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(tmp_path / "marshrut.sqlite3")
        source.backup(connection.connection)
        source.close()


def _send(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "marshrut", "notify", "send", "--channel", "email"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_run_sends_nothing_twice(tmp_path: Path, smtp: SMTPServer) -> None:
    region = Region.objects.create(name="Область", code="99", time_zone="Europe/Moscow")
    people = [
        Person.objects.create(
            region=region, last_name=f"Человек{i}", first_name="Тест", email=f"p{i}@test.local"
        )
        for i in range(5)
    ]
    notify(
        Draft(p, Kind.ITEMS_DUE, f"Напоминание {i}", "Текст", "/plans/", region, "items")
        for i, p in enumerate(people)
    )
    assert Delivery.objects.count() == 5
    _to_file(tmp_path)
    env = _env(tmp_path, smtp)

    smtp.hold_at = 2
    first = _send(env)
    try:
        assert smtp.held.wait(240), first.communicate(timeout=5)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)
    _from_file(tmp_path)
    statuses: Counter[Any] = Counter(Delivery.objects.values_list("status", flat=True))
    assert statuses == {"sent": 1, "sending": 1, "pending": 3}

    smtp.hold_at = None
    time.sleep(LEASE + 0.5)  # the dead run's lease is over
    second = _send(env)
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, err
    assert "электронная почта: отправлено 3 уведомления" in out, out
    _from_file(tmp_path)

    received = Counter(addr for _sender, rcpts in smtp.envelopes for addr in rcpts)
    assert received == {f"p{i}@test.local": 1 for i in range(5)}  # each exactly once
    rows = list(Delivery.objects.order_by("status").values_list("status", "last_error"))
    assert Counter(s for s, _e in rows) == {"sent": 4, "failed": 1}
    assert ("failed", UNCONFIRMED) in rows
