"""The coordinator's period report in the layout of seed 000, as a DOCX document.

The events table is always filled from the data; the analytical part is the coordinator's prose
(:class:`PeriodReport`) or, where it is empty, drafts made from the figures of the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from marshrut.events.models import Event, PeriodReport
from marshrut.events.queries import PeriodFigures, default_analysis, period_figures, tasks_draft
from marshrut.lib.docx import new_document, to_bytes
from marshrut.orgs.models import Region

MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]
TABLE_HEADER = [
    "№",
    "Дата",
    "Форма и тема мероприятия",
    "Организатор мероприятия (ИРО, Методический центр, ОО и т.п.)",
    "Ссылка, на размещённый материал",
    "Количество и категория участников",
]
QUESTIONS = [
    "Какая цель была Вами поставлена на период {period}.",
    "Какие задачи были поставлены /решены за отчётный период",
    "Обобщённый анализ проведённых мероприятий (кем организованы, для кого, какой ожидаемый и "
    "реальный результат проведённых мероприятий)",
    "Какие сложности, дефициты обнаружили в процессе работы",
    "Какие ресурсные, инновационные решения были выявлены в процессе работы (положительные практики)",
    "Будет ли скорректирована цель Вашей работы на {next_year} год работы, если да, то какую цель "
    "Вы поставите на {next_year} год?",
    "Сформулируйте задачи работы на {next_year} год.",
]


def period_words(start: date, end: date) -> str:
    """«сентябрь – декабрь 2022г.» (or with both years when the period crosses the year end)."""
    if start.year == end.year:
        if start.month == end.month:
            return f"{MONTHS[start.month - 1]} {start.year}г."
        return f"{MONTHS[start.month - 1]} – {MONTHS[end.month - 1]} {end.year}г."
    return f"{MONTHS[start.month - 1]} {start.year} – {MONTHS[end.month - 1]} {end.year}г."


@dataclass
class ReportContent:
    region: Region
    start: date
    end: date
    events: list[Event]
    figures: PeriodFigures
    title: str
    goal: str
    tasks: list[dict[str, str]]
    analysis: str
    difficulties: str
    good_practices: str
    next_goal: str
    next_tasks: str
    tasks_drafted: bool = False
    """The tasks are the draft from the roadmaps, not the coordinator's own text."""
    decisions: str = ""
    """The management decisions of the period: how many were taken, executed, overdue."""

    @property
    def period(self) -> str:
        return period_words(self.start, self.end)

    def rows(self) -> list[list[str]]:
        return [
            [
                str(i),
                e.dates,
                e.title,
                e.organiser,
                e.link,
                e.participants_text,
            ]
            for i, e in enumerate(self.events, start=1)
        ]


def region_events(region: Region, start: date, end: date) -> Any:
    return (
        Event.objects.filter(region=region)
        .in_period(start, end)
        .select_related("municipality")
        .order_by("starts_on", "ends_on", "number", "pk")
    )


def content(
    region: Region, start: date, end: date, report: PeriodReport | None = None
) -> ReportContent:
    events = region_events(region, start, end)
    figures = period_figures(events, start, end)
    r = report or PeriodReport(region=region, starts_on=start, ends_on=end)
    tasks = [t for t in (r.tasks or []) if isinstance(t, dict)]
    # Like the analysis, tasks nobody wrote yet are drafted from the data: the regional roadmaps'
    # items due in the period and what their monitoring says.
    drafted = not tasks
    if drafted:
        tasks = tasks_draft(region, start, end).rows
    return ReportContent(
        region=region,
        start=start,
        end=end,
        events=list(events),
        figures=figures,
        title=r.title,
        goal=r.goal,
        tasks=tasks,
        tasks_drafted=drafted and bool(tasks),
        analysis=r.analysis or default_analysis(figures, region.operator_name),
        difficulties=r.difficulties,
        good_practices=r.good_practices,
        next_goal=r.next_goal,
        next_tasks=r.next_tasks,
        decisions=decisions_sentence(region, start, end),
    )


def decisions_sentence(region: Region, start: date, end: date) -> str:
    """The register's count for the period, one sentence (see ``programmes.queries_decisions``)."""
    from marshrut.programmes.queries_decisions import period_decisions

    return "Управленческие решения. " + period_decisions(region, start, end).sentence()


def _paragraphs(doc: Any, text: str) -> None:
    for line in (text or "—").splitlines() or ["—"]:
        if line.strip():
            doc.add_paragraph(line.strip())


def _cell(cell: Any, text: str, bold: bool = False, size: int = 10) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def build_docx(c: ReportContent) -> bytes:
    doc = new_document(landscape=True, font_size=12)

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = c.title or (
        "Отчёт о работе регионального координатора проекта\n"
        "«Школа Минпросвещения России»\n"
        f"за период {c.period}\n"
        f"Субъект РФ {c.region.name}"
    )
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(14)

    table = doc.add_table(rows=1, cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, TABLE_HEADER, strict=True):
        _cell(cell, text, bold=True)
    for row in c.rows():
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _cell(cell, text)
    widths = [Cm(1), Cm(3), Cm(8), Cm(4), Cm(5.5), Cm(5)]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width

    doc.add_paragraph()
    doc.add_paragraph().add_run("Краткий анализ проведённой работы за отчётный период:").bold = True
    next_year = c.end.year + 1
    answers: list[Any] = [
        f"Цель: {c.goal}" if c.goal else "—",
        c.tasks,
        c.analysis,
        c.difficulties,
        c.good_practices,
        f"Цель: {c.next_goal}" if c.next_goal else "—",
        c.next_tasks,
    ]
    for n, (question, answer) in enumerate(zip(QUESTIONS, answers, strict=True), start=1):
        q = doc.add_paragraph()
        q.add_run(f"{n}. " + question.format(period=c.period, next_year=next_year)).bold = True
        if isinstance(answer, list):
            tasks = doc.add_table(rows=1, cols=2)
            tasks.style = "Table Grid"
            _cell(tasks.rows[0].cells[0], f"Задачи ({c.period})", bold=True, size=11)
            _cell(tasks.rows[0].cells[1], "Решение задач", bold=True, size=11)
            for i, t in enumerate(answer, start=1):
                cells = tasks.add_row().cells
                _cell(cells[0], f"{i}.{t.get('task', '')}", size=11)
                _cell(cells[1], t.get("solution", ""), size=11)
            if not answer:
                cells = tasks.add_row().cells
                _cell(cells[0], "—", size=11)
                _cell(cells[1], "—", size=11)
        else:
            _paragraphs(doc, answer)
        if n == 3 and c.decisions:
            doc.add_paragraph(c.decisions)
    return to_bytes(doc)


def parse_tasks(text: str) -> list[dict[str, str]]:
    """Tasks typed one a line as «задача | решение»."""
    tasks = []
    for line in text.splitlines():
        if not line.strip():
            continue
        task, _, solution = line.partition("|")
        tasks.append({"task": task.strip(), "solution": solution.strip()})
    return tasks


def tasks_text(tasks: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{t.get('task', '')} | {t.get('solution', '')}".rstrip(" |") for t in tasks or []
    )
