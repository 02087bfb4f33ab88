"""Russian plural forms: the helper and its template filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from marshrut.lib.plural import plural

SCHOOL = ("школа", "школы", "школ")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 школ"),
        (1, "1 школа"),
        (2, "2 школы"),
        (4, "4 школы"),
        (5, "5 школ"),
        (11, "11 школ"),
        (12, "12 школ"),
        (14, "14 школ"),
        (21, "21 школа"),
        (22, "22 школы"),
        (25, "25 школ"),
        (101, "101 школа"),
        (111, "111 школ"),
        (1.5, "1,5 школы"),
        (-2, "-2 школы"),
        (-21, "-21 школа"),
        (Decimal("2.50"), "2,5 школы"),
        (3.0, "3 школы"),
    ],
)
def test_plural_agrees_the_noun_with_the_number(n: float, text: str) -> None:
    assert plural(n, *SCHOOL) == text


def test_a_signed_change_reads_with_its_sign() -> None:
    assert plural(2, "балл", "балла", "баллов", signed=True) == "+2 балла"
    assert plural(2.5, "балл", "балла", "баллов", signed=True) == "+2,5 балла"
    assert plural(-5, "балл", "балла", "баллов", signed=True) == "-5 баллов"
    assert plural(0, "балл", "балла", "баллов", signed=True) == "0 баллов"


def test_the_filters_are_available_in_every_template_without_load() -> None:
    template = Template(
        '{{ a|plural:"муниципалитет,муниципалитета,муниципалитетов" }}; '
        '{{ b|signed_plural:"балл,балла,баллов" }}; {{ c|plural_word:"школа,школы,школ" }}'
    )
    assert template.render(Context({"a": 1, "b": 2, "c": 5})) == "1 муниципалитет; +2 балла; школ"
    assert Template('{{ x|plural:"школа,школы,школ" }}').render(Context({"x": "2,5"})) == (
        "2,5 школы"
    )
