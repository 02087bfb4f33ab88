"""``marshrut plan parse FILE``, ``plan import FILE``, ``plan remind`` and ``plan tally``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.audit.log import Source
from marshrut.kernels.plan_reader import plan_to_dict
from marshrut.lib.imports import ImportBatch
from marshrut.orgs.context import command_region
from marshrut.orgs.models import Municipality, Region, School
from marshrut.plans import importer, reminders
from marshrut.plans.actions import do_seed_organisations, owner_fields, rebuild_tallies
from marshrut.plans.importing import ImportRefused, dictionary_for, read_document
from marshrut.plans.models import Level, Plan, Programme


def _owner(level: str, code: str, region: Region | None) -> dict[str, Any]:
    """The plan's owner by its code, within ``--region`` when it is given."""
    if level == Level.REGION:
        if region is not None and region.code != code:
            raise CommandError(f"--owner {code} и --region {region.code} — разные регионы")
        return {"region": region or command_region(code)}
    where = {} if region is None else {"region": region}
    if level == Level.MUNICIPALITY:
        municipality = (
            Municipality.objects.filter(oktmo=code, **where).select_related("region").first()
        )
        if municipality is None:
            raise CommandError(f"Нет муниципалитета с ОКТМО {code}")
        return {"municipality": municipality}
    where = {} if region is None else {"municipality__region": region}
    school = School.objects.filter(inn=code, **where).select_related("municipality__region").first()
    if school is None:
        raise CommandError(f"Нет школы с ИНН {code}")
    return {"school": school}


class Command(BaseCommand):
    help = "Дорожные карты: разбор документа, загрузка, напоминания, пересчёт сводок исполнения."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        parse = sub.add_parser(
            "parse", help="разобрать документ и напечатать результат, не сохраняя"
        )
        parse.add_argument("file")
        parse.add_argument("--year", type=int, required=True)
        parse.add_argument("--format", choices=["json"], default="json")
        imp = sub.add_parser("import", help="загрузить документ как дорожную карту")
        imp.add_argument("file")
        imp.add_argument("--year", type=int, required=True)
        imp.add_argument("--level", choices=[v for v, _ in Level.choices], required=True)
        imp.add_argument(
            "--owner", required=True, help="код региона, ОКТМО муниципалитета или ИНН школы"
        )
        imp.add_argument("--title", help="название (по умолчанию «Дорожная карта: владелец, год»)")
        imp.add_argument(
            "--programme",
            choices=[v for v, _ in Programme.choices],
            default=Programme.SCHOOL,
            help="программа: school — «Школа Минпросвещения России», shnor — ШНОР",
        )
        imp.add_argument("--region", help="код региона (когда в базе их несколько)")
        remind = sub.add_parser("remind", help="разослать напоминания о сроках и просрочках")
        remind.add_argument("--days", type=int, default=7, help="«срок скоро»: дней вперёд")
        remind.add_argument("--on", help="дата ГГГГ-ММ-ДД (по умолчанию сегодня)")
        remind.add_argument("--base-url", default="", help="адрес сайта для ссылок в письмах")
        remind.add_argument(
            "--dry-run", action="store_true", help="только показать, кому и сколько"
        )
        sub.add_parser(
            "tally",
            help="пересчитать сводки исполнения всех карт (после загрузки мероприятий в обход "
            "действий, например из резервной копии)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _read(self, options: dict[str, Any], region: Region | None = None) -> Any:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        try:
            return read_document(
                path.read_bytes(), path.name, options["year"], dictionary_for(region)
            )
        except ImportRefused as e:
            raise CommandError(e.message) from None

    def _parse(self, options: dict[str, Any]) -> None:
        plan = self._read(options)
        self.stdout.write(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2))

    def _import(self, options: dict[str, Any]) -> None:
        """The same check and apply as the upload page, run here without the worker."""
        region = command_region(options["region"]) if options["region"] else None
        owner = _owner(options["level"], options["owner"], region)
        node = owner.get("school") or owner.get("municipality") or owner["region"]
        region = (
            node
            if isinstance(node, Region)
            else (node.region if isinstance(node, Municipality) else node.municipality.region)
        )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        do_seed_organisations(None, region, source=Source.CLI)
        full = owner_fields(
            options["level"], **{"region": None, "municipality": None, "school": None, **owner}
        )
        params = {
            **importer.params_of(
                level=options["level"],
                year=options["year"],
                title=options["title"] or "",
                owner=full,
                programme=options["programme"],
            ),
            "source": Source.CLI,
        }
        batch, report = importer.create_batch(
            None, path.read_bytes(), path.name, region=region, params=params
        )
        if report.ok:
            importer.apply_now(None, batch)
        if batch.status != ImportBatch.Status.APPLIED:
            problems = batch.problem_list() if batch.pk else report.problems
            raise CommandError(
                "Дорожная карта не загружена: " + "; ".join(str(p) for p in problems[:10])
            )
        plan = Plan.objects.get(pk=batch.counts["plan"])
        rows = batch.counts["draft"]["rows"]
        unknown = sum(1 for r in rows for d in r["deadlines"] if d["kind"] == "unknown")
        self.stdout.write(
            self.style.SUCCESS(
                f"Сохранена дорожная карта №{plan.pk} «{plan.title}» "
                f"({plan.get_programme_display()}): разделов "
                f"{plan.sections.count()}, мероприятий {plan.items.count()}"
                + (f", нераспознанных сроков {unknown}" if unknown else "")
                + "."
            )
        )

    def _remind(self, options: dict[str, Any]) -> None:
        # Without --on, each plan's «today» is its region's.
        on = dt.date.fromisoformat(options["on"]) if options["on"] else None
        found = reminders.collect(on, options["days"])
        for r in found:
            self.stdout.write(f"{r.email}: просрочено {len(r.overdue)}, срок скоро {len(r.soon)}")
        if options["dry_run"]:
            self.stdout.write(f"--dry-run: ничего не записано (адресатов {len(found)}).")
            return
        written = reminders.send(found, on=on, base_url=options["base_url"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Записано уведомлений: {written}. Доставит их «marshrut notify send»."
            )
        )

    def _tally(self, options: dict[str, Any]) -> None:
        count = rebuild_tallies()
        self.stdout.write(self.style.SUCCESS(f"Сводки исполнения пересчитаны: карт {count}."))
