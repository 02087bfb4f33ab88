"""The demo roadmaps: seed 001 as the regional plan, plans below it, built once."""

from __future__ import annotations

import io
from typing import Any

from marshrut.plans.demo import SEED_001, build_demo
from marshrut.plans.models import Level, Plan, PlanItem, ProgressReport
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
