"""``marshrut diagnostics template|import|export``: the results of a campaign as spreadsheets."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.audit.log import Source
from marshrut.diagnostics.cli import CAMPAIGN_HELP, resolve_campaign
from marshrut.diagnostics.importing import (
    ImportRejected,
    apply_file,
    check_file,
    results_xlsx,
    summary,
    template_xlsx,
)
from marshrut.diagnostics.models import Campaign
from marshrut.lib.plural import plural

COUNT_NAMES = {
    "schools": "школ",
    "answers": "ответов",
    "submitted": "анкет станут отправленными (все показатели заполнены)",
    "draft": "анкет останутся черновиками (заполнены не все показатели)",
    "were_done": "из них уже были отправлены или проверены (ответы будут заменены)",
}

COUNT_PHASES = {
    "answers": "ответы",
    "statuses": "состояния анкет",
    "scores": "баллы, уровни, проверка",
    "statistics": "статистика для планировщика",
}


class Command(BaseCommand):
    help = "Результаты самодиагностики: шаблон для заполнения, загрузка из XLSX/XLS/CSV, выгрузка."
    # The system checks import every URL and view: a second of a command that may run often.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tpl = sub.add_parser(
            "template", help="пустая таблица: строка на школу, столбец на показатель"
        )
        tpl.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
        tpl.add_argument("-o", "--output", required=True)
        imp = sub.add_parser("import", help="загрузить результаты кампании (всё или ничего)")
        imp.add_argument("file")
        imp.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
        imp.add_argument("--dry-run", action="store_true", help="только проверить и показать итоги")
        exp = sub.add_parser("export", help="выгрузить баллы, уровни и дефициты школ (XLSX)")
        exp.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
        exp.add_argument("-o", "--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = resolve_campaign(options["campaign"])
        action = options["action"]
        if action == "template":
            out = Path(options["output"])
            out.write_bytes(template_xlsx(campaign))
            self.stdout.write(
                f"Записан шаблон: {out} ({plural(campaign.submissions.count(), 'школа', 'школы', 'школ')})"
            )
        elif action == "export":
            out = Path(options["output"])
            out.write_bytes(results_xlsx(campaign))
            self.stdout.write(f"Записаны результаты: {out}")
        else:
            self._import(campaign, options)

    def _import(self, campaign: Campaign, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        data = path.read_bytes()
        started = time.monotonic()
        plan = check_file(data, path.name, campaign)
        report = summary(plan)
        self._print_report(report)
        if plan.problem_count:
            raise CommandError(
                f"Файл не загружен: ошибок {plan.problem_count}. В базе ничего не изменилось."
            )
        self.stdout.write(f"Проверка: {time.monotonic() - started:.1f} с")
        if options["dry_run"]:
            self.stdout.write("Проверка пройдена; --dry-run: ничего не записано.")
            return
        started = time.monotonic()
        try:
            apply_file(None, data, path.name, campaign, source=Source.CLI, plan=plan)
        except ImportRejected as e:
            self._print_report(summary(e.plan))
            raise CommandError("Файл не загружен; в базе ничего не изменилось.") from None
        phases = ", ".join(f"{COUNT_PHASES.get(k, k)} {v:.1f} с" for k, v in plan.timings.items())
        self.stdout.write(f"Запись: {time.monotonic() - started:.1f} с ({phases})")
        self.stdout.write(
            self.style.SUCCESS(f"Результаты загружены в кампанию «{campaign.title}».")
        )

    def _print_report(self, report: dict[str, Any]) -> None:
        for s in report["sheets"]:
            self.stdout.write(f"Лист «{s['sheet']}»: {s['layout']}, строк: {s['rows']}")
        counts = report["counts"]
        if counts["schools"]:
            for key, name in COUNT_NAMES.items():
                if counts[key] or key in ("schools", "answers"):
                    self.stdout.write(f"  {name}: {counts[key]}")
        for note in report["notes"]:
            self.stdout.write(f"  примечание: {note}")
        for p in report["problems"]:
            where = (
                f"лист «{p['sheet']}», строка {p['row']}"
                if p["row"]
                else ((p["sheet"] and f"лист «{p['sheet']}»") or "файл")
            )
            col = f", столбец {p['column']}" if p["column"] else ""
            value = f", значение «{p['value']}»" if p["value"] else ""
            self.stderr.write(f"ОШИБКА: {where}{col}{value}: {p['reason']}")
        hidden = report["problem_count"] - len(report["problems"])
        if hidden > 0:
            self.stderr.write(f"… и ещё ошибок: {hidden}")
