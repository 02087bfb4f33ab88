"""The participants kernel on every participants cell of seed 000 and a few more."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marshrut.kernels.participants import Category, Count, Unit, parse_participants

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "000_4dac235b0215878e.txt"

P, S, M, T = Unit.PEOPLE, Unit.SCHOOLS, Unit.MUNICIPALITIES, Unit.TEAMS

# cell → (counts, mentioned, total)
SEED_CELLS = {
    "26 муниципалитетов (172 ОО юр.лица)": (
        [Count(Category.MUNICIPALITIES, 26, M), Count(Category.SCHOOLS, 172, S)],
        [],
        None,
    ),
    "Участники проекта": ([], [Category.PARTICIPANTS], None),
    "Муниципальные методисты, 52 человека": ([Count(Category.METHODOLOGISTS, 52, P)], [], 52),
    "18 школьных управленческих команд, муниципальных кураторов. Всего - 135 человек": (
        [Count(Category.MANAGEMENT_TEAMS, 18, T)],
        [Category.COORDINATORS],
        135,
    ),
    "5 школ – 146 педагогов": (
        [Count(Category.SCHOOLS, 5, S), Count(Category.TEACHERS, 146, P)],
        [],
        146,
    ),
    "Управленческие команды- 135 человек; Педагоги из 5 ОО – 146 человек": (
        [
            Count(Category.MANAGEMENT_TEAMS, 135, P),
            Count(Category.SCHOOLS, 5, S),
            Count(Category.TEACHERS, 146, P),
        ],
        [],
        281,
    ),
    "Директора ОО, муниципальные кураторы, педагоги": (
        [],
        [Category.HEADS, Category.COORDINATORS, Category.TEACHERS],
        None,
    ),
    "281 чел.": ([Count(Category.PARTICIPANTS, 281, P)], [], 281),
    "26 муниципальных кураторов": ([Count(Category.COORDINATORS, 26, P)], [], 26),
    "": ([], [], None),
}


def seed_participant_cells() -> list[str]:
    cells = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 5 and parts[0].strip().isdigit():
            cells.append(parts[5].strip() if len(parts) > 5 else "")
    return cells


def test_the_table_covers_every_participants_cell_of_seed_000() -> None:
    if not SEED.exists():
        pytest.skip("seeds not found")
    cells = seed_participant_cells()
    assert len(cells) == 12
    assert set(cells) == set(SEED_CELLS)


@pytest.mark.parametrize("text", sorted(SEED_CELLS))
def test_seed_cell_is_read_into_counts_by_category(text: str) -> None:
    counts, mentioned, total = SEED_CELLS[text]
    parsed = parse_participants(text)
    assert list(parsed.counts) == counts
    assert list(parsed.mentioned) == mentioned
    assert parsed.total == total
    assert parsed.text == text


def test_explicit_total_beats_the_sum() -> None:
    parsed = parse_participants("Педагоги – 40 человек; директора – 12 человек. Итого: 60 человек")
    assert parsed.number(Category.TEACHERS) == 40
    assert parsed.number(Category.HEADS) == 12
    assert parsed.total == 60


def test_number_helper_filters_by_unit() -> None:
    parsed = parse_participants("Управленческие команды- 135 человек; 18 управленческих команд")
    assert parsed.number(Category.MANAGEMENT_TEAMS, Unit.PEOPLE) == 135
    assert parsed.number(Category.MANAGEMENT_TEAMS, Unit.TEAMS) == 18
    assert parsed.people == (Count(Category.MANAGEMENT_TEAMS, 135, P),)


def test_text_without_numbers_or_categories_gives_nothing() -> None:
    parsed = parse_participants("по согласованию")
    assert parsed.counts == () and parsed.mentioned == () and parsed.total is None


@given(st.text(max_size=200))
def test_never_raises_and_keeps_the_text(text: str) -> None:
    parsed = parse_participants(text)
    assert parsed.text == text
    assert all(c.number >= 0 for c in parsed.counts)
