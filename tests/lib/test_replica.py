"""Against a real streaming replica: pages read from it, and from the primary when it lags or stops.

The fixture makes the replica the way an administrator would: ``pg_basebackup -R -X stream`` from
the PostgreSQL server the tests run on (``DATABASE_URL``) into a temporary directory, then starts
it on loopback on a free port with the server binaries of the same major version. It needs the
primary to accept replication connections (``wal_level`` replica, ``max_wal_senders`` > 0 and a
``host replication …`` line in ``pg_hba.conf``); when it does not, or the binaries are missing,
or the tests run on SQLite, the test is skipped with the reason. ``scripts/replica-test.sh`` runs it
against a throw-away primary of its own when the usual server refuses replication.

PostgreSQL will not run as root: under root the server commands run as the ``postgres`` user.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marshrut.diagnostics.models import Campaign, Result, Status, Submission
from marshrut.lib import replica
from marshrut.lib.replica import PIN_COOKIE
from tests.conftest import World
from tests.diagnostics.factories import criteria

SERVER_USER = "postgres"
logger = logging.getLogger(__name__)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _show(name: str) -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return str(cursor.fetchone()[0])


@dataclass
class Standby:
    port: int
    data: Path
    bindir: Path
    seconds_to_start: float

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        return subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        self.ctl("-m", "fast", "-w", "stop")


def _bindir(major: int) -> Path | None:
    candidates = [os.environ.get("PG_BINDIR", ""), f"/usr/lib/postgresql/{major}/bin"]
    for place in filter(None, candidates):
        tools = [Path(place) / name for name in ("postgres", "pg_ctl", "pg_basebackup")]
        if all(os.access(tool, os.X_OK) for tool in tools):
            return Path(place)
    return None


def _start_standby(base: Path) -> Standby:
    s = connections[DEFAULT_DB_ALIAS].settings_dict
    host, port, user = s["HOST"] or "127.0.0.1", str(s["PORT"] or 5432), s["USER"] or "postgres"
    where = f"{host}:{port}"
    if _show("wal_level") == "minimal" or int(_show("max_wal_senders")) == 0:
        pytest.skip(f"the primary {where} cannot stream: wal_level minimal or max_wal_senders 0")
    major = int(_show("server_version_num")) // 10000
    bindir = _bindir(major)
    if bindir is None:
        pytest.skip(
            f"PostgreSQL {major} server binaries (postgres, pg_ctl, pg_basebackup) not found in "
            f"/usr/lib/postgresql/{major}/bin or $PG_BINDIR"
        )
    if os.geteuid() == 0:
        try:
            shutil.chown(base, SERVER_USER)
        except LookupError:
            pytest.skip(f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL")
    data = base / "data"
    env = {**os.environ, "PGPASSWORD": str(s["PASSWORD"] or ""), "PGCONNECT_TIMEOUT": "10"}
    started = time.monotonic()
    basebackup = [str(bindir / "pg_basebackup"), "-h", host, "-p", port, "-U", user]
    basebackup += ["-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync", "-w"]
    copy = subprocess.run(
        _as_server_user(basebackup),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if copy.returncode != 0:
        if "no pg_hba.conf entry for replication connection" in copy.stderr:
            pytest.skip(
                f"the primary {where} refuses replication connections: its pg_hba.conf has no "
                f"'host replication {user} 127.0.0.1/32 …' line; add one, or run "
                "scripts/replica-test.sh (its own primary)"
            )
        pytest.fail(f"pg_basebackup from {where} failed: {copy.stderr.strip()}")
    # The primary's own limits bind its standby (max_connections and the like must not be lower);
    # its postgresql.conf may live outside the data directory (Debian), so the copy gets its own.
    same = ["max_connections", "max_worker_processes", "max_wal_senders"]
    same += ["max_prepared_transactions", "max_locks_per_transaction"]
    port_r = _free_port()
    lines = [f"{name} = {_show(name)}" for name in same]
    lines += [
        f"port = {port_r}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{base}'",
        f"hba_file = '{data / 'pg_hba.conf'}'",
        f"ident_file = '{data / 'pg_ident.conf'}'",
        "hot_standby = on",
        "ssl = off",
        "fsync = off",
        "logging_collector = off",
    ]
    with (data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
        conf.write("\n".join(lines) + "\n")
    (data / "postgresql.conf").touch()
    (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n", encoding="utf-8")
    (data / "pg_ident.conf").write_text("", encoding="utf-8")
    if os.geteuid() == 0:
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(data / name, SERVER_USER)
    standby = Standby(port_r, data, bindir, 0.0)
    run = standby.ctl("-l", str(base / "standby.log"), "-w", "-t", "120", "start")
    if run.returncode != 0:
        log = (base / "standby.log").read_text(encoding="utf-8", errors="replace")
        pytest.fail(f"the standby did not start: {run.stderr.strip()}\n{log[-2000:]}")
    standby.seconds_to_start = time.monotonic() - started
    logger.info("standby on port %s ready in %.1f s", port_r, standby.seconds_to_start)
    return standby


@pytest.fixture(scope="session")
def standby(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Standby]:
    """A streaming replica of the test server, one per test process, stopped at the end."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL; these tests run on SQLite")
    base = Path(tempfile.mkdtemp(prefix="marshrut-standby-"))
    try:
        with django_db_blocker.unblock():
            made = _start_standby(base)
        yield made
        made.ctl("-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def replica_alias(standby: Standby) -> Iterator[Standby]:
    """The ``replica`` database alias, as DATABASE_REPLICA_URL would make it, for this module.

    Module-scoped so that it exists before the test's database access is set up (which lists
    the aliases a test may use) and is gone before the next module's tests.
    """
    conf = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    conf.update(
        HOST="127.0.0.1",
        PORT=str(standby.port),
        OPTIONS={**conf["OPTIONS"], "connect_timeout": 2},
        TEST={**conf["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    )
    connections.settings[replica.ALIAS] = conf
    replica.forget()
    try:
        yield standby
    finally:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]
        replica.forget()


def _one(alias: str, sql: str) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _wait_replayed(timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    target = _one(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[replica.ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", [target]
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail(f"the replica did not replay up to {target} in {timeout} s")


class Reads:
    """The statements each database ran during a block, for telling who served a page."""

    def __enter__(self) -> Reads:
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[replica.ALIAS])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def of(self, table: str) -> tuple[int, int]:
        """How many statements touched ``table`` on (primary, replica)."""

        def count(ctx: CaptureQueriesContext) -> int:
            return sum(f'"{table}"' in q["sql"] for q in ctx.captured_queries)

        return count(self.primary), count(self.replica)


def _campaign(world: World) -> Campaign:
    campaign = Campaign.objects.create(
        region=world.region,
        criteria=criteria(2024),
        title="Кампания на реплике",
        year=2024,
        opens_on=dt.date(2024, 11, 1),
        closes_on=dt.date(2024, 11, 15),
    )
    for school, level, points in [(world.s1, "basic", 50), (world.s2, "high", 95)]:
        sub = Submission.objects.create(campaign=campaign, school=school, status=Status.VERIFIED)
        Result.objects.create(
            submission=sub,
            campaign=campaign,
            school=school,
            scope="overall",
            level=level,
            points=points,
            max_points=100,
        )
    return campaign


RESULTS = Result._meta.db_table


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, replica.ALIAS])
def test_pages_read_from_the_replica_and_fall_back_when_it_lags_or_stops(
    world: World, replica_alias: Standby, settings: Any, caplog: Any
) -> None:
    # One verdict per phase of the test: each phase asks afresh with replica.forget().
    settings.REPLICA_CHECK_SECONDS = 3600
    campaign = _campaign(world)
    client = world.client("operator")
    dashboard = reverse("analytics:dashboard")
    report = reverse("analytics:report_region", kwargs={"pk": campaign.pk})
    export = reverse("analytics:report_region_export", kwargs={"pk": campaign.pk, "fmt": "docx"})

    # What the primary wrote streams to the standby, which is a standby indeed.
    _wait_replayed()
    assert _one(replica.ALIAS, "SELECT pg_is_in_recovery()") is True
    assert _one(replica.ALIAS, "SELECT count(*) FROM " + RESULTS) == 2

    # The dashboard, the report and its export read the results on the replica only.
    with Reads() as reads:
        page = client.get(dashboard, {"campaign": campaign.pk})
        draft = client.get(report)
        docx = client.get(export)
    assert (page.status_code, draft.status_code, docx.status_code) == (200, 200, 200)
    primary_reads, replica_reads = reads.of(RESULTS)
    assert primary_reads == 0
    assert replica_reads > 0
    assert "Кампания на реплике" in page.content.decode()
    assert replica.health().lag_seconds == 0.0

    # After a form saved something, the page it redirects to reads from the primary: the browser
    # is pinned there for REPLICA_MAX_LAG_SECONDS by a cookie.
    saved = client.post(report, {"action": "reset"})
    assert saved.status_code == 302
    assert PIN_COOKIE in saved.cookies
    with Reads() as reads:
        assert client.get(report).status_code == 200
    assert reads.of(RESULTS) > (0, 0) and reads.of(RESULTS)[1] == 0
    del client.cookies[PIN_COOKIE]
    with Reads() as reads:
        assert client.get(report).status_code == 200
    assert reads.of(RESULTS)[0] == 0

    # A page that is not marked reads nothing there.
    with Reads() as reads:
        assert client.get(reverse("diagnostics:campaign_list")).status_code == 200
    assert not reads.replica.captured_queries

    # Replay paused, the primary moves on: past the allowed lag, pages read from the primary.
    settings.REPLICA_MAX_LAG_SECONDS = 1
    _one(replica.ALIAS, "SELECT pg_wal_replay_pause()::text")
    Campaign.objects.filter(pk=campaign.pk).update(title="Кампания после паузы")
    time.sleep(1.5)
    replica.forget()
    cache.clear()  # the dashboard's figures are cached by results generation: read them anew
    with Reads() as reads:
        page = client.get(dashboard, {"campaign": campaign.pk})
    assert page.status_code == 200
    assert "Кампания после паузы" in page.content.decode()
    primary_reads, replica_reads = reads.of(RESULTS)
    assert primary_reads > 0
    assert replica_reads == 0
    lagging = replica.health()
    assert not lagging.usable
    assert lagging.lag_seconds is not None and lagging.lag_seconds > 1

    # Replay resumed and caught up: the replica serves again, with the new title.
    _one(replica.ALIAS, "SELECT pg_wal_replay_resume()::text")
    _wait_replayed()
    replica.forget()
    cache.clear()
    with Reads() as reads:
        page = client.get(dashboard, {"campaign": campaign.pk})
    assert "Кампания после паузы" in page.content.decode()
    assert reads.of(RESULTS)[1] > 0

    # The standby stopped: the pages still answer, from the primary, and the log says so once
    # although every read now probes it again.
    replica_alias.stop()
    settings.REPLICA_CHECK_SECONDS = 0
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="marshrut.lib.replica"), Reads() as reads:
        page = client.get(dashboard, {"campaign": campaign.pk})
        draft = client.get(report)
    assert (page.status_code, draft.status_code) == (200, 200)
    assert reads.of(RESULTS)[0] > 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "marshrut.lib.replica"]
    assert len(warnings) == 1
    assert "reading from primary" in warnings[0]
    assert not replica.usable()

    # A copy that is no standby (promoted, or the primary named by mistake) is not used either.
    connections[replica.ALIAS].close()
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections[replica.ALIAS].settings_dict.update(HOST=primary["HOST"], PORT=primary["PORT"])
    replica.forget()
    verdict = replica.health()
    assert not verdict.usable
    assert "not a standby" in verdict.reason
