"""Demo: one proposed plan of five project sessions for the latest finished campaign, and an
accepted partner assignment after each of the last two finished campaigns (the partnerships the
effectiveness of mechanisms counts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshrut.audit.log import Source
from marshrut.diagnostics.models import Campaign
from marshrut.kernels.matching import group_municipalities
from marshrut.lib.plural import plural
from marshrut.matching.actions import do_accept_assignment, do_save_session_plan
from marshrut.matching.models import AssignmentRun, ProjectSessionPlan
from marshrut.matching.queries import municipality_profiles, run_assignment, shared_rows
from marshrut.orgs.models import Region

DEMO_TITLE = "Проектные сессии: предложение системы (демо)"
SESSIONS = 5
DEMO_CAPACITY = 3
"""Tighter than the default 5, so that the demo shows the flow beating the greedy choice and
leaves some deficit directions without a partner to compare with."""


def build_demo(region: Region, stdout: Any) -> None:
    _sessions(region, stdout)
    _assignments(region, stdout)


def _assignments(region: Region, stdout: Any) -> None:
    campaigns = list(
        Campaign.objects.filter(
            region=region,
            closes_on__lt=region.today(),
            submissions__results__scope="overall",
        )
        .distinct()
        .order_by("-year", "-closes_on")[:2]
    )
    for campaign in reversed(campaigns):
        if AssignmentRun.objects.filter(campaign=campaign).exists():
            stdout.write(f"Распределение партнёров по кампании «{campaign.title}» уже принято")
            continue
        outcome = run_assignment(campaign, capacity=DEMO_CAPACITY)
        if not outcome.best.pairs:
            continue
        starts_on = min(campaign.closes_on + dt.timedelta(days=14), region.today())
        do_accept_assignment(None, campaign, outcome, starts_on=starts_on, source=Source.DEMO)
        stdout.write(
            f"Распределение партнёров по кампании «{campaign.title}»: партнёрств "
            f"{outcome.best.covered} из {outcome.best.needs} "
            f"(охват {round(100 * outcome.best.coverage)} %, жадный выбор "
            f"{round(100 * outcome.greedy.coverage)} %), с {starts_on:%d.%m.%Y}"
        )


def _sessions(region: Region, stdout: Any) -> None:
    campaign = (
        Campaign.objects.filter(
            region=region,
            closes_on__lt=region.today(),
            submissions__results__scope="overall",
        )
        .distinct()
        .order_by("-year", "-closes_on")
        .first()
    )
    if campaign is None:
        stdout.write("Проектные сессии: нет завершённой кампании с результатами — план не создан")
        return
    if ProjectSessionPlan.objects.filter(campaign=campaign, title=DEMO_TITLE).exists():
        stdout.write(f"Проектные сессии: план «{DEMO_TITLE}» уже есть")
        return
    data = municipality_profiles(campaign)
    if not data.municipalities:
        return
    n = min(SESSIONS, len(data.municipalities))
    groups = group_municipalities(data.profiles(), data.neighbours, n)
    do_save_session_plan(
        None,
        campaign,
        title=DEMO_TITLE,
        assignment={m: g.number for g in groups for m in g.members},
        shared={g.number: shared_rows(g.shared) for g in groups},
        source=Source.DEMO,
    )
    stdout.write(
        f"Проектные сессии: план из {plural(n, 'сессии', 'сессий', 'сессий')} для кампании «{campaign.title}»"
    )
