"""``marshrut decision remind``: reminders of management decisions due soon and overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marshrut.programmes import reminders_decisions as reminders


class Command(BaseCommand):
    help = "Реестр управленческих решений: напоминания о сроках и просрочках"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="разослать напоминания о сроках и просрочках")
        remind.add_argument("--days", type=int, default=7, help="«срок скоро»: дней вперёд")
        remind.add_argument("--on", help="дата ГГГГ-ММ-ДД (по умолчанию сегодня в регионе)")
        remind.add_argument("--base-url", default="", help="адрес сайта для ссылок в письмах")
        remind.add_argument(
            "--dry-run", action="store_true", help="показать адресатов, писем не отправлять"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = dt.date.fromisoformat(options["on"]) if options["on"] else None
        found, pending = reminders.collect(on, options["days"])
        for r in found:
            self.stdout.write(f"{r.email}: просрочено {len(r.overdue)}, срок скоро {len(r.soon)}")
        if options["dry_run"]:
            self.stdout.write(f"--dry-run: ничего не записано (адресатов {len(found)}).")
            return
        written = reminders.send(found, pending, base_url=options["base_url"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Записано уведомлений: {written}. Доставит их «marshrut notify send»."
            )
        )
