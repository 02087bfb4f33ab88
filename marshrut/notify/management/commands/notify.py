"""``marshrut notify send`` (deliver the outbox) and ``marshrut notify bot`` (the Telegram bot)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marshrut.lib.plural import plural
from marshrut.notify import sender

CHANNEL_NAMES = {"email": "электронная почта", "telegram": "Telegram"}


class Command(BaseCommand):
    help = "Уведомления: доставка из очереди и бот Telegram"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="доставить уведомления, срок которых настал")
        send.add_argument(
            "--channel", action="append", choices=sorted(CHANNEL_NAMES), help="только этот канал"
        )
        send.add_argument("--limit", type=int, default=5000, help="не больше доставок за запуск")
        bot = sub.add_parser("bot", help="ответить на сообщения боту (getUpdates)")
        bot.add_argument("--once", action="store_true", help="один опрос и выход (для cron)")
        bot.add_argument("--timeout", type=int, default=25, help="секунд долгого опроса")
        bot.add_argument("--set-webhook", metavar="URL", help="вместо опроса: указать вебхук")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send":
            self._send(options)
        else:
            self._bot(options)

    def _send(self, options: Any) -> None:
        if options["limit"] < 1:
            raise CommandError("--limit: положительное число")
        results = sender.run(options["channel"], limit=options["limit"])
        for name, r in results.items():
            line = (
                f"{CHANNEL_NAMES.get(name, name)}: отправлено "
                f"{plural(r.sent, 'уведомление', 'уведомления', 'уведомлений')}"
            )
            if name == "email" and r.batches != r.sent:
                line += f" ({plural(r.batches, 'письмо', 'письма', 'писем')})"
            if r.retried:
                line += f", повторим позже {r.retried}"
            if r.failed:
                line += f", не отправлено {r.failed}"
            self.stdout.write(line)

    def _bot(self, options: Any) -> None:
        from django.conf import settings

        from marshrut.notify.telegram import BotAPI, TelegramError, poll_once

        api = BotAPI()
        if not api.enabled:
            raise CommandError("Не задан TELEGRAM_BOT_TOKEN: бот выключен.")
        try:
            if options["set_webhook"]:
                if not settings.TELEGRAM_WEBHOOK_SECRET:
                    raise CommandError("Для вебхука задайте TELEGRAM_WEBHOOK_SECRET.")
                api.call(
                    "setWebhook",
                    url=options["set_webhook"],
                    secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
                )
                self.stdout.write("Вебхук установлен.")
                return
            if options["once"]:
                n = poll_once(api, timeout=0)
                self.stdout.write(
                    f"Обработано: {plural(n, 'сообщение', 'сообщения', 'сообщений')}."
                )
                return
            while True:
                poll_once(api, timeout=options["timeout"])
        except TelegramError as e:
            raise CommandError(str(e)) from None
