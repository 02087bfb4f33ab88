"""Figures of the monitoring stages: the region's table, the document rows, a stage's summary.

One page, its XLSX and its DOCX read the same functions. Each is a fixed number of queries
whatever the number of schools: the cohort, the stages (or documents), and one aggregate of the
submissions grouped by school and stage (or one row per submission for the document rows).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from marshrut.orgs.models import Region
from marshrut.support.models import Participation
from marshrut.support.models.stages import (
    Stage,
    StageDocument,
    StageSubmission,
    SubmissionStatus,
)

S = SubmissionStatus


def cohort(
    region: Region, year: int, user: Any = None, municipality_id: int | None = None
) -> QuerySet[Participation]:
    """The schools of the year's cohort the user sees (all of them when ``user`` is None)."""
    qs = Participation.objects.in_region(region).of_year(year).current()
    if user is not None:
        qs = qs.for_user(user)
    if municipality_id:
        qs = qs.filter(school__municipality_id=municipality_id)
    return qs


def stages_of(region: Region, year: int) -> list[Stage]:
    """The year's stages with ``required``: how many documents each asks of a school."""
    return list(
        Stage.objects.of_year(region, year).annotate(required=Count("documents")).order_by("number")
    )


@dataclass
class Cell:
    """One school at one stage: its documents by status."""

    required: int
    accepted: int = 0
    sent: int = 0
    returned: int = 0
    overdue: bool = False

    @property
    def missing(self) -> int:
        return max(self.required - self.accepted - self.sent - self.returned, 0)

    @property
    def colour(self) -> str:
        """A Bootstrap colour: done, in trouble, waiting for the reviewer, not yet due."""
        if self.required and self.accepted >= self.required:
            return "success"
        if self.returned or (self.missing and self.overdue):
            return "danger"
        if not self.missing:
            return "info"
        return "light"

    @property
    def state(self) -> str:
        return {
            "success": "принято всё",
            "danger": "есть возвращённые или просроченные",
            "info": "на проверке",
            "light": "ждём документы",
        }[self.colour]

    def add(self, other: Cell) -> None:
        self.required += other.required
        self.accepted += other.accepted
        self.sent += other.sent
        self.returned += other.returned


@dataclass
class Row:
    school_id: int
    school: str
    inn: str
    municipality: str
    cells: list[Cell]
    url: str = ""


@dataclass
class StageTable:
    stages: list[Stage]
    rows: list[Row]
    totals: list[Cell] = field(default_factory=list)
    today: dt.date | None = None


def _counts(
    submissions: QuerySet[StageSubmission], schools: QuerySet[Any]
) -> dict[tuple[int, int], dict[str, int]]:
    rows = (
        submissions.filter(school_id__in=schools)
        .values("school_id", "stage_id")
        .annotate(
            accepted=Count("id", filter=Q(status=S.ACCEPTED)),
            sent=Count("id", filter=Q(status=S.SENT)),
            returned=Count("id", filter=Q(status=S.RETURNED)),
        )
        .order_by()
    )
    return {(r["school_id"], r["stage_id"]): r for r in rows}


def stage_table(
    region: Region, year: int, user: Any = None, municipality_id: int | None = None
) -> StageTable:
    """The region's schools × stages: three queries, whatever the number of schools."""
    today = region.today()
    stages = stages_of(region, year)
    members = cohort(region, year, user, municipality_id)
    schools = members.values("school_id")
    counts = _counts(StageSubmission.objects.filter(stage_id__in=[s.pk for s in stages]), schools)
    rows = []
    totals = [Cell(0, overdue=s.control_on < today) for s in stages]
    for school_id, name, inn, municipality in members.order_by(
        "school__municipality__name", "school__short_name", "school_id"
    ).values_list("school_id", "school__short_name", "school__inn", "school__municipality__name"):
        cells = []
        for i, stage in enumerate(stages):
            c = counts.get((school_id, stage.pk), {})
            cell = Cell(
                stage.required,  # type: ignore[attr-defined]
                c.get("accepted", 0),
                c.get("sent", 0),
                c.get("returned", 0),
                overdue=stage.control_on < today,
            )
            cells.append(cell)
            totals[i].add(cell)
        rows.append(Row(school_id, name, inn, municipality, cells))
    return StageTable(stages, rows, totals, today)


@dataclass
class DocumentRow:
    """One school's one required document: the line of the federal monitoring export."""

    school_id: int
    school: str
    inn: str
    municipality: str
    stage_number: int
    stage_title: str
    control_on: dt.date
    document: str
    status: str
    remark: str = ""
    submission_id: int | None = None
    file_id: int | None = None
    filename: str = ""

    @property
    def status_label(self) -> str:
        return str(S(self.status).label)


def document_rows(
    region: Region,
    year: int,
    user: Any = None,
    stage: Stage | None = None,
    municipality_id: int | None = None,
) -> list[DocumentRow]:
    """Every cohort school × every required document (of one stage or of all), with status."""
    documents = list(
        StageDocument.objects.filter(stage__region=region, stage__year=year)
        .filter(**({"stage": stage} if stage else {}))
        .select_related("stage")
        .order_by("stage__number", "position")
    )
    members = cohort(region, year, user, municipality_id)
    submissions = StageSubmission.objects.filter(
        document__in=[d.pk for d in documents], school_id__in=members.values("school_id")
    ).annotate(file_id=Max("files__id"))
    found = {
        (s["document_id"], s["school_id"]): s
        for s in submissions.values(
            "id", "document_id", "school_id", "status", "remark", "file_id"
        ).order_by()
    }
    rows = []
    for p in members.select_related("school__municipality").order_by(
        "school__municipality__name", "school__short_name", "school_id"
    ):
        for d in documents:
            s = found.get((d.pk, p.school_id))
            rows.append(
                DocumentRow(
                    school_id=p.school_id,
                    school=p.school.short_name,
                    inn=p.school.inn,
                    municipality=p.school.municipality.name,
                    stage_number=d.stage.number,
                    stage_title=d.stage.title,
                    control_on=d.stage.control_on,
                    document=d.title,
                    status=s["status"] if s else S.MISSING,
                    remark=s["remark"] if s else "",
                    submission_id=s["id"] if s else None,
                    file_id=s["file_id"] if s else None,
                )
            )
    return rows


@dataclass
class Tally:
    """Documents of a group of schools by status, and how many schools have everything accepted."""

    name: str
    schools: int = 0
    complete_schools: int = 0
    required: int = 0
    accepted: int = 0
    sent: int = 0
    returned: int = 0

    @property
    def missing(self) -> int:
        return self.required - self.accepted - self.sent - self.returned

    def share(self, n: int) -> float:
        return 100.0 * n / self.required if self.required else 0.0

    @property
    def complete_share(self) -> float:
        return 100.0 * self.complete_schools / self.schools if self.schools else 0.0


@dataclass
class Problem:
    """A school with documents not sent or returned at a stage."""

    school: str
    municipality: str
    missing: list[str]
    returned: list[tuple[str, str]]


@dataclass
class StageSummary:
    stage: Stage
    total: Tally
    municipalities: list[Tally]
    problems: list[Problem]


def summarise(stage: Stage, rows: Iterable[DocumentRow]) -> StageSummary:
    """A stage's figures from its document rows: totals, by municipality, the schools behind."""
    total = Tally("Всего по региону")
    by_municipality: dict[str, Tally] = {}
    by_school: dict[int, list[DocumentRow]] = defaultdict(list)
    for r in rows:
        by_school[r.school_id].append(r)
    problems = []
    for school_rows in by_school.values():
        first = school_rows[0]
        tally = by_municipality.setdefault(first.municipality, Tally(first.municipality))
        complete = all(r.status == S.ACCEPTED for r in school_rows)
        for t in (tally, total):
            t.schools += 1
            t.complete_schools += complete
            for r in school_rows:
                t.required += 1
                t.accepted += r.status == S.ACCEPTED
                t.sent += r.status == S.SENT
                t.returned += r.status == S.RETURNED
        missing = [r.document for r in school_rows if r.status == S.MISSING]
        returned = [(r.document, r.remark) for r in school_rows if r.status == S.RETURNED]
        if missing or returned:
            problems.append(Problem(first.school, first.municipality, missing, returned))
    return StageSummary(
        stage,
        total,
        sorted(by_municipality.values(), key=lambda t: t.name),
        sorted(problems, key=lambda p: (p.municipality, p.school)),
    )
