"""The demo roadmaps: seed 001 as the regional plan, plans below it, the persona school's roadmap
from deficits, built once."""

from __future__ import annotations

import io
from typing import Any

from marshrut.diagnostics.models import Deficit
from marshrut.plans.actions import drafted_roadmap
from marshrut.plans.demo import SEED_001, build_demo
from marshrut.plans.models import Level, Measure, Plan, PlanItem, ProgressReport
from tests.conftest import World


def test_demo_is_built_once(world: World, seed_bytes: Any) -> None:
    out = io.StringIO()
    build_demo(world.region, out)
    regional = Plan.objects.get(level=Level.REGION)
    assert regional.source_filename == SEED_001 and regional.items.count() == 39
    assert {s.title for s in regional.sections.all()} >= {"Нормативно-правовое обеспечение"}
    assert Plan.objects.filter(level=Level.MUNICIPALITY).exists()
    assert Plan.objects.filter(level=Level.SCHOOL, school=world.s1).exists()
    assert PlanItem.objects.filter(parent__isnull=False).exists()
    assert PlanItem.objects.overdue().exists() and ProgressReport.objects.exists()
    counts = (Plan.objects.count(), PlanItem.objects.count(), ProgressReport.objects.count())
    build_demo(world.region, out)
    assert (
        Plan.objects.count(),
        PlanItem.objects.count(),
        ProgressReport.objects.count(),
    ) == counts


def test_demo_drafts_the_persona_schools_roadmap_from_its_deficits_once(
    world: World, seed_bytes: Any
) -> None:
    from tests.diagnostics.factories import submission_for

    submission = submission_for(world, world.s1, submitted=True)
    deficits = Deficit.objects.filter(submission=submission).count()
    out = io.StringIO()
    build_demo(world.region, out)
    roadmap = drafted_roadmap(world.s1, submission.campaign.year + 1)
    assert roadmap is not None and roadmap.status == Plan.Status.DRAFT
    assert roadmap.items.count() == deficits
    # The library's measures are in place before the draft is made, and it takes them.
    codes = set(Measure.objects.filter(region=world.region).values_list("indicator", flat=True))
    from_library = roadmap.items.filter(indicator_code__in=codes)
    assert from_library.exists()
    assert all(not i.title.startswith("Устранить дефицит") for i in from_library)
    assert "Дорожная карта из дефицитов" in out.getvalue()
    build_demo(world.region, out)
    assert Plan.objects.filter(school=world.s1, year=roadmap.year).count() == 1
    assert roadmap.items.count() == deficits


def test_demo_without_a_scored_questionnaire_drafts_no_roadmap(
    world: World, seed_bytes: Any
) -> None:
    out = io.StringIO()
    build_demo(world.region, out)
    assert not PlanItem.objects.filter(indicator_code__gt="").exists()
    assert "нет отправленной анкеты" in out.getvalue()


def test_demo_sends_a_neighbours_roadmap_so_the_coordinator_has_one_to_review(
    world: World, seed_bytes: Any
) -> None:
    from tests.diagnostics.factories import submission_for

    first = submission_for(world, world.s1, submitted=True)
    submission_for(world, world.s3, submitted=True)  # the same campaign
    build_demo(world.region, io.StringIO())
    sent = drafted_roadmap(world.s3, first.campaign.year + 1)
    assert sent is not None and sent.status == Plan.Status.SUBMITTED
    assert drafted_roadmap(world.s1, first.campaign.year + 1).status == Plan.Status.DRAFT  # type: ignore[union-attr]
    build_demo(world.region, io.StringIO())
    assert Plan.objects.filter(school=world.s3, year=sent.year).count() == 1
    sent.refresh_from_db()
    assert sent.status == Plan.Status.SUBMITTED
