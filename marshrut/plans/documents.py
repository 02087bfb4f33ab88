"""A plan and its monitoring report as DOCX in the seeds' table layout, and as XLSX.

The DOCX is landscape A4 with the columns of the regional roadmaps: №, event, deadlines,
responsible and co-executors, expected result / indicator; the monitoring report adds status,
actual value and the comment with its evidence. Section rows span the table in bold, and the
header row repeats on every page, as in the originals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from marshrut.lib.docx import DOCX_TYPE, new_document, to_bytes
from marshrut.lib.exports import ExportColumn, write_xlsx
from marshrut.plans.models import Plan, PlanItem, ProgressReport
from marshrut.plans.queries import rollup_text, with_rollup

__all__ = ["DOCX_TYPE", "monitoring_docx", "plan_docx", "plan_xlsx"]

PLAN_COLUMNS = [
    ("№ п/п", 1.4),
    ("Наименование мероприятия", 9.0),
    ("Сроки", 3.2),
    ("Ответственный/исполнитель, соисполнители", 4.6),
    ("Ожидаемый результат / показатель", 8.5),
]
# A ШНОР roadmap keeps its two date columns, as the regional order has them.
SHNOR_PLAN_COLUMNS = [
    ("№ п/п", 1.2),
    ("Наименование мероприятия", 7.8),
    ("Срок (федеральный)", 2.8),
    ("Срок (региональный)", 2.8),
    ("Ответственный/исполнитель, соисполнители", 4.2),
    ("Ожидаемый результат / показатель", 7.9),
]
MONITORING_COLUMNS = [
    ("№ п/п", 1.2),
    ("Наименование мероприятия", 6.2),
    ("Сроки", 2.4),
    ("Ответственный/исполнитель, соисполнители", 3.4),
    ("Ожидаемый результат / показатель", 4.6),
    ("Статус исполнения", 2.4),
    ("Фактическое значение", 2.2),
    ("Комментарий, подтверждающие материалы", 5.2),
]


def _result(item: PlanItem) -> str:
    parts = [item.expected_result, item.indicator]
    return "\n".join(p for p in parts if p)


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _comment(report: ProgressReport | None) -> str:
    if report is None:
        return ""
    lines = [report.comment] if report.comment else []
    lines += list(report.links)
    lines += [f"файл: {e.filename}" for e in report.evidence.all()]
    when = timezone.localtime(report.reported_at, report.item.plan.region.tz).strftime("%d.%m.%Y")
    lines.append(f"(отчёт от {when})")
    return "\n".join(lines)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _write(cell: Any, text: str, *, bold: bool = False, size: int = 9) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    for n, line in enumerate(text.split("\n")):
        if n:
            paragraph = cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)


def _document(title: str, subtitle: str) -> Any:
    document = new_document(landscape=True, font_size=11)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(13)
    if subtitle:
        sub = document.add_paragraph(subtitle)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def _table(document: Any, columns: Sequence[tuple[str, float]]) -> Any:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, (label, width) in zip(table.rows[0].cells, columns, strict=True):
        _write(cell, label, bold=True)
        cell.width = Cm(width)
    # LibreOffice lays a table out by its grid, Word by the cell widths: set both.
    for column, (_label, width) in zip(table.columns, columns, strict=True):
        column.width = Cm(width)
    _repeat_header(table.rows[0])
    return table


def _add_row(table: Any, values: Sequence[str], columns: Sequence[tuple[str, float]]) -> None:
    cells = table.add_row().cells
    for cell, value, (_label, width) in zip(cells, values, columns, strict=True):
        _write(cell, value)
        cell.width = Cm(width)


def _add_section(table: Any, text: str) -> None:
    row = table.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    _write(merged, text, bold=True)


def _items(plan: Plan, today: dt.date) -> Any:
    """The plan's items with the roll-up of their handed-down copies, as the plan's pages read it."""
    return (
        with_rollup(plan.items.all(), today)
        .select_related("section")
        .prefetch_related("reports__evidence")
        .order_by("position")
    )


def _sections(plan: Plan, today: dt.date) -> list[tuple[str, list[PlanItem]]]:
    items = list(_items(plan, today))
    grouped: list[tuple[str, list[PlanItem]]] = []
    current = None
    for item in items:
        if item.section_id != current:
            current = item.section_id
            grouped.append((str(item.section) if item.section.title else "", []))
        grouped[-1][1].append(item)
    return grouped


def _deadlines(item: PlanItem, shnor: bool) -> list[str]:
    """The deadline cells of a row: the federal and the regional one for a ШНОР roadmap."""
    return [item.federal_deadline_text, item.deadline_text] if shnor else [item.deadline_text]


def plan_docx(plan: Plan) -> bytes:
    document = _document(plan.title, f"{plan.owner_name}, {plan.year} год")
    columns = SHNOR_PLAN_COLUMNS if plan.is_shnor else PLAN_COLUMNS
    table = _table(document, columns)
    for heading, items in _sections(plan, plan.region.today()):
        if heading:
            _add_section(table, heading)
        for item in items:
            _add_row(
                table,
                [
                    item.number,
                    item.title,
                    *_deadlines(item, plan.is_shnor),
                    item.responsible_text,
                    _result(item),
                ],
                columns,
            )
    return to_bytes(document)


def _status(item: PlanItem, today: dt.date | None = None) -> str:
    status = item.get_status_display()
    return f"{status} (просрочено)" if item.is_overdue(today) else status


def latest_report(item: PlanItem) -> ProgressReport | None:
    reports = list(item.reports.all())  # prefetched, newest first
    return reports[0] if reports else None


def monitoring_docx(plan: Plan) -> bytes:
    today = plan.region.today()
    document = _document(
        "Мониторинг выполнения плана мероприятий",
        f"{plan.title}\n{plan.owner_name}; по состоянию на {today:%d.%m.%Y}",
    )
    table = _table(document, MONITORING_COLUMNS)
    for heading, items in _sections(plan, today):
        if heading:
            _add_section(table, heading)
        for item in items:
            report = latest_report(item)
            status = _status(item, today)
            if rollup := rollup_text(item, plan.level):
                status += f"\n{rollup}"
            _add_row(
                table,
                [
                    item.number,
                    item.title,
                    item.deadline_text,
                    item.responsible_text,
                    _result(item),
                    status,
                    _number(report.actual_value if report else None),
                    _comment(report),
                ],
                MONITORING_COLUMNS,
            )
    return to_bytes(document)


XLSX_COLUMNS = [
    ExportColumn("Раздел", lambda i: str(i.section) if i.section.title else "", 28),
    ExportColumn("№ п/п", lambda i: i.number, 8),
    ExportColumn("Наименование мероприятия", lambda i: i.title, 60),
    ExportColumn("Сроки", lambda i: i.deadline_text, 20),
    ExportColumn("Контрольная дата", lambda i: i.due_on, 14),
    ExportColumn("Ответственный/исполнитель, соисполнители", lambda i: i.responsible_text, 30),
    ExportColumn("Ожидаемый результат / показатель", _result, 50),
]
MONITORING_XLSX_COLUMNS = [
    *XLSX_COLUMNS,
    ExportColumn("Статус исполнения", lambda i: i.get_status_display(), 16),
    ExportColumn("Просрочено", lambda i: i.is_overdue(), 10),
    ExportColumn(
        "Фактическое значение",
        lambda i: (
            float(r.actual_value) if (r := latest_report(i)) and r.actual_value is not None else ""
        ),
        12,
    ),
    ExportColumn("Комментарий, подтверждающие материалы", lambda i: _comment(latest_report(i)), 50),
    # The copies handed down to municipalities (schools), counted as the plan's pages count them.
    ExportColumn("Передано ниже", lambda i: i.children_total, 10),
    ExportColumn("Выполнено ниже", lambda i: i.children_done, 10),
    ExportColumn("Просрочено ниже", lambda i: i.children_overdue, 10),
    ExportColumn("Исполнение ниже", lambda i: rollup_text(i, i.plan.level), 30),
]


def plan_xlsx(plan: Plan, *, monitoring: bool = False) -> bytes:
    items = _items(plan, plan.region.today())
    title = f"{plan.title} — {plan.owner_name}, {plan.year} год"
    if monitoring:
        title = f"Мониторинг выполнения: {title}"
    columns = MONITORING_XLSX_COLUMNS if monitoring else XLSX_COLUMNS
    if plan.is_shnor:
        at = next(n for n, c in enumerate(columns) if c.title == "Сроки")
        columns = [
            *columns[:at],
            ExportColumn("Срок (федеральный)", lambda i: i.federal_deadline_text, 20),
            ExportColumn("Срок (региональный)", lambda i: i.deadline_text, 20),
            *columns[at + 1 :],
        ]
    return write_xlsx(
        columns,
        items,
        sheet="Мониторинг" if monitoring else "План",
        title=title,
    )
