"""A small hand-made campaign for the report and sheet tests, with its figures written out.

Six schools: four in m1 (s1, s3, s4, s5), two in m2 (s2, s6); s6 never started the questionnaire.
Levels are written per scope in catalogue order (8 directions, then overall):
``b`` below basic, ``B`` basic, ``m`` medium, ``h`` high. The previous campaign has overall levels
only. The tests compute every expected figure from :data:`LEVELS_NOW`, :data:`LEVELS_BEFORE` and
:data:`DEFICITS`, never from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
from marshrut.orgs.models import School
from tests.conftest import World, make_school

CODE = {"b": "below_basic", "B": "basic", "m": "medium", "h": "high"}
SHARE = {"below_basic": 0.2, "basic": 0.5, "medium": 0.7, "high": 0.9}

# school attribute of the world → levels in 2024 (directions in catalogue order, then overall)
LEVELS_NOW = {
    "s1": "b b B m h b B m b",
    "s3": "h h m m h h m h h",
    "s4": "B b B B m B b B B",
    "s5": "m m m B h m m m m",
    "s2": "b b b B B b b B b",
}
LEVELS_BEFORE = {"s1": "B", "s3": "m", "s4": "B", "s2": "b", "s5": "h"}
DEFICITS = {
    "s1": ["ZN.01", "ZN.02", "ZD.01"],
    "s2": ["ZN.01", "ZD.01", "TV.01", "KL.02"],
    "s4": ["ZN.01", "ZD.02"],
    "s5": ["ZN.02"],
}
RISK = {"s1", "s2", "s5"}  # below basic now (s1, s2) or fell (s1: B→b, s5: h→m)


@dataclass
class ReportWorld:
    world: World
    campaign: Campaign
    previous: Campaign
    schools: dict[str, School]


def _results(campaign: Campaign, sub: Submission, spec: str) -> None:
    catalogue = campaign.criteria.catalogue
    letters = spec.split()
    scopes = catalogue.scope_codes if len(letters) > 1 else ("overall",)
    rows = []
    for scope, letter in zip(scopes, letters, strict=True):
        level = CODE[letter]
        rows.append(
            Result(
                submission=sub,
                campaign=campaign,
                school=sub.school,
                scope=scope,
                points=SHARE[level] * 50,
                max_points=50,
                level=level,
            )
        )
    Result.objects.bulk_create(rows)


def _done(sub: Submission) -> None:
    sub.status, sub.submitted_at = Status.SUBMITTED, timezone.now()
    sub.save()


@pytest.fixture
def rw(world: World) -> ReportWorld:
    from tests.diagnostics.factories import campaign_for

    schools: dict[str, School] = {"s1": world.s1, "s3": world.s3, "s2": world.s2}
    schools["s4"] = make_school(world.m1, 4, short_name="МАОУ СОШ № 4")
    schools["s5"] = make_school(world.m1, 5, short_name="МАОУ СОШ № 5")
    schools["s6"] = make_school(world.m2, 6, short_name="МАОУ СОШ № 6")
    previous = campaign_for(world, 2023)
    campaign = campaign_for(world, 2024)
    assert campaign.previous_id == previous.pk
    catalogue = campaign.criteria.catalogue
    for name, spec in LEVELS_NOW.items():
        sub = campaign.submissions.get(school=schools[name])
        _done(sub)
        _results(campaign, sub, spec)
        for code in DEFICITS.get(name, []):
            indicator = catalogue.indicators[code]
            Deficit.objects.create(
                submission=sub,
                campaign=campaign,
                school=sub.school,
                code=code,
                direction=indicator.direction,
                kind="zero",
                points=0,
                max_points=indicator.max_points,
            )
    for name, letter in LEVELS_BEFORE.items():
        sub = previous.submissions.get(school=schools[name])
        _done(sub)
        _results(previous, sub, letter)
    return ReportWorld(world, campaign, previous, schools)
