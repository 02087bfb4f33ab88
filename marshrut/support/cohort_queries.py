"""The figures of the cohort pages: results per school over the years, proposals, exit checks.

The selection kernel (:mod:`marshrut.support.selection`) decides; here the database is read in one
query per kind of row and turned into the kernel's plain data and back into rows for the pages
and the export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from marshrut.orgs.models import Region, School
from marshrut.support import selection
from marshrut.support.models import Participation
from marshrut.support.models.assessments import Assessment, AssessmentResult, SelectionRule

LABELS = {str(code): str(label) for code, label in Assessment.choices}


def rule_of(region: Region) -> tuple[SelectionRule, selection.Rule]:
    stored = SelectionRule.of(region)
    return stored, selection.Rule(
        threshold=Decimal(stored.threshold), assessments=frozenset(stored.assessments)
    )


def results_of(
    school_ids: Iterable[int] | None = None, region: Region | None = None
) -> list[selection.Result]:
    """The kernel's rows for some schools or a whole region: one aggregate query, one row per
    school, year and assessment (the kernel sums over subjects and grades either way)."""
    qs = AssessmentResult.objects.all()
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    if region is not None:
        qs = qs.filter(school__municipality__region=region)
    rows = (
        qs.order_by()
        .values("school_id", "year", "assessment")
        .annotate(p=Sum("participants"), f=Sum("failed"))
        .values_list("school_id", "year", "assessment", "p", "f")
    )
    return [selection.Result(*row) for row in rows]


@dataclass
class Proposal:
    school: School
    triggers: list[selection.Trigger]

    @property
    def reasons(self) -> list[str]:
        return [selection.describe(t, LABELS) for t in self.triggers]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def proposals(region: Region, year: int, rule: selection.Rule) -> list[Proposal]:
    """Schools of the region the rule proposes for ``year`` that are not in its cohort yet."""
    proposed = selection.propose(results_of(region=region), rule, year)
    already = set(
        Participation.objects.filter(school_id__in=proposed, year=year).values_list(
            "school_id", flat=True
        )
    )
    schools = School.objects.filter(pk__in=set(proposed) - already).select_related("municipality")
    found = [Proposal(s, proposed[s.pk]) for s in schools]
    found.sort(key=lambda p: (p.school.municipality.name, p.school.short_name))
    return found


@dataclass
class Row:
    """A school of the cohort of a year as the cohort page and the export show it."""

    participation: Participation
    years: int
    exit: selection.ExitCheck
    shares: dict[tuple[int, str], selection.Share] = field(default_factory=dict)

    @property
    def school(self) -> School:
        return self.participation.school

    @property
    def exit_label(self) -> str:
        if self.exit.recovered is True:
            return "результаты восстановились"
        if self.exit.recovered is False:
            return "нет: правило отбора срабатывает"
        years = ", ".join(str(y) for y in self.exit.missing_years)
        return f"нет данных за {years}"


def cohort_rows(
    participations: Iterable[Participation], year: int, rule: selection.Rule
) -> list[Row]:
    """Rows of the cohort page for the given participations of ``year``: three queries in all."""
    items = list(participations)
    ids = [p.school_id for p in items]
    years = dict(
        Participation.objects.filter(school_id__in=ids, year__lte=year)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    by_school = selection.shares(results_of(ids))
    return [
        Row(
            participation=p,
            years=years.get(p.school_id, 1),
            exit=selection.exit_check(by_school.get(p.school_id, {}), rule, year),
            shares=by_school.get(p.school_id, {}),
        )
        for p in items
    ]


def share_table(
    shares: dict[tuple[int, str], selection.Share], rule: selection.Rule
) -> tuple[list[int], list[dict[str, Any]]]:
    """Assessment × year of one school's shares of «2», with the cells at or above the threshold."""
    years = sorted({y for y, _a in shares})
    rows = []
    for code, label in Assessment.choices:
        cells = []
        for y in years:
            share = shares.get((y, code))
            cells.append(
                {
                    "share": share,
                    "high": share is not None
                    and share.participants > 0
                    and Decimal(share.failed) * 100 >= rule.threshold * share.participants,
                }
            )
        if any(c["share"] for c in cells):
            rows.append(
                {"code": code, "label": label, "cells": cells, "counted": code in rule.assessments}
            )
    return years, rows


def without_team(participations: Iterable[Participation]) -> dict[int, set[str]]:
    """Per school of the cohort, which of «curator», «mentor» it lacks (active memberships)."""
    from marshrut.orgs.models import Membership
    from marshrut.orgs.roles import Role

    ids = [p.school_id for p in participations]
    have: dict[int, set[str]] = defaultdict(set)
    for school_id, role in (
        Membership.objects.active()
        .filter(role__in=[Role.CURATOR, Role.MENTOR], schools__in=ids, person__is_active=True)
        .values_list("schools", "role")
    ):
        have[school_id].add(role)
    return {
        sid: {Role.CURATOR.value, Role.MENTOR.value} - have[sid]
        for sid in ids
        if {Role.CURATOR.value, Role.MENTOR.value} - have[sid]
    }


def status_filter(status: str) -> Q:
    if status == "current":
        return Q(left_on__isnull=True)
    if status == "left":
        return Q(left_on__isnull=False)
    return Q()
