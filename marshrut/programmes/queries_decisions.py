"""Figures of the decisions register: counts by source and status, and a period's sentence for
the coordinator's report and the analytical report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from marshrut.lib.plural import plural
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Municipality, Region
from marshrut.programmes.models.decisions import (
    OPEN_STATUSES,
    OVERDUE,
    OVERDUE_LABEL,
    Decision,
    DecisionStatus,
    Source,
)


@dataclass
class DecisionCounts:
    total: int = 0
    by_source: list[tuple[str, str, int]] = field(default_factory=list)  # code, label, count
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    overdue: int = 0


def _overdue_q(on: dt.date | None) -> Q:
    def make(day: dt.date) -> Q:
        return Q(status__in=OPEN_STATUSES, due_on__lt=day)

    return make(on) if on is not None else by_region_date("region", make)


def counts(qs: Any, on: dt.date | None = None) -> DecisionCounts:
    """Counts of a set of decisions in two queries; «overdue» is counted apart from the
    statuses (an overdue decision is still «принято» or «исполняется»)."""
    sources = dict(
        qs.order_by().values_list("source").annotate(n=Count("pk")).values_list("source", "n")
    )
    row = qs.order_by().aggregate(
        overdue=Count("pk", filter=_overdue_q(on)),
        **{s: Count("pk", filter=Q(status=s)) for s in DecisionStatus.values},
    )
    by_status = [(s.value, str(s.label), row[s.value]) for s in DecisionStatus]
    by_status.insert(2, (OVERDUE, str(OVERDUE_LABEL), row["overdue"]))
    return DecisionCounts(
        total=sum(sources.values()),
        by_source=[(s.value, str(s.label), sources.get(s.value, 0)) for s in Source],
        by_status=by_status,
        overdue=row["overdue"],
    )


@dataclass(frozen=True)
class PeriodDecisions:
    start: dt.date
    end: dt.date
    taken: int
    done: int
    overdue: int

    def sentence(self) -> str:
        """«С 01.09.2025 по 31.12.2025 принято 12 управленческих решений: исполнено 5, просрочено 2.»"""
        period = f"С {self.start:%d.%m.%Y} по {self.end:%d.%m.%Y}"
        if not self.taken:
            return f"{period} управленческих решений в реестре не зарегистрировано."
        return (
            f"{period} принято "
            f"{plural(self.taken, 'управленческое решение', 'управленческих решения', 'управленческих решений')}"
            f": исполнено {self.done}, просрочено {self.overdue}."
        )


def period_decisions(
    region: Region,
    start: dt.date,
    end: dt.date,
    municipality: Municipality | None = None,
) -> PeriodDecisions:
    """Decisions taken in a period and how many of them are executed or overdue today (in the
    region's time zone): one query."""
    qs = Decision.objects.filter(region=region).taken_between(start, end)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    row = qs.aggregate(
        taken=Count("pk"),
        done=Count("pk", filter=Q(status=DecisionStatus.DONE)),
        overdue=Count("pk", filter=_overdue_q(region.today())),
    )
    return PeriodDecisions(start, end, row["taken"], row["done"], row["overdue"])
