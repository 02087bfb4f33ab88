"""Import of an events table: the coordinator's report layout (seed 000) as text, XLSX, XLS or CSV.

Columns are found by their header words (№, Дата, Форма и тема мероприятия, Организатор, Ссылка,
Количество и категория участников; optionally Муниципалитет and Часов). Dates are read by the
deadline kernel («Сентябрь- октябрь», «28.11- 29.11.2022», «ноябрь»), the participants cell by the
participants kernel. Like the registry import, nothing is written unless every row passes:
:func:`check_events` plans, :func:`apply_events` re-checks and writes all of it in one transaction.

Layout rules of the text form: a row broken by a page break continues on the next line with an
empty «№»; the table ends at the first line whose «№» is not a number and that has no topic (the
analytical part of the report follows it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.kernels.deadlines import ScheduleKind, parse_deadline
from marshrut.kernels.participants import Count, parse_participants
from marshrut.kernels.tables import (
    Column,
    Table,
    TableError,
    cell_text,
    find_table_in_sheets,
    read_sheets,
)
from marshrut.lib.imports import Problem
from marshrut.lib.uploads import TABLE, refusal
from marshrut.orgs.models import Municipality, Region

COLUMNS = (
    Column("number", "№", ("№", "№ п/п", "n", "номер", "п/п")),
    Column(
        "date",
        "Дата",
        ("дата", "дата проведения", "сроки", "сроки проведения", "срок", "даты"),
        required=True,
    ),
    Column(
        "title",
        "Форма и тема мероприятия",
        (
            "форма и тема мероприятия",
            "форма и тема",
            "мероприятие",
            "наименование мероприятия",
            "тема мероприятия",
            "тема",
        ),
        required=True,
    ),
    Column("organiser", "Организатор мероприятия", ("организатор мероприятия", "организатор")),
    Column(
        "link",
        "Ссылка на размещённый материал",
        ("ссылка на размещенный материал", "ссылка", "ссылка на материалы", "материалы"),
    ),
    Column(
        "participants",
        "Количество и категория участников",
        (
            "количество и категория участников",
            "участники",
            "количество участников",
            "категория участников",
        ),
    ),
    Column("municipality", "Муниципалитет", ("муниципалитет", "муниципальное образование")),
    Column("hours", "Часов", ("часов", "количество часов", "объем часов")),
)

_FORM_WORDS: list[tuple[str, str]] = [
    ("стажер", "internship"),
    ("стажир", "internship"),
    ("практикум", "practicum"),
    ("вебинар", "webinar"),
    ("семинар", "seminar"),
    ("курс", "course"),
    ("дпп", "course"),
    ("проектн", "project_session"),
    ("десант", "desant"),
    ("форум", "forum"),
    ("конференц", "forum"),
    ("олимпиад", "olympiad"),
    ("заседани", "meeting"),
    ("коллеги", "meeting"),
    ("совещани", "meeting"),
    ("вернисаж", "exhibition"),
    ("выставк", "exhibition"),
    ("аудит", "audit"),
    ("мониторинг", "audit"),
    ("консультац", "consultation"),
    ("сопровождени", "consultation"),
]
_YEAR = re.compile(r"\b(20\d\d)\b")


def guess_form(title: str) -> str:
    low = title.lower().replace("ё", "е")
    for word, form in _FORM_WORDS:
        if word in low:
            return form
    return "other"


@dataclass
class PlannedEvent:
    row: int
    fields: dict[str, Any]
    action: str = "create"  # create | same


@dataclass
class EventPlan:
    problems: list[Problem] = field(default_factory=list)
    events: list[PlannedEvent] = field(default_factory=list)
    sheet: str = ""
    year: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.events)

    @property
    def to_create(self) -> list[PlannedEvent]:
        return [e for e in self.events if e.action == "create"]


class EventImportRejected(Exception):
    def __init__(self, plan: EventPlan):
        super().__init__("; ".join(str(p) for p in plan.problems[:5]))
        self.plan = plan


def _is_number(text: str) -> bool:
    return text.rstrip(".").isdigit()


def _guess_year(table: Table) -> int:
    years: Counter[int] = Counter()
    for row in table.rows:
        value = row.values.get("date")
        if isinstance(value, date):
            years[value.year] += 1
        else:
            years.update(int(y) for y in _YEAR.findall(cell_text(value)))
    return years.most_common(1)[0][0] if years else timezone.localdate().year


def _date_text(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return cell_text(value).strip()


def check_events(data: bytes, filename: str, region: Region, year: int | None = None) -> EventPlan:
    """Read an events table and plan the events it adds, without writing anything."""
    plan = EventPlan()
    refused = refusal(data, filename, TABLE)
    if refused:
        plan.problems.append(Problem("", None, "", "", refused))
        return plan
    try:
        sheets = read_sheets(data, filename)
        table = find_table_in_sheets(sheets, COLUMNS)
    except TableError as e:
        plan.problems.append(Problem("", None, "", "", e.message))
        return plan
    plan.sheet = table.sheet
    # The date as written («5.12.2022»), not as the table reader normalised it.
    raw_rows = next(sh.rows for sh in sheets if sh.name == table.sheet)
    date_column = table.columns["date"]
    plan.year = year or _guess_year(table)
    has_number = "number" in table.columns
    municipalities = {
        " ".join(m.name.lower().replace("ё", "е").split()): m
        for m in Municipality.objects.filter(region=region)
    }
    titles = {c.key: c.title for c in COLUMNS}

    def problem(row: int, key: str, value: Any, reason: str) -> None:
        column = f"{table.column_letters.get(key, '')} «{titles[key]}»".strip() if key else ""
        plan.problems.append(Problem(table.sheet, row, column, cell_text(value), reason))

    rows: list[tuple[int, dict[str, str]]] = []
    for row in table.rows:
        v = row.values
        number = cell_text(v.get("number")).strip()
        texts = {k: cell_text(v.get(k)).strip() for k in v}
        raw_date = raw_rows[row.number - 1][date_column]
        texts["date"] = (
            " ".join(raw_date.split()) if isinstance(raw_date, str) else _date_text(v.get("date"))
        )
        if has_number and number and not _is_number(number):
            if not texts["title"]:
                plan.notes.append(f"таблица мероприятий закончилась на строке {row.number}")
                break
            problem(row.number, "number", number, "номер должен быть числом")
            continue
        if has_number and not number and not texts["date"] and rows:
            # A row broken by a page break: its pieces belong to the row above.
            for key, text in texts.items():
                if text and key != "number":
                    rows[-1][1][key] = f"{rows[-1][1].get(key, '')} {text}".strip()
            continue
        rows.append((row.number, texts))

    seen: dict[tuple[str, str], int] = {}
    for line, texts in rows:
        title = texts.get("title", "")
        date_text = texts.get("date", "")
        if not title:
            problem(line, "title", "", "не указаны форма и тема мероприятия")
            continue
        if not date_text:
            problem(line, "date", "", "не указана дата")
            continue
        schedule = parse_deadline(date_text, plan.year)
        starts = [w[0] for w in schedule.windows if w[0] is not None]
        ends = [w[1] for w in schedule.windows if w[1] is not None]
        if schedule.kind == ScheduleKind.UNKNOWN or not starts or not ends:
            problem(
                line,
                "date",
                date_text,
                "не удалось понять дату: ожидается «23.09.2022», «28.11-29.11.2022», «ноябрь» "
                "или «сентябрь-октябрь»",
            )
            continue
        link = texts.get("link", "")
        if link and not re.match(r"https?://\S+$", link):
            problem(line, "link", link, "ссылка должна начинаться с http:// или https://")
            continue
        municipality = None
        if texts.get("municipality"):
            key = " ".join(texts["municipality"].lower().replace("ё", "е").split())
            municipality = municipalities.get(key)
            if municipality is None:
                problem(line, "municipality", texts["municipality"], "нет такого муниципалитета")
                continue
        hours = None
        if texts.get("hours"):
            if not texts["hours"].isdigit() or int(texts["hours"]) > 2000:
                problem(line, "hours", texts["hours"], "ожидалось число часов")
                continue
            hours = int(texts["hours"])
        duplicate = seen.get((title, date_text))
        if duplicate:
            problem(line, "title", title[:80], f"то же мероприятие уже в строке {duplicate}")
            continue
        seen[(title, date_text)] = line
        participants = parse_participants(texts.get("participants", ""))
        raw_number = texts.get("number", "").rstrip(".")
        fields = {
            "title": title,
            "date_text": date_text,
            "starts_on": min(starts),
            "ends_on": max(ends),
            "organiser": texts.get("organiser", "")[:300],
            "link": link[:500],
            "participants_text": participants.text,
            "participants_total": participants.total,
            "counts": participants.counts,
            "municipality": municipality,
            "hours": hours,
            "form": guess_form(title),
            "number": int(raw_number) if raw_number.isdigit() else None,
        }
        plan.events.append(PlannedEvent(line, fields))
    plan.problems.sort(key=lambda p: p.row or 0)
    if not plan.events and not plan.problems:
        plan.problems.append(Problem(table.sheet, None, "", "", "в таблице нет мероприятий"))
    _mark_existing(plan, region)
    return plan


def _mark_existing(plan: EventPlan, region: Region) -> None:
    """Events already in the database (same topic, date text and start) are left alone."""
    from marshrut.events.models import Event

    existing = set(
        Event.objects.filter(
            region=region, title__in=[e.fields["title"] for e in plan.events]
        ).values_list("title", "date_text", "starts_on")
    )
    for e in plan.events:
        if (e.fields["title"], e.fields["date_text"], e.fields["starts_on"]) in existing:
            e.action = "same"


@transaction.atomic
def apply_events(
    actor: Any,
    data: bytes,
    filename: str,
    region: Region,
    *,
    year: int | None = None,
    source: str = Source.WEB,
) -> EventPlan:
    """Check the table again and add all its new events, or raise EventImportRejected."""
    from marshrut.events.models import Event, ParticipantCount

    plan = check_events(data, filename, region, year)
    if not plan.ok:
        raise EventImportRejected(plan)
    user = user_or_none(actor)
    created: list[Event] = []
    pending_counts: list[tuple[Event, Any]] = []
    for planned in plan.to_create:
        fields = dict(planned.fields)
        counts = fields.pop("counts")
        event = Event(region=region, created_by=user, **fields)
        event.full_clean()
        created.append(event)
        pending_counts.append((event, counts))
    # bulk_create sets the primary keys on PostgreSQL and on SQLite (RETURNING).
    Event.objects.bulk_create(created)
    ParticipantCount.objects.bulk_create(
        ParticipantCount(event=event, category=c.category, unit=c.unit, number=c.number)
        for event, counts in pending_counts
        for c in merge_counts(counts)
    )
    record(
        actor,
        Action.IMPORT,
        None,
        source=source,
        region_id=region.pk,
        target_type="events.event",
        target_repr=filename[:300],
        message=f"загружена таблица мероприятий: добавлено {len(created)}, "
        f"уже были {len(plan.events) - len(created)}",
    )
    return plan


def merge_counts(counts: Any) -> list[Count]:
    """One count per (category, unit): «Педагоги … 40; педагоги … 6» add up."""
    merged: dict[tuple[str, str], int] = {}
    for c in counts:
        merged[(c.category, c.unit)] = merged.get((c.category, c.unit), 0) + c.number
    return [Count(cat, n, unit) for (cat, unit), n in merged.items()]


def summary(plan: EventPlan) -> dict[str, Any]:
    return {
        "sheet": plan.sheet,
        "year": plan.year,
        "create": len(plan.to_create),
        "same": len(plan.events) - len(plan.to_create),
        "events": [
            {
                "row": e.row,
                "action": e.action,
                **{k: v for k, v in e.fields.items() if k != "counts"},
            }
            for e in plan.events
        ],
        "notes": plan.notes,
        "problems": [p.__dict__ for p in plan.problems],
    }
