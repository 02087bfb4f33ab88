"""The demo's risk profiles: made from the cohort or the ШНОР schools, once."""

from __future__ import annotations

import datetime as dt
import io

from marshrut.support.demo_risks import build_risks_demo
from marshrut.support.models import Participation
from marshrut.support.models.risks import RiskPriorities, RiskProfile, RiskSurvey
from marshrut.surveys.models import Response
from tests.conftest import World


def test_without_a_cohort_the_shnor_schools_get_profiles_and_a_rerun_adds_nothing(
    world: World,
) -> None:
    out = io.StringIO()
    build_risks_demo(world.region, out)
    # s1 is the only ШНОР school of the hand-made region.
    assert list(Participation.objects.values_list("school_id", flat=True)) == [world.s1.pk]
    profile = RiskProfile.objects.get()
    assert profile.model.is_illustrative and profile.respondents["head"] == 1
    assert profile.levels.exclude(level="").exists()
    assert RiskPriorities.objects.count() == 1
    assert "ШНОР, профили рисков: 1 школа" in out.getvalue()
    counts = (RiskSurvey.objects.count(), Response.objects.count(), RiskProfile.objects.count())
    again = io.StringIO()
    build_risks_demo(world.region, again)
    assert again.getvalue() == ""
    assert (
        RiskSurvey.objects.count(),
        Response.objects.count(),
        RiskProfile.objects.count(),
    ) == counts


def test_an_existing_cohort_is_used_as_it_is(world: World) -> None:
    on = dt.date(2023, 2, 1)
    for school in (world.s2, world.s3):
        Participation.objects.create(school=school, year=2023, entered_on=on)
    build_risks_demo(world.region, io.StringIO())
    assert set(RiskProfile.objects.values_list("participation__school_id", flat=True)) == {
        world.s2.pk,
        world.s3.pk,
    }
    assert Participation.objects.count() == 2
