"""Letters over a real SMTP conversation (tests/notify/smtp_server.py): one letter, digests,
the unsubscribe link that works without logging in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marshrut.notify import sender
from marshrut.notify.actions import notify
from marshrut.notify.email import unsubscribe_token
from marshrut.notify.models import Delivery, Kind, Mode, Preference
from tests.conftest import World
from tests.notify.smtp_server import SMTPServer
from tests.notify.test_outbox import draft

pytestmark = pytest.mark.django_db


def _text(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message: Any) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_letter_goes_over_smtp_with_text_html_and_unsubscribe(
    world: World, smtp: SMTPServer, settings: Any
) -> None:
    settings.SITE_URL = "https://m.example"
    notify([draft(world, body="Здравствуйте, Head Тест!\n\nЗамечания: уточните «сроки» & <даты>.")])
    assert sender.run(["email"])["email"].sent == 1
    (message,) = smtp.messages
    assert smtp.envelopes[0][1] == ["head@test.local"]
    assert message["Subject"].strip() == "Маршрут: дорожная карта возвращена на доработку"
    assert "уточните «сроки» & <даты>" in _text(message)
    assert "уточните «сроки» &amp; &lt;даты&gt;" in _html(message)
    assert 'href="https://m.example/plans/1/"' in _html(message)
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://m.example/notify/unsubscribe/")
    assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert unsubscribe in _text(message)


def test_a_daily_digest_is_one_letter_with_links(
    world: World, smtp: SMTPServer, settings: Any
) -> None:
    settings.SITE_URL = "https://m.example"
    person = world.people["head"]
    for kind in (Kind.PLAN_RETURNED, Kind.ITEMS_DUE, Kind.STAGE_DUE):
        Preference.objects.create(person=person, kind=kind, email=Mode.DAILY)
    notify(
        [
            draft(
                world,
                kind=Kind.PLAN_RETURNED,
                key="a",
                subject="Карта возвращена",
                link="/plans/1/",
            ),
            draft(
                world, kind=Kind.ITEMS_DUE, key="b", subject="Просрочено 2", link="/plans/items/"
            ),
            draft(
                world, kind=Kind.STAGE_DUE, key="c", subject="Этап 1 через 7 дней", link="/shnor/"
            ),
            draft(world, "school", key="d", subject="Школе: сразу"),
        ]
    )
    assert sender.run(["email"])["email"].sent == 1  # the digest waits for the morning
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    result = sender.run(["email"])["email"]
    assert (result.sent, result.batches) == (3, 1)
    digest = smtp.messages[1]
    assert digest["Subject"].strip() == "Маршрут: сводка за день — 3 уведомления"
    text = _text(digest)
    for line in ("Карта возвращена", "https://m.example/plans/items/", "Этап 1 через 7 дней"):
        assert line in text
    assert _html(digest).count("<li>") == 3
    assert sender.run(["email"])["email"].sent == 0 and len(smtp.messages) == 2


def test_unsubscribe_works_without_logging_in(world: World) -> None:
    person = world.people["head"]
    url = reverse("notify:unsubscribe", args=[unsubscribe_token(person.pk, Kind.ITEMS_DUE)])
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "Отписаться" in page.content.decode()
    assert not Preference.objects.filter(person=person).exists()  # a GET changes nothing
    done = anonymous.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "больше не придут" in done.content.decode()
    assert Preference.objects.get(person=person, kind=Kind.ITEMS_DUE).email == Mode.OFF
    (note,) = notify([draft(world, kind=Kind.ITEMS_DUE, key="x")])
    assert not note.deliveries.exists()


def test_a_forged_unsubscribe_token_is_refused(world: World) -> None:
    token = unsubscribe_token(world.people["head"].pk, None)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = Client().post(reverse("notify:unsubscribe", args=[forged]))
    assert response.status_code == 400 and "повреждена" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_server_refusing_the_connection_is_retried_later(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    (note,) = notify([draft(world)])
    result = sender.run(["email"])["email"]
    assert (result.sent, result.retried) == (0, 1)
    d = note.deliveries.get()
    assert d.status == "pending" and d.last_error.startswith("SMTP: ") and "@" not in d.last_error
