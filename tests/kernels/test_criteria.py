"""Tests of the criteria catalogue: the demo files, validation problems and answer normalisation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marshrut.kernels.criteria import (
    LEVELS,
    AnswerError,
    Catalogue,
    CatalogueError,
    SchoolProfile,
    build_catalogue,
    cross_check,
    find_contradictions,
    level_name,
    level_rank,
    load_catalogue,
    parse_catalogue,
    validate_answer,
    validate_answers,
)

DATA = Path(__file__).resolve().parents[2] / "marshrut" / "data" / "criteria"

# A small valid catalogue. Tests break one line of it and look for the problem's place.
BASE = """\
version: test-2024
title: Тестовый каталог
year: 2024
previous_version: test-2023
thresholds:
  direction: {basic: 50, medium: 70, high: 90}
  overall: {basic: 50, medium: 70, high: 90}
critical_rule:
  direction_cap: below_basic
  overall_cap: below_basic
directions:
  - code: znanie
    indicators:
      - code: ZN.01
        text: Реализация ФООП
        type: yesno
        points: 2
        critical: true
        previous_code: ZN.01
      - code: ZN.02
        text: Углублённое изучение предметов
        type: single
        options:
          - {code: net, text: Нет, points: 0}
          - {code: da, text: Да, points: 2}
        previous_code: ZN.03
      - code: ZN.03
        text: Доля обучающихся с ОВЗ в инклюзиве
        type: percent
        bands:
          - {from: 0, to: 50, points: 0}
          - {from: 50, to: 100, points: 2}
        applies_if: {ovz: true}
  - code: zdorovie
    indicators:
      - code: ZD.01
        text: Школьный спортивный клуб
        type: yesno
        points: 1
      - code: ZD.02
        text: Количество видов спорта в ШСК
        type: number
        integer: true
        bands:
          - {from: 0, to: 1, points: 0}
          - {from: 1, points: 2}
  - {code: tvorchestvo, indicators: [{code: TV.01, text: Театр, type: yesno, points: 1}]}
  - {code: vospitanie, indicators: [{code: VS.01, text: Разговоры, type: yesno, points: 1}]}
  - {code: proforientatsiya, indicators: [{code: PF.01, text: Профминимум, type: yesno, points: 1}]}
  - {code: uchitel, indicators: [{code: UC.01, text: Наставничество, type: yesno, points: 1}]}
  - {code: klimat, indicators: [{code: KL.01, text: Психолог, type: yesno, points: 1}]}
  - {code: sreda, indicators: [{code: SR.01, text: Моя школа, type: yesno, points: 1}]}
contradictions:
  - code: KP.01
    when: {indicator: ZD.01, answer: false}
    and: {indicator: ZD.02, op: gt, value: 0}
    message: ШСК нет, но указаны виды спорта
"""


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """Return the 1-based line number of the n-th occurrence of ``snippet``."""
    position = -1
    for _ in range(occurrence):
        position = text.index(snippet, position + 1)
    return text.count("\n", 0, position) + 1


def broken(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text)
    return info.value.problems


# ---------------------------------------------------------------------------------------------
# Demo catalogues
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demos() -> dict[int, Catalogue]:
    return {year: load_catalogue(DATA / f"demo-{year}.yaml") for year in (2022, 2023, 2024)}


@pytest.mark.parametrize(("year", "count"), [(2022, 75), (2023, 85), (2024, 100)])
def test_demo_catalogue_loads_with_eight_directions(
    demos: dict[int, Catalogue], year: int, count: int
) -> None:
    catalogue = demos[year]
    assert catalogue.version == f"demo-{year}"
    assert catalogue.year == year
    assert len(catalogue.directions) == 8
    kinds = [d.kind for d in catalogue.directions]
    assert kinds.count("main") == 5
    assert kinds.count("condition") == 3
    assert len(catalogue.indicators) == count
    assert all(d.indicators for d in catalogue.directions)


def test_demo_catalogues_say_they_are_illustrative(demos: dict[int, Catalogue]) -> None:
    for catalogue in demos.values():
        assert catalogue.illustrative
        notice = catalogue.notice
        assert "иллюстративный" in notice
        assert "открытой структуре модели" in notice
        assert "официальные пороги" in notice and "не опубликованы" in notice
        assert "marshrut criteria load FILE" in notice


def test_demo_catalogues_have_critical_and_conditional_indicators(
    demos: dict[int, Catalogue],
) -> None:
    catalogue = demos[2024]
    critical = {i.text for i in catalogue.indicators.values() if i.critical}
    assert any("ФООП" in text for text in critical)
    assert any("Разговоры о важном" in text for text in critical)
    assert any("ШСК" in text for text in critical)
    assert any("профориентационного минимума" in text for text in critical)
    assert any("Педагог-психолог" in text for text in critical)
    assert any("Моя школа" in text for text in critical)
    profile = next(i for i in catalogue.indicators.values() if i.text.startswith("Профильное"))
    assert profile.applies_if is not None and profile.applies_if.levels_any == {"soo"}
    assert any(i.applies_if is not None and i.applies_if.ovz for i in catalogue.indicators.values())
    types = {i.type for i in catalogue.indicators.values()}
    assert types == {"yesno", "single", "multiple", "number", "percent"}


def test_demo_mappings_fit_the_previous_versions(demos: dict[int, Catalogue]) -> None:
    cross_check(demos[2024], demos[2023])
    cross_check(demos[2023], demos[2022])
    for year in (2023, 2024):
        catalogue, previous = demos[year], demos[year - 1]
        mapped = len(catalogue.mapping)
        assert mapped >= 0.8 * len(catalogue.indicators)
        assert mapped < len(catalogue.indicators), "some indicators are new each year"
        assert any(new != old for new, old in catalogue.mapping.items()), "some are renumbered"
        assert len(previous.indicators) > mapped, "some old indicators were dropped"
    assert demos[2022].previous_version is None


def test_demo_contradictions_are_found(demos: dict[int, Catalogue]) -> None:
    catalogue = demos[2024]
    club = next(i for i in catalogue.indicators.values() if i.text.endswith("(ШСК)"))
    sports = next(i for i in catalogue.indicators.values() if i.text.startswith("Количество видов"))
    found = find_contradictions(catalogue, {club.code: False, sports.code: 3})
    assert [f.indicators for f in found] == [(club.code, sports.code)]
    assert found[0].message
    assert find_contradictions(catalogue, {club.code: True, sports.code: 3}) == []
    # A bad cell never takes part in a contradiction.
    assert find_contradictions(catalogue, {club.code: "может быть", sports.code: 3}) == []


# ---------------------------------------------------------------------------------------------
# The base catalogue and the loader
# ---------------------------------------------------------------------------------------------


def test_base_catalogue_loads() -> None:
    catalogue = parse_catalogue(BASE)
    assert catalogue.direction_codes[:2] == ("znanie", "zdorovie")
    assert catalogue.scope_codes[-1] == "overall"
    assert catalogue.direction("znanie").name == "Знание"
    first = catalogue.indicators["ZN.01"]
    assert first.critical and first.critical_min_points == 2
    assert first.max_points == 2 and first.line == line_of(BASE, "- code: ZN.01")
    assert catalogue.indicators["ZN.03"].value_range() == (0.0, 100.0)
    assert catalogue.mapping == {"ZN.01": "ZN.01", "ZN.02": "ZN.03"}
    assert catalogue.previous_code("ZN.02") == "ZN.03"
    assert catalogue.thresholds.min_points("medium", 20) == 14
    assert catalogue.levels[0].name == "ниже базового"
    assert not catalogue.illustrative and catalogue.notice == ""


def test_directions_are_kept_in_model_order_whatever_the_file_order() -> None:
    text = BASE.replace(
        "  - {code: sreda, indicators: [{code: SR.01, text: Моя школа, type: yesno, points: 1}]}\n",
        "",
    ).replace(
        "directions:\n",
        "directions:\n  - {code: sreda, indicators: [{code: SR.01, text: Моя школа, "
        "type: yesno, points: 1}]}\n",
    )
    catalogue = parse_catalogue(text)
    assert catalogue.direction_codes[-1] == "sreda"
    assert list(catalogue.indicators)[-1] == "SR.01"


def test_load_catalogue_reads_paths_and_text(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert load_catalogue(path).version == "test-2024"
    assert load_catalogue(str(path)).source == str(path)
    assert load_catalogue(BASE).source == "<текст>"


def test_missing_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="файл не найден"):
        load_catalogue(tmp_path / "нет.yaml")


def test_build_catalogue_accepts_parsed_data() -> None:
    import yaml

    catalogue = build_catalogue(yaml.safe_load(BASE))
    assert len(catalogue.indicators) == 11


def test_error_message_lists_every_problem() -> None:
    text = broken("        points: 2\n        critical", "        points: два\n        critical")
    text = broken("year: 2024", "year: 1812", text)
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, source_name="official.yaml")
    assert len(info.value.problems) == 2
    rendered = str(info.value)
    assert rendered.startswith("Каталог критериев «official.yaml» не загружен: найдено проблем — 2")
    assert all(f"  - {p}" in rendered for p in info.value.problems)


# ---------------------------------------------------------------------------------------------
# Each kind of error names its place
# ---------------------------------------------------------------------------------------------


def test_missing_key_names_the_indicator() -> None:
    text = broken(
        "        text: Школьный спортивный клуб\n        type: yesno\n",
        "        text: Школьный спортивный клуб\n",
    )
    line = line_of(text, "- code: ZD.01")
    assert f"directions[1].indicators[0] (строка {line}): нет обязательного ключа «type»" in (
        problems_of(text)
    )


def test_bad_type_names_the_exact_option() -> None:
    text = broken("{code: da, text: Да, points: 2}", '{code: da, text: Да, points: "abc"}')
    line = line_of(text, "{code: da")
    assert problems_of(text) == [
        f"directions[0].indicators[1].options[1].points (строка {line}): "
        'ожидалось число, получено "abc"'
    ]


def test_duplicate_indicator_code() -> None:
    text = broken("      - code: ZN.02", "      - code: ZN.01")
    line = line_of(text, "- code: ZN.01", 2)
    first = line_of(text, "- code: ZN.01")
    assert problems_of(text) == [
        f"directions[0].indicators[1].code (строка {line}): код «ZN.01» уже использован в "
        f"directions[0].indicators[0] (строка {first})"
    ]


def test_unknown_direction() -> None:
    text = broken("  - code: zdorovie", "  - code: zdorovye")
    problems = problems_of(text)
    line = line_of(text, "code: zdorovye")
    assert problems[0].startswith(
        f"directions[1].code (строка {line}): неизвестное направление «zdorovye»"
    )
    assert any("нет направления «zdorovie» (Здоровье)" in p for p in problems)


def test_direction_described_twice() -> None:
    text = broken("  - {code: klimat,", "  - {code: uchitel,")
    problems = problems_of(text)
    assert any("направление «uchitel» уже описано в directions[5]" in p for p in problems)
    assert any("нет направления «klimat»" in p for p in problems)


def test_direction_kind_must_match_the_model() -> None:
    text = broken("  - code: zdorovie\n", "  - code: zdorovie\n    kind: condition\n")
    assert any(
        "directions[1].kind" in p and "магистральное направление (main)" in p
        for p in problems_of(text)
    )


def test_thresholds_must_increase() -> None:
    text = broken(
        "  direction: {basic: 50, medium: 70, high: 90}",
        "  direction: {basic: 50, medium: 40, high: 90}",
    )
    line = line_of(text, "direction: {basic")
    assert problems_of(text) == [
        f"thresholds.direction (строка {line}): пороги должны возрастать: basic < medium < high, "
        "получено 50, 40, 90"
    ]


def test_thresholds_are_percentages() -> None:
    text = broken(
        "  overall: {basic: 50, medium: 70, high: 90}",
        "  overall: {basic: 50, medium: 70, high: 120}",
    )
    assert any(
        p.startswith("thresholds.overall.high") and "не больше 100" in p for p in problems_of(text)
    )


def test_overlapping_bands() -> None:
    text = broken("{from: 50, to: 100, points: 2}", "{from: 40, to: 100, points: 2}")
    line = line_of(text, "{from: 40")
    assert problems_of(text) == [
        f"directions[0].indicators[2].bands[1] (строка {line}): диапазоны пересекаются или идут "
        "не по возрастанию: [0; 50) и [40; 100)"
    ]


def test_band_outside_the_percent_range() -> None:
    text = broken("{from: 50, to: 100, points: 2}", "{from: 50, to: 150, points: 2}")
    assert any("выходит за допустимые значения показателя [0; 100]" in p for p in problems_of(text))


def test_integer_indicator_needs_integer_band_edges() -> None:
    text = broken("{from: 1, points: 2}", "{from: 1.5, points: 2}")
    text = broken("{from: 0, to: 1, points: 0}", "{from: 0, to: 1.5, points: 0}", text)
    assert any("границы диапазонов — целые" in p for p in problems_of(text))


def test_option_without_points() -> None:
    text = broken("{code: net, text: Нет, points: 0}", "{code: net, text: Нет}")
    line = line_of(text, "{code: net")
    assert problems_of(text) == [
        f"directions[0].indicators[1].options[0] (строка {line}): "
        "у варианта ответа нет баллов (ключ «points»)"
    ]


def test_duplicate_option_code() -> None:
    text = broken("{code: da, text: Да, points: 2}", "{code: net, text: Да, points: 2}")
    assert any("код варианта «net» повторяется" in p for p in problems_of(text))


def test_numeric_code_gets_a_quoting_hint() -> None:
    text = broken("{code: da, text: Да, points: 2}", "{code: 10, text: Да, points: 2}")
    assert any('заключите значение в кавычки: "10"' in p for p in problems_of(text))


def test_unknown_key_suggests_the_right_one() -> None:
    text = broken("        critical: true\n", "        critcal: true\n")
    assert any("неизвестный ключ «critcal» (возможно, «critical»?)" in p for p in problems_of(text))


def test_key_of_another_type_is_reported() -> None:
    text = broken(
        "        type: yesno\n        points: 2\n",
        "        type: yesno\n        points: 2\n        bands: []\n",
    )
    assert any("ключ «bands» не используется для типа «yesno»" in p for p in problems_of(text))


def test_duplicate_yaml_key_is_reported() -> None:
    text = broken(
        "        type: yesno\n        points: 2\n",
        "        type: yesno\n        points: 2\n        points: 3\n",
    )
    line = line_of(text, "points: 3")
    assert any(
        p.startswith(
            f"directions[0].indicators[0].points (строка {line}): ключ «points» повторяется"
        )
        for p in problems_of(text)
    )


def test_yaml_syntax_error_has_a_line() -> None:
    text = broken("title: Тестовый каталог", "title: [Тестовый каталог")
    problems = problems_of(text)
    assert len(problems) == 1
    assert re.match(r"строка \d+, позиция \d+: ошибка синтаксиса YAML", problems[0])


def test_unknown_indicator_type() -> None:
    text = broken("        type: percent", "        type: percents")
    assert any("неизвестный тип «percents»" in p for p in problems_of(text))


def test_indicator_worth_nothing_is_rejected() -> None:
    text = broken("{code: da, text: Да, points: 2}", "{code: da, text: Да, points: 0}")
    assert any("максимум должен быть > 0" in p for p in problems_of(text))


def test_critical_min_points_above_maximum() -> None:
    text = broken(
        "        critical: true\n", "        critical: true\n        critical_min_points: 3\n"
    )
    assert any("больше максимума показателя 2" in p for p in problems_of(text))


def test_critical_min_points_needs_critical() -> None:
    text = broken(
        "        text: Школьный спортивный клуб\n",
        "        text: Школьный спортивный клуб\n        critical_min_points: 1\n",
    )
    assert any("только у критического показателя" in p for p in problems_of(text))


def test_unknown_education_level_in_applies_if() -> None:
    text = broken("applies_if: {ovz: true}", "applies_if: {levels_any: [spo]}")
    assert any("неизвестные уровни образования: spo" in p for p in problems_of(text))


def test_direction_needs_an_unconditional_indicator() -> None:
    text = broken(
        "  - {code: sreda, indicators: [{code: SR.01, text: Моя школа, type: yesno, points: 1}]}",
        "  - {code: sreda, indicators: [{code: SR.01, text: Моя школа, type: yesno, points: 1, "
        "applies_if: {ovz: true}}]}",
    )
    assert any("хотя бы один показатель без условия применимости" in p for p in problems_of(text))


def test_critical_rule_levels() -> None:
    text = broken("  overall_cap: below_basic", "  overall_cap: high")
    assert any(p.startswith("critical_rule.overall_cap") for p in problems_of(text))
    assert (
        parse_catalogue(
            broken("  overall_cap: below_basic", "  overall_cap: null")
        ).critical_rule.overall_cap
        is None
    )


def test_illustrative_catalogue_needs_a_notice() -> None:
    text = broken("year: 2024\n", "year: 2024\nillustrative: true\n")
    assert any(p.startswith("notice") for p in problems_of(text))


def test_previous_code_needs_previous_version() -> None:
    text = broken("previous_version: test-2023\n", "")
    assert any("previous_version — нет" in p for p in problems_of(text))


def test_one_old_code_maps_to_one_new_code() -> None:
    text = broken("        previous_code: ZN.03", "        previous_code: ZN.01")
    assert any("уже сопоставлен показателю «ZN.01»" in p for p in problems_of(text))


def test_mapping_block_merges_with_previous_code() -> None:
    catalogue = parse_catalogue(BASE + "mapping:\n  ZD.01: ZD.05\n")
    assert catalogue.mapping["ZD.01"] == "ZD.05"
    assert catalogue.indicators["ZD.01"].previous_code == "ZD.05"
    problems = problems_of(BASE + "mapping:\n  ZN.02: ZN.09\n  XX.01: ZN.04\n")
    assert any("противоречит previous_code «ZN.03»" in p for p in problems)
    assert any(p.startswith("mapping.XX.01") and "нет в этом каталоге" in p for p in problems)


def test_mapping_to_an_unknown_code_when_cross_checked() -> None:
    text = broken("previous_code: ZN.03", "previous_code: ZN.09")
    current = parse_catalogue(text)
    previous_text = (
        BASE.replace("version: test-2024", "version: test-2023")
        .replace("previous_version: test-2023\n", "")
        .replace("        previous_code: ZN.01\n", "")
        .replace("        previous_code: ZN.03\n", "")
    )
    previous = parse_catalogue(previous_text)
    with pytest.raises(CatalogueError) as info:
        cross_check(current, previous)
    line = line_of(text, "previous_code: ZN.09")
    assert info.value.problems == [
        f"directions[0].indicators[1].previous_code (строка {line}): "
        "показатель «ZN.09» отсутствует в версии test-2023"
    ]


def test_cross_check_wants_the_named_previous_version() -> None:
    current = parse_catalogue(BASE)
    with pytest.raises(CatalogueError, match="указана версия «test-2023», а для сверки"):
        cross_check(current, current)


def test_contradiction_with_unknown_indicator() -> None:
    text = broken(
        "and: {indicator: ZD.02, op: gt, value: 0}", "and: {indicator: ZD.09, op: gt, value: 0}"
    )
    assert any(
        p.startswith("contradictions[0].and.indicator") and "«ZD.09» нет в каталоге" in p
        for p in problems_of(text)
    )


def test_contradiction_operation_must_fit_the_type() -> None:
    text = broken(
        "and: {indicator: ZD.02, op: gt, value: 0}",
        "and: {indicator: ZD.02, op: contains, value: 0}",
    )
    assert any("допустимы операции: eq, ne, lt, le, gt, ge" in p for p in problems_of(text))
    text = broken(
        "when: {indicator: ZD.01, answer: false}", "when: {indicator: ZD.01, answer: может}"
    )
    assert any(p.startswith("contradictions[0].when.answer") for p in problems_of(text))


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> Catalogue:
    return parse_catalogue(BASE)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("да", True),
        (" Нет ", False),
        (1, True),
        (0, False),
        ("yes", True),
        ("−", False),
        (None, None),
        ("", None),
    ],
)
def test_yesno_answers(base: Catalogue, raw: object, expected: object) -> None:
    assert validate_answer(base.indicators["ZD.01"], raw) == expected


def test_yesno_rejects_anything_else(base: Catalogue) -> None:
    with pytest.raises(AnswerError, match='ожидалось «да» или «нет», получено "может быть"'):
        validate_answer(base.indicators["ZD.01"], "может быть")


def test_single_answers_by_code_or_text(base: Catalogue) -> None:
    indicator = base.indicators["ZN.02"]
    assert validate_answer(indicator, "da") == "da"
    assert validate_answer(indicator, "Нет") == "net"
    with pytest.raises(
        AnswerError, match="неизвестный вариант ответа «может»; допустимые: net, da"
    ):
        validate_answer(indicator, "может")


def test_multiple_answers_are_canonical() -> None:
    indicator = load_catalogue(DATA / "demo-2024.yaml").indicators["ZD.09"]
    assert indicator.type == "multiple"
    assert validate_answer(indicator, ["lyzhi", "zal", "zal"]) == ("zal", "lyzhi")
    assert validate_answer(indicator, "Спортивный зал; bassein") == ("zal", "bassein")
    assert validate_answer(indicator, []) == ()
    with pytest.raises(AnswerError, match="неизвестный вариант"):
        validate_answer(indicator, ["zal", "каток"])
    with pytest.raises(AnswerError, match="ожидался список"):
        validate_answer(indicator, 3)


def test_number_and_percent_answers(base: Catalogue) -> None:
    sports, share = base.indicators["ZD.02"], base.indicators["ZN.03"]
    assert validate_answer(sports, "1 200") == 1200
    assert validate_answer(sports, "1\u202f200") == 1200
    assert validate_answer(sports, 3.0) == 3
    assert validate_answer(share, "12,5") == 12.5
    assert validate_answer(share, "45%") == 45.0
    assert validate_answer(share, 100) == 100
    with pytest.raises(AnswerError, match="значение 150 % вне допустимого диапазона 0–100 %"):
        validate_answer(share, 150)
    with pytest.raises(AnswerError, match="вне допустимого диапазона 0–∞"):
        validate_answer(sports, -1)
    with pytest.raises(AnswerError, match=r"ожидалось целое число, получено 2\.5"):
        validate_answer(sports, 2.5)
    with pytest.raises(AnswerError, match="ожидалось число"):
        validate_answer(sports, True)
    with pytest.raises(AnswerError, match='ожидалось число, получено "много"'):
        validate_answer(sports, "много")
    with pytest.raises(AnswerError, match="конечное"):
        validate_answer(share, float("nan"))
    with pytest.raises(AnswerError, match="слишком велико"):
        validate_answer(sports, 10**400)  # an int beyond any float: not an OverflowError


def test_answer_error_carries_the_indicator(base: Catalogue) -> None:
    with pytest.raises(AnswerError) as info:
        validate_answer(base.indicators["ZN.02"], "может")
    assert info.value.indicator == "ZN.02"
    assert info.value.raw == "может"


def test_validate_answers_reports_cells(base: Catalogue) -> None:
    normalised, errors = validate_answers(
        base, {"ZD.01": "да", "ZD.02": "", "ZN.02": "может", "XX.99": 1}
    )
    assert normalised == {"ZD.01": True}
    assert set(errors) == {"ZN.02", "XX.99"}
    assert errors["XX.99"] == "показателя «XX.99» нет в каталоге test-2024"


def test_contradictions_respect_applicability(base: Catalogue) -> None:
    answers = {"ZD.01": False, "ZD.02": 2}
    assert [f.code for f in find_contradictions(base, answers)] == ["KP.01"]
    assert [f.code for f in find_contradictions(base, answers, SchoolProfile())] == ["KP.01"]


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------


def test_levels_are_ordered() -> None:
    assert [level_rank(level) for level in LEVELS] == [0, 1, 2, 3]
    assert level_name("below_basic") == "ниже базового"
    with pytest.raises(ValueError, match="неизвестный уровень"):
        level_rank("excellent")


def test_school_profile_checks_levels() -> None:
    assert SchoolProfile(["noo", "ooo"]).levels == frozenset({"noo", "ooo"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="неизвестные уровни образования: spo"):
        SchoolProfile(frozenset({"spo"}))
