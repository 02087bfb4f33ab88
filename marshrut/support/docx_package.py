"""The DOCX of a school's whole ШНОР package: its documents, versions, statuses and reviews.

House style (A4 portrait, Times New Roman) from :mod:`marshrut.lib.docx`. A title page; a table of
the documents with their latest version, status and score; then each document with its versions
and the history of its reviews — the score per criterion, comments and remarks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from marshrut.lib.docx import new_document, set_font, to_bytes
from marshrut.orgs.models import School
from marshrut.support.models.documents import (
    SCHOOL_KINDS,
    Document,
    DocumentReview,
    DocumentVersion,
)


def package_documents(school: School, year: int) -> list[Document]:
    """The school's documents of the year in the package's order, with versions and reviews."""
    order = {k.value: i for i, k in enumerate(SCHOOL_KINDS)}
    documents = list(
        Document.objects.filter(school=school, year=year).prefetch_related(
            Prefetch(
                "versions",
                queryset=DocumentVersion.objects.select_related("plan").prefetch_related(
                    Prefetch("reviews", queryset=DocumentReview.objects.order_by("at", "pk"))
                ),
            )
        )
    )
    documents.sort(key=lambda d: (order.get(d.kind, 99), d.risk_code))
    return documents


def _date(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y}" if value else "—"


def _paragraph(
    document: Any,
    text: str,
    *,
    size: float = 12,
    bold: bool = False,
    centre: bool = False,
    space: float = 6,
) -> Any:
    p = document.add_paragraph()
    run = p.add_run(text)
    set_font(run, size, bold)
    if centre:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(space)
    return p


def _table(document: Any, header: list[str], widths: list[float]) -> Any:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # LibreOffice takes the widths from the grid, Word from the cells: both are set.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].text = ""
        set_font(cell.paragraphs[0].add_run(text), 10, True)
    return table


def _row(table: Any, values: list[str], widths: list[float]) -> None:
    cells = table.add_row().cells
    for cell, text, width in zip(cells, values, widths, strict=True):
        cell.width = Cm(width)
        set_font(cell.paragraphs[0].add_run(text), 10)


def _latest_review(version: DocumentVersion | None) -> DocumentReview | None:
    if version is None:
        return None
    reviews = list(version.reviews.all())
    return reviews[-1] if reviews else None


def package_docx(school: School, year: int) -> bytes:
    documents = package_documents(school, year)
    doc = new_document()

    # Title page.
    region = school.municipality.region
    _paragraph(doc, region.operator_name or region.name, size=12, centre=True, space=4)
    _paragraph(doc, region.name, size=12, centre=True, space=120)
    _paragraph(
        doc,
        "Пакет документов школы — участника программы адресной помощи школам с низкими образовательными результатами (ШНОР)",
        size=16,
        bold=True,
        centre=True,
        space=24,
    )
    _paragraph(doc, school.full_name, size=14, centre=True, space=6)
    _paragraph(doc, f"ИНН {school.inn}; {school.municipality.name}", size=12, centre=True, space=24)
    _paragraph(doc, f"{year} год", size=14, bold=True, centre=True, space=180)
    _paragraph(doc, f"Сформировано {timezone.localdate():%d.%m.%Y}", size=11, centre=True)
    doc.paragraphs[-1].runs[-1].add_break(WD_BREAK.PAGE)

    # The list of documents.
    _paragraph(doc, "Перечень документов", size=14, bold=True, space=8)
    if not documents:
        _paragraph(doc, "Школа не загрузила ни одного документа.")
    widths = [1.0, 5.6, 3.8, 3.0, 3.1]
    table = _table(doc, ["№", "Документ", "Последняя версия", "Состояние", "Экспертиза"], widths)
    for n, d in enumerate(documents, 1):
        versions = list(d.versions.all())
        latest = versions[-1] if versions else None
        review = _latest_review(latest)
        _row(
            table,
            [
                str(n),
                d.title,
                f"№ {latest.number} от {_date(latest.uploaded_at)}\n{latest.content_name}"
                if latest
                else "—",
                str(d.get_status_display()),
                f"{review.total} из {review.max_total} баллов, {review.get_decision_display()}"
                if review
                else "—",
            ],
            widths,
        )

    # Each document in detail.
    for n, d in enumerate(documents, 1):
        _paragraph(doc, "", space=6)
        _paragraph(doc, f"{n}. {d.title}", size=13, bold=True, space=4)
        _paragraph(doc, f"Состояние: {d.get_status_display()}", space=4)
        for v in d.versions.all():
            line = f"Версия {v.number} от {_date(v.uploaded_at)}: {v.content_name}"
            if v.submitted_at:
                line += f"; на экспертизу {_date(v.submitted_at)}"
            if v.note:
                line += f". {v.note}"
            _paragraph(doc, line, size=11, space=2)
            for r in v.reviews.all():
                _paragraph(
                    doc,
                    f"Экспертиза {_date(r.at)}, эксперт {r.reviewer_name or '—'}: "
                    f"{r.get_decision_display()}, {r.total} из {r.max_total} баллов",
                    size=11,
                    bold=True,
                    space=2,
                )
                cw = [8.5, 2.0, 6.0]
                t = _table(doc, ["Критерий", "Балл", "Комментарий"], cw)
                for s in r.scores:
                    _row(t, [s["title"], f"{s['score']} из {s['max']}", s.get("comment") or ""], cw)
                if r.remarks:
                    _paragraph(doc, f"Замечания: {r.remarks}", size=11, space=6)
    return to_bytes(doc)
