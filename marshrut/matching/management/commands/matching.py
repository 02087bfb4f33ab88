"""``marshrut matching assign --campaign C [--capacity 5] [--format json|text]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marshrut.diagnostics.cli import CAMPAIGN_HELP, resolve_campaign
from marshrut.kernels.assignment import DEFAULT_CAPACITY, Costs
from marshrut.lib.plural import format_number, plural
from marshrut.matching.queries import direction_name, run_assignment


def _pct(share: float) -> str:
    return f"{format_number(round(100 * share, 1))}\u00a0%"


class Command(BaseCommand):
    help = "Горизонтальное обучение: распределение школ-партнёров по дефицитам зоны риска."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assign = sub.add_parser(
            "assign",
            help="распределить партнёров с учётом ёмкости (охват против жадного выбора)",
        )
        assign.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
        assign.add_argument(
            "--capacity",
            type=int,
            default=DEFAULT_CAPACITY,
            help=f"партнёрств на одну сильную школу (по умолчанию {DEFAULT_CAPACITY})",
        )
        assign.add_argument("--near", type=int, default=1, help="штраф: соседний муниципалитет")
        assign.add_argument("--far", type=int, default=3, help="штраф: другой муниципалитет")
        assign.add_argument(
            "--max-ring",
            type=int,
            choices=[0, 1, 2],
            default=2,
            help="0 — только свой муниципалитет, 1 — и соседние, 2 — вся область",
        )
        assign.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _assign(self, options: dict[str, Any]) -> None:
        if options["capacity"] < 1:
            raise CommandError("--capacity: не меньше 1")
        try:
            costs = Costs(options["near"], options["far"], options["max_ring"])
        except ValueError as e:
            raise CommandError(str(e)) from None
        campaign = resolve_campaign(options["campaign"])
        outcome = run_assignment(campaign, capacity=options["capacity"], costs=costs)
        data, best, greedy = outcome.data, outcome.best, outcome.greedy
        if options["format"] == "json":
            body = {
                "campaign": campaign.pk,
                "capacity": options["capacity"],
                "costs": {"near": costs.near, "far": costs.far, "max_ring": costs.max_ring},
                "risk_schools": len(data.risk),
                "needs": best.needs,
                "covered": best.covered,
                "coverage": round(best.coverage, 4),
                "greedy_covered": greedy.covered,
                "greedy_coverage": round(greedy.coverage, 4),
                "cost": best.cost,
                "greedy_cost": greedy.cost,
                "pairs": [
                    {
                        "school": p.need.school,
                        "school_name": data.names[p.need.school],
                        "direction": p.need.direction,
                        "partner": p.partner,
                        "partner_name": data.names[p.partner],
                        "ring": p.ring,
                    }
                    for p in best.pairs
                ],
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=1))
            return
        for p in best.pairs:
            self.stdout.write(
                f"{data.names[p.need.school]} — {direction_name(p.need.direction)}: "
                f"{data.names[p.partner]}"
            )
        self.stdout.write(
            f"Зона риска: {plural(len(data.risk), 'школа', 'школы', 'школ')}, дефицитных "
            f"направлений {best.needs}; закрыто {best.covered} ({_pct(best.coverage)}), "
            f"жадным выбором {greedy.covered} ({_pct(greedy.coverage)})."
        )
