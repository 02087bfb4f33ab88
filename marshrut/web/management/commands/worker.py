"""``marshrut worker``: runs background tasks (long imports, reports) from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Запустить обработчик фоновых задач (загрузки, отчёты)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="выполнить накопившиеся задачи и выйти"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", batch=options["batch"], interval=1)
