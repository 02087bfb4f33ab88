"""Hand-made results for matching: which school is strong where is set here, not drawn at random.

The test world has m1 (s1 — the head's school — and s3) and m2 (s2). Here m2 borders m1, and a
third municipality m3, far away, gets two more schools: s4 weak in ZN.01, s5 strong in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from marshrut.diagnostics.actions import do_open_campaign
from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
from marshrut.kernels.criteria import MODEL_DIRECTIONS
from marshrut.orgs.models import Municipality, School
from tests.conftest import World, make_school
from tests.diagnostics.factories import criteria

DIRECTIONS = [code for code, _n, _k in MODEL_DIRECTIONS]


def score(
    sub: Submission,
    *,
    share: float = 0.5,
    level: str = "basic",
    by_direction: dict[str, tuple[float, str]] | None = None,
    deficits: tuple[str, ...] = (),
) -> Submission:
    """Store results as the scoring would: 8 directions and overall, plus deficit rows."""
    catalogue = sub.campaign.criteria.catalogue
    rows = []
    for d in DIRECTIONS:
        s, lv = (by_direction or {}).get(d, (share, level))
        rows.append(
            Result(
                submission=sub,
                campaign=sub.campaign,
                school=sub.school,
                scope=d,
                points=10 * s,
                max_points=10,
                level=lv,
            )
        )
    rows.append(
        Result(
            submission=sub,
            campaign=sub.campaign,
            school=sub.school,
            scope="overall",
            points=80 * share,
            max_points=80,
            level=level,
            deficits=len(deficits),
        )
    )
    Result.objects.bulk_create(rows)
    Deficit.objects.bulk_create(
        Deficit(
            submission=sub,
            campaign=sub.campaign,
            school=sub.school,
            code=code,
            direction=catalogue.indicators[code].direction,
            kind=Deficit.Kind.ZERO,
            points=0,
            max_points=catalogue.indicators[code].max_points,
        )
        for code in deficits
    )
    sub.status, sub.submitted_at = Status.SUBMITTED, timezone.now()
    sub.save(update_fields=["status", "submitted_at"])
    return sub


@dataclass
class Scored:
    world: World
    campaign: Campaign
    m3: Municipality
    s4: School
    s5: School
    subs: dict[str, Submission]

    def sub(self, name: str) -> Submission:
        return self.subs[name]


def open_campaign(world: World, *, finished: bool = True, year: int = 2024) -> Campaign:
    today = timezone.localdate()
    opens = today - dt.timedelta(days=40 if finished else 5)
    closes = today - dt.timedelta(days=10) if finished else today + dt.timedelta(days=5)
    return do_open_campaign(
        None,
        world.region,
        criteria(2024),
        title=f"Самодиагностика {year}",
        year=year,
        opens_on=opens,
        closes_on=closes,
    )


@pytest.fixture
def scored(world: World) -> Scored:
    return build_scored(world)


def build_scored(world: World) -> Scored:
    world.m1.neighbours.add(world.m2)
    m3 = Municipality.objects.create(region=world.region, name="Дальний район", oktmo="98703000")
    s4 = make_school(m3, 4, short_name="СОШ № 4 Дальнего района")
    s5 = make_school(m3, 5, short_name="СОШ № 5 Дальнего района")
    campaign = open_campaign(world)
    subs = {
        name: Submission.objects.get(campaign=campaign, school=school)
        for name, school in {
            "s1": world.s1,
            "s2": world.s2,
            "s3": world.s3,
            "s4": s4,
            "s5": s5,
        }.items()
    }
    score(subs["s1"], share=0.3, level="below_basic", deficits=("ZN.01", "KL.01", "PF.01"))
    score(subs["s3"], share=0.5, level="basic", deficits=("KL.01",))
    score(subs["s2"], share=0.9, level="high")
    score(subs["s4"], share=0.95, level="high", deficits=("ZN.01",))
    score(subs["s5"], share=0.6, level="medium")
    return Scored(world, campaign, m3, s4, s5, subs)
