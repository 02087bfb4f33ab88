"""Responsible cells → organisations through a dictionary of abbreviations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marshrut.kernels.responsibles import (
    DEFAULT_ABBREVIATIONS,
    OrgDictionary,
    Responsible,
    parse_responsibles,
)


def parsed(text: str, **kwargs: object) -> list[tuple[str, str | None]]:
    return [
        (found.text, found.organisation)
        for found in parse_responsibles(text, DEFAULT_ABBREVIATIONS, **kwargs)  # type: ignore[arg-type]
    ]


def same(*names: str) -> list[tuple[str, str | None]]:
    return [(name, name) for name in names]


def test_run_of_abbreviations_without_commas_is_split_longest_first() -> None:
    assert parsed("ДОиН ТО ТОГИРРО МОУО ММС ОО") == same("ДОиН ТО", "ТОГИРРО", "МОУО", "ММС", "ОО")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ТОГИРРО ЦНППМ", same("ТОГИРРО", "ЦНППМ")),
        ("ТОИПКРО, МОУО", same("ТОИПКРО", "МОУО")),
        ("ДОО ТО, ТОИПКРО,", same("ДОО ТО", "ТОИПКРО")),
        ("ДОО ТО, ТОИПКРО, МОУО", same("ДОО ТО", "ТОИПКРО", "МОУО")),
        ("МОУО, ОО", same("МОУО", "ОО")),
        ("ДОиН  ТО   ТОГИРРО", [("ДОиН ТО", "ДОиН ТО"), ("ТОГИРРО", "ТОГИРРО")]),
        ("ТОГИРРО;МОУО\nОО", same("ТОГИРРО", "МОУО", "ОО")),
        ("ДОН ТО", [("ДОН ТО", "ДОиН ТО")]),
        ("ЦНППМР", [("ЦНППМР", "ЦНППМ")]),
        ("ЦНППМ(Р)", [("ЦНППМ(Р)", "ЦНППМ")]),
        ("ТОГИРРО.", same("ТОГИРРО")),
    ],
)
def test_abbreviation_runs(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert parsed(text) == expected


def test_qualifiers_stay_with_their_organisation() -> None:
    assert parsed("ТОГИРРО МОУО ОО (РИП)") == [*same("ТОГИРРО", "МОУО"), ("ОО (РИП)", "ОО")]
    assert parsed("ТОГИРРО МОУО ОО (в том числе РИП)")[-1] == ("ОО (в том числе РИП)", "ОО")
    assert parsed("ТОГИРРО МОУО ОО- участники апробации проекта")[-1] == (
        "ОО- участники апробации проекта",
        "ОО",
    )
    assert parsed("ОО-участники проекта") == [("ОО-участники проекта", "ОО")]


def test_role_texts_map_to_the_organisation_of_the_role() -> None:
    assert parsed("Муниципальный куратор, управленческая команда ОО") == [
        ("Муниципальный куратор", "МОУО"),
        ("управленческая команда ОО", "ОО"),
    ]
    assert parsed("муниципальные координаторы") == [("муниципальные координаторы", "МОУО")]
    assert parsed("руководители ОО") == [("руководители ОО", "ОО")]
    assert parsed(
        "ТОГИРРО МОУО ОО участники Единого регионального кадрового резерва руководителей"
    ) == [
        *same("ТОГИРРО", "МОУО", "ОО"),
        ("участники Единого регионального кадрового резерва руководителей", "ЕРКР"),
    ]
    assert parsed("ТОГИРРО МОУО Участники регионального методического Актива (РМА)") == [
        *same("ТОГИРРО", "МОУО"),
        ("Участники регионального методического Актива (РМА)", "РМА"),
    ]


def test_role_texts_stay_unmapped_without_a_role_vocabulary() -> None:
    assert parsed("Муниципальный куратор, руководители ОО", roles=()) == [
        ("Муниципальный куратор", None),
        ("руководители ОО", None),
    ]


def test_free_text_without_a_known_role_is_kept_for_the_operator() -> None:
    assert parsed("ТОГИРРО МОУО ОО участники апробации проекта") == [
        *same("ТОГИРРО", "МОУО", "ОО"),
        ("участники апробации проекта", None),
    ]
    assert parsed("наставники, кураторы ШНОР") == [("наставники", None), ("кураторы ШНОР", None)]


def test_unknown_abbreviation_is_an_entry_of_its_own() -> None:
    assert parsed("ТОГИРРО ЦДОД МОУО") == [("ТОГИРРО", "ТОГИРРО"), ("ЦДОД", None), ("МОУО", "МОУО")]


def test_full_names_match_ignoring_case() -> None:
    assert parsed("Департамент общего образования Томской области, ТОИПКРО") == [
        ("Департамент общего образования Томской области", "ДОО ТО"),
        ("ТОИПКРО", "ТОИПКРО"),
    ]
    assert parsed("ФИОКО; федеральный институт оценки качества образования") == [
        ("ФИОКО", "ФИОКО"),
        ("федеральный институт оценки качества образования", "ФИОКО"),
    ]


def test_a_legal_form_stays_with_the_name_it_qualifies() -> None:
    assert parsed("ФГБУ ФИОКО; ФГБНУ «ФИПИ», ТОГИРРО") == [
        ("ФГБУ ФИОКО", "ФИОКО"),
        ("ФГБНУ «ФИПИ»", "ФИПИ"),
        ("ТОГИРРО", "ТОГИРРО"),
    ]
    assert parsed(
        "Муниципальное казённое учреждение «Информационно-методический центр города»"
    ) == [
        ("Муниципальное казенное учреждение «Информационно-методический центр города»", "ИМЦ"),
    ]
    # A quoted name the dictionary does not know is still one party, not two.
    assert parsed("ГАУ ДПО «Центр опережающей подготовки»") == [
        ("ГАУ ДПО «Центр опережающей подготовки»", None),
    ]


def test_a_role_of_a_named_organisation_is_linked_to_it_too() -> None:
    assert parsed("ОО, школьные координаторы") == [("ОО", "ОО"), ("школьные координаторы", "ОО")]


def test_and_between_two_organisations_joins_them() -> None:
    assert parsed("ЦОКО и РЦОИ") == [("ЦОКО", "ЦОКО"), ("РЦОИ", "РЦОИ")]
    assert parsed("Управление образования совместно с ИМЦ") == [
        ("Управление образования", "МОУО"),
        ("ИМЦ", "ИМЦ"),
    ]


def test_a_further_clause_is_not_part_of_the_name() -> None:
    assert parsed("ТОГИРРО (далее – институт), ОО высокого уровня") == [
        ("ТОГИРРО", "ТОГИРРО"),
        ("ОО высокого уровня", "ОО"),
    ]


def test_roles_written_as_words_name_their_organisations() -> None:
    assert parsed(
        "региональный оператор; муниципальные координаторы; региональному координатору"
    ) == [
        ("региональный оператор", "Региональный оператор"),
        ("муниципальные координаторы", "МОУО"),
        ("региональному координатору", "Региональный оператор"),
    ]


def test_abbreviations_match_with_their_case_only() -> None:
    # «то» is a Russian word; only the capitalised «ТО» belongs to «ДОиН ТО».
    assert parsed("ДОиН то")[0] == ("ДОиН", "ДОиН ТО")
    assert parsed("оо") == [("оо", None)]


@pytest.mark.parametrize(
    "abbreviation",
    [
        "ДОиН ТО",
        "ДОО ТО",
        "ТОГИРРО",
        "ТОИПКРО",
        "ЧИРО",
        "МОУО",
        "ММС",
        "ОО",
        "ЦНППМ",
        "РУМО",
        "РМА",
        "РИП",
        "ЕРКР",
        "ФИОКО",
        "ФИЦТО",
        "Академия Минпросвещения России",
    ],
)
def test_default_dictionary_covers_the_glossary(abbreviation: str) -> None:
    assert parsed(abbreviation) == [(abbreviation, abbreviation)]
    assert len(DEFAULT_ABBREVIATIONS[abbreviation]) >= 1


def test_every_default_alias_resolves_to_its_canonical_form() -> None:
    orgs = OrgDictionary.coerce(DEFAULT_ABBREVIATIONS)
    for canonical, aliases in DEFAULT_ABBREVIATIONS.items():
        for alias in aliases:
            assert orgs.lookup(alias) == canonical, alias


def test_dictionary_may_map_aliases_to_canonical_codes() -> None:
    aliases = {"ГИРО": "ГИРО", "Гос. институт развития образования": "ГИРО", "школа": "ОО"}
    assert parse_responsibles("ГИРО, школа", aliases) == [
        Responsible("ГИРО", "ГИРО"),
        Responsible("школа", "ОО"),
    ]
    orgs = OrgDictionary({"ГИРО": ["Гос. институт развития образования"]})
    assert parse_responsibles("гос. институт развития образования", orgs) == [
        Responsible("гос. институт развития образования", "ГИРО")
    ]


def test_empty_cell_has_no_responsibles() -> None:
    assert parsed("") == []
    assert parsed(" , ; ") == []
    assert parsed(":") == []  # found by hypothesis: an entry of punctuation alone
    assert [r.text for r in parse_responsibles("ОО; :", DEFAULT_ABBREVIATIONS)] == ["ОО"]


def test_responsible_dict_is_json_ready() -> None:
    assert Responsible("ОО (РИП)", "ОО").to_dict() == {"text": "ОО (РИП)", "organisation": "ОО"}


@given(text=st.text(max_size=120))
def test_never_raises_and_keeps_some_text_per_entry(text: str) -> None:
    for found in parse_responsibles(text, DEFAULT_ABBREVIATIONS):
        assert found.text
        assert found.organisation is None or found.organisation in DEFAULT_ABBREVIATIONS
