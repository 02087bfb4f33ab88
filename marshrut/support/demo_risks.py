"""The demo's risk profiles: questionnaires answered for the cohort, profiles, priority risks.

Works from the region's ШНОР participations of the latest year; when the cohort has not been
built, from the schools marked ``is_shnor`` (a participation of this year each, nothing else).
Running it again adds nothing. The answer generator is shared with ``bench/bench_shnor_risks.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max

from marshrut.audit.log import Source
from marshrut.kernels import risks as kernel
from marshrut.lib.plural import plural
from marshrut.orgs.models import Region, School
from marshrut.support import risks
from marshrut.support.models import Participation
from marshrut.support.models.risks import (
    RiskLevel,
    RiskModel,
    RiskPriorities,
    RiskSurvey,
)
from marshrut.surveys.models import Answer, Response

# How many people of each group answer a school's questionnaire, from … to.
RESPONDENTS = {"head": (1, 1), "teachers": (6, 14), "pupils": (10, 25), "parents": (6, 15)}


def demo_cohort(region: Region) -> list[Participation]:
    """The region's cohort of its latest year, or one made of the ``is_shnor`` schools."""
    mine = Participation.objects.in_region(region)
    year = mine.aggregate(y=Max("year"))["y"]
    if year is None:
        year = region.today().year
        entered = dt.date(year, 1, 15)
        for school in School.objects.filter(municipality__region=region, is_shnor=True):
            Participation.objects.get_or_create(
                school=school,
                year=year,
                defaults={
                    "entered_on": entered,
                    "source": Participation.Source.FEDERAL_LIST,
                    "entry_reason": "федеральный перечень школ с низкими результатами",
                },
            )
    return list(
        mine.of_year(year).current().select_related("school__municipality").order_by("school__inn")
    )


def _propensity(rng: random.Random) -> dict[str, float]:
    """A school's leaning to each factor: most low or medium, two or three strong ones."""
    base = {code: rng.uniform(0.05, 0.45) for code in kernel.FACTOR_CODES}
    for code in rng.sample(kernel.FACTOR_CODES, rng.randint(1, 3)):
        base[code] = rng.uniform(0.6, 0.95)
    return base


def answers_for(
    model: RiskModel,
    surveys: Sequence[RiskSurvey],
    rng: random.Random,
    *,
    thin: bool = False,
) -> tuple[list[Response], list[list[dict[str, Any]]]]:
    """Unsaved responses to a school's questionnaires, each with its answer values.

    ``thin``: too few parents and no pupils, as a school where the questionnaire stalled.
    """
    definition = model.definition
    leaning = _propensity(rng)
    responses: list[Response] = []
    values: list[list[dict[str, Any]]] = []
    for rs in surveys:
        questions = {q.risk.item.code: q for q in rs.survey.questions.all()}  # type: ignore[attr-defined]
        low, high = RESPONDENTS[rs.group]
        n = rng.randint(low, high)
        if thin and rs.group == "pupils":
            n = 0
        if thin and rs.group == "parents":
            n = 3
        for _ in range(n):
            row = []
            for item in definition.items_of(rs.group):
                q = questions.get(item.code)
                if q is None or (rs.group != "head" and rng.random() < 0.03):
                    continue  # somebody skipped a question
                lean = sum(leaning[f] for f, _w in item.weights) / len(item.weights)
                target = min(1.0, max(0.0, rng.gauss(lean, 0.25)))
                choice = min(
                    range(len(item.options)), key=lambda k: abs(item.options[k].risk - target)
                )
                row.append({"question": q, "choice": choice + 1})
            responses.append(Response(survey=rs.survey))
            values.append(row)
    return responses, values


def save_answers(responses: list[Response], values: list[list[dict[str, Any]]]) -> int:
    """Store generated responses as the surveys engine stores them: bulk, two statements."""
    stored = Response.objects.bulk_create(responses, batch_size=2000)
    answers = [
        Answer(survey_id=r.survey_id, response=r, municipality=r.municipality, **v)
        for r, row in zip(stored, values, strict=True)
        for v in row
    ]
    Answer.objects.bulk_create(answers, batch_size=5000)
    return len(answers)


def choose_priorities(model: RiskModel, cohort: Sequence[Participation], every: int = 5) -> int:
    """Most schools choose: their high-level factors first, by score, up to three."""
    done = set(
        RiskPriorities.objects.filter(model=model, participation__in=cohort).values_list(
            "participation_id", flat=True
        )
    )
    factors = {f.pk: f for f in model.factors.all()}  # type: ignore[attr-defined]
    levels: dict[int, list[tuple[float, str, int]]] = {}
    for pid, factor_id, score, level in RiskLevel.objects.filter(
        profile__model=model, profile__participation__in=cohort, score__isnull=False
    ).values_list("profile__participation_id", "factor_id", "score", "level"):
        levels.setdefault(pid, []).append((score or 0.0, level, factor_id))
    n = 0
    for k, p in enumerate(cohort):
        if p.pk in done or k % every == every - 1 or p.pk not in levels:
            continue  # every fifth school has not chosen yet
        ranked = sorted(levels[p.pk], key=lambda t: (t[1] != kernel.HIGH, -t[0]))
        chosen = [factors[f] for _s, _l, f in ranked[:3]]
        risks.do_choose_priorities(None, p, model, chosen, version=None, source=Source.DEMO)
        n += 1
    return n


@transaction.atomic
def build_risks_demo(region: Region, stdout: Any) -> None:
    cohort = demo_cohort(region)
    if not cohort:
        return
    model = risks.shipped_model(source=Source.DEMO)
    opened = risks.do_open_risk_surveys(None, model, cohort, source=Source.DEMO)
    answered = set(
        Response.objects.filter(
            survey__risk__participation__in=cohort, survey__risk__model=model
        ).values_list("survey__risk__participation_id", flat=True)
    )
    surveys: dict[int, list[RiskSurvey]] = {}
    for rs in RiskSurvey.objects.filter(model=model, participation__in=cohort).prefetch_related(
        "survey__questions__risk__item"
    ):
        surveys.setdefault(rs.participation_id, []).append(rs)
    responses: list[Response] = []
    values: list[list[dict[str, Any]]] = []
    for k, p in enumerate(cohort):
        if p.pk in answered:
            continue
        rng = random.Random(f"risks-{p.school.inn}-{p.year}")
        r, v = answers_for(model, surveys.get(p.pk, []), rng, thin=k % 7 == 3)
        responses += r
        values += v
    save_answers(responses, values)
    risks.compute_profiles(model, Participation.objects.filter(pk__in=[p.pk for p in cohort]))
    chosen = choose_priorities(model, cohort)
    if opened or responses or chosen:
        stdout.write(
            "ШНОР, профили рисков: "
            f"{plural(len(cohort), 'школа', 'школы', 'школ')}, "
            f"{plural(len(responses), 'ответ', 'ответа', 'ответов')} на анкеты, "
            f"приоритетные риски выбраны в {plural(chosen, 'школе', 'школах', 'школах')}."
        )
