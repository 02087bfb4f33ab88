"""``marshrut report <kind> …``: documents made from the data.

Each kind of report is a subcommand registered in ``SUBCOMMANDS``: a function that adds its
arguments to a subparser and a function that produces the document. Other apps add theirs by
adding an entry (``report diagnostics``, ``report school-sheets``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.orgs.context import command_region, in_zone


def parse_date(text: str) -> dt.date:
    """dd.mm.yyyy or ISO yyyy-mm-dd."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Не понял дату «{text}»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")


@dataclass(frozen=True)
class Subcommand:
    help: str
    arguments: Callable[[Any], None]
    handle: Callable[[BaseCommand, dict[str, Any]], None]


def _period_arguments(parser: Any) -> None:
    parser.add_argument("--from", dest="start", required=True, help="начало: ДД.ММ.ГГГГ")
    parser.add_argument("--to", dest="end", required=True, help="конец: ДД.ММ.ГГГГ")
    parser.add_argument("-o", "--output", required=True, help="файл .docx")
    parser.add_argument("--region", help="код субъекта (если в базе несколько регионов)")


def _period(command: BaseCommand, options: dict[str, Any]) -> None:
    from marshrut.events.models import PeriodReport
    from marshrut.events.report import build_docx, content

    start, end = parse_date(options["start"]), parse_date(options["end"])
    if end < start:
        raise CommandError("Конец периода раньше начала.")
    region = command_region(options["region"])
    saved = PeriodReport.objects.filter(region=region, starts_on=start, ends_on=end).first()
    with in_zone(region):  # the document's dates are the region's
        c = content(region, start, end, saved)
        out = Path(options["output"])
        out.write_bytes(build_docx(c))
    command.stdout.write(
        f"Записано: {out} — мероприятий {len(c.events)}"
        + ("" if saved else " (аналитическая часть — черновик по данным)")
    )


SUBCOMMANDS: dict[str, Subcommand] = {
    "period": Subcommand(
        "отчёт регионального координатора за период (DOCX, как в отчёте 2022 г.)",
        _period_arguments,
        _period,
    ),
}

# Subcommands of other apps (marshrut/analytics/cli.py: diagnostics, school-sheets).
from marshrut.analytics.cli import SUBCOMMANDS as _ANALYTICS  # noqa: E402

SUBCOMMANDS.update({name: Subcommand(*spec) for name, spec in _ANALYTICS.items()})


class Command(BaseCommand):
    help = "Отчёты из данных системы: marshrut report period --from ДАТА --to ДАТА -o ФАЙЛ.docx"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for name, spec in SUBCOMMANDS.items():
            spec.arguments(sub.add_parser(name, help=spec.help))

    def handle(self, *args: Any, **options: Any) -> None:
        SUBCOMMANDS[options["kind"]].handle(self, options)
