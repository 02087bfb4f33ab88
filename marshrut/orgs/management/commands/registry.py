"""``marshrut registry import FILE`` and ``marshrut registry export``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.audit.log import Source
from marshrut.lib.exports import write_csv, write_xlsx
from marshrut.lib.plural import plural
from marshrut.orgs.context import command_region
from marshrut.orgs.importing import ImportRejected, apply_file, check_file, summary
from marshrut.orgs.models import Municipality, Person, School

KIND_NAMES = {
    "municipality": "муниципалитеты",
    "school": "школы",
    "person": "люди",
    "membership": "роли",
}


class Command(BaseCommand):
    help = "Реестр региона: загрузка из XLSX/XLS/CSV и выгрузка."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="загрузить муниципалитеты, школы, людей с ролями")
        imp.add_argument("file")
        imp.add_argument("--region", help="код субъекта (если в базе несколько регионов)")
        imp.add_argument(
            "--dry-run", action="store_true", help="только проверить и показать изменения"
        )
        exp = sub.add_parser("export", help="выгрузить реестр")
        exp.add_argument("kind", choices=["municipalities", "schools", "people"])
        exp.add_argument("-o", "--output", required=True)
        exp.add_argument("--region")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options)
        else:
            self._export(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        region = command_region(options["region"])
        data = path.read_bytes()
        plan = check_file(data, path.name, region)
        self._print_report(summary(plan))
        if plan.problems:
            raise CommandError(
                f"Файл не загружен: ошибок {len(plan.problems)}. В базе ничего не изменилось."
            )
        if not plan.changes:
            raise CommandError("В файле нет строк для загрузки.")
        if options["dry_run"]:
            self.stdout.write("Проверка пройдена; --dry-run: ничего не записано.")
            return
        try:
            apply_file(None, data, path.name, region, source=Source.CLI)
        except ImportRejected as e:
            self._print_report(summary(e.plan))
            raise CommandError("Файл не загружен; в базе ничего не изменилось.") from None
        self.stdout.write(self.style.SUCCESS("Реестр обновлён."))

    def _print_report(self, report: dict[str, Any]) -> None:
        for s in report["sheets"]:
            self.stdout.write(f"Лист «{s['sheet']}»: {s['kind']}, строк: {s['rows']}")
        for kind, c in report["counts"].items():
            if any(c.values()):
                self.stdout.write(
                    f"  {KIND_NAMES[kind]}: добавить {c['create']}, изменить {c['update']}, без изменений {c['same']}"
                )
        for note in report["notes"]:
            self.stdout.write(f"  примечание: {note}")
        for p in report["problems"]:
            where = (
                f"лист «{p['sheet']}», строка {p['row']}" if p["row"] else (p["sheet"] or "файл")
            )
            col = f", столбец {p['column']}" if p["column"] else ""
            value = f", значение «{p['value']}»" if p["value"] else ""
            self.stderr.write(f"ОШИБКА: {where}{col}{value}: {p['reason']}")

    def _export(self, options: dict[str, Any]) -> None:
        from marshrut.orgs import views

        region = command_region(options["region"])
        kind = options["kind"]
        if kind == "municipalities":
            from django.db.models import Count

            qs: Any = Municipality.objects.filter(region=region).annotate(
                school_count=Count("schools")
            )
            columns = views.MUNICIPALITY_COLUMNS
        elif kind == "schools":
            qs = School.objects.filter(municipality__region=region).select_related("municipality")
            columns = views.SCHOOL_COLUMNS
        else:
            from django.db.models import Prefetch

            from marshrut.orgs.models import Membership

            qs = (
                Person.objects.filter(region=region)
                .select_related("municipality", "school")
                .prefetch_related(
                    Prefetch(
                        "memberships",
                        queryset=Membership.objects.active(),
                        to_attr="active_memberships",
                    )
                )
            )
            columns = views.PERSON_COLUMNS
        out = Path(options["output"])
        body = write_csv(columns, qs) if out.suffix.lower() == ".csv" else write_xlsx(columns, qs)
        out.write_bytes(body)
        self.stdout.write(f"Записано: {out} ({plural(qs.count(), 'строка', 'строки', 'строк')})")
