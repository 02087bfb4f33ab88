"""``marshrut series create|attach|list``: campaign series that span regions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from marshrut.audit.log import Source
from marshrut.diagnostics.actions import do_attach_to_series, do_create_series
from marshrut.diagnostics.cli import CAMPAIGN_HELP, resolve_campaign
from marshrut.diagnostics.models import CampaignSeries, CriteriaVersion
from marshrut.lib.plural import plural


def _date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise CommandError(f"Дата «{text}» не в виде ДД.ММ.ГГГГ.") from None


def _series(text: str) -> CampaignSeries:
    text = text.strip()
    found = CampaignSeries.objects.filter(title=text).first()
    if found is None and text.isdigit():
        found = CampaignSeries.objects.filter(pk=int(text)).first()
    if found is None:
        known = "; ".join(f"{s.pk} — {s.title}" for s in CampaignSeries.objects.all()[:10])
        raise CommandError(f"Нет серии «{text}». Есть: {known or 'ни одной'}.")
    return found


class Command(BaseCommand):
    help = (
        "Межрегиональные серии кампаний: одни критерии и одни сроки у кампаний разных регионов, "
        "чтобы федеральная сводка сравнивала их рядом."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="создать серию")
        create.add_argument("title", help="название серии")
        create.add_argument("--criteria", required=True, help="версия критериев (код)")
        create.add_argument("--year", type=int, required=True)
        create.add_argument("--opens", required=True, help="начало приёма ответов, ДД.ММ.ГГГГ")
        create.add_argument("--closes", required=True, help="окончание приёма, ДД.ММ.ГГГГ")
        attach = sub.add_parser("attach", help="включить кампанию региона в серию")
        attach.add_argument("series", help="номер или точное название серии")
        attach.add_argument("--campaign", required=True, help=CAMPAIGN_HELP)
        sub.add_parser("list", help="серии и число кампаний в них")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            rows = CampaignSeries.objects.select_related("criteria").annotate(n=Count("campaigns"))
            for s in rows:
                self.stdout.write(
                    f"{s.pk}\t{s.title}\t{s.criteria.code}\t"
                    f"{s.opens_on:%d.%m.%Y}–{s.closes_on:%d.%m.%Y}\t"
                    f"{plural(s.n, 'кампания', 'кампании', 'кампаний')}"
                )
            return
        try:
            if action == "create":
                criteria = CriteriaVersion.objects.filter(code=options["criteria"]).first()
                if criteria is None:
                    raise CommandError(
                        f"Нет версии критериев «{options['criteria']}» "
                        "(список: marshrut criteria list)."
                    )
                series = do_create_series(
                    None,
                    criteria,
                    title=options["title"],
                    year=options["year"],
                    opens_on=_date(options["opens"]),
                    closes_on=_date(options["closes"]),
                    source=Source.CLI,
                )
                self.stdout.write(self.style.SUCCESS(f"Создана серия {series.pk}: {series}."))
            else:
                series = _series(options["series"])
                campaign = do_attach_to_series(
                    None, resolve_campaign(options["campaign"]), series, source=Source.CLI
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Кампания «{campaign}» ({campaign.region}) включена в серию «{series}»."
                    )
                )
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
