"""Figures about events and the period report.

Coverage against the target population, totals for a period, and two drafts of the period report:
«tasks and their solution» from the region's roadmap and its monitoring, and «difficulties by
direction» from the latest finished self-diagnostics campaign. The latter reads the diagnostics
result and deficit rows directly rather than through the analytics app, which sits above events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from marshrut.diagnostics.models import Campaign, Deficit, Result
from marshrut.events.models import Event, ParticipantCount, Participation
from marshrut.kernels.participants import CATEGORY_LABELS, Unit
from marshrut.lib.plural import plural
from marshrut.orgs.models import School
from marshrut.plans.models import Level, Plan, PlanItem, ProgressReport


@dataclass(frozen=True)
class Coverage:
    covered: int
    population: int
    target: int | None

    @property
    def percent(self) -> float | None:
        return round(100 * self.covered / self.population, 1) if self.population else None

    @property
    def met(self) -> bool | None:
        if self.target is None or self.percent is None:
            return None
        return self.percent >= self.target


def coverage(event: Event) -> Coverage:
    """Share of the event's schools (region or municipality) with somebody who attended."""
    schools = School.objects.active().filter(municipality__region=event.region_id)
    if event.municipality_id:
        schools = schools.filter(municipality=event.municipality_id)
    attended = Participation.objects.filter(event=event, attended=True)
    covered = schools.filter(
        Q(pk__in=attended.values("school_id")) | Q(people__participations__in=attended)
    ).distinct()
    if event.coverage_basis == Event.Basis.PEOPLE:
        invited = event.participations.exclude(person=None)
        return Coverage(
            invited.filter(attended=True).count(), invited.count(), event.planned_coverage
        )
    return Coverage(covered.count(), schools.count(), event.planned_coverage)


@dataclass
class PeriodFigures:
    start: date
    end: date
    events: int = 0
    regional: int = 0
    municipal: int = 0
    people: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_form: list[tuple[str, int]] = field(default_factory=list)
    organisers: list[tuple[str, int]] = field(default_factory=list)
    named_attended: int = 0
    schools_reached: int = 0


def period_figures(events: Any, start: date, end: date) -> PeriodFigures:
    """Totals over a queryset of events of a period, in a handful of queries."""
    f = PeriodFigures(start, end)
    rows = list(events.values("municipality_id", "form", "organiser", "participants_total"))
    f.events = len(rows)
    f.regional = sum(1 for r in rows if r["municipality_id"] is None)
    f.municipal = f.events - f.regional
    f.people = sum(r["participants_total"] or 0 for r in rows)
    forms = dict(Event.Form.choices)
    f.by_form = [(str(forms[k]), n) for k, n in Counter(r["form"] for r in rows).most_common()]
    f.organisers = Counter(r["organiser"] for r in rows if r["organiser"]).most_common()
    people_counts = (
        ParticipantCount.objects.filter(event__in=events, unit=Unit.PEOPLE)
        .values("category")
        .annotate(n=Sum("number"))
        .order_by("-n")
    )
    f.by_category = [
        (CATEGORY_LABELS.get(r["category"], r["category"]), r["n"]) for r in people_counts
    ]
    named = Participation.objects.filter(event__in=events, attended=True).aggregate(
        people=Count("person", distinct=True), schools=Count("school", distinct=True)
    )
    f.named_attended = named["people"]
    f.schools_reached = named["schools"]
    return f


def _people(n: int) -> str:
    return plural(n, "человек", "человека", "человек")


def default_analysis(f: PeriodFigures, operator: str = "") -> str:
    """The «generalised analysis» paragraph filled from the figures; the coordinator edits it."""
    parts = [
        f"За период {f.start:%d.%m.%Y} – {f.end:%d.%m.%Y} "
        f"{'организатором ' + operator + ' и партнёрами ' if operator else ''}"
        f"проведено мероприятий: {f.events} (региональных — {f.regional}, "
        f"муниципальных — {f.municipal})."
    ]
    if f.people:
        parts.append(f"Участников всего — {_people(f.people)}.")
    if f.by_category:
        parts.append(
            "По категориям: "
            + "; ".join(f"{label} — {_people(n)}" for label, n in f.by_category)
            + "."
        )
    if f.by_form:
        parts.append("Формы: " + "; ".join(f"{label} — {n}" for label, n in f.by_form) + ".")
    if f.schools_reached:
        parts.append(f"Представители {f.schools_reached} ОО отмечены участниками поимённо.")
    return " ".join(parts)


# Difficulties by direction from the latest finished self-diagnostics campaign ------------------

TOP_DEFICITS = 3


def _schools(n: int) -> str:
    return plural(n, "школа", "школы", "школ")


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def finished_campaign(region: Any, on: date) -> Campaign | None:
    """The region's latest campaign whose window closed before ``on``."""
    return (
        Campaign.objects.filter(region=region, closes_on__lt=on)
        .select_related("criteria")
        .order_by("-closes_on", "-pk")
        .first()
    )


@dataclass
class DirectionDifficulty:
    code: str
    name: str
    schools: int
    below_basic: int
    deficits: list[tuple[str, int]]  # (indicator wording, schools)


@dataclass
class DifficultiesDraft:
    campaign: Campaign | None
    directions: list[DirectionDifficulty] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.campaign is None or not self.directions:
            return ""
        c = self.campaign
        lines = [
            f"По результатам самодиагностики «{c.title}» (приём ответов закрыт "
            f"{c.closes_on:%d.%m.%Y}):"
        ]
        for d in self.directions:
            line = (
                f"по направлению «{d.name}» — ниже базового уровня {_schools(d.below_basic)} "
                f"из {d.schools} ({_percent(d.below_basic, d.schools)})"
            )
            if d.deficits:
                line += "; чаще всего дефициты: " + "; ".join(
                    f"«{text}» — {_schools(n)} ({_percent(n, d.schools)})" for text, n in d.deficits
                )
            lines.append(line + ";")
        lines[-1] = lines[-1].removesuffix(";") + "."
        return "\n".join(lines)


def difficulties_draft(region: Any, on: date, top: int = TOP_DEFICITS) -> DifficultiesDraft:
    """Per direction: share of schools below basic and the most frequent deficits.

    Reads the result and deficit rows of the campaign (two grouped queries), never answers; the
    wording of an indicator comes from the campaign's criteria version.
    """
    campaign = finished_campaign(region, on)
    if campaign is None:
        return DifficultiesDraft(None)
    catalogue = campaign.criteria.catalogue
    levels: dict[str, tuple[int, int]] = {
        scope: (n, below)
        for scope, n, below in Result.objects.filter(campaign=campaign)
        .exclude(scope="overall")
        .values_list("scope")
        .annotate(n=Count("*"), below=Count("pk", filter=Q(level="below_basic")))
        .order_by()
    }
    frequent: dict[str, list[tuple[str, int]]] = {}
    for direction, code, n in (
        Deficit.objects.filter(campaign=campaign)
        .values_list("direction", "code")
        .annotate(n=Count("*"))
        .order_by("direction", "-n", "code")
    ):
        rows = frequent.setdefault(direction, [])
        if len(rows) < top:
            indicator = catalogue.indicators.get(code)
            rows.append((indicator.text if indicator else code, n))
    draft = DifficultiesDraft(campaign)
    for direction in catalogue.directions:
        n, below = levels.get(direction.code, (0, 0))
        if not n:
            continue
        draft.directions.append(
            DirectionDifficulty(
                direction.code, direction.name, n, below, frequent.get(direction.code, [])
            )
        )
    return draft


# Tasks of the period and their solution, from the region's roadmap and its monitoring -------------

EVENTS_NAMED = 3
"""Events named per task in the draft (the rest are counted)."""

PLAN_STATUSES = (Plan.Status.APPROVED, Plan.Status.ACTIVE, Plan.Status.CLOSED)


def _one_line(text: str) -> str:
    """A cell of the «задача | решение» form: one line, no bar."""
    return " ".join(text.replace("|", "/").split())


@dataclass
class TaskLine:
    task: str
    solution: str


@dataclass
class TasksDraft:
    plans: list[Plan] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, str]]:
        """As :attr:`PeriodReport.tasks` keeps them."""
        return [{"task": t.task, "solution": t.solution} for t in self.tasks]


def _solution(item: PlanItem, report: ProgressReport | None, events: list[Event]) -> str:
    parts = []
    if report is None:
        parts.append("отчёта об исполнении нет")
    else:
        day = timezone.localtime(report.reported_at)
        comment = f": {report.comment}" if report.comment.strip() else ""
        parts.append(f"{report.get_status_display()} (отчёт от {day:%d.%m.%Y}{comment})")
        if report.actual_value is not None:
            actual = f"фактическое значение — {report.actual_value.normalize():f}".replace(".", ",")
            targets = [t.get("text", "") for t in item.targets if t.get("text")]
            parts.append(actual + (f" (цель: {targets[0]})" if targets else ""))
    if events:
        named = ", ".join(f"«{e.title}» ({e.starts_on:%d.%m.%Y})" for e in events[:EVENTS_NAMED])
        rest = len(events) - EVENTS_NAMED
        parts.append(
            f"проведено мероприятий: {len(events)} — {named}"
            + (f" и ещё {rest}" if rest > 0 else "")
        )
    return _one_line("; ".join(parts))


def tasks_draft(region: Any, start: date, end: date) -> TasksDraft:
    """The items of the region's own roadmaps whose deadlines fall in the period, each with what
    its monitoring says: the latest progress report (status, comment, actual value) and the
    events held for it in the period. Three queries.

    A deadline falls in the period when one of the item's windows (a control date and the start
    of its window) overlaps it: «сентябрь – ноябрь» counts for the autumn, «в течение года» for
    either half of the year.
    """
    items = list(
        PlanItem.objects.filter(
            Q(control_dates__starts_on__lte=end)
            | Q(control_dates__starts_on__isnull=True, control_dates__due_on__lte=end),
            plan__region=region,
            plan__level=Level.REGION,
            plan__status__in=PLAN_STATUSES,
            control_dates__due_on__gte=start,
        )
        .distinct()
        .select_related("plan")
        .order_by("plan__year", "plan_id", "position")
    )
    latest: dict[int, ProgressReport] = {}
    for report in ProgressReport.objects.filter(item__in=items).order_by(
        "item_id", "-reported_at", "-pk"
    ):
        latest.setdefault(report.item_id, report)
    held: dict[int, list[Event]] = {}
    for event in Event.objects.filter(
        roadmap_item__in=items, starts_on__lte=end, ends_on__gte=start
    ).order_by("starts_on", "pk"):
        if event.roadmap_item_id is not None:
            held.setdefault(event.roadmap_item_id, []).append(event)
    draft = TasksDraft(plans=list({i.plan_id: i.plan for i in items}.values()))
    for item in items:
        # The report numbers the tasks itself: the item's number goes after its title.
        task = _one_line(f"{item.title} (п. {item.number})" if item.number else item.title)
        draft.tasks.append(
            TaskLine(task, _solution(item, latest.get(item.pk), held.get(item.pk, [])))
        )
    return draft
