"""``marshrut programme export --school INN --year YYYY -o FILE.docx`` (also PDF and the
federal constructor's ZIP by the file's extension)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.orgs.context import command_region, in_zone
from marshrut.orgs.models import School
from marshrut.programmes import programme_docx
from marshrut.programmes.models import Programme


class Command(BaseCommand):
    help = "Программы развития школ: выгрузка в DOCX, PDF или для федерального конструктора."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser(
            "export", help="выгрузить программу развития школы (DOCX, PDF или ZIP по расширению)"
        )
        export.add_argument("--school", required=True, help="ИНН школы")
        export.add_argument("--year", type=int, required=True, help="год начала периода программы")
        export.add_argument("-o", "--output", required=True, help="файл .docx, .pdf или .zip")
        export.add_argument("--region", help="код региона (если в базе их несколько)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _export(self, options: dict[str, Any]) -> None:
        region = command_region(options.get("region"))
        school = (
            School.objects.filter(inn=options["school"], municipality__region=region)
            .select_related("municipality")
            .first()
        )
        if school is None:
            raise CommandError(f"В регионе «{region.name}» нет школы с ИНН {options['school']}.")
        programme = (
            Programme.objects.filter(school=school, starts_year=options["year"])
            .select_related("school__municipality", "region", "roadmap")
            .first()
        )
        if programme is None:
            years = ", ".join(
                str(y)
                for y in Programme.objects.filter(school=school).values_list(
                    "starts_year", flat=True
                )
            )
            raise CommandError(
                f"У школы {school.short_name} нет программы развития с {options['year']} года. "
                + (f"Есть программы с годами начала: {years}." if years else "Программ нет.")
            )
        path = Path(options["output"])
        fmt = path.suffix.lower().lstrip(".")
        with in_zone(region):
            if fmt == "docx":
                body = programme_docx.programme_docx(programme)
            elif fmt == "pdf":
                try:
                    body = programme_docx.to_pdf(programme_docx.programme_docx(programme))
                except programme_docx.NoConverter as e:
                    raise CommandError(str(e)) from e
            elif fmt == "zip":
                body = programme_docx.constructor_zip(programme)
            else:
                raise CommandError("Укажите файл с расширением .docx, .pdf или .zip.")
        path.write_bytes(body)
        self.stdout.write(f"{programme.title}: {path} ({len(body)} байт)")
