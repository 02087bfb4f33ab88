"""Fixtures of the survey tests: an open survey with every kind of question and a condition."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from marshrut.surveys.models import Question, Survey
from tests.conftest import World


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def survey(world: World) -> Survey:
    s = Survey.objects.create(
        region=world.region, title="Анкета участников", status=Survey.Status.OPEN
    )
    Question.objects.create(
        survey=s,
        position=1,
        kind=Question.Kind.SINGLE,
        text="Вы участвовали в семинаре?",
        options=["да", "нет"],
        required=True,
    )
    Question.objects.create(
        survey=s,
        position=2,
        kind=Question.Kind.SCALE,
        text="Оцените семинар",
        required=True,
        show_if_question=s.questions.get(position=1),
        show_if_values=[1],
    )
    Question.objects.create(
        survey=s,
        position=3,
        kind=Question.Kind.MULTIPLE,
        text="Какие темы нужны?",
        options=["ВСОКО", "наставничество", "воспитание"],
    )
    Question.objects.create(survey=s, position=4, kind=Question.Kind.NUMBER, text="Стаж, лет")
    Question.objects.create(survey=s, position=5, kind=Question.Kind.TEXT, text="Предложения")
    Question.objects.create(
        survey=s,
        position=6,
        kind=Question.Kind.MATRIX,
        text="Оцените условия",
        options=["плохо", "хорошо"],
        rows=["кадры", "оборудование"],
    )
    return s


def q(survey: Survey, position: int) -> Question:
    return survey.questions.get(position=position)


def answer_data(survey: Survey, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"q{q(survey, 1).pk}": "1",
        f"q{q(survey, 2).pk}": "4",
        f"q{q(survey, 3).pk}": ["1", "3"],
        f"q{q(survey, 4).pk}": "12",
        f"q{q(survey, 5).pk}": "Больше практики",
        f"q{q(survey, 6).pk}_r1": "2",
        f"q{q(survey, 6).pk}_r2": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
