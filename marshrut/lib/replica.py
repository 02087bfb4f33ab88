"""Reads of analytics and reports from a PostgreSQL streaming replica, the primary as fallback.

With ``DATABASE_REPLICA_URL`` set, settings add the database alias ``replica`` and
:class:`ReplicaRouter` sends to it the reads made inside :func:`reads_from_replica` — the
dashboards, the reports and their exports, the background jobs that lay out documents. Everything
else reads from the primary (``default``), and every write goes there.

Inside a marked block a read stays on the primary when

* the block has written anything (read-your-writes: the replica may not have the row yet), or
  the same browser wrote less than REPLICA_MAX_LAG_SECONDS ago (:class:`PinAfterWriteMiddleware`
  keeps a short cookie, so the page a form redirects to shows what the form saved);
* the primary's connection is inside ``atomic()`` (a transaction reads its own uncommitted rows,
  and so does a test wrapped in one);
* the model is bookkeeping that another process has just written: sessions, lockouts, background
  job rows and the task queue (a worker must see the job the page queued a millisecond ago);
* the replica is not usable: it does not answer within ``REPLICA_CONNECT_TIMEOUT`` seconds, is not
  a standby at all (``pg_is_in_recovery()`` false — a promoted copy goes its own way), or lags
  more than ``REPLICA_MAX_LAG_SECONDS``.

The lag is the time since the last transaction the replica replayed, counted only while the
replica's replay position is behind the primary's current WAL position: an idle primary writes
nothing, and a replica that has replayed everything is zero seconds behind however old its last
transaction is. The verdict is kept ``REPLICA_CHECK_SECONDS`` per process, so a page does not
probe on every query, and a change of verdict is logged once (the reason, never the address
with its password).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

ALIAS = "replica"
# Rows written by another request or process a moment ago and read to act on them.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "django_tasks_db", "lib"})

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Scope:
    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("marshrut_replica_scope", default=None)


@dataclass
class _Request:
    pinned: bool
    wrote: bool = False


# The request being served (PinAfterWriteMiddleware): did it write, did the browser write just now.
_request: ContextVar[_Request | None] = ContextVar("marshrut_replica_request", default=None)


@contextmanager
def _reading() -> Iterator[None]:
    if _scope.get() is not None:  # a marked helper inside a marked view: one block, one memory
        yield
        return
    request = _request.get()
    token = _scope.set(_Scope(wrote=request is not None and request.pinned))
    try:
        yield
    finally:
        _scope.reset(token)


@overload
def reads_from_replica(func: F) -> F: ...
@overload
def reads_from_replica(func: None = None) -> AbstractContextManager[None]: ...
def reads_from_replica(func: F | None = None) -> F | AbstractContextManager[None]:
    """Mark a view, a task or a block whose reads may come from the replica.

    ``@reads_from_replica`` on a function, or ``with reads_from_replica():`` around a block.
    """
    if func is None:
        return _reading()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _reading():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def configured() -> bool:
    return ALIAS in connections.settings


def _primary_only(model: Any) -> bool:
    from marshrut.lib.jobs import Job

    return model._meta.app_label in PRIMARY_ONLY_APPS or issubclass(model, Job)


class ReplicaRouter:
    """Reads in a :func:`reads_from_replica` block go to ``replica`` while it is usable."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        scope = _scope.get()
        if (
            scope is None
            or scope.wrote
            or not configured()
            or _primary_only(model)
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return ALIAS if usable() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        scope, request = _scope.get(), _request.get()
        if (scope is not None or request is not None) and not _primary_only(model):
            if scope is not None:
                scope.wrote = True
            if request is not None:
                request.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: a campaign read there may be a draft's foreign key.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, ALIAS}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == ALIAS else None


PIN_COOKIE = "marshrut_primary"


class PinAfterWriteMiddleware:
    """After a request that wrote, the same browser reads from the primary for a while.

    Read-your-writes across the redirect that follows a form: the replica may not yet have what
    the POST saved. A short cookie lasting REPLICA_MAX_LAG_SECONDS marks the browser; a replica
    in use lags less than that, so once the cookie expires the row is there.
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if not configured():
            return self.get_response(request)
        state = _Request(pinned=PIN_COOKIE in request.COOKIES)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=max(1, settings.REPLICA_MAX_LAG_SECONDS),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


# --------------------------------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    usable: bool
    reason: str  # why not, or the measured lag
    lag_seconds: float | None
    checked_at: float  # time.monotonic()


_lock = threading.Lock()
_health: Health | None = None


def usable() -> bool:
    """Whether the replica may serve reads now; probed at most every REPLICA_CHECK_SECONDS."""
    return health().usable


def health() -> Health:
    global _health
    known = _health
    if known is not None and time.monotonic() - known.checked_at < settings.REPLICA_CHECK_SECONDS:
        return known
    with _lock:
        known = _health
        now = time.monotonic()
        if known is not None and now - known.checked_at < settings.REPLICA_CHECK_SECONDS:
            return known
        fresh = probe()
        if known is None or known.usable != fresh.usable:
            if fresh.usable:
                logger.info("replica database in use again (%s)", fresh.reason)
            else:
                logger.warning("replica database not used, reading from primary: %s", fresh.reason)
        _health = fresh
        return fresh


def forget() -> None:
    """Drop the kept verdict: the next read in a marked block probes the replica again."""
    global _health
    with _lock:
        _health = None


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _short(error: BaseException) -> str:
    # The first line of a driver's message names the failure (refused, timeout, auth), not the DSN.
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"[:200]


def probe() -> Health:
    """Ask the replica whether it is a standby and how far it lags behind the primary now."""
    now = time.monotonic()
    replica = connections[ALIAS]
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        primary_lsn = cursor.fetchone()[0]
    try:
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), "
                "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
            )
            standby, replay_lsn, since = cursor.fetchone()
    except DatabaseError as e:
        with suppress(DatabaseError):
            replica.close()
        return Health(False, _short(e), None, now)
    if not standby:
        return Health(False, "not a standby: pg_is_in_recovery() is false", None, now)
    if replay_lsn is None:
        return Health(False, "no replay position yet", None, now)
    if _lsn(replay_lsn) >= _lsn(primary_lsn):
        return Health(True, "lag 0 s", 0.0, now)
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if since is None:
        return Health(False, "behind the primary, no transaction replayed yet", None, now)
    lag = float(since)
    if lag > limit:
        return Health(False, f"lag {lag:.1f} s over the limit of {limit} s", lag, now)
    return Health(True, f"lag {lag:.1f} s", lag, now)
