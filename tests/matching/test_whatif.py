"""The what-if planner: the schools' paths, the page, and the draft regional roadmap it creates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marshrut.diagnostics.models import Result
from marshrut.kernels.criteria import LEVELS
from marshrut.kernels.whatif import plan
from marshrut.matching.actions import do_draft_whatif_roadmap
from marshrut.matching.queries import whatif_data
from marshrut.plans.models import Level, Measure, Plan, PlanItem
from tests.conftest import World
from tests.diagnostics.factories import campaign_for, submission_for


@pytest.fixture
def campaign(world: World):  # type: ignore[no-untyped-def]
    for school, strength in ((world.s1, 0.3), (world.s2, 0.9), (world.s3, 0.5)):
        submission_for(world, school, submitted=True, strength=strength)
    return campaign_for(world)


def test_paths_agree_with_the_stored_levels(campaign, world: World) -> None:  # type: ignore[no-untyped-def]
    data = whatif_data(campaign)
    stored = dict(
        Result.objects.filter(campaign=campaign, scope="overall").values_list("school_id", "level")
    )
    assert {s.school: s.level for s in data.schools} == stored
    for s in data.schools:
        if s.target is not None:
            assert s.steps, "a school below the top has a path of at least one indicator"
    assert data.municipality_of[world.s1.pk] == world.m1.name


def test_page_shows_levels_before_and_after(campaign, world: World) -> None:  # type: ignore[no-untyped-def]
    data = whatif_data(campaign)
    costs = sorted(s.cost for s in data.schools if s.cost is not None)
    assert costs, "the test world has a school to lift"
    response = world.client("operator").get(
        reverse("matching:whatif", args=[campaign.pk]),
        {"schools": 1, "per_school": costs[0]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="chosen-school"') == 1
    assert "Поднимутся на уровень: 1" in html
    assert "Создать проект региональной дорожной карты" in html


def test_coordinator_has_no_planner(campaign, world: World) -> None:  # type: ignore[no-untyped-def]
    url = reverse("matching:whatif", args=[campaign.pk])
    assert world.client("coordinator").get(url).status_code == 403
    assert world.client("coordinator").post(url, {"schools": 1}).status_code == 403


def test_accepting_creates_a_draft_regional_roadmap_naming_the_schools(
    campaign, world: World
) -> None:  # type: ignore[no-untyped-def]
    data = whatif_data(campaign)
    cheapest = min((s for s in data.schools if s.cost), key=lambda s: s.cost or 0)
    code = (cheapest.steps or ())[0]
    Measure.objects.create(
        region=world.region,
        indicator=code,
        direction=campaign.criteria.catalogue.indicators[code].direction,
        title="Методический десант в школу",
        responsible="ТОГИРРО, ОО",
    )
    response = world.client("operator").post(
        reverse("matching:whatif", args=[campaign.pk]),
        {"schools": 3, "per_school": 50},
    )
    roadmap = Plan.objects.get(level=Level.REGION)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan_detail", args=[roadmap.pk])
    assert roadmap.status == Plan.Status.DRAFT
    assert roadmap.year == campaign.year + 1
    items = list(PlanItem.objects.filter(plan=roadmap))
    chosen = plan(data.schools, LEVELS, limit=3, per_school=50).chosen
    assert {i.indicator_code for i in items} == {c for s in chosen for c in s.steps or ()}
    item = next(i for i in items if i.indicator_code == code)
    assert item.title.startswith("Методический десант в школу (ОО: ")
    assert cheapest.name in item.title
    assert item.due_on is not None and item.due_on.year == campaign.year + 1


def test_an_empty_plan_makes_no_roadmap(campaign) -> None:  # type: ignore[no-untyped-def]
    empty = plan([], LEVELS, limit=5, per_school=5)
    with pytest.raises(ValidationError, match="ни одной школы"):
        do_draft_whatif_roadmap(None, campaign, empty)
    assert not Plan.objects.filter(level=Level.REGION).exists()
