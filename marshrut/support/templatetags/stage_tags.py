"""The cells of the stages table, written in one call per row.

A table of 300 schools × 6 stages has 1,800 cells; an ``{% include %}`` per cell (a template and
a context each) made the page spend most of its time in the template engine. The words are
looked up once per request and language, the cell is a format string.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from marshrut.support.stage_queries import Cell

register = template.Library()


_WORDS: dict[str | None, dict[str, str]] = {}


def _words() -> dict[str, str]:
    language = get_language()
    if language not in _WORDS:
        _WORDS[language] = _lookup()
    return _WORDS[language]


def _lookup() -> dict[str, str]:
    return {
        "sent": escape(_("на пров.")),
        "returned": escape(_("возвр.")),
        "missing": escape(_("нет")),
        "success": escape(_("принято всё")),
        "danger": escape(_("есть возвращённые или просроченные")),
        "info": escape(_("на проверке")),
        "light": escape(_("ждём документы")),
    }


def cell_html(cell: Cell, words: dict[str, str], *, coloured: bool = True) -> str:
    colour = cell.colour
    if not cell.required:
        text = "—"
    else:
        parts = [f"{cell.accepted}/{cell.required}"]
        if cell.sent:
            parts.append(f'<span class="text-primary">{cell.sent}&nbsp;{words["sent"]}</span>')
        if cell.returned:
            parts.append(
                f'<span class="text-danger">{cell.returned}&nbsp;{words["returned"]}</span>'
            )
        if cell.missing:
            parts.append(f"{cell.missing}&nbsp;{words['missing']}")
        text = " · ".join(parts)
    css = f"table-{colour} " if coloured else ""
    return (
        f'<td class="{css}small text-nowrap" data-colour="{colour}" '
        f'title="{words[colour]}">{text}</td>'
    )


@register.simple_tag
def stage_cells(cells: list[Cell], coloured: bool = True) -> SafeString:
    """The ``<td>`` of each cell: accepted of required, sent, returned, missing; the colour."""
    words = _words()
    return mark_safe("".join(cell_html(c, words, coloured=coloured) for c in cells))
