"""The protocol of an interview as a DOCX document in the house style (A4 portrait)."""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from marshrut.lib.docx import new_document, set_font, to_bytes
from marshrut.programmes.models.interviews import InterviewProtocol


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    set_font(run, 11, bold)


def _section(doc: Any, title: str, text: str) -> None:
    heading = doc.add_paragraph()
    set_font(heading.add_run(title), 13, True)
    for line in (text or "—").splitlines() or ["—"]:
        if line.strip():
            doc.add_paragraph(line.strip())


def protocol_docx(protocol: InterviewProtocol) -> bytes:
    slot = protocol.slot
    school = slot.school
    doc = new_document(font_size=13)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(head.add_run("ПРОТОКОЛ\nсобеседования с управленческой командой"), 14, True)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(f"{school.full_name or school.short_name}\n{slot.round.title}")
    doc.add_paragraph(
        f"Дата: {protocol.held_on:%d.%m.%Y}, {slot.starts_at:%H:%M}"
        + (f"–{slot.ends_at:%H:%M}" if slot.ends_at else "")
        + (f". Место: {slot.place}" if slot.place else "")
        + (f". Ссылка: {slot.link}" if slot.link else "")
        + f". Муниципалитет: {slot.municipality.name}."
    )
    people = [
        f"{p.full_name}" + (f", {p.position}" if p.position else "")
        for p in protocol.participants.all()
    ]
    others = [line.strip() for line in protocol.participants_text.splitlines() if line.strip()]
    _section(doc, "Присутствовали:", "\n".join([*people, *others]))
    _section(doc, "1. Обсуждаемые результаты", protocol.results)
    _section(doc, "2. Пояснения школы", protocol.explanation)
    _section(doc, "3. Выводы комиссии", protocol.conclusion)
    heading = doc.add_paragraph()
    set_font(heading.add_run("4. Решения"), 13, True)
    decisions = list(protocol.decisions.select_related("owner").order_by("due_on", "pk"))
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ["№", "Решение", "Ответственный", "Срок"], strict=True
    ):
        _cell(cell, text, bold=True)
    for n, d in enumerate(decisions, start=1):
        cells = table.add_row().cells
        for cell, text in zip(
            cells, [str(n), d.text, d.owner_name, f"{d.due_on:%d.%m.%Y}"], strict=True
        ):
            _cell(cell, text)
    if not decisions:
        cells = table.add_row().cells
        for cell in cells:
            _cell(cell, "—")
    # The text width of the portrait page (21 − 3 − 1.5 cm); LibreOffice reads the grid, Word the cells.
    widths = [Cm(1), Cm(9), Cm(4), Cm(2.5)]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    doc.add_paragraph()
    sign = doc.add_paragraph("Председатель комиссии ____________________ /____________/")
    sign.paragraph_format.space_before = Pt(18)
    doc.add_paragraph("Секретарь ____________________ /____________/")
    return to_bytes(doc)


def protocol_filename(protocol: InterviewProtocol) -> str:
    return f"protocol-{protocol.slot.round.year}-{protocol.slot.round.half}-{protocol.slot.school.inn}.docx"
