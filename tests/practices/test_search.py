"""Russian full-text search with stemming, on whichever database the tests run (SQLite by default;
DATABASE_URL=postgres://… for PostgreSQL): the same assertions hold on both."""

from __future__ import annotations

from typing import Any

import pytest

from marshrut.practices import queries
from marshrut.practices.models import Status
from tests.conftest import World, build_world
from tests.practices.factories import practice

pytestmark = pytest.mark.django_db


def _titles(hits: list[Any]) -> list[str]:
    return [h.practice.title for h in hits]


def test_a_word_in_another_form_finds_the_practice(world: World) -> None:
    practice(world.s1, title="Школа молодого учителя", description="Каждый учитель ведёт дневник.")
    practice(world.s2, title="Спортивные перемены", description="Подвижные игры на переменах.")

    found = queries.search(world.region, "учителями")

    assert _titles(found) == ["Школа молодого учителя"]


def test_every_word_must_occur_and_stop_words_are_ignored(world: World) -> None:
    practice(world.s1, title="Наставничество", description="Наставники и молодые педагоги.")
    practice(world.s2, title="Педагогические мастерские", description="Мастерские для педагогов.")

    assert _titles(queries.search(world.region, "педагогов и наставников")) == ["Наставничество"]
    assert len(queries.search(world.region, "педагогами")) == 2


def test_the_better_match_ranks_first(world: World) -> None:
    practice(world.s1, title="Проектная деятельность", description="Проекты. Один раз про музей.")
    practice(
        world.s2,
        title="Школьный музей",
        description="Музей школы: экскурсии в музее, музейные уроки, музей боевой славы.",
    )

    assert _titles(queries.search(world.region, "музей"))[0] == "Школьный музей"


def test_the_snippet_marks_the_found_words(world: World) -> None:
    practice(world.s1, title="Клуб", description="Родители приходят в клуб по субботам.")

    (hit,) = queries.search(world.region, "родителям")

    assert "<mark>Родители</mark>" in hit.snippet


def test_markup_in_the_text_is_escaped_in_the_snippet(world: World) -> None:
    practice(world.s1, title="Клуб", description="<script>alert(1)</script> клуб родителей")

    (hit,) = queries.search(world.region, "клуб")

    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_e_with_diaeresis_is_read_as_e(world: World) -> None:
    practice(world.s1, title="Ёлка знаний", description="Новогодняя ёлка для учеников.")

    assert _titles(queries.search(world.region, "елки")) == ["Ёлка знаний"]


def test_query_syntax_is_not_interpreted(world: World) -> None:
    practice(world.s1, title="Театр", description="Школьный театр NEAR друзей")

    assert _titles(queries.search(world.region, 'театр" * (')) == ["Театр"]
    assert _titles(queries.search(world.region, "NEAR театр")) == ["Театр"]


def test_filters_narrow_the_search(world: World) -> None:
    practice(world.s1, title="Учитель-наставник", directions=["uchitel"], levels=["noo"])
    practice(world.s2, title="Учитель здоровья", directions=["zdorovie"], levels=["ooo"])
    practice(
        world.s3, title="Учитель года", directions=["uchitel"], indicators=["5.1"], levels=["soo"]
    )

    assert _titles(queries.search(world.region, "учитель", {"direction": "zdorovie"})) == [
        "Учитель здоровья"
    ]
    assert _titles(queries.search(world.region, "учитель", {"level": "noo"})) == [
        "Учитель-наставник"
    ]
    assert _titles(queries.search(world.region, "учитель", {"indicator": "5.1"})) == [
        "Учитель года"
    ]
    assert sorted(_titles(queries.search(world.region, "учитель", {"municipality": world.m1}))) == [
        "Учитель года",
        "Учитель-наставник",
    ]


def test_only_published_by_default_and_other_statuses_on_request(world: World) -> None:
    practice(world.s1, title="Учитель в черновике", status=Status.DRAFT)
    practice(world.s2, title="Учитель опубликованный")

    assert _titles(queries.search(world.region, "учитель")) == ["Учитель опубликованный"]
    assert _titles(queries.search(world.region, "учитель", {"status": Status.DRAFT})) == [
        "Учитель в черновике"
    ]


def test_another_regions_practices_are_not_found(world: World) -> None:
    other = build_world("99", "Вторая область", tag="r2-")
    practice(other.s1, title="Учитель другого региона")

    assert queries.search(world.region, "учитель") == []
    assert _titles(queries.search(other.region, "учитель")) == ["Учитель другого региона"]


def test_an_edit_is_found_by_its_new_words_and_not_by_the_old(world: World) -> None:
    from marshrut.practices import actions

    p = practice(world.s1, title="Шахматы", description="Шахматный клуб.")
    p.description = "Робототехника для всех."
    actions.do_save_practice(None, p, authors=[], version=p.version)

    assert queries.search(world.region, "шахматный клуб") == []
    assert _titles(queries.search(world.region, "робототехникой")) == ["Шахматы"]


def test_author_names_are_searchable(world: World) -> None:
    from marshrut.practices import actions

    p = practice(world.s1, title="Клуб")
    actions.do_save_practice(None, p, authors=[world.people["head"]], version=p.version)

    assert _titles(queries.search(world.region, world.people["head"].last_name)) == ["Клуб"]


def test_without_words_the_newest_come_first(world: World) -> None:
    practice(world.s1, title="Первая")
    practice(world.s2, title="Вторая")

    assert len(queries.search(world.region, "  ")) == 2
