"""Figures computed once per change of what they are computed from.

A key names everything its value depends on — for a dashboard, the campaign's results generation
(:func:`marshrut.diagnostics.models.results_changed`), the filters, the language and the code that
renders it — so a change makes a new key instead of invalidating an old one, and a value is never
served stale. Old keys simply age out of the cache (``CACHES`` in settings: a file cache shared by
the web processes of one machine by default, Redis when ``REDIS_URL`` is set).

Beside the campaigns' own counters, every group of tables in :data:`GROUPS` has a generation (the
``lib_generation`` table). A wrapper around every statement executed on the default database
changes it whenever an ``INSERT``, ``UPDATE`` or ``DELETE`` touches one of the group's tables — in
the same transaction, whichever module wrote (actions, importers, the API, the admin, a bulk
``update()``) — so a page keyed by :func:`generations` is never stale either. Inside a transaction
the change is written just before ``COMMIT`` (or when the same transaction asks for the
generations), so a long import does not hold the group's row locked — and every other writer of
the group waiting — for the whole of its transaction
(marshrut/web/pages.py, marshrut/orgs/context.py). ``COPY`` bypasses the wrapper: the results
import, the only user of it, changes the campaign's results generation itself.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import get_language

T = TypeVar("T")

# A day: a figure nobody asked for since is cheaper to compute again than to keep.
TIMEOUT = 24 * 3600


def code_digest(paths: Iterable[Path]) -> str:
    """A digest of source files, for keys whose values a new release renders differently."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(namespace: str, *parts: Any) -> str:
    """A cache key for ``parts`` (any values with a stable ``repr``) in the current language."""
    text = repr((get_language(), parts))
    return f"{namespace}:{hashlib.sha256(text.encode()).hexdigest()}"


def cached(namespace: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The cached value for ``parts``, computing and storing it the first time it is asked for."""
    name = key(namespace, *parts)
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, TIMEOUT)
    return value


# --- generations: a counter per group of tables, changed by every write to the group -------------

# The tables whose rows the cached pages show, by the generation a write to them changes. A name
# matches every table it begins with: ``orgs_membership`` is also ``orgs_membership_schools``,
# ``diagnostics_result`` also the result partitions of each campaign.
GROUPS: dict[str, tuple[str, ...]] = {
    # Who holds which role where: the frame of every page (menu, region switcher) and the scope
    # of every cached body.
    "people": ("orgs_person", "orgs_membership", "orgs_federaldistrict"),
    # Regions, municipalities, schools: the school list, names and groupings on every page.
    "registry": ("orgs_region", "orgs_municipality", "orgs_school", "orgs_federaldistrict"),
    # Plans with everything hung on them, and the events that serve their items.
    "plans": ("plans_", "events_"),
    # Accounts: the names of who reviewed a plan (every login writes here too: keep it off the
    # keys of frequently shown pages that do not name people).
    "accounts": ("accounts_user",),
    # A campaign's progress: submissions, their flags and levels.
    "diagnostics": (
        "diagnostics_campaign",
        "diagnostics_criteriaversion",
        "diagnostics_submission",
        "diagnostics_flag",
        "diagnostics_result",
    ),
    # Development programmes, interviews and management decisions: the home page's work queue.
    "programmes": ("programmes_",),
    # ШНОР: cohort, stages, documents, visits — the work queue of schools, curators, reviewers.
    "support": ("support_",),
    # Uploaded files waiting to be applied: the operator's work queue.
    "imports": ("lib_importbatch",),
    # The practices library: practices to moderate and to rework in the work queue.
    "practices": ("practices_",),
}
# Written often and shown on none of the cached pages.
UNWATCHED = ("plans_planimport", "plans_calendartoken")

_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?',
    re.IGNORECASE,
)
_MEMO = "_marshrut_generations"
_READY = "_marshrut_generations_ready"
_PENDING = "_marshrut_generations_pending"


@functools.lru_cache(maxsize=512)
def groups_of(table: str) -> tuple[str, ...]:
    """The generations a write to ``table`` changes."""
    if table.startswith(UNWATCHED):
        return ()
    return tuple(name for name, prefixes in GROUPS.items() if table.startswith(prefixes))


def _written(sql: Any) -> tuple[str, ...]:
    if not isinstance(sql, str) or sql.lstrip()[:1] not in "IiUuDdRr":
        return ()
    found = _WRITE.match(sql)
    return groups_of(found.group(1).lower()) if found else ()


def _ready(connection: Any) -> bool:
    ready = getattr(connection, _READY, None)
    if ready is None:
        ready = "lib_generation" in connection.introspection.table_names()
        setattr(connection, _READY, ready)
    return bool(ready)


def bump(connection: Any, names: Iterable[str]) -> None:
    """Give the groups new generations, in the connection's current transaction.

    A new value is random, not the old one plus one: a rolled-back write's generation (and any
    page cached under it meanwhile) must never come back as a later write's.
    """
    names = sorted(set(names))
    if not names or not _ready(connection):
        return
    rows = ", ".join(["(%s, %s)"] * len(names))
    params: list[Any] = []
    for name in names:
        params += [name, secrets.randbits(62)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO lib_generation (name, value) VALUES {rows} "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params,
        )
    setattr(connection, _MEMO, None)


def _watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    result = execute(sql, params, many, context)
    names = _written(sql)
    if names:
        connection = context["connection"]
        if connection.in_atomic_block or not connection.get_autocommit():
            # Written just before COMMIT: the row lock lasts the commit, not the transaction.
            pending = getattr(connection, _PENDING, None)
            if pending is None:
                pending = set()
                setattr(connection, _PENDING, pending)
            pending.update(names)
            setattr(connection, _MEMO, None)
        else:
            bump(connection, names)
    return result


def _flush(connection: Any) -> None:
    """Write the generations the open transaction has changed so far."""
    pending = getattr(connection, _PENDING, None)
    if pending:
        setattr(connection, _PENDING, None)
        bump(connection, pending)


def settle() -> None:
    """Write now what the open transaction changed, as its ``COMMIT`` would.

    Tests run inside one transaction that never commits: before counting a page's queries they
    settle what the setup wrote, as it would be settled by the time a real request comes.
    """
    _flush(connections[DEFAULT_DB_ALIAS])


def _install_on(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.alias != DEFAULT_DB_ALIAS or _watch in connection.execute_wrappers:
        return
    connection.execute_wrappers.insert(0, _watch)
    commit, rollback = connection._commit, connection._rollback

    def _commit() -> None:
        _flush(connection)
        commit()

    def _rollback() -> None:
        setattr(connection, _PENDING, None)
        rollback()

    connection._commit, connection._rollback = _commit, _rollback


# Generations are remembered for the length of one request only: a long-running process (a
# worker, a shell) reads them afresh each time, whoever else wrote meanwhile.
_requests = threading.local()


def _forget(**kwargs: Any) -> None:
    """A new request reads the generations afresh; after migrations, every page is new."""
    _requests.serving = kwargs.get("signal") is request_started
    for connection in connections.all(initialized_only=True):
        setattr(connection, _MEMO, None)
    if kwargs.get("signal") is post_migrate:
        for connection in connections.all(initialized_only=True):
            setattr(connection, _READY, None)
            if _ready(connection):
                bump(connection, GROUPS)


def install() -> None:
    """Watch every write to the default database (``WebConfig.ready``)."""
    connection_created.connect(_install_on, dispatch_uid="marshrut-generations")
    request_started.connect(_forget, dispatch_uid="marshrut-generations-request")
    request_finished.connect(_forget, dispatch_uid="marshrut-generations-request-end")
    post_migrate.connect(_forget, dispatch_uid="marshrut-generations-migrate")
    for connection in connections.all(initialized_only=True):
        _install_on(None, connection)


class _Read:
    """A marker in the transaction's on-commit list: generations read inside this transaction.

    Django drops the callbacks of a savepoint or transaction that rolls back, so a memo whose
    marker is gone was read inside a write that never happened, and is read again.
    """

    def __call__(self) -> None:
        pass


def _memo(connection: Any) -> dict[str, int] | None:
    found = getattr(connection, _MEMO, None)
    if found is None:
        return None
    marker, values = found
    if marker is not None and not any(f is marker for _s, f, _r in connection.run_on_commit):
        return None
    return values  # type: ignore[no-any-return]


def generations(*names: str) -> tuple[int, ...]:
    """The current generations of the groups (one query per request and write)."""
    connection = connections[DEFAULT_DB_ALIAS]
    # A transaction that wrote and now reads (a page cached inside it) keys by its own change:
    # rolled back, that key is never seen again.
    _flush(connection)
    memo = _memo(connection)
    if memo is None:
        memo = {}
        if _ready(connection):
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, value FROM lib_generation")
                memo = dict(cursor.fetchall())
        if getattr(_requests, "serving", False):
            marker = None
            if connection.in_atomic_block:
                marker = _Read()
                connection.on_commit(marker)
            setattr(connection, _MEMO, (marker, memo))
    return tuple(memo.get(name, 0) for name in names)
