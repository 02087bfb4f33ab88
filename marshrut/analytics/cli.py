"""``marshrut report diagnostics``, ``marshrut report school-sheets`` and
``marshrut report effectiveness``.

Registered in the ``report`` command's ``SUBCOMMANDS`` (marshrut/events/management/commands/
report.py) through :data:`SUBCOMMANDS` here: name → (help, add arguments, handle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.diagnostics.cli import CAMPAIGN_HELP, resolve_campaign
from marshrut.diagnostics.models import Campaign
from marshrut.orgs.models import Municipality


def resolve_municipality(campaign: Campaign, oktmo: str | None) -> Municipality | None:
    if not oktmo:
        return None
    municipality = Municipality.objects.filter(
        oktmo=oktmo.strip(), region=campaign.region_id
    ).first()
    if municipality is None:
        raise CommandError(f"В регионе кампании нет муниципалитета с ОКТМО {oktmo}.")
    return municipality


def _common(parser: Any) -> None:
    parser.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
    parser.add_argument("--municipality", help="ОКТМО муниципалитета (без него — весь регион)")


def add_diagnostics_arguments(parser: Any) -> None:
    _common(parser)
    parser.add_argument("--format", choices=["docx", "pdf"], default="docx", help="docx или pdf")
    parser.add_argument("-o", "--output", required=True, help="файл справки")


def handle_diagnostics(command: BaseCommand, options: dict[str, Any]) -> None:
    from marshrut.analytics import report
    from marshrut.analytics.models import ReportDraft

    campaign = resolve_campaign(options["campaign"])
    municipality = resolve_municipality(campaign, options.get("municipality"))
    data = report.collect(campaign, municipality)
    draft = ReportDraft.objects.filter(campaign=campaign, municipality=municipality).first()
    texts = report.texts_for(data, draft)
    fmt = options["format"]
    body = report.build_docx(data, texts) if fmt == "docx" else report.build_pdf(data, texts)
    out = Path(options["output"])
    out.write_bytes(body)
    command.stdout.write(
        f"Записано: {out} — {data.place}, оценено ОО: {data.scored}, в зоне риска: {len(data.risk)}"
        + (" (с правками оператора)" if draft else "")
    )


def add_sheets_arguments(parser: Any) -> None:
    _common(parser)
    parser.add_argument("-o", "--output", required=True, help="файл .zip")


def handle_school_sheets(command: BaseCommand, options: dict[str, Any]) -> None:
    from marshrut.analytics.sheets import build_zip

    campaign = resolve_campaign(options["campaign"])
    municipality = resolve_municipality(campaign, options.get("municipality"))
    verbosity = int(options.get("verbosity", 1))

    def progress(done: int, total: int) -> None:
        if verbosity > 1:
            command.stderr.write(f"{done}/{total}")

    data, total = build_zip(campaign, municipality, progress)
    out = Path(options["output"])
    out.write_bytes(data)
    command.stdout.write(f"Записано: {out} — листов: {total}")


def add_effectiveness_arguments(parser: Any) -> None:
    _common(parser)
    parser.add_argument("-o", "--output", required=True, help="файл .docx")


def handle_effectiveness(command: BaseCommand, options: dict[str, Any]) -> None:
    from marshrut.analytics import effectiveness, report
    from marshrut.kernels.effectiveness import Verdict

    campaign = resolve_campaign(options["campaign"])
    municipality = resolve_municipality(campaign, options.get("municipality"))
    result = effectiveness.compute(campaign, municipality)
    out = Path(options["output"])
    out.write_bytes(report.build_effectiveness_docx(result))
    if result.previous is None:
        command.stdout.write(
            f"Записано: {out} — у кампании «{campaign.title}» нет предыдущей: сравнивать не с чем"
        )
        return
    helps = sum(1 for r in result.rows if r.overall.verdict is Verdict.HELPS)
    command.stdout.write(
        f"Записано: {out} — «{result.previous.title}» → «{campaign.title}»: дефицитов "
        f"{result.facts}, закрыто {result.closed}; механизмов {len(result.rows)}, помогают {helps}"
    )


SUBCOMMANDS: dict[str, tuple[str, Any, Any]] = {
    "diagnostics": (
        "информационно-аналитическая справка о результатах самодиагностики (DOCX или PDF)",
        add_diagnostics_arguments,
        handle_diagnostics,
    ),
    "effectiveness": (
        "анализ эффективности механизмов устранения дефицитов: кампания против предыдущей (DOCX)",
        add_effectiveness_arguments,
        handle_effectiveness,
    ),
    "school-sheets": (
        "листы результатов школ (по PDF на школу) одним ZIP-архивом",
        add_sheets_arguments,
        handle_school_sheets,
    ),
}
