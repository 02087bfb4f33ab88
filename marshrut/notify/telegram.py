"""The Telegram channel and bot: the Bot API over HTTPS with the standard library.

``TELEGRAM_BOT_TOKEN`` enables it; ``TELEGRAM_API_BASE`` is the Bot API's address (tests point it
at a local server that speaks the same protocol, tests/notify/fake_telegram.py). Messages respect
the API's limits — about one message a second to a chat and thirty a second overall — and a
``429`` answer's ``parameters.retry_after``. The token is part of every request's URL, so it is
never logged: log lines name the method and the error code only, and never a chat's text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from marshrut.notify import actions
from marshrut.notify.models import BotCursor, Delivery, Kind, RegionChat, TelegramLink
from marshrut.notify.sender import ChannelError

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # the Bot API's limit of one message


class TelegramError(Exception):
    def __init__(self, code: int, retry_after: float | None = None) -> None:
        super().__init__(f"Telegram: ошибка {code}")
        self.code = code
        self.retry_after = retry_after


class Limiter:
    """At most one message a second per chat and ``per_second`` overall (the Bot API's limits)."""

    def __init__(
        self,
        per_chat: float = 1.0,
        per_second: int = 30,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_chat = per_chat
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep
        self.last: dict[int, float] = {}
        self.recent: list[float] = []
        self.lock = threading.Lock()

    def wait(self, chat_id: int) -> None:
        with self.lock:
            now = self.clock()
            delay = 0.0
            if chat_id in self.last:
                delay = max(delay, self.last[chat_id] + self.per_chat - now)
            self.recent = [t for t in self.recent if t > now - 1.0]
            if len(self.recent) >= self.per_second:
                delay = max(delay, self.recent[0] + 1.0 - now)
            if delay > 0:
                self.sleep(delay)
                now += delay
            self.last[chat_id] = now
            self.recent.append(now)


class BotAPI:
    """A thin client of the Bot API: ``call("sendMessage", chat_id=…, text=…)`` → result."""

    def __init__(self, token: str | None = None, base: str | None = None, timeout: float = 35):
        self.token = token if token is not None else settings.TELEGRAM_BOT_TOKEN
        self.base = (base or settings.TELEGRAM_API_BASE).rstrip("/")
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def call(self, method: str, **params: Any) -> Any:
        request = urllib.request.Request(
            f"{self.base}/bot{self.token}/{method}",
            data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                answer = json.loads(e.read() or b"{}")
            except ValueError:
                answer = {}
            retry = (answer.get("parameters") or {}).get("retry_after")
            logger.warning("Bot API %s: ошибка %s", method, e.code)
            raise TelegramError(e.code, float(retry) if retry is not None else None) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            logger.warning("Bot API %s: нет связи (%s)", method, type(e).__name__)
            raise TelegramError(0) from None
        if not answer.get("ok"):
            raise TelegramError(int(answer.get("error_code") or 0))
        return answer.get("result")


LIMITER = Limiter()


def send_text(api: BotAPI, chat_id: int, text: str, limiter: Limiter | None = None) -> None:
    """Send one message, waiting out the limits; a short ``retry_after`` is waited here once."""
    limiter = limiter or LIMITER
    text = text[:MAX_TEXT]
    for attempt in (1, 2):
        limiter.wait(chat_id)
        try:
            api.call("sendMessage", chat_id=chat_id, text=text, disable_web_page_preview=True)
            return
        except TelegramError as e:
            wait = e.retry_after
            if (
                e.code == 429
                and wait is not None
                and attempt == 1
                and wait <= settings.TELEGRAM_MAX_WAIT
            ):
                limiter.sleep(wait)
                continue
            raise


def message_text(subject: str, body: str, link: str) -> str:
    from marshrut.notify.email import absolute

    parts = [subject]
    if body and body != subject:
        parts.append(body)
    if link:
        parts.append(absolute(link))
    return "\n\n".join(parts)


class TelegramChannel:
    name = "telegram"

    def __init__(self, api: BotAPI | None = None, limiter: Limiter | None = None) -> None:
        self.api = api or BotAPI()
        self.limiter = limiter or LIMITER
        self.chats: dict[int, int] = {}

    def batches(self, deliveries: Sequence[Delivery]) -> Iterable[list[Delivery]]:
        people = {d.notification.recipient_id for d in deliveries if d.notification.recipient_id}
        regions = {d.notification.region_id for d in deliveries if not d.notification.recipient_id}
        self.people = dict(
            TelegramLink.objects.filter(person_id__in=people, chat_id__isnull=False).values_list(
                "person_id", "chat_id"
            )
        )
        self.regions = dict(
            RegionChat.objects.filter(region_id__in=regions).values_list("region_id", "chat_id")
        )
        return ([d] for d in deliveries)

    def send(self, batch: list[Delivery]) -> None:
        if not self.api.enabled:
            raise ChannelError("Telegram: не задан TELEGRAM_BOT_TOKEN")
        (delivery,) = batch
        note = delivery.notification
        chat = (
            self.people.get(note.recipient_id)
            if note.recipient_id
            else self.regions.get(note.region_id or 0)
        )
        if chat is None:
            raise ChannelError("Telegram: чат не привязан", permanent=True)
        text = (
            note.body
            if note.kind == Kind.ANNOUNCEMENT
            else message_text(note.subject, note.body, note.link)
        )
        try:
            send_text(self.api, chat, text, self.limiter)
        except TelegramError as e:
            raise ChannelError(
                str(e),
                retry_after=e.retry_after if e.code == 429 else None,
                permanent=e.code in (400, 403),
            ) from None

    def close(self) -> None:
        pass


# The bot's side of the conversation

HELP = (
    "Это бот Маршрута. Чтобы получать уведомления, откройте в Маршруте «Уведомления → Настройки», "
    "получите код и отправьте сюда: /start КОД.\n/задачи — что сделать сейчас."
)


def tasks_text(person: Any) -> str:
    """The person's work queue as a message."""
    from marshrut.notify.email import absolute
    from marshrut.notify.queue import tasks_for

    user = getattr(person, "user", None)
    if user is None:
        return "У вас нет учётной записи в Маршруте: задач нет."
    tasks = tasks_for(user)
    if not tasks:
        return "Задач нет: всё сделано."
    lines = ["Ваши задачи:"]
    for t in tasks[:30]:
        line = f"• {t.title}"
        if t.count:
            line += f" ({t.count})"
        if t.due:
            line += f" — до {t.due:%d.%m.%Y}"
        lines.append(line)
        lines.append(f"  {absolute(t.url)}")
    if len(tasks) > 30:
        lines.append(f"…и ещё {len(tasks) - 30}")
    return "\n".join(lines)


def handle_update(api: BotAPI, update: dict[str, Any]) -> None:
    """Answer one update: ``/start CODE`` links, ``/задачи`` lists, ``/chatid`` tells the chat."""
    message = update.get("message") or update.get("channel_post") or {}
    chat_id = (message.get("chat") or {}).get("id")
    text = (message.get("text") or "").strip()
    if chat_id is None or not text.startswith("/"):
        return
    command, _sp, rest = text.partition(" ")
    command = command.split("@")[0].lower()
    if command == "/start":
        person = actions.do_link_chat(rest, int(chat_id)) if rest.strip() else None
        if person is not None:
            logger.info("Telegram: чат привязан к человеку %s", person.pk)
            reply = "Готово: уведомления Маршрута будут приходить сюда. /задачи — что сделать."
        elif rest.strip():
            reply = "Код не подошёл или устарел. Получите новый в Маршруте и отправьте /start КОД."
        else:
            reply = HELP
    elif command in ("/задачи", "/tasks"):
        link = TelegramLink.objects.filter(chat_id=chat_id).select_related("person__user").first()
        reply = tasks_text(link.person) if link else HELP
    elif command == "/chatid":
        reply = f"Идентификатор этого чата: {chat_id}"
    else:
        reply = HELP
    # A failure is logged by the client without the text; the person may ask again.
    with contextlib.suppress(TelegramError):
        send_text(api, int(chat_id), reply)


def poll_once(api: BotAPI, timeout: int = 0) -> int:
    """One ``getUpdates`` long poll: answer each update, remember where we stopped."""
    cursor, _created = BotCursor.objects.get_or_create(name="telegram")
    updates = api.call("getUpdates", offset=cursor.offset, timeout=timeout) or []
    for update in updates:
        handle_update(api, update)
        with transaction.atomic():
            BotCursor.objects.filter(pk=cursor.pk).update(offset=int(update["update_id"]) + 1)
    return len(updates)
