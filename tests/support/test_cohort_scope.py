"""Who sees which schools of the ШНОР cohort, and the programme's front page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from marshrut.support.models import Participation
from tests.conftest import World


@pytest.fixture
def cohort(world: World) -> list[Participation]:
    on = dt.date(2024, 2, 1)
    return [
        Participation.objects.create(school=world.s1, year=2024, entered_on=on),
        Participation.objects.create(school=world.s2, year=2024, entered_on=on),
        Participation.objects.create(
            school=world.s3,
            year=2024,
            entered_on=on,
            left_on=dt.date(2024, 9, 1),
            exit_reason="результаты ВПР выше порога два года подряд",
        ),
    ]


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("operator", {"s1", "s2", "s3"}),
        ("department", {"s1", "s2", "s3"}),
        ("coordinator", {"s1", "s3"}),
        ("head", {"s1"}),
        ("curator", {"s1"}),
        ("mentor", {"s1"}),
        ("outsider", set()),
    ],
)
def test_each_role_sees_its_own_cohort_schools(
    world: World, cohort: list[Participation], persona: str, expected: set[str]
) -> None:
    names = {world.s1.pk: "s1", world.s2.pk: "s2", world.s3.pk: "s3"}
    seen = Participation.objects.for_user(world.users[persona]).values_list("school_id", flat=True)
    assert {names[pk] for pk in seen} == expected


def test_a_school_is_in_the_cohort_once_a_year_and_leaves_with_a_reason(
    world: World, cohort: list[Participation]
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(school=world.s1, year=2024, entered_on=dt.date(2024, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.filter(pk=cohort[0].pk).update(left_on=dt.date(2024, 5, 1))
    assert Participation.objects.of_year(2024).current().count() == 2


def test_front_page_counts_the_cohort_and_is_closed_to_outsiders(
    world: World, cohort: list[Participation]
) -> None:
    page = world.client("operator").get("/shnor/?year=2024")
    assert page.status_code == 200
    assert page.context["in_cohort"] == 2 and page.context["left"] == 1
    assert "1 вышла" in page.content.decode()
    assert world.client("curator").get("/shnor/?year=2024").context["in_cohort"] == 1
    assert world.client("outsider").get("/shnor/").status_code == 403
