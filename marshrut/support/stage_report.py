"""The region's monitoring report on one control date, as DOCX in the house style (A4).

Title and date; the summary (schools, documents by status with their shares, schools with
everything accepted); a table by municipality; the schools with documents not sent or returned,
with the remarks. The same figures as the stages page (:mod:`marshrut.support.stage_queries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from marshrut.lib.docx import new_document, to_bytes
from marshrut.lib.plural import format_number, plural
from marshrut.orgs.models import Region
from marshrut.support.models.stages import Stage
from marshrut.support.stage_queries import StageSummary, Tally, document_rows, summarise


def _pct(value: float) -> str:
    return f"{format_number(round(value, 1))} %"


def _write(cell: Any, text: str, *, bold: bool = False, size: float = 9.5) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    for n, line in enumerate(text.split("\n")):
        if n:
            paragraph = cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)


def _table(document: Any, columns: Sequence[tuple[str, float]]) -> Any:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, (label, width) in zip(table.rows[0].cells, columns, strict=True):
        _write(cell, label, bold=True)
        cell.width = Cm(width)
    for column, (_label, width) in zip(table.columns, columns, strict=True):
        column.width = Cm(width)
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(flag)
    return table


def _heading(document: Any, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.keep_with_next = True
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(13)


def _row(table: Any, values: Sequence[str], columns: Sequence[tuple[str, float]]) -> None:
    cells = table.add_row().cells
    for cell, value, (_label, width) in zip(cells, values, columns, strict=True):
        _write(cell, value)
        cell.width = Cm(width)


MUNICIPALITY_COLUMNS = [
    ("Муниципалитет", 4.1),
    ("Школ", 1.3),
    ("Школ, где всё принято", 2.2),
    ("Принято", 2.2),
    ("На проверке", 2.2),
    ("Возвращено", 2.3),
    ("Не отправлено", 2.2),
]
PROBLEM_COLUMNS = [
    ("№", 0.9),
    ("Школа", 4.2),
    ("Муниципалитет", 3.3),
    ("Не отправлены", 4.0),
    ("Возвращены (замечание)", 4.1),
]


def _count_share(n: int, t: Tally) -> str:
    return f"{n} ({_pct(t.share(n))})"


def summary_sentences(s: StageSummary) -> list[str]:
    t = s.total
    documents = plural(t.required, "документ", "документа", "документов")
    return [
        f"В когорте ШНОР {plural(t.schools, 'школа', 'школы', 'школ')}; этап требует от каждой "
        f"{plural(s.stage.documents.count(), 'документ', 'документа', 'документов')}, всего "
        f"{documents}.",
        f"Принято {_count_share(t.accepted, t)}, на проверке {_count_share(t.sent, t)}, "
        f"возвращено на доработку {_count_share(t.returned, t)}, не отправлено "
        f"{_count_share(t.missing, t)}.",
        f"Все документы этапа приняты у {plural(t.complete_schools, 'школы', 'школ', 'школ')} "
        f"из {t.schools} ({_pct(t.complete_share)}); "
        f"{plural(len(s.problems), 'школа имеет', 'школы имеют', 'школ имеют')} не отправленные "
        "или возвращённые документы.",
    ]


def stage_report_docx(
    region: Region, stage: Stage, *, user: Any = None, made_on: dt.date | None = None
) -> bytes:
    """The monitoring report of ``stage`` for the schools ``user`` sees (all when None)."""
    summary = summarise(stage, document_rows(region, stage.year, user, stage))
    made_on = made_on or region.today()
    document = new_document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(
        "Мониторинг реализации программы адресной помощи школам с низкими "
        f"образовательными результатами (ШНОР) в {stage.year} году"
    )
    run.bold = True
    run.font.size = Pt(14)
    sub = document.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(
        f"{region.name}\nЭтап {stage.number}. {stage.title}\n"
        f"Контрольная дата: {stage.control_on:%d.%m.%Y}"
    ).bold = True
    document.add_paragraph(f"Сведения на {made_on:%d.%m.%Y}.")

    _heading(document, "1. Сводные данные")
    for sentence in summary_sentences(summary):
        document.add_paragraph(sentence)
    document.add_paragraph("Требуемые документы этапа:")
    for d in stage.documents.all():
        document.add_paragraph(d.title, style="List Bullet")

    _heading(document, "2. По муниципалитетам")
    table = _table(document, MUNICIPALITY_COLUMNS)
    for t in [*summary.municipalities, summary.total]:
        _row(
            table,
            [
                t.name,
                str(t.schools),
                f"{t.complete_schools} ({_pct(t.complete_share)})",
                _count_share(t.accepted, t),
                _count_share(t.sent, t),
                _count_share(t.returned, t),
                _count_share(t.missing, t),
            ],
            MUNICIPALITY_COLUMNS,
        )
    for cell in table.rows[-1].cells:
        for r in cell.paragraphs[0].runs:
            r.bold = True

    _heading(document, "3. Школы с не отправленными или возвращёнными документами")
    if not summary.problems:
        document.add_paragraph("Таких школ нет: все документы этапа отправлены, возвратов нет.")
    else:
        document.add_paragraph(
            f"{plural(len(summary.problems), 'школа', 'школы', 'школ')} "
            f"в {plural(len({p.municipality for p in summary.problems}), 'муниципалитете', 'муниципалитетах', 'муниципалитетах')}."
        )
        table = _table(document, PROBLEM_COLUMNS)
        for n, p in enumerate(summary.problems, start=1):
            _row(
                table,
                [
                    str(n),
                    p.school,
                    p.municipality,
                    "\n".join(p.missing) or "—",
                    "\n".join(f"{d}: «{remark}»" if remark else d for d, remark in p.returned)
                    or "—",
                ],
                PROBLEM_COLUMNS,
            )
    return to_bytes(document)


def report_filename(stage: Stage) -> str:
    return f"Мониторинг ШНОР {stage.year} — этап {stage.number} ({stage.control_on:%d.%m.%Y}).docx"
