"""Expected results and indicators → targets (seeds 001 and 004 and DOMAIN.md forms)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marshrut.kernels.targets import Target, parse_targets

# Every expected result of seeds 001 and 004 that states a target.
SEED_TARGETS = [
    # 001, 2.2 (unnumbered): a coverage target is a floor.
    (
        "Охват участников – 40%",
        [Target("Охват участников – 40%", "Охват участников", ">=", 40, "%")],
    ),
    # 001, 5.1: «Не менее» opens a new sentence after «Приказ ДОН», so it names no metric.
    (
        "Приказ ДОН Не менее 90% информационно-аналитическая справка с управленческими решениями "
        "и адресными рекомендациями",
        [Target("Не менее 90%", None, ">=", 90, "%")],
    ),
    # 004, the project sessions (the result joined across the page break): a plain count.
    (
        "Проведено 5 проектных сессий для муниципальных общеобразовательных организаций: "
        "Проектная сессия 1: Асиновский район, Первомайский район, Тегульдетский район, Зырянский "
        "район. Проектная сессия 2: г. Томск, ЗАТО Северск, Томский район. Проектная сессия 3: "
        "Шегарский район, Кожевниковский район, Кривошеинский район, Молчановский район, "
        "Бакчарский район. Проектная сессия 4: Чаинский район, Колпашевский район, Парабельский "
        "район, Каргасокский район, Верхнекетский район, г. Кедровый. Проектная сессия 5: г.о. "
        "Стрежевой, Александровский район (с использованием видеоконференцсвязи)",
        [
            Target(
                "Проведено 5 проектных сессий",
                "Проведено проектных сессий",
                ">=",
                5,
                "проектных сессий",
            )
        ],
    ),
    # 004, the yearly self-diagnostics: the value opens the sentence, the rest is the metric.
    (
        "100% общеобразовательных организаций Томской области прошли процедуру самодиагностики. "
        "Сокращено количество общеобразовательных организаций, которые по результатам "
        "самодиагностики соответствуют статусу «Школа Минпросвещения России» на уровне «ниже "
        "базового»",
        [
            Target(
                "100% общеобразовательных организаций Томской области прошли процедуру "
                "самодиагностики",
                "общеобразовательных организаций Томской области прошли процедуру самодиагностики",
                ">=",
                100,
                "%",
            )
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SEED_TARGETS)
def test_seed_targets(text: str, expected: list[Target]) -> None:
    assert parse_targets(text) == expected


# Expected results of the seeds that carry numbers or target-like words but no target.
SEED_RESULTS_WITHOUT_TARGETS = [
    "Разработаны программы развития ОО на 2025 — 2028 годы с учетом магистральных направлений и "
    "ключевых условий Проекта",
    "Определен уровень соответствия статусу «Школа Минпросвещения России» для 29 "
    "общеобразовательных организаций, не прошедших самодиагностику в 2023 году. Подготовлена "
    "информационно-аналитическая справка о результатах процедуры самодиагностики 29 "
    "общеобразовательных организаций",
    "Подведение итогов реализации проекта в 2023 году, обозначены направления и задачи по "
    "реализации проекта на 2024 год",
    "Список участников проекта Количество участников, прошедших обучение Количество участников, "
    "прошедших обучение",
    "Письма ТОГИРРО о проведении. Проведены семинары с участниками Проекта с целью разъяснения "
    "содержания критериев и показателей для обеспечения объективности заполнения анкеты по "
    "самодиагностике ОО; программы, презентационные и рабочие материалы совещаний и семинаров",
    "Информационно-аналитическая справка о результатах мониторинга. Сокращение числа дефицитов, "
    "выявленных в ходе проведения самодиагностики, выработка механизмов ликвидации дефицитов для "
    "региональной системы образования.",
    "Утвержденные программы развития общеобразовательных организаций размещены в "
    "модернизированном сервисе автоматизированной самодиагностики и разработанного цифрового "
    "конструктора программ развития общеобразовательных организаций ФГАНУ «Федеральный институт "
    "цифровой трансформации в сфере повышения» (https://sas.ficto.ru/)",
    "Сокращено количество общеобразовательных организаций, которые по результатам "
    "самодиагностики соответствуют статусу «Школа Минпросвещения России» на уровне «ниже "
    "базового»",
    "Письмо ДОиН ТО, ТОГИРРО.",
    "",
]


@pytest.mark.parametrize("text", SEED_RESULTS_WITHOUT_TARGETS)
def test_results_without_targets(text: str) -> None:
    assert parse_targets(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Не менее 90%", Target("Не менее 90%", None, ">=", 90, "%")),
        ("не более 5%", Target("не более 5%", None, "<=", 5, "%")),
        (
            "Охват участников = 40%",
            Target("Охват участников = 40%", "Охват участников", "=", 40, "%"),
        ),
        (
            "Доля ОО, прошедших самодиагностику (100%)",
            Target(
                "Доля ОО, прошедших самодиагностику (100%)",
                "Доля ОО, прошедших самодиагностику",
                ">=",
                100,
                "%",
            ),
        ),
        (
            "Доля педагогов, прошедших обучение, не менее 90%",
            Target(
                "Доля педагогов, прошедших обучение, не менее 90%",
                "Доля педагогов, прошедших обучение",
                ">=",
                90,
                "%",
            ),
        ),
        (
            "Охват педагогов — 72,5 %",
            Target("Охват педагогов — 72,5 %", "Охват педагогов", ">=", 72.5, "%"),
        ),
        (
            "не менее 90% педагогов прошли обучение",
            Target(
                "не менее 90% педагогов прошли обучение",
                "педагогов прошли обучение",
                ">=",
                90,
                "%",
            ),
        ),
        (
            "Количество участников не менее 30 человек",
            Target(
                "Количество участников не менее 30 человек",
                "Количество участников",
                ">=",
                30,
                "человек",
            ),
        ),
        (
            "Проведено не менее 2 семинаров",
            Target("Проведено не менее 2 семинаров", "Проведено семинаров", ">=", 2, "семинаров"),
        ),
        (
            "Обучено 120 педагогов по программе ДПП ПК (36 часов)",
            Target("Обучено 120 педагогов", "Обучено педагогов", ">=", 120, "педагогов"),
        ),
        # A share where less is better is a ceiling.
        (
            "Доля ОО с уровнем «ниже базового» – 10%",
            Target(
                "Доля ОО с уровнем «ниже базового» – 10%",
                "Доля ОО с уровнем «ниже базового»",
                "<=",
                10,
                "%",
            ),
        ),
    ],
)
def test_target_forms(text: str, expected: Target) -> None:
    assert parse_targets(text) == [expected]


def test_several_targets_in_one_text() -> None:
    assert parse_targets("Охват педагогов – 40%, руководителей – 60%. Не менее 90% ОО") == [
        Target("Охват педагогов – 40%", "Охват педагогов", ">=", 40, "%"),
        Target("руководителей – 60%", "руководителей", ">=", 60, "%"),
        Target("Не менее 90% ОО", "ОО", ">=", 90, "%"),
    ]


def test_html_fragments_are_read_as_text() -> None:
    assert parse_targets("<p><b>Охват</b> участников – 40%</p>") == [
        Target("Охват участников – 40%", "Охват участников", ">=", 40, "%")
    ]


def test_target_dict_is_json_ready() -> None:
    assert Target("Не менее 90%", None, ">=", 90, "%").to_dict() == {
        "text": "Не менее 90%",
        "metric": None,
        "comparator": ">=",
        "value": 90,
        "unit": "%",
    }


@given(text=st.text(max_size=200))
def test_never_raises_and_values_come_from_the_text(text: str) -> None:
    for target in parse_targets(text):
        assert target.comparator in (">=", "<=", ">", "<", "=")
        assert target.value is not None
        assert target.text


# --- an indicator with its unit and value in cells of their own ------------------------------


def test_a_comparator_before_a_four_digit_count_is_a_target_not_a_year() -> None:
    from marshrut.kernels.targets import parse_targets

    [target] = parse_targets("Не менее 2000 респондентов")
    assert (target.comparator, target.value, target.unit) == (">=", 2000, "респондентов")
    assert parse_targets("не позднее 2024 года") == []


def test_an_indicator_takes_its_value_and_unit_from_their_columns() -> None:
    from marshrut.kernels.targets import indicator_targets

    [target] = indicator_targets("Число стажировок", "ед.", "2023 г. 6; 2024 г. 8", 2024)
    assert (target.metric, target.comparator, target.value, target.unit) == (
        "Число стажировок",
        ">=",
        8,
        "ед.",
    )
    [target] = indicator_targets("Доля верифицированных результатов", "", "не менее 90%", 2025)
    assert (target.metric, target.comparator, target.value, target.unit) == (
        "Доля верифицированных результатов",
        ">=",
        90,
        "%",
    )
    [target] = indicator_targets("Количество участников", "-", "15", 2025)
    assert (target.value, target.unit) == (15, None)


def test_values_for_other_years_than_the_plans_are_each_a_target() -> None:
    from marshrut.kernels.targets import indicator_targets

    found = indicator_targets(
        "Доля школ с низкими результатами", "%", "2019 г. 12,5; 2020 г. 9,0", 2024
    )
    assert [(t.metric, t.comparator, t.value) for t in found] == [
        ("Доля школ с низкими результатами, 2019 г.", "<=", 12.5),
        ("Доля школ с низкими результатами, 2020 г.", "<=", 9.0),
    ]


def test_an_indicator_without_a_value_stays_for_the_operator() -> None:
    from marshrut.kernels.targets import indicator_targets

    [target] = indicator_targets("Перечень школ", "", "-", 2025)
    assert (target.metric, target.value) == ("Перечень школ", None)
    assert indicator_targets("-", "", "", 2025) == []
