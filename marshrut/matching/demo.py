"""Demo: one proposed plan of five project sessions for the latest finished campaign."""

from __future__ import annotations

from typing import Any

from marshrut.audit.log import Source
from marshrut.diagnostics.models import Campaign
from marshrut.kernels.matching import group_municipalities
from marshrut.lib.plural import plural
from marshrut.matching.actions import do_save_session_plan
from marshrut.matching.models import ProjectSessionPlan
from marshrut.matching.queries import municipality_profiles, shared_rows
from marshrut.orgs.models import Region

DEMO_TITLE = "Проектные сессии: предложение системы (демо)"
SESSIONS = 5


def build_demo(region: Region, stdout: Any) -> None:
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
