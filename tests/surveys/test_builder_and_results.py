"""The builder (through the pages), invitations and reminders, results with k-anonymity."""

from __future__ import annotations

import io
import random
from typing import Any

import openpyxl
import pytest
from django.core import mail

from marshrut.surveys.actions import do_invite, do_remind, do_submit_response
from marshrut.surveys.models import Question, Survey
from marshrut.surveys.results import OTHERS, compute, response_rates
from tests.conftest import World
from tests.surveys.conftest import q

pytestmark = pytest.mark.django_db


def fill(survey: Survey, n: int, municipality: Any = None, seed: int = 1) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        yes = rng.random() < 0.7
        answers: list[dict[str, Any]] = [{"question": q(survey, 1), "choice": 1 if yes else 2}]
        if yes:
            answers.append({"question": q(survey, 2), "number": float(rng.randint(3, 5))})
        answers += [
            {"question": q(survey, 3), "choice": 1},
            {"question": q(survey, 4), "number": 10.0},
            {"question": q(survey, 5), "text": "предложение"},
            {"question": q(survey, 6), "row": 1, "choice": 2},
        ]
        do_submit_response(survey, answers, municipality=municipality)


def test_operator_builds_a_survey_with_a_condition(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        "/surveys/new/", {"title": "Анкета кандидатов в кураторы", "anonymous_link": "on"}
    )
    survey = Survey.objects.get(title="Анкета кандидатов в кураторы")
    assert response.status_code == 302
    add = f"/surveys/{survey.pk}/questions/new/"
    assert (
        client.post(
            add,
            {
                "kind": "single",
                "text": "Есть опыт?",
                "options_text": "да\nнет",
                "required": "on",
                "scale_min": 1,
                "scale_max": 5,
            },
        ).status_code
        == 302
    )
    first = survey.questions.get()
    bad = client.post(
        add,
        {
            "kind": "single",
            "text": "Один вариант",
            "options_text": "только",
            "scale_min": 1,
            "scale_max": 5,
        },
    )
    assert bad.status_code == 400 and "два варианта" in bad.content.decode()
    assert (
        client.post(
            add,
            {
                "kind": "text",
                "text": "Опишите опыт",
                "show_if_question": first.pk,
                "show_if_values_text": "1",
                "scale_min": 1,
                "scale_max": 5,
            },
        ).status_code
        == 302
    )
    second = survey.questions.get(position=2)
    assert second.show_if_question == first and second.show_if_values == [1]
    assert client.post(f"/surveys/{survey.pk}/status/", {"status": "open"}).status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN


def test_a_survey_without_questions_cannot_be_opened(world: World) -> None:
    survey = Survey.objects.create(region=world.region, title="Пустая")
    world.client("operator").post(f"/surveys/{survey.pk}/status/", {"status": "open"})
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_invitations_are_mailed_on_opening_and_reminders_go_to_those_who_did_not_answer(
    world: World, survey: Survey, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitations = do_invite(
            None, survey, people=[world.p_m2], schools=[world.s1, world.s2], base_url="http://x"
        )
    assert len(invitations) == 3
    assert len(mail.outbox) == 1  # only the person has an e-mail in the test world
    assert f"http://x/s/{invitations[0].token}/" in mail.outbox[0].body
    assert do_invite(None, survey, people=[world.p_m2]) == []
    do_submit_response(survey, [], invitation=invitations[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert do_remind(None, survey, base_url="http://x") == 0
    assert mail.outbox == []


def test_results_hide_everything_below_five_responses(world: World, survey: Survey) -> None:
    fill(survey, 4, world.m1)
    results = compute(survey)
    assert results.responses == 4 and results.hidden
    assert all(not r.bars and not r.texts for r in results.questions)


def test_results_and_small_groups_are_pooled(world: World, survey: Survey) -> None:
    fill(survey, 12, world.m1, seed=1)
    fill(survey, 3, world.m2, seed=2)
    results = compute(survey)
    assert results.responses == 15 and not results.hidden
    assert [g[1] for g in results.groups] == [world.m1.name]  # m2 (3 answers) is not offered
    first = results.questions[0]
    assert sum(b.count for b in first.bars) == 15
    names = [name for name, _n, _bars in first.breakdown]
    assert world.m2.name not in names
    assert names == [world.m1.name]  # the pool of 3 is still below 5, so it is hidden too
    fill(survey, 2, None, seed=3)
    names = [name for name, _n, _bars in compute(survey).questions[0].breakdown]
    assert names == [world.m1.name, OTHERS]  # 3 + 2 pooled
    matrix = results.questions[5].matrix
    assert matrix[0][0] == "кадры" and matrix[0][1][1].count == 15
    assert results.questions[3].mean == 10.0
    assert results.questions[4].texts[:1] == ["предложение"]


def test_a_small_group_is_refused_on_the_results_page(world: World, survey: Survey) -> None:
    fill(survey, 6, world.m1)
    fill(survey, 2, world.m2)
    client = world.client("operator")
    assert (
        client.get(f"/surveys/{survey.pk}/results/?municipality={world.m1.pk}").status_code == 200
    )
    refused = client.get(f"/surveys/{survey.pk}/results/?municipality={world.m2.pk}")
    assert refused.status_code == 302


def test_results_page_query_count_does_not_grow_with_responses(
    world: World, survey: Survey, django_assert_num_queries: Any
) -> None:
    fill(survey, 30, world.m1)
    client = world.client("operator")
    client.get(f"/surveys/{survey.pk}/results/")  # warm the session and the frame cache
    with django_assert_num_queries(10):
        assert client.get(f"/surveys/{survey.pk}/results/").status_code == 200
    fill(survey, 30, world.m2, seed=5)
    with django_assert_num_queries(10):
        assert client.get(f"/surveys/{survey.pk}/results/").status_code == 200


def test_results_export_to_xlsx(world: World, survey: Survey) -> None:
    fill(survey, 8, world.m1)
    do_invite(None, survey, schools=[world.s1, world.s3])
    response = world.client("operator").get(f"/surveys/{survey.pk}/results/?export=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [c for row in book["Итоги"].iter_rows(values_only=True) for c in row if c is not None]
    assert "1. Вы участвовали в семинаре?" in values
    rates = list(book["Отклик по МО"].iter_rows(values_only=True))
    assert rates[1][:3] == (world.m1.name, 2, 0)
    assert [r.municipality for r in response_rates(survey)] == [world.m1.name]


def test_managers_only(world: World, survey: Survey) -> None:
    for persona in ("department", "coordinator", "head", "outsider"):
        assert world.client(persona).get(f"/surveys/{survey.pk}/results/").status_code == 404
        assert world.client(persona).get("/surveys/").status_code == 403
    assert world.client(None).get("/surveys/").status_code == 302


def test_question_kinds_cover_the_builder() -> None:
    assert {k.value for k in Question.Kind} == {
        "single",
        "multiple",
        "scale",
        "number",
        "text",
        "matrix",
    }
