"""The bot against a local server speaking the Bot API (tests/notify/fake_telegram.py): link,
notify, /задачи, the announcement, rate limits, the webhook's secret, and logs without secrets."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marshrut.notify import sender
from marshrut.notify.actions import do_link_chat, do_new_link_code, notify
from marshrut.notify.models import Delivery, Kind, Notification, RegionChat, TelegramLink
from marshrut.notify.telegram import BotAPI, Limiter, TelegramChannel, TelegramError, poll_once
from tests.conftest import World
from tests.notify.fake_telegram import FakeTelegram
from tests.notify.test_outbox import draft

pytestmark = pytest.mark.django_db
CHAT = 5550001


class Clock:
    """A clock the limiter sleeps on without the test waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def limiter(clock: Clock) -> Limiter:
    return Limiter(clock=clock, sleep=clock.sleep)


def linked(world: World, who: str = "head", chat: int = CHAT) -> None:
    code = do_new_link_code(world.people[who])
    assert do_link_chat(code, chat) == world.people[who]


def test_a_person_links_the_chat_with_a_one_time_code(world: World, telegram: FakeTelegram) -> None:
    client = world.client("head")
    response = client.post(reverse("notify:telegram_code"), follow=True)
    code = TelegramLink.objects.get(person=world.people["head"]).code
    assert f"/start {code}" in response.content.decode()
    telegram.push(CHAT, f"/start {code}")
    telegram.push(CHAT + 1, f"/start {code}")  # the code is spent: a second chat gets nothing
    out = io.StringIO()
    call_command("notify", "bot", "--once", stdout=out)
    assert "Обработано: 2 сообщения" in out.getvalue()
    link = TelegramLink.objects.get(person=world.people["head"])
    assert link.chat_id == CHAT and link.code == ""
    assert "Готово" in telegram.texts(CHAT)[0]
    assert "не подошёл" in telegram.texts(CHAT + 1)[0]
    # The next poll asks from the next update on: nothing is answered twice.
    assert poll_once(BotAPI()) == 0
    page = client.get(reverse("notify:preferences"))
    assert 'data-testid="telegram-linked"' in page.content.decode()


def test_the_bot_sends_the_persons_notifications(world: World, telegram: FakeTelegram) -> None:
    linked(world)
    notify([draft(world, subject="Карта возвращена", body="Замечания: сроки", link="/plans/7/")])
    results = sender.run(["telegram"], use=[TelegramChannel(limiter=limiter(Clock()))])
    assert results["telegram"].sent == 1
    (text,) = telegram.texts(CHAT)
    assert text == "Карта возвращена\n\nЗамечания: сроки\n\nhttps://m.example/plans/7/"
    assert sender.run(use=[TelegramChannel(limiter=limiter(Clock()))])["telegram"].sent == 0


def test_tasks_answers_with_the_work_queue(world: World, telegram: FakeTelegram) -> None:
    from marshrut.notify.queue import tasks_for
    from tests.diagnostics.factories import campaign_for

    campaign_for(world)  # an open questionnaire for the head's school
    tasks = tasks_for(world.users["head"])
    assert tasks
    linked(world)
    telegram.push(CHAT, "/задачи")
    telegram.push(CHAT + 7, "/tasks")  # a chat nobody linked
    poll_once(BotAPI())
    answer = telegram.texts(CHAT)[-1]
    lines = answer.splitlines()
    assert lines[0] == "Ваши задачи:"
    for task in tasks[:30]:
        expected = f"• {task.title} ({task.count})"
        if task.due:
            expected += f" — до {task.due:%d.%m.%Y}"
        assert expected in lines
        assert f"  https://m.example{task.url}" in lines
    assert "/start" in telegram.texts(CHAT + 7)[0]


def test_the_operator_posts_an_announcement_to_the_coordinators_chat(
    world: World, telegram: FakeTelegram
) -> None:
    operator = world.client("operator")
    assert operator.post(reverse("notify:announce"), {"text": "Без чата"}).status_code == 400
    operator.post(
        reverse("notify:announce"), {"chat_id": "-1001234567890", "title": "Координаторы"}
    )
    assert RegionChat.objects.get(region=world.region).chat_id == -1001234567890
    response = operator.post(reverse("notify:announce"), {"text": "Семинар 15.11 в 10:00"})
    assert response.status_code == 302
    note = Notification.objects.get(kind=Kind.ANNOUNCEMENT)
    assert note.region == world.region and note.recipient is None
    sender.run(["telegram"], use=[TelegramChannel(limiter=limiter(Clock()))])
    assert telegram.texts(-1001234567890) == ["Семинар 15.11 в 10:00"]
    assert world.client("coordinator").get(reverse("notify:announce")).status_code == 403


def test_limits_per_chat_and_overall_are_kept(world: World, telegram: FakeTelegram) -> None:
    linked(world)
    notify([draft(world, key="a"), draft(world, key="b")])
    clock = Clock()
    sender.run(use=[TelegramChannel(limiter=limiter(clock))])
    assert clock.sleeps == [1.0]  # the second message to the same chat waited a second
    many = Limiter(clock=clock, sleep=clock.sleep)
    clock.sleeps.clear()
    for chat in range(31):
        many.wait(chat)
    assert clock.sleeps == [1.0]  # the 31st message in a second waited for the window


def test_a_429_is_waited_out_with_its_retry_after(world: World, telegram: FakeTelegram) -> None:
    linked(world)
    notify([draft(world)])
    telegram.too_many, telegram.retry_after = 1, 2
    clock = Clock()
    assert sender.run(use=[TelegramChannel(limiter=limiter(clock))])["telegram"].sent == 1
    assert 2 in clock.sleeps
    assert telegram.calls.count("sendMessage") == 2 and len(telegram.sent) == 1


def test_a_long_retry_after_stops_the_channel_until_then(
    world: World, telegram: FakeTelegram
) -> None:
    linked(world)
    linked(world, "school", CHAT + 1)
    notify([draft(world), draft(world, "school")])
    telegram.too_many, telegram.retry_after = 1, 60
    before = timezone.now()
    result = sender.run(use=[TelegramChannel(limiter=limiter(Clock()))])["telegram"]
    assert (result.sent, result.retried) == (0, 1)
    assert telegram.calls.count("sendMessage") == 1  # the second was not tried
    waiting = Delivery.objects.get(channel="telegram", attempts=1)
    assert (waiting.next_attempt_at - before).total_seconds() >= 60
    assert Delivery.objects.get(channel="telegram", attempts=0).status == "pending"


def test_the_webhook_checks_the_secret_token(world: World, telegram: FakeTelegram) -> None:
    code = do_new_link_code(world.people["head"])
    update = {"update_id": 1, "message": {"chat": {"id": CHAT}, "text": f"/start {code}"}}
    client = world.client(None)
    url = reverse("notify:telegram_webhook")
    body = json.dumps(update)
    assert client.post(url, body, content_type="application/json").status_code == 403
    wrong = client.post(
        url, body, content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="nope"
    )
    assert wrong.status_code == 403 and not TelegramLink.objects.filter(chat_id=CHAT).exists()
    right = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="webhook-secret-123",
    )
    assert right.status_code == 200
    assert TelegramLink.objects.get(chat_id=CHAT).person == world.people["head"]
    out = io.StringIO()
    call_command(
        "notify", "bot", "--set-webhook", "https://m.example/notify/telegram/webhook/", stdout=out
    )
    assert telegram.webhook == {
        "url": "https://m.example/notify/telegram/webhook/",
        "secret_token": "webhook-secret-123",
    }


def test_logs_hold_no_token_and_no_chat_text(
    world: World, telegram: FakeTelegram, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    linked(world)
    notify([draft(world, subject="Секретная тема", body="Личные данные Иванова")])
    telegram.too_many, telegram.retry_after = 2, 1  # a 429, then a refusal logged
    sender.run(use=[TelegramChannel(limiter=limiter(Clock()))])
    telegram.push(CHAT, "/задачи личный вопрос")
    poll_once(BotAPI())
    broken = BotAPI(base="http://127.0.0.1:9")  # nothing listens: an error is logged
    with pytest.raises(TelegramError):
        broken.call("sendMessage", chat_id=CHAT, text="Личные данные Иванова")
    assert "ошибка 429" in caplog.text  # something was logged
    for secret in (telegram.token, "Личные данные", "Секретная тема", "личный вопрос", str(CHAT)):
        assert secret not in caplog.text
