"""Delivering the outbox: ``marshrut notify send`` (cron or a systemd timer, every minute).

Each run claims the deliveries that are due, channel by channel, and hands them to the channel in
batches (one letter, one digest, one message). The steps, and what a kill at each leaves:

1. **Claim** (one transaction): due rows get ``claimed_by`` = this run and a lease
   (``claimed_until``). PostgreSQL takes them with ``SELECT … FOR UPDATE SKIP LOCKED``, so two
   senders never claim the same row; SQLite serialises writers, and the ``UPDATE … WHERE
   claimed_by = ''`` of the claim is the lock. Killed here or later with the row untouched: the
   lease ends and the next run takes the row — nothing was sent.
2. **Mark «sending»** (one transaction, just before the channel is called). Killed between this
   and step 3: the channel may or may not have delivered. The next run finds the row «sending»
   with its lease over and does *not* send it again: it fails it as «доставка не подтверждена»
   (the run prints how many failed; the in-app inbox has the notification anyway). This is the honest
   window: exactly-once holds as far as the channel confirms; a delivery the channel took but did
   not confirm before the kill is not repeated, so it may be lost on that channel, never doubled.
3. **Send**, then **mark «sent»** in the transaction that records the channel's confirmation (the
   SMTP server's 250 after DATA, the Bot API's ``ok: true``). A refusal the channel reports
   (connection refused, 4xx/5xx, 429) goes back to «pending» with a backoff
   (:data:`BACKOFF`), or the Bot API's ``retry_after``; after :data:`MAX_ATTEMPTS` it fails.

``last_error`` keeps the kind of error only (class and code), never addresses or texts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from marshrut.notify.models import Delivery

logger = logging.getLogger(__name__)

BACKOFF = [60, 300, 1800, 7200, 43200]  # seconds before the 2nd, 3rd… attempt
MAX_ATTEMPTS = 6
UNCONFIRMED = "доставка не подтверждена: отправитель прерван во время отправки"


class ChannelError(Exception):
    """The channel refused or failed; ``reason`` holds no personal data."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:300]
        self.retry_after = retry_after
        self.permanent = permanent


class Channel(Protocol):
    """A way to reach people: e-mail, a messenger. Add one by writing this and registering it
    in :func:`channels`."""

    name: str

    def batches(self, deliveries: Sequence[Delivery]) -> Iterable[list[Delivery]]:
        """Group the claimed deliveries into what goes out together (a letter, a digest)."""
        ...

    def send(self, batch: list[Delivery]) -> None:
        """Deliver the batch; return only when the channel confirmed it, raise ChannelError."""
        ...

    def close(self) -> None: ...


def channels(names: Sequence[str] | None = None) -> list[Channel]:
    from marshrut.notify.email import EmailChannel
    from marshrut.notify.telegram import TelegramChannel

    known: dict[str, type] = {"email": EmailChannel, "telegram": TelegramChannel}
    return [known[n]() for n in (names or known)]


@dataclass
class Result:
    sent: int = 0  # deliveries confirmed
    batches: int = 0  # letters, digests, messages
    retried: int = 0
    failed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"


def fail_unconfirmed(now: dt.datetime | None = None) -> int:
    """Rows left «sending» by a sender that died mid-send: failed, never sent again."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_until__lt=now).update(
        status=Delivery.Status.FAILED, last_error=UNCONFIRMED, claimed_by="", claimed_until=None
    )


def claim(channel: str, worker: str, limit: int, now: dt.datetime | None = None) -> list[Delivery]:
    now = now or timezone.now()
    lease = now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    due = Delivery.objects.filter(
        channel=channel, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    with transaction.atomic():
        pick = due.order_by("notification__recipient_id", "next_attempt_at", "pk")
        if connection.vendor == "postgresql":
            pick = pick.select_for_update(skip_locked=True, of=("self",))
        ids = list(pick.values_list("pk", flat=True)[:limit])
        # On SQLite the filter repeated in the UPDATE is the claim: a row another run claimed
        # in between no longer matches. Chunks keep under the limit of query parameters.
        for start in range(0, len(ids), 500):
            due.filter(pk__in=ids[start : start + 500]).update(
                claimed_by=worker, claimed_until=lease
            )
    return list(
        Delivery.objects.filter(claimed_by=worker, status=Delivery.Status.PENDING)
        .select_related("notification__recipient")
        .order_by("notification__recipient_id", "pk")
    )


def _retry_at(attempts: int, now: dt.datetime, retry_after: float | None) -> dt.datetime:
    if retry_after is not None:
        return now + dt.timedelta(seconds=max(retry_after, 1))
    return now + dt.timedelta(seconds=BACKOFF[min(attempts - 1, len(BACKOFF) - 1)])


def run(
    names: Sequence[str] | None = None,
    *,
    limit: int = 5000,
    worker: str | None = None,
    use: Sequence[Channel] | None = None,
) -> dict[str, Result]:
    """Deliver what is due now; returns per channel what happened."""
    worker = worker or worker_name()
    fail_unconfirmed()
    results: dict[str, Result] = {}
    for channel in use if use is not None else channels(names):
        result = results.setdefault(channel.name, Result())
        claimed = claim(channel.name, worker, limit)
        try:
            for batch in channel.batches(claimed):
                if not _deliver(channel, batch, worker, result):
                    break  # the channel asked to wait (a rate limit): the rest waits for a run
        finally:
            channel.close()
            Delivery.objects.filter(claimed_by=worker, status=Delivery.Status.PENDING).update(
                claimed_by="", claimed_until=None
            )
    return results


def _deliver(channel: Channel, batch: list[Delivery], worker: str, result: Result) -> bool:
    ids = [d.pk for d in batch]
    now = timezone.now()
    with transaction.atomic():
        taken = Delivery.objects.filter(
            pk__in=ids,
            claimed_by=worker,
            status=Delivery.Status.PENDING,
            claimed_until__gt=now,  # a lease run out belongs to the next run now
        ).update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1)
        if taken != len(ids):
            transaction.set_rollback(True)
            return True
    for d in batch:
        d.attempts += 1
    try:
        channel.send(batch)
    except ChannelError as e:
        _refused(batch, e.reason, e.retry_after, e.permanent, result)
        return e.retry_after is None  # a rate limit is the whole channel's: it waits
    except Exception as e:  # recorded by its kind only, retried later
        logger.warning(
            "Канал %s: доставки %s не отправлены (%s)", channel.name, ids, type(e).__name__
        )
        _refused(batch, type(e).__name__, None, False, result)
        return True
    with transaction.atomic():
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
            claimed_by="",
            claimed_until=None,
            last_error="",
        )
    result.sent += len(batch)
    result.batches += 1
    return True


def _refused(
    batch: list[Delivery],
    reason: str,
    retry_after: float | None,
    permanent: bool,
    result: Result,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        for d in batch:
            final = permanent or d.attempts >= MAX_ATTEMPTS
            Delivery.objects.filter(pk=d.pk).update(
                status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
                attempts=d.attempts,
                next_attempt_at=_retry_at(d.attempts, now, retry_after),
                claimed_by="",
                claimed_until=None,
                last_error=reason[:300],
            )
            if final:
                result.failed += 1
            else:
                result.retried += 1
