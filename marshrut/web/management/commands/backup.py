"""``marshrut backup -o FILE``: the database and the uploaded files in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.lib.backup import ENGINE_NAMES, BackupError, do_backup


class Command(BaseCommand):
    help = "Резервная копия: база данных и загруженные файлы в одном архиве (.tar.gz)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-o", "--output", required=True, help="куда записать архив")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        try:
            manifest = do_backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Копия записана: {out} — база {ENGINE_NAMES[manifest['engine']]}, строк {rows}, "
            f"файлов {manifest['files']}."
        )
