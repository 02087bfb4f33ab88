"""Campaigns and questionnaires for tests, built fast (answers in bulk, scored once)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.utils import timezone

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Answer, Campaign, CriteriaVersion, Status, Submission
from marshrut.diagnostics.synthetic import answers_for
from tests.conftest import World

DATA = Path(__file__).resolve().parents[2] / "marshrut" / "data" / "criteria"


def criteria(year: int = 2024) -> CriteriaVersion:
    existing = CriteriaVersion.objects.filter(code=f"demo-{year}").first()
    if existing:
        return existing
    path = DATA / f"demo-{year}.yaml"
    return actions.do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)


def campaign_for(world: World, year: int = 2024) -> Campaign:
    existing = Campaign.objects.filter(region=world.region, year=year).first()
    if existing:
        return existing
    today = timezone.localdate()
    return actions.do_open_campaign(
        None,
        world.region,
        criteria(year),
        title=f"Самодиагностика {year}",
        year=year,
        opens_on=today - dt.timedelta(days=5),
        closes_on=today + dt.timedelta(days=5),
    )


def submission_for(
    world: World, school: Any, *, submitted: bool = False, strength: float = 0.5
) -> Submission:
    sub = campaign_for(world).submissions.get(school=school)
    if submitted and sub.status not in (Status.SUBMITTED, Status.VERIFIED):
        catalogue = sub.campaign.criteria.catalogue
        values = answers_for(catalogue, sub.profile, strength, random.Random(school.pk), school.inn)
        Answer.objects.bulk_create(
            [
                Answer(submission=sub, code=c, value=list(v) if isinstance(v, tuple) else v)
                for c, v in values.items()
            ]
        )
        sub.status, sub.submitted_at, sub.answered = Status.SUBMITTED, timezone.now(), len(values)
        sub.save()
        actions.finish([sub])
    return sub
