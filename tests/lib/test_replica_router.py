"""Which database the replica router picks, and how often it asks the replica (no replica needed).

The real streaming replica is in ``test_replica.py``; here the replica's answer is given.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpResponse
from django.test import RequestFactory

from marshrut.analytics.models import ReportDraft, SheetsJob
from marshrut.diagnostics.models import Result
from marshrut.lib import replica
from marshrut.lib.replica import (
    ALIAS,
    PIN_COOKIE,
    Health,
    PinAfterWriteMiddleware,
    ReplicaRouter,
    reads_from_replica,
)

router = ReplicaRouter()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replica_up(monkeypatch: Any) -> None:
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "usable", lambda: True)


def test_without_a_replica_every_read_goes_to_the_primary() -> None:
    with reads_from_replica():
        assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_reads_outside_a_marked_block_go_to_the_primary(replica_up: None) -> None:
    assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_marked_reads_go_to_the_replica_and_writes_to_the_primary(replica_up: None) -> None:
    with reads_from_replica():
        assert router.db_for_read(Result) == ALIAS
        assert router.db_for_read(ReportDraft) == ALIAS
    assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_a_marked_function_reads_from_the_replica(replica_up: None) -> None:
    @reads_from_replica
    def page(x: int) -> tuple[int, str]:
        return x, router.db_for_read(Result)

    assert page(7) == (7, ALIAS)
    assert page.__name__ == "page"
    assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_after_a_write_the_block_reads_from_the_primary(replica_up: None) -> None:
    with reads_from_replica():
        assert router.db_for_write(ReportDraft) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Result) == DEFAULT_DB_ALIAS
    with reads_from_replica():  # a new block starts clean
        assert router.db_for_read(Result) == ALIAS


def test_a_marked_block_inside_another_remembers_the_outer_write(replica_up: None) -> None:
    with reads_from_replica():
        router.db_for_write(ReportDraft)
        with reads_from_replica():
            assert router.db_for_read(Result) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_job_progress_writes_do_not_move_the_block_to_the_primary(replica_up: None) -> None:
    with reads_from_replica():
        router.db_for_write(SheetsJob)
        assert router.db_for_read(Result) == ALIAS


def test_jobs_and_sessions_are_read_from_the_primary(replica_up: None) -> None:
    # A worker must see the job a page queued a moment ago; a session is read to act on it.
    with reads_from_replica():
        assert router.db_for_read(SheetsJob) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS


def test_an_unusable_replica_sends_marked_reads_to_the_primary(monkeypatch: Any) -> None:
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "usable", lambda: False)
    with reads_from_replica():
        assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_reads_inside_a_transaction_stay_on_the_primary(db: Any, replica_up: None) -> None:
    # The test runs inside atomic(), as a view's transaction would: its rows are not committed.
    with reads_from_replica():
        assert router.db_for_read(Result) == DEFAULT_DB_ALIAS


def test_relations_between_primary_and_replica_rows_are_allowed() -> None:
    a, b = Result(), ReportDraft()
    a._state.db, b._state.db = ALIAS, DEFAULT_DB_ALIAS
    assert router.allow_relation(a, b) is True
    b._state.db = "other"
    assert router.allow_relation(a, b) is None


def test_nothing_is_migrated_on_the_replica() -> None:
    assert router.allow_migrate(ALIAS, "diagnostics") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "diagnostics") is None


def test_the_verdict_is_kept_and_a_change_is_logged_once(
    monkeypatch: Any, settings: Any, caplog: Any
) -> None:
    answers = iter([False, False, True])
    asked: list[bool] = []

    def probe() -> Health:
        asked.append(next(answers))
        return Health(asked[-1], "stopped" if not asked[-1] else "lag 0 s", None, time.monotonic())

    monkeypatch.setattr(replica, "probe", probe)
    replica.forget()
    settings.REPLICA_CHECK_SECONDS = 3600
    with caplog.at_level(logging.INFO, logger="marshrut.lib.replica"):
        assert [replica.usable() for _ in range(3)] == [False, False, False]
        assert len(asked) == 1
        settings.REPLICA_CHECK_SECONDS = -1  # every call asks again
        assert [replica.usable(), replica.usable()] == [False, True]
    replica.forget()
    assert [r.getMessage() for r in caplog.records] == [
        "replica database not used, reading from primary: stopped",
        "replica database in use again (lag 0 s)",
    ]


def test_lsn_positions_compare_as_numbers() -> None:
    assert replica._lsn("0/16B3748") < replica._lsn("0/A16B3748") < replica._lsn("1/0")


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import json; from marshrut import settings as s; "
        "print(json.dumps({k: v for k, v in s.DATABASES.get('replica', {}).items() "
        "if k in ('HOST', 'PORT', 'NAME', 'OPTIONS', 'TEST')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "SECRET_KEY": "k" * 50, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_replica_url_makes_a_test_mirror_with_a_short_connect_timeout() -> None:
    run = _settings_with(
        {
            "DATABASE_URL": "postgres://app@primary.example:5432/marshrut",
            "DATABASE_REPLICA_URL": "postgres://app@replica.example:5433/marshrut",
        }
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "NAME": "marshrut",
        "HOST": "replica.example",
        "PORT": 5433,
        "OPTIONS": {"connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
    assert _settings_with({}).stdout.strip() == "{}"


def test_a_replica_without_postgresql_is_refused_in_russian() -> None:
    run = _settings_with({"DATABASE_REPLICA_URL": "postgres://app@replica.example/marshrut"})
    assert run.returncode != 0
    assert "реплика для чтения бывает только у PostgreSQL" in run.stderr


def _through_middleware(cookies: dict[str, str], view: Any) -> Any:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return PinAfterWriteMiddleware(view)(request)


def test_a_request_that_wrote_pins_the_browser_to_the_primary(
    replica_up: None, settings: Any
) -> None:
    settings.REPLICA_MAX_LAG_SECONDS = 7

    def saves(request: Any) -> HttpResponse:
        router.db_for_write(ReportDraft)
        return HttpResponse()

    cookie = _through_middleware({}, saves).cookies[PIN_COOKIE]
    assert (cookie["max-age"], bool(cookie["httponly"])) == (7, True)
    seen: list[str] = []

    @reads_from_replica
    def reads(request: Any) -> HttpResponse:
        seen.append(router.db_for_read(Result))
        return HttpResponse()

    assert PIN_COOKIE not in _through_middleware({PIN_COOKIE: "1"}, reads).cookies
    assert PIN_COOKIE not in _through_middleware({}, reads).cookies
    assert seen == [DEFAULT_DB_ALIAS, ALIAS]


def test_job_writes_do_not_pin_the_browser(replica_up: None) -> None:
    def queues(request: Any) -> HttpResponse:
        router.db_for_write(SheetsJob)
        return HttpResponse()

    assert PIN_COOKIE not in _through_middleware({}, queues).cookies


def test_without_a_replica_the_middleware_sets_no_cookie() -> None:
    def saves(request: Any) -> HttpResponse:
        router.db_for_write(ReportDraft)
        return HttpResponse()

    assert PIN_COOKIE not in _through_middleware({}, saves).cookies
