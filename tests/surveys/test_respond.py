"""Answering by link: conditions on the server, required answers, one response per invitation,
the rate limit, and a page without the site's navigation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marshrut.surveys.actions import AlreadyAnswered, do_invite, do_submit_response
from marshrut.surveys.models import Answer, Invitation, Response, Survey
from tests.conftest import World
from tests.surveys.conftest import answer_data, q

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return f"/s/{token}/"


def test_anonymous_respondent_sees_the_form_without_site_navigation(survey: Survey) -> None:
    response = Client().get(url(survey.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Вы участвовали в семинаре?" in html
    assert "navbar" not in html and "/registry/" not in html
    assert 'data-show-if="' in html


def test_answers_are_stored_one_row_per_value(world: World, survey: Survey) -> None:
    data = answer_data(survey, municipality=str(world.m1.pk))
    response = Client().post(url(survey.token), data)
    assert response.status_code == 200 and "Ваш ответ принят" in response.content.decode()
    r = Response.objects.get()
    assert r.municipality == world.m1 and r.invitation is None
    rows = {(a.question.position, a.row, a.choice, a.number, a.text) for a in Answer.objects.all()}
    assert rows == {
        (1, 0, 1, None, ""),
        (2, 0, 4, 4.0, ""),
        (3, 0, 1, None, ""),
        (3, 0, 3, None, ""),
        (4, 0, None, 12.0, ""),
        (5, 0, None, None, "Больше практики"),
        (6, 1, 2, None, ""),
        (6, 2, 1, None, ""),
    }


def test_a_required_question_must_be_answered(survey: Survey) -> None:
    response = Client().post(
        url(survey.token), answer_data(survey, **{f"q{q(survey, 1).pk}": None})
    )
    assert response.status_code == 400
    assert "Это обязательный вопрос." in response.content.decode()
    assert Response.objects.count() == 0


def test_a_hidden_required_question_is_not_required_and_its_answer_is_dropped(
    survey: Survey,
) -> None:
    # «нет» hides the required scale question; a value sent for it anyway is ignored.
    data = answer_data(survey, **{f"q{q(survey, 1).pk}": "2"})
    assert Client().post(url(survey.token), data).status_code == 200
    assert not Answer.objects.filter(question=q(survey, 2)).exists()
    data = answer_data(survey, **{f"q{q(survey, 1).pk}": "2", f"q{q(survey, 2).pk}": None})
    assert Client().post(url(survey.token), data).status_code == 200
    assert Response.objects.count() == 2


def test_a_shown_required_question_is_required(survey: Survey) -> None:
    data = answer_data(survey, **{f"q{q(survey, 2).pk}": None})
    assert Client().post(url(survey.token), data).status_code == 400


def test_one_response_per_invitation(world: World, survey: Survey) -> None:
    [invitation] = do_invite(None, survey, people=[world.p_m2])
    assert invitation.municipality == world.m2
    first = Client().post(url(invitation.token), answer_data(survey))
    assert first.status_code == 200
    again = Client().post(url(invitation.token), answer_data(survey))
    assert again.status_code == 409
    assert Client().get(url(invitation.token)).status_code == 409
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Response.objects.get().municipality == world.m2
    invitation.refresh_from_db()
    assert invitation.responded_at is not None


def test_the_database_refuses_a_second_response_on_an_invitation(
    world: World, survey: Survey
) -> None:
    [invitation] = do_invite(None, survey, schools=[world.s1])
    do_submit_response(survey, [], invitation=invitation)
    Invitation.objects.filter(pk=invitation.pk).update(responded_at=None)  # as if raced
    with pytest.raises(AlreadyAnswered):
        do_submit_response(survey, [], invitation=invitation)
    assert Response.objects.count() == 1


def test_rate_limit_answers_429_in_russian(survey: Survey, settings: Any) -> None:
    settings.SURVEY_RATE_LIMIT = (3, 600)
    client = Client(REMOTE_ADDR="10.0.0.7")
    codes = [client.post(url(survey.token), answer_data(survey)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = client.post(url(survey.token), answer_data(survey))
    assert last.status_code == 429
    assert "Слишком много ответов" in last.content.decode()
    assert Response.objects.count() == 3
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="10.0.0.8").post(url(survey.token), answer_data(survey)).status_code
        == 200
    )


def test_links_are_unguessable_and_closed_surveys_take_no_answers(survey: Survey) -> None:
    assert len(survey.token) >= 32
    assert Client().get(url("0" * 32)).status_code == 404
    survey.status = Survey.Status.CLOSED
    survey.save()
    assert Client().post(url(survey.token), answer_data(survey)).status_code == 410
    assert Response.objects.count() == 0


def test_a_survey_without_anonymous_link_is_reachable_only_by_invitation(
    world: World, survey: Survey
) -> None:
    survey.anonymous_link = False
    survey.save()
    assert Client().get(url(survey.token)).status_code == 404
    [invitation] = do_invite(None, survey, municipalities=[world.m1])
    assert Client().get(url(invitation.token)).status_code == 200


def test_behind_our_proxy_the_limit_counts_the_visitor_not_the_proxy(
    survey: Survey, settings: Any
) -> None:
    settings.SURVEY_RATE_LIMIT = (2, 600)
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"

    def post(forwarded: str) -> int:
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(url(survey.token), answer_data(survey)).status_code

    # A forged left part does not reset the count: the proxy's own entry is the rightmost.
    assert [post(f"1.1.1.{i}, 192.0.2.5") for i in range(3)] == [200, 200, 429]
    assert post("192.0.2.6") == 200  # another visitor behind the same proxy
