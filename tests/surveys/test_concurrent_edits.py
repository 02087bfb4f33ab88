"""Two operators edit one survey or one question: the later stale save is refused."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from marshrut.orgs.roles import Role
from marshrut.surveys.models import Survey
from tests.concurrent import assert_refused, colleague, events_of, race
from tests.conftest import World


def test_stale_survey_save_is_refused_and_the_typed_values_kept(
    world: World, survey: Survey
) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    url = reverse("surveys:survey_edit", args=[survey.pk])
    first = {"closes_on": "30.06.2024", "ask_municipality": None}
    second = {"title": "Анкета участников семинара", "description": "Пять минут"}
    refused, _ = race(url, ivanova, world.client("operator"), first, second)
    before = events_of(survey)

    again = assert_refused(
        refused,
        typed={"title": second["title"], "description": "Пять минут", "closes_on": ""},
        shown=["30.06.2024", "нет"],
    )
    survey.refresh_from_db()
    assert (survey.closes_on, survey.ask_municipality, survey.title) == (
        dt.date(2024, 6, 30),
        False,
        "Анкета участников",
    )
    assert events_of(survey) == before
    again["closes_on"] = "30.06.2024"
    del again["ask_municipality"]
    assert world.client("operator").post(url, again).status_code == 302
    survey.refresh_from_db()
    assert (survey.title, survey.closes_on, survey.ask_municipality, survey.version) == (
        second["title"],
        dt.date(2024, 6, 30),
        False,
        3,
    )


def test_stale_question_save_is_refused(world: World, survey: Survey) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    question = survey.questions.get(position=4)
    url = reverse("surveys:question_edit", args=[question.pk])
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"text": "Педагогический стаж, лет"},
        {"required": "on"},
    )
    assert_refused(
        refused, typed={"required": "on", "text": "Стаж, лет"}, shown=["Педагогический стаж, лет"]
    )
    question.refresh_from_db()
    assert (question.text, question.required) == ("Педагогический стаж, лет", False)
