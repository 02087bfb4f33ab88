"""The risk-level rule on hand-made data; expected scores worked out by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from marshrut.kernels import risks
from marshrut.kernels.risks import SchoolData, parse_model
from tests.support.risk_data import MODEL

SHIPPED = Path(risks.__file__).resolve().parents[1] / "support/data/risks/illustrative-2024.yaml"


@pytest.fixture
def model() -> risks.RiskModelDef:
    return parse_model(MODEL, "test.yaml")


def complete() -> SchoolData:
    # Head: H1 «Нет» (risk 1), H3 «Частично» (0.5), HX04–HX10 «Да» except HX05 «Нет».
    head = {"H1": {3: 1}, "H3": {2: 1}} | {f"HX{n:02d}": {1: 1} for n in range(4, 11)}
    head["HX05"] = {2: 1}
    return SchoolData(
        respondents={"head": 1, "teachers": 5, "pupils": 6},
        answers=head
        | {
            "T1": {1: 3, 2: 2},  # 2 of 5 teachers: risk 0.4
            "T2": {1: 3, 2: 1, 3: 1},  # (0 + 0.5 + 1) / 5 = 0.3
            "P1": {1: 5, 2: 1},  # 1 of 6 pupils: 1/6
        },
    )


def by_factor(results: list[risks.FactorResult]) -> dict[str, risks.FactorResult]:
    return {r.factor: r for r in results}


def test_the_shipped_model_is_illustrative_and_has_the_ten_federal_factors() -> None:
    shipped = risks.load_model(SHIPPED)
    assert shipped.illustrative and "официальная формула" in shipped.notice
    assert [f.code for f in shipped.factors] == list(risks.FACTOR_CODES)
    assert shipped.factors[8].name == "Низкий уровень вовлечённости родителей"
    assert {i.group for i in shipped.items} == set(risks.GROUP_CODES)


def test_scores_are_weighted_means_of_the_items_risk(model: risks.RiskModelDef) -> None:
    got = by_factor(risks.profile(model, complete()))
    # R01: (2 × 1 + 1 × 0.4) / (2 + 1) = 0.8 → 80 ≥ 60: high.
    assert (got["R01"].score, got["R01"].level) == (80.0, "high")
    # R02: (1 × 0.3 + 3 × 1/6) / (1 + 3) = 0.8 / 4 = 0.2 → 20 < 30: low.
    assert (got["R02"].score, got["R02"].level) == (20.0, "low")
    # R03: the head's «Частично» alone: 50 → 30 ≤ 50 < 60: medium.
    assert (got["R03"].score, got["R03"].level) == (50.0, "medium")
    assert (got["R05"].score, got["R05"].level) == (100.0, "high")
    assert (got["R04"].score, got["R04"].level) == (0.0, "low")
    assert all(not r.missing for r in got.values())


def test_sums_from_the_database_give_the_same_profile_as_option_counts(
    model: risks.RiskModelDef,
) -> None:
    counted = complete()
    summed = SchoolData(respondents=counted.respondents)
    for item in model.items:
        counts = counted.answers[item.code]
        n = sum(counts.values())
        summed.sums[item.code] = (n, sum(item.options[k - 1].risk * c for k, c in counts.items()))
    assert risks.profile(model, summed) == risks.profile(model, counted)


def test_thresholds_are_inclusive_from_below(model: risks.RiskModelDef) -> None:
    t = model.thresholds
    assert [t.level(x) for x in (0, 29.9, 30, 59.9, 60, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]


def test_a_group_below_its_minimum_leaves_its_factors_without_a_level(
    model: risks.RiskModelDef,
) -> None:
    data = complete()
    data.respondents["pupils"] = 4
    got = by_factor(risks.profile(model, data))
    assert got["R02"].score is None and got["R02"].level is None
    assert got["R02"].missing == ("ответов обучающихся 4, нужно не меньше 5",)
    # Factors the pupils do not feed are computed as before.
    assert got["R01"].level == "high"


def test_a_group_with_no_responses_is_named(model: risks.RiskModelDef) -> None:
    data = complete()
    del data.respondents["head"]
    got = by_factor(risks.profile(model, data))
    assert got["R01"].missing == ("нет ответов руководителя",)
    assert got["R03"].level is None
    assert got["R02"].level == "low"  # fed by teachers and pupils only


def test_an_item_nobody_answered_is_named_and_no_level_is_invented(
    model: risks.RiskModelDef,
) -> None:
    data = complete()
    del data.answers["T1"]
    got = by_factor(risks.profile(model, data))
    assert got["R01"].level is None
    assert got["R01"].missing == (
        "на вопрос T1 «Хватает ли оборудования?» не ответил никто из педагогов",
    )


def test_an_empty_school_has_every_factor_missing(model: risks.RiskModelDef) -> None:
    got = risks.profile(model, SchoolData())
    assert all(r.level is None and r.missing for r in got)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "thresholds: {medium: 30, high: 60}",
            "thresholds: {medium: 70, high: 60}",
            "thresholds (строка 5): пороги должны идти по возрастанию",
        ),
        (
            ", {code: R10}]",
            "]",
            "в методике должны быть все десять федеральных факторов риска; нет: R10",
        ),
        ("code: H3\n", "code: H1\n", "вопрос H1 указан дважды"),
        ("group: pupils", "group: students", "группа респондентов должна быть одной из"),
        ("risk: 0.5}", "risk: 5}", "риск ответа — число от 0 до 1, получено 5"),
        ("factors: {R01: 2}", "factors: {R11: 2}", "неизвестный ключ «R11»"),
        (
            "illustrative: true",
            "ilustrative: true",
            "неизвестный ключ «ilustrative» (возможно, «illustrative»?)",
        ),
        (
            '    options: [{text: "Да", risk: 0}, {text: "Нет", risk: 1}]\n    factors: {R02: 3}',
            '    options: [{text: "Да", risk: 0}, {text: "Нет", risk: 0}]\n    factors: {R02: 3}',
            "ни один вариант ответа не указывает на риск",
        ),
    ],
)
def test_a_bad_file_is_refused_with_every_problem_placed(old: str, new: str, expected: str) -> None:
    assert old in MODEL
    with pytest.raises(risks.RiskModelError) as err:
        parse_model(MODEL.replace(old, new, 1), "official.yaml")
    assert "Методика профиля рисков «official.yaml» не загружена" in str(err.value)
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert any("(строка " in p for p in err.value.problems)


def test_yaml_syntax_errors_and_json_files() -> None:
    with pytest.raises(risks.RiskModelError) as err:
        parse_model("code: [x\n", "bad.yaml")
    assert "ошибка синтаксиса YAML" in err.value.problems[0]
    with pytest.raises(risks.RiskModelError) as err:
        parse_model('{"code": "x", "title": "t"}', "m.json")
    assert "нет обязательного ключа «thresholds»" in " ".join(err.value.problems)
