"""``marshrut criteria load FILE`` and ``marshrut criteria list``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from marshrut.audit.log import Source
from marshrut.diagnostics.actions import catalogue_text, do_load_criteria
from marshrut.diagnostics.models import CriteriaVersion
from marshrut.kernels.criteria import CatalogueError
from marshrut.lib.plural import plural


class Command(BaseCommand):
    help = "Каталоги критериев самодиагностики: загрузка (с проверкой по схеме) и список."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="проверить и загрузить каталог (YAML)")
        load.add_argument("file")
        sub.add_parser("list", help="загруженные версии")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for v in CriteriaVersion.objects.all():
                mark = " (демонстрационный)" if v.illustrative else ""
                self.stdout.write(
                    f"{v.code}\t{v.year}\t{plural(v.indicator_count, 'показатель', 'показателя', 'показателей')}\t{v.title}{mark}"
                )
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        try:
            text = catalogue_text(path.read_bytes(), path.name)
            version = do_load_criteria(None, text, path.name, source=Source.CLI)
        except CatalogueError as e:
            for problem in e.problems:
                self.stderr.write(f"ОШИБКА: {problem}")
            raise CommandError(f"Каталог не загружен: ошибок {len(e.problems)}.") from None
        except ValidationError as e:
            raise CommandError(f"Каталог не загружен: {' '.join(e.messages)}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Загружен каталог {version.code}: {plural(version.indicator_count, 'показатель', 'показателя', 'показателей')}."
            )
        )
        if version.illustrative:
            self.stdout.write("Внимание: каталог демонстрационный (illustrative: true).")
