"""Russian plural forms: the one way a number meets a noun, in code, templates and documents.

``plural(5, "школа", "школы", "школ")`` gives «5 школ». The rules are Russian grammar's (and the
CLDR plural rules of the ``ru`` locale that gettext uses): the last digit 1 takes the first form
(«1 школа», «21 школа», «101 школа») unless the last two digits are 11–14; the last digit 2–4
takes the second («2 школы», «22 школы») unless 12–14; everything else the third («0 школ»,
«5 школ», «11 школ», «111 школ»). The sign does not change the form («−2 балла» reads as «минус
два балла»), and a fractional number takes the genitive singular — the second form — whatever its
digits: «2,5 балла», «1,5 балла». ``signed=True`` writes «+2 балла» for a positive change.

In templates (the filters are builtins, no ``{% load %}`` needed)::

    {{ n|plural:"школа,школы,школ" }}          → «5 школ»
    {{ delta|signed_plural:"балл,балла,баллов" }} → «+2 балла»
    {{ n|plural_word:"школа,школы,школ" }}     → «школ» (the word alone, under a big figure)
"""

from __future__ import annotations

import math
from decimal import Decimal

from django import template

Number = int | float | Decimal

register = template.Library()


def _is_whole(n: Number) -> bool:
    return n == int(n)


def plural_form(n: Number, one: str, few: str, many: str) -> str:
    """The form of the noun that agrees with n: one, few or many (see the module docstring)."""
    if not _is_whole(n):
        return few
    k = abs(int(n))
    if k % 10 == 1 and k % 100 != 11:
        return one
    if 2 <= k % 10 <= 4 and not 12 <= k % 100 <= 14:
        return few
    return many


def format_number(n: Number, *, signed: bool = False) -> str:
    """A number as Russian text writes it: a decimal comma, no trailing zeros, «+» if asked."""
    if _is_whole(n):
        text = str(int(n))
    else:
        text = format(Decimal(str(n)).normalize(), "f").replace(".", ",")
    if signed and n > 0:
        text = "+" + text
    return text


def plural(n: Number, one: str, few: str, many: str, *, signed: bool = False) -> str:
    """«5 школ», «1 школа», «2,5 балла»; «+2 балла» with signed=True."""
    return f"{format_number(n, signed=signed)} {plural_form(n, one, few, many)}"


def _forms(arg: str) -> tuple[str, str, str]:
    parts = [p.strip() for p in arg.split(",")]
    if len(parts) != 3:
        raise template.TemplateSyntaxError(f"plural: нужны три формы через запятую, дано «{arg}»")
    return parts[0], parts[1], parts[2]


def _number(value: object) -> Number | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else None
    try:
        number = Decimal(str(value).replace(",", ".").replace("\u2212", "-"))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


@register.filter(name="plural")
def plural_filter(value: object, forms: str) -> str:
    n = _number(value)
    return f"{value} {_forms(forms)[2]}" if n is None else plural(n, *_forms(forms))


@register.filter(name="signed_plural")
def signed_plural_filter(value: object, forms: str) -> str:
    n = _number(value)
    return f"{value} {_forms(forms)[2]}" if n is None else plural(n, *_forms(forms), signed=True)


@register.filter(name="plural_word")
def plural_word_filter(value: object, forms: str) -> str:
    n = _number(value)
    return _forms(forms)[2] if n is None else plural_form(n, *_forms(forms))
