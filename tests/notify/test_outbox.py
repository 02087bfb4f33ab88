"""The outbox: one notification per event and person, one delivery per channel, retries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from marshrut.notify import sender
from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Channel, Delivery, Kind, Mode, Notification, Preference
from marshrut.notify.sender import BACKOFF, MAX_ATTEMPTS, ChannelError
from tests.conftest import World

pytestmark = pytest.mark.django_db


def draft(world: World, who: str = "head", **kw: Any) -> Draft:
    return Draft(
        recipient=world.people[who],
        kind=kw.pop("kind", Kind.PLAN_RETURNED),
        subject=kw.pop("subject", "Маршрут: дорожная карта возвращена на доработку"),
        body=kw.pop("body", "Здравствуйте!\n\nЗамечания: уточните сроки."),
        link=kw.pop("link", "/plans/1/"),
        region=world.region,
        key=kw.pop("key", "planreview:1"),
        **kw,
    )


def test_the_same_event_is_written_once(world: World) -> None:
    assert len(notify([draft(world)])) == 1
    assert notify([draft(world)]) == []  # a retried action, a reminder run twice
    assert notify([draft(world, key="planreview:2")]) != []
    assert Notification.objects.filter(recipient=world.people["head"]).count() == 2
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 2


def test_a_person_without_an_address_gets_the_inbox_only(world: World) -> None:
    world.people["head"].email = ""
    world.people["head"].save()
    (note,) = notify([draft(world)])
    assert not note.deliveries.exists()


def test_preferences_choose_the_way_per_kind(world: World) -> None:
    person = world.people["head"]
    Preference.objects.create(person=person, kind=Kind.PLAN_RETURNED, email=Mode.OFF)
    Preference.objects.create(person=person, kind=Kind.ITEMS_DUE, email=Mode.WEEKLY)
    (off,) = notify([draft(world)])
    assert not off.deliveries.exists()
    (weekly,) = notify([draft(world, kind=Kind.ITEMS_DUE, key="items")])
    d = weekly.deliveries.get()
    assert d.mode == Mode.WEEKLY
    local = timezone.localtime(d.next_attempt_at, world.region.tz)
    assert local.weekday() == 0 and local.hour == 7 and d.next_attempt_at > timezone.now()


def test_the_command_delivers_and_counts_per_channel(world: World) -> None:
    notify([draft(world), draft(world, "school"), draft(world, "coordinator")])
    out = io.StringIO()
    call_command("notify", "send", stdout=out)
    assert "электронная почта: отправлено 3 уведомления" in out.getvalue()
    assert "Telegram: отправлено 0 уведомлений" in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coordinator@test.local",
        "head@test.local",
        "school@test.local",
    ]
    out = io.StringIO()
    call_command("notify", "send", stdout=out)  # again: nothing twice
    assert "электронная почта: отправлено 0 уведомлений" in out.getvalue()
    assert len(mail.outbox) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


class Failing:
    name = "email"

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def batches(self, deliveries: Any) -> Any:
        return ([d] for d in deliveries)

    def send(self, batch: Any) -> None:
        self.calls += 1
        raise self.error

    def close(self) -> None:
        pass


def test_a_refusal_is_retried_with_backoff_then_failed(world: World, monkeypatch: Any) -> None:
    (note,) = notify([draft(world)])
    channel = Failing(ChannelError("SMTP: код 451"))
    start = timezone.now()
    sender.run(use=[channel])
    d = note.deliveries.get()
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "SMTP: код 451")
    assert d.next_attempt_at >= start + dt.timedelta(seconds=BACKOFF[0])
    sender.run(use=[channel])
    assert channel.calls == 1  # not due yet
    for _i in range(2, MAX_ATTEMPTS + 1):
        Delivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
        sender.run(use=[channel])
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("failed", MAX_ATTEMPTS)
    assert channel.calls == MAX_ATTEMPTS


def test_an_unexpected_error_is_recorded_by_its_kind_only(world: World) -> None:
    (note,) = notify([draft(world)])
    sender.run(use=[Failing(OSError("head@test.local refused: Ошибка"))])
    d = note.deliveries.get()
    assert d.status == "pending" and d.last_error == "OSError"


def test_a_row_claimed_by_a_live_sender_is_not_taken(world: World) -> None:
    (note,) = notify([draft(world)])
    claimed = sender.claim("email", "other-sender", 100)
    assert [d.pk for d in claimed] == [note.deliveries.get().pk]
    assert sender.claim("email", "me", 100) == []
    assert sender.run(["email"])["email"].sent == 0
    # Its lease over (the other sender died before sending): taken over and sent once.
    Delivery.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert sender.run(["email"])["email"].sent == 1
    assert len(mail.outbox) == 1


def test_a_row_left_sending_is_not_sent_again(world: World) -> None:
    (note,) = notify([draft(world)])
    Delivery.objects.update(
        status="sending", claimed_by="dead", claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert sender.run(["email"])["email"].sent == 0
    d = note.deliveries.get()
    assert d.status == "failed" and d.last_error == sender.UNCONFIRMED
    assert mail.outbox == []


def test_unsubscribed_kinds_stop_pending_letters(world: World) -> None:
    from marshrut.notify.actions import do_unsubscribe

    notify([draft(world)])
    do_unsubscribe(world.people["head"], Kind.PLAN_RETURNED)
    assert sender.run(["email"])["email"].sent == 0
    assert (
        Preference.objects.get(person=world.people["head"], kind=Kind.PLAN_RETURNED).email == "off"
    )


def test_a_failure_to_write_notifications_does_not_undo_the_step(
    world: World, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    from django.db import transaction

    from marshrut.notify.actions import notify_on_commit

    def broken() -> list[Draft]:
        raise RuntimeError("the registry is locked")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify_on_commit(broken)
        world.people["head"].notes = "шаг сделан"
        world.people["head"].save()
    world.people["head"].refresh_from_db()
    assert world.people["head"].notes == "шаг сделан"
    assert "Уведомления о событии не записаны" in caplog.text
    assert not Notification.objects.exists()
