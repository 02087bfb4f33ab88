"""Offers: the published practices of the region that match the deficits of a school's latest
sent questionnaire."""

from __future__ import annotations

import datetime as dt

import pytest

from marshrut.diagnostics.models import Deficit
from marshrut.practices import actions, queries
from marshrut.practices.models import Status
from tests.conftest import World
from tests.diagnostics.factories import submission_for
from tests.practices.factories import practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def deficits(world: World) -> list[str]:
    sub = submission_for(world, world.s2, submitted=True, strength=0.3)
    codes = sorted(Deficit.objects.filter(submission=sub).values_list("code", flat=True))
    assert len(codes) >= 3
    return codes


def test_a_school_is_offered_practices_matching_its_deficits_most_matches_first(
    world: World, deficits: list[str]
) -> None:
    one = practice(world.s1, title="Одна", indicators=[deficits[0]])
    two = practice(world.s3, title="Две", indicators=[deficits[1], deficits[2]])
    practice(world.s1, title="Мимо", indicators=["NO.SUCH"])
    practice(world.s3, title="Черновик", indicators=[deficits[0]], status=Status.DRAFT)

    offers = queries.offers_for_school(world.s2)

    assert [o.practice.pk for o in offers] == [two.pk, one.pk]
    assert offers[0].matched == sorted([deficits[1], deficits[2]])


def test_own_and_adopted_practices_are_not_offered(world: World, deficits: list[str]) -> None:
    practice(world.s2, title="Своя", indicators=[deficits[0]])
    adopted = practice(world.s1, title="Внедрённая", indicators=[deficits[0]])
    actions.do_adopt_practice(
        None, adopted, world.s2, indicators=[deficits[0]], adopted_on=dt.date(2024, 1, 1)
    )

    assert queries.offers_for_school(world.s2) == []


def test_a_school_without_a_sent_questionnaire_is_offered_nothing(world: World) -> None:
    practice(world.s1, indicators=["UC.01"])

    assert queries.offers_for_school(world.s3) == []


def test_offers_read_a_fixed_number_of_queries(
    world: World, deficits: list[str], django_assert_max_num_queries: object
) -> None:
    for n in range(12):
        practice(world.s1, title=f"Практика {n}", indicators=[deficits[n % len(deficits)]])
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        offers = queries.offers_for_school(world.s2, limit=10)
    assert len(offers) == 10
