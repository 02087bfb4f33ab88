"""``marshrut shnor report --year 2022 --stage N -o FILE.docx`` and ``marshrut shnor remind``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.lib.plural import plural
from marshrut.orgs.context import command_region, in_zone
from marshrut.support import stage_reminders
from marshrut.support.models.stages import Stage
from marshrut.support.stage_report import stage_report_docx


class Command(BaseCommand):
    help = "ШНОР: отчёт мониторинга по контрольной дате этапа, напоминания школам о документах."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="отчёт мониторинга этапа (DOCX)")
        report.add_argument("--year", type=int, required=True)
        report.add_argument("--stage", type=int, required=True, help="номер этапа")
        report.add_argument("-o", "--output", required=True, help="куда записать DOCX")
        report.add_argument("--region", help="код региона (нужен, если регионов несколько)")
        remind = sub.add_parser(
            "remind", help="напомнить школам о неотправленных документах перед контрольной датой"
        )
        remind.add_argument(
            "--days",
            default="7,1",
            help="за сколько дней до контрольной даты напоминать, через запятую (по умолчанию 7,1)",
        )
        remind.add_argument("--on", help="дата ГГГГ-ММ-ДД (по умолчанию сегодня в каждом регионе)")
        remind.add_argument("--base-url", default="", help="адрес сайта для ссылок в письмах")
        remind.add_argument("--dry-run", action="store_true", help="только показать, кому и что")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _report(self, options: dict[str, Any]) -> None:
        region = command_region(options["region"])
        stage = (
            Stage.objects.of_year(region, options["year"]).filter(number=options["stage"]).first()
        )
        if stage is None:
            numbers = list(
                Stage.objects.of_year(region, options["year"]).values_list("number", flat=True)
            )
            raise CommandError(
                f"Этапа {options['stage']} в {options['year']} году в регионе «{region.name}» нет. "
                + (
                    f"Есть этапы: {', '.join(map(str, numbers))}."
                    if numbers
                    else "Этапы этого года не заданы."
                )
            )
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"Нет папки {output.parent}")
        with in_zone(region):
            body = stage_report_docx(region, stage)
        output.write_bytes(body)
        self.stdout.write(
            self.style.SUCCESS(
                f"Отчёт по этапу {stage.number} записан: {output} ({len(body)} байт)."
            )
        )

    def _remind(self, options: dict[str, Any]) -> None:
        try:
            horizons = sorted({int(d) for d in options["days"].split(",") if d.strip()})
        except ValueError:
            raise CommandError("--days: числа дней через запятую, например 7,1") from None
        if not horizons or min(horizons) < 0:
            raise CommandError("--days: числа дней через запятую, например 7,1")
        on = dt.date.fromisoformat(options["on"]) if options["on"] else None
        found = stage_reminders.collect(horizons, on=on)
        for r in found:
            emails = ", ".join(r.emails) or "нет адреса"
            self.stdout.write(
                f"{r.school}: этап {r.stage.number} до {r.stage.control_on:%d.%m.%Y}, "
                f"{plural(len(r.missing), 'документ', 'документа', 'документов')} → {emails}"
            )
        if options["dry_run"]:
            self.stdout.write(f"--dry-run: ничего не записано (школ {len(found)}).")
            return
        written = stage_reminders.send(found, base_url=options["base_url"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Записано уведомлений: {written}. Доставит их «marshrut notify send»."
            )
        )
