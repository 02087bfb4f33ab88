"""``marshrut restore FILE [--force]``: the database and the files back from a backup archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from marshrut.lib.backup import BackupError, do_restore


class Command(BaseCommand):
    help = (
        "Восстановить базу и загруженные файлы из архива marshrut backup. Непустую базу "
        "заменяет только с --force; сервер и обработчик задач на это время остановите."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="архив, записанный marshrut backup")
        parser.add_argument(
            "--force", action="store_true", help="заменить данные, которые уже есть в базе"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = do_restore(Path(options["archive"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # The restored campaigns may have results generations that the cache saw with other data.
        cache.clear()
        rows = sum(manifest["counts"].values())
        taken = localtime(datetime.fromisoformat(manifest["created_at"]))
        self.stdout.write(
            f"Восстановлено из копии от {taken:%d.%m.%Y %H:%M}: строк {rows}, "
            f"файлов {manifest['files']}."
        )
