"""Risk profiles from the surveys' answers: questionnaires, bulk computation, missing data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marshrut.support import risks
from marshrut.support.models import Participation
from marshrut.support.models.risks import RiskLevel, RiskModel, RiskProfile, RiskSurvey
from marshrut.surveys.actions import do_submit_response
from marshrut.surveys.models import Question, Survey
from tests.conftest import World
from tests.support.risk_data import MODEL


@pytest.fixture
def model(world: World) -> RiskModel:
    return risks.do_load_risk_model(world.users["operator"], MODEL, "test.yaml")


@pytest.fixture
def cohort(world: World) -> list[Participation]:
    on = dt.date(2024, 2, 1)
    return [
        Participation.objects.create(school=s, year=2024, entered_on=on)
        for s in (world.s1, world.s2, world.s3)
    ]


def answer(participation: Participation, group: str, *choices: dict[str, int]) -> None:
    """Submit responses through the surveys engine: each dict maps item code → option number."""
    rs = RiskSurvey.objects.get(participation=participation, group=group)
    questions = {q.risk.item.code: q for q in rs.survey.questions.select_related("risk__item")}
    for picked in choices:
        do_submit_response(
            rs.survey, [{"question": questions[c], "choice": n} for c, n in picked.items()]
        )


def head_answers(**override: int) -> dict[str, int]:
    picked = {"H1": 3, "H3": 2} | {f"HX{n:02d}": 1 for n in range(4, 11)}
    picked["HX05"] = 2
    return picked | override


def levels_of(p: Participation) -> dict[str, tuple[float | None, str]]:
    return {
        lv.factor.code: (lv.score, lv.level)
        for lv in RiskLevel.objects.filter(profile__participation=p).select_related("factor")
    }


def fill_complete(p: Participation) -> None:
    answer(p, "head", head_answers())
    answer(p, "teachers", *([{"T1": 1, "T2": 1}] * 3 + [{"T1": 2, "T2": 2}, {"T1": 2, "T2": 3}]))
    answer(p, "pupils", *([{"P1": 1}] * 5 + [{"P1": 2}]))


def test_questionnaires_are_surveys_of_the_engine_one_per_school_and_group(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    n = risks.do_open_risk_surveys(world.users["operator"], model, cohort)
    # The test model has no parents' items: three groups per school.
    assert n == 9
    assert risks.do_open_risk_surveys(world.users["operator"], model, cohort) == 0
    head = RiskSurvey.objects.get(participation=cohort[0], group="head").survey
    assert head.status == Survey.Status.OPEN and head.anonymous_link and head.region == world.region
    assert head.title == "Профиль рисков ШНОР 2024: МАОУ СОШ № 1 — руководитель"
    q = head.questions.get(risk__item__code="H1")
    assert q.kind == Question.Kind.SINGLE and q.options == ["Да", "Частично", "Нет"]


def test_answers_through_the_public_link_feed_the_profile(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    risks.do_open_risk_surveys(None, model, cohort[:1])
    survey = RiskSurvey.objects.get(participation=cohort[0], group="head").survey
    data = {f"q{q.pk}": "1" for q in survey.questions.all()}
    h1 = survey.questions.get(risk__item__code="H1")
    data[f"q{h1.pk}"] = "3"
    page = world.client(None).post(f"/s/{survey.token}/", data)
    assert page.status_code == 200 and "Ваш ответ принят" in page.content.decode()
    risks.compute_profiles(model, Participation.objects.filter(pk=cohort[0].pk))
    profile = RiskProfile.objects.get(participation=cohort[0])
    assert profile.respondents == {"head": 1, "teachers": 0, "pupils": 0, "parents": 0}
    # H1 «Нет» is the head's half of R01, but T1 is not answered: no level is invented.
    assert levels_of(cohort[0])["R01"] == (None, "")
    assert levels_of(cohort[0])["R03"] == (0.0, "low")


def test_profiles_of_all_schools_in_bulk_match_the_hand_computed_levels(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    risks.do_open_risk_surveys(None, model, cohort)
    s1, s2, s3 = cohort
    fill_complete(s1)
    # s2: the head says «Да» everywhere; teachers all risk on T1 and «Иногда» on T2; pupils:
    # 3 of 5 say «Нет».
    answer(s2, "head", head_answers(H1=1, H3=3, HX05=1))
    answer(s2, "teachers", *([{"T1": 2, "T2": 2}] * 5))
    answer(s2, "pupils", *([{"P1": 2}] * 3 + [{"P1": 1}] * 2))
    # s3: only four pupils and no teachers.
    answer(s3, "head", head_answers())
    answer(s3, "pupils", *([{"P1": 2}] * 4))
    assert risks.compute_profiles(model, Participation.objects.of_year(2024)) == 3

    one = levels_of(s1)
    assert one["R01"] == (80.0, "high")  # (2 × 1 + 1 × 0.4) / 3
    assert one["R02"] == (20.0, "low")  # (0.3 + 3 × 1/6) / 4
    assert one["R03"] == (50.0, "medium")
    assert one["R05"] == (100.0, "high")
    two = levels_of(s2)
    assert two["R01"] == (33.3, "medium")  # (2 × 0 + 1 × 1) / 3
    assert two["R02"] == (57.5, "medium")  # (1 × 0.5 + 3 × 0.6) / 4 = 2.3 / 4
    assert two["R03"] == (100.0, "high")
    three = levels_of(s3)
    assert three["R01"] == (None, "") and three["R02"] == (None, "")
    assert three["R03"] == (50.0, "medium")
    p3 = RiskProfile.objects.get(participation=s3)
    assert p3.missing == ["нет ответов педагогов", "ответов обучающихся 4, нужно не меньше 5"]
    assert RiskProfile.objects.get(participation=s1).missing == []

    # Recomputing after more answers updates the same rows.
    answer(s3, "pupils", {"P1": 1})
    risks.compute_profiles(model, Participation.objects.of_year(2024))
    assert RiskProfile.objects.count() == 3 and RiskLevel.objects.count() == 30
    assert "ответов обучающихся" not in " ".join(RiskProfile.objects.get(participation=s3).missing)
    r02 = RiskLevel.objects.get(profile__participation=s3, factor__code="R02")
    assert r02.missing == ["нет ответов педагогов"] and r02.level == ""
    assert levels_of(s3)["R03"] == (50.0, "medium") and levels_of(s1) == one


def test_the_bulk_computation_does_not_query_per_school(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    risks.do_open_risk_surveys(None, model, cohort)
    fill_complete(cohort[0])
    with CaptureQueriesContext(connection) as one:
        risks.compute_profiles(model, Participation.objects.filter(pk=cohort[0].pk))
    for p in cohort[1:]:
        fill_complete(p)
    with CaptureQueriesContext(connection) as three:
        risks.compute_profiles(model, Participation.objects.of_year(2024))
    # ids, 5 in school_data, factors, the profiles, their ids, the stored levels, the changed
    # levels, a savepoint pair.
    assert len(three) == len(one) <= 13


def test_a_new_model_version_keeps_used_versions_unchanged(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    from django.core.exceptions import ValidationError

    risks.do_open_risk_surveys(None, model, cohort)
    changed = MODEL.replace(
        "thresholds: {medium: 30, high: 60}", "thresholds: {medium: 40, high: 70}"
    )
    with pytest.raises(ValidationError, match="уже используется анкетами"):
        risks.do_load_risk_model(None, changed, "test.yaml")
    other = risks.do_load_risk_model(
        None, changed.replace("code: test-risks", "code: v2"), "v2.yaml"
    )
    assert other.factors.get(code="R01").high == 70
    assert model.factors.get(code="R01").high == 60
