"""Writes of the outbox: telling people of events, read marks, preferences, the bot's links.

The apps that have something to tell (plans, programmes, diagnostics, ШНОР, decisions) decide who
is told and what the words are; :func:`notify` is the one way they tell it. It writes the
notifications and their deliveries; the sender (``marshrut notify send``, :mod:`.sender`) takes
them out. The outbox imports nothing from those apps, so any of them may call it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.notify.models import (
    Channel,
    Delivery,
    Kind,
    Mode,
    Notification,
    Preference,
    RegionChat,
    TelegramLink,
)
from marshrut.orgs.models import Person, Region

logger = logging.getLogger(__name__)

CODE_LIFETIME = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Draft:
    """What to tell one person: ``key`` names the event (with the kind and date: the dedup key)."""

    recipient: Person
    kind: str
    subject: str
    body: str = ""
    link: str = ""
    region: Region | None = None
    key: str = ""
    on: dt.date | None = None

    @property
    def dedup_key(self) -> str:
        on = self.on or timezone.localdate()
        return f"{self.kind}:{self.key}:{on.isoformat()}"[:200]


def unread_cache_key(user_id: int | None) -> str:
    return f"notify.unread.{user_id}"


def unread_count(user: Any) -> int:
    """The badge in the top menu: one count query, then cached until something changes it."""
    count = cache.get_or_set(
        unread_cache_key(user.pk),
        lambda: Notification.objects.filter(recipient__user=user, read_at__isnull=True).count(),
        300,
    )
    return int(count or 0)


def digest_time(mode: str, now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """When a digest of ``mode`` leaves: the next NOTIFY_DIGEST_HOUR in the zone (weekly: Monday)."""
    local = timezone.localtime(now, tz)
    at = local.replace(hour=settings.NOTIFY_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if at <= local:
        at += dt.timedelta(days=1)
    if mode == Mode.WEEKLY:
        at += dt.timedelta(days=(7 - at.weekday()) % 7)
    return at


def notify(drafts: Iterable[Draft]) -> list[Notification]:
    """Write the notifications not written yet and their deliveries; return the new ones.

    Called after the event's transaction commits (``transaction.on_commit``) or from a reminder
    command. An event already told (same person and dedup key) is skipped, even under a race: the
    unique constraint decides and the loser's rows are ignored.
    """
    drafts = [d for d in drafts if d.recipient is not None]
    created: list[Notification] = []
    # In chunks: a reminder run for a large region stays under the limit of query parameters.
    for start in range(0, len(drafts), CHUNK):
        created += _notify(drafts[start : start + CHUNK])
    return created


CHUNK = 400


def _notify(drafts: list[Draft]) -> list[Notification]:
    people = {d.recipient.pk: d.recipient for d in drafts}
    with transaction.atomic():
        rows = [
            Notification(
                recipient_id=d.recipient.pk,
                kind=d.kind,
                region=d.region,
                subject=d.subject[:300],
                body=d.body,
                link=d.link[:500],
                dedup_key=d.dedup_key,
            )
            for d in drafts
        ]
        wanted = {(n.recipient_id, n.dedup_key) for n in rows}
        before = set(
            Notification.objects.filter(
                recipient_id__in=people, dedup_key__in={k for _p, k in wanted}
            ).values_list("recipient_id", "dedup_key")
        )
        fresh = [n for n in rows if (n.recipient_id, n.dedup_key) not in before]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(
                recipient_id__in=people, dedup_key__in={n.dedup_key for n in fresh}
            ).select_related("region")
        )
        created = [n for n in created if (n.recipient_id, n.dedup_key) not in before]
        _plan_deliveries(created, people)
    cache.delete_many([unread_cache_key(p.user_id) for p in people.values() if p.user_id])
    return created


def _plan_deliveries(notes: Sequence[Notification], people: dict[int, Person]) -> None:
    prefs = {
        (p.person_id, p.kind): p
        for p in Preference.objects.filter(person_id__in={n.recipient_id for n in notes})
    }
    chats = set(
        TelegramLink.objects.filter(
            person_id__in={n.recipient_id for n in notes}, chat_id__isnull=False
        ).values_list("person_id", flat=True)
    )
    now = timezone.now()
    default_tz = ZoneInfo(settings.TIME_ZONE)
    out = []
    for n in notes:
        assert n.recipient_id is not None
        pref = prefs.get((n.recipient_id, n.kind))
        mode = pref.email if pref else Mode.IMMEDIATE
        person = people[n.recipient_id]
        if person.email and mode != Mode.OFF:
            when = (
                now
                if mode == Mode.IMMEDIATE
                else digest_time(mode, now, n.region.tz if n.region else default_tz)
            )
            out.append(
                Delivery(notification=n, channel=Channel.EMAIL, mode=mode, next_attempt_at=when)
            )
        if n.recipient_id in chats and (pref is None or pref.telegram):
            out.append(Delivery(notification=n, channel=Channel.TELEGRAM, next_attempt_at=now))
    Delivery.objects.bulk_create(out, ignore_conflicts=True)


def notify_on_commit(drafts: Any) -> None:
    """Tell once the surrounding transaction commits: nobody hears of a step rolled back.

    ``drafts`` is a callable returning the drafts, run after the commit (it reads what committed).
    """

    def write() -> None:
        try:
            notify(drafts())
        except Exception:  # the step is committed already: telling of it must not undo it
            logger.exception("Уведомления о событии не записаны")

    transaction.on_commit(write)


# The inbox


def do_mark_read(person: Person, pk: int | None = None) -> int:
    """Mark one notification (or, without ``pk``, all) of the person read; returns how many."""
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    count = qs.update(read_at=timezone.now())
    cache.delete(unread_cache_key(person.user_id))
    return count


def do_save_preferences(person: Person, choices: dict[str, tuple[str, bool]]) -> None:
    """Store the person's choice per kind: (e-mail mode, Telegram on)."""
    with transaction.atomic():
        for kind, (email, telegram) in choices.items():
            if kind not in Kind.values or email not in Mode.values:
                raise ValidationError(_("Неизвестный вид уведомлений или способ доставки."))
            Preference.objects.update_or_create(
                person=person, kind=kind, defaults={"email": email, "telegram": telegram}
            )


def do_unsubscribe(person: Person, kind: str | None) -> None:
    """Stop e-mails of one kind (or of every kind) — the link in each letter."""
    kinds = [kind] if kind else list(Kind.values)
    with transaction.atomic():
        for k in kinds:
            Preference.objects.update_or_create(person=person, kind=k, defaults={"email": Mode.OFF})
        Delivery.objects.filter(
            notification__recipient=person,
            notification__kind__in=kinds,
            channel=Channel.EMAIL,
            status=Delivery.Status.PENDING,
        ).update(status=Delivery.Status.FAILED, last_error="отписка получателя")


# The messenger


def do_new_link_code(person: Person) -> str:
    """A one-time code the person sends to the bot as ``/start CODE``; valid for 30 minutes."""
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _i in range(8))
    TelegramLink.objects.update_or_create(
        person=person,
        defaults={"code": code, "code_expires_at": timezone.now() + CODE_LIFETIME},
    )
    return code


def do_link_chat(code: str, chat_id: int) -> Person | None:
    """Bind the chat to the person whose code this is; the code is spent. None: no such code."""
    code = code.strip().upper()
    if not code:
        return None
    with transaction.atomic():
        link = (
            TelegramLink.objects.select_for_update()
            .filter(code=code, code_expires_at__gt=timezone.now())
            .select_related("person")
            .first()
        )
        if link is None:
            return None
        TelegramLink.objects.filter(chat_id=chat_id).exclude(pk=link.pk).update(chat_id=None)
        link.chat_id = chat_id
        link.code = ""
        link.code_expires_at = None
        link.linked_at = timezone.now()
        link.save()
        return link.person


def do_unlink(person: Person) -> None:
    TelegramLink.objects.filter(person=person).delete()


def do_set_region_chat(region: Region, chat_id: int | None, title: str = "") -> None:
    if chat_id is None:
        RegionChat.objects.filter(region=region).delete()
        return
    RegionChat.objects.update_or_create(
        region=region, defaults={"chat_id": chat_id, "title": title[:200]}
    )


def do_announce(actor: Any, region: Region, text: str) -> Notification:
    """Post an announcement to the region's coordinators' chat through the outbox."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Напишите текст объявления."))
    if len(text) > 3500:
        raise ValidationError(_("Объявление длиннее 3500 знаков: сократите его."))
    if not RegionChat.objects.filter(region=region).exists():
        raise ValidationError(_("У региона не указан чат координаторов."))
    now = timezone.now()
    with transaction.atomic():
        note = Notification.objects.create(
            recipient=None,
            kind=Kind.ANNOUNCEMENT,
            region=region,
            subject=text.splitlines()[0][:300],
            body=text,
            dedup_key=f"announcement:{now.isoformat()}:{secrets.token_hex(4)}",
        )
        Delivery.objects.create(notification=note, channel=Channel.TELEGRAM, next_attempt_at=now)
    return note
