"""The demo of the library: practices by the schools strongest in their direction, some in
moderation, adoptions by weak schools with the deficits the practices address, dated after the
campaign they come from."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Answer, Result, Status
from marshrut.diagnostics.synthetic import answers_for
from marshrut.practices import queries
from marshrut.practices.demo import build_demo
from marshrut.practices.models import Adoption, Practice
from tests.conftest import World
from tests.diagnostics.factories import criteria

pytestmark = pytest.mark.django_db


def _finished_campaign(world: World) -> None:
    today = world.region.today()
    campaign = actions.do_open_campaign(
        None,
        world.region,
        criteria(2024),
        title="Самодиагностика прошлого года",
        year=today.year - 1,
        opens_on=today - dt.timedelta(days=400),
        closes_on=today - dt.timedelta(days=380),
    )
    subs = []
    for school, strength in ((world.s1, 0.97), (world.s3, 0.95), (world.s2, 0.15)):
        sub = campaign.submissions.get(school=school)
        catalogue = campaign.criteria.catalogue
        values = answers_for(catalogue, sub.profile, strength, random.Random(school.pk), school.inn)
        Answer.objects.bulk_create(
            [
                Answer(submission=sub, code=c, value=list(v) if isinstance(v, tuple) else v)
                for c, v in values.items()
            ]
        )
        sub.status, sub.submitted_at, sub.answered = Status.SUBMITTED, timezone.now(), len(values)
        sub.save()
        subs.append(sub)
    actions.finish(subs)


def test_the_demo_publishes_practices_of_strong_schools_adopted_by_weak_ones(
    world: World,
) -> None:
    _finished_campaign(world)
    assert Result.objects.filter(
        school=world.s2, scope="overall", level__in=("below_basic", "basic")
    ).exists()
    out = io.StringIO()

    build_demo(world.region, out)

    practices = list(Practice.objects.all())
    assert practices, out.getvalue()
    assert {p.school_id for p in practices} <= {world.s1.pk, world.s3.pk}
    assert all(p.status == "published" for p in practices) or "на модерации" in out.getvalue()
    adoptions = list(Adoption.objects.all())
    assert adoptions and {a.school_id for a in adoptions} == {world.s2.pk}
    closed = world.region.today() - dt.timedelta(days=380)
    assert all(closed < a.adopted_on <= world.region.today() for a in adoptions)
    assert all(set(a.indicators) <= set(a.practice.indicators) for a in adoptions)
    assert queries.adoption_treatments(world.region)
    # Run again: nothing doubles.
    build_demo(world.region, out)
    assert Practice.objects.count() == len(practices)
