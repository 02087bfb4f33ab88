"""Figures about events: coverage against the target population, totals for a period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, Sum

from marshrut.events.models import Event, ParticipantCount, Participation
from marshrut.kernels.participants import CATEGORY_LABELS, Unit
from marshrut.orgs.models import School


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


def default_analysis(f: PeriodFigures, operator: str = "") -> str:
    """The «generalised analysis» paragraph filled from the figures; the coordinator edits it."""
    parts = [
        f"За период {f.start:%d.%m.%Y} – {f.end:%d.%m.%Y} "
        f"{'организатором ' + operator + ' и партнёрами ' if operator else ''}"
        f"проведено мероприятий: {f.events} (региональных — {f.regional}, "
        f"муниципальных — {f.municipal})."
    ]
    if f.people:
        parts.append(f"Участников всего — {f.people} человек.")
    if f.by_category:
        parts.append(
            "По категориям: " + "; ".join(f"{label} — {n} чел." for label, n in f.by_category) + "."
        )
    if f.by_form:
        parts.append("Формы: " + "; ".join(f"{label} — {n}" for label, n in f.by_form) + ".")
    if f.schools_reached:
        parts.append(f"Представители {f.schools_reached} ОО отмечены участниками поимённо.")
    return " ".join(parts)
