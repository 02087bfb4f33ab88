"""The house style of every DOCX the project writes: A4, its margins, Times New Roman.

Russian official paperwork is A4 (python-docx's blank document is US Letter), portrait with the
binding margin on the left, or landscape for the wide tables of roadmaps and event lists. Every
writer starts its document with :func:`new_document`, so a page size or font is decided here once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
A4_SHORT_CM, A4_LONG_CM = 21.0, 29.7


@dataclass(frozen=True)
class Margins:
    """Page margins in cm."""

    left: float
    right: float
    top: float
    bottom: float


# Text documents: the usual margins of Russian office paperwork (3 cm left for binding).
PORTRAIT = Margins(left=3.0, right=1.5, top=2.0, bottom=2.0)
# Wide tables (roadmaps, event lists): the page is turned and the table needs every centimetre.
LANDSCAPE = Margins(left=1.5, right=1.5, top=1.5, bottom=1.5)


def set_font(run_or_style: Any, size: float | None = None, bold: bool | None = None) -> None:
    """Times New Roman for every script of a run or style, so Word uses it for Cyrillic as well."""
    font = run_or_style.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    properties = run_or_style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def new_document(*, landscape: bool = False, font_size: float = 12) -> Any:
    """A blank document in the house style: A4 (turned when ``landscape``), margins, Normal font."""
    document = docx.Document()
    section = document.sections[0]
    short, long = Cm(A4_SHORT_CM), Cm(A4_LONG_CM)
    margins = LANDSCAPE if landscape else PORTRAIT
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = long, short
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = short, long
    section.left_margin, section.right_margin = Cm(margins.left), Cm(margins.right)
    section.top_margin, section.bottom_margin = Cm(margins.top), Cm(margins.bottom)
    set_font(document.styles["Normal"], font_size)
    return document


def to_bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
