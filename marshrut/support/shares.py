"""The roadmap's indicators the documents and visits feed, by municipality.

* «Доля школ, посещённых кураторами и наставниками» — cohort schools with at least one reported
  visit in the year, against 100 %.
* «Доля муниципалитетов, разработавших программы перехода школ в эффективный режим работы» — of
  the region's municipalities that have cohort schools, those whose programme of the year is
  accepted by the expert review, against 60 %.

The cohort of a year is the region's :class:`Participation` rows of that year when there are
any; a region that has not entered its cohort yet falls back on the registry's ШНОР mark
(``School.is_shnor``), so the figures mean something from the first day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap
from marshrut.support.models.cohort import Participation
from marshrut.support.models.documents import Document, DocumentKind
from marshrut.support.models.visits import Visit

VISITED_TARGET = 100
TRANSITION_TARGET = 60


def cohort_schools(region: Region, year: int, user: Any = None) -> QuerySet[School]:
    """The cohort's schools of the year in the region (those the user sees, when given)."""
    cohort = Participation.objects.in_region(region).of_year(year)
    if cohort.exists():
        schools = School.objects.filter(
            pk__in=cohort.current().values("school_id"), municipality__region=region
        )
    else:
        schools = School.objects.filter(municipality__region=region, is_shnor=True, is_active=True)
    if user is not None:
        schools = schools.filter(
            grant(user, Cap.SHNOR_VIEW).q(
                region="municipality__region_id", municipality="municipality_id", school="id"
            )
        )
    return schools


@dataclass
class Share:
    """``done`` of ``total`` against a target share in per cent."""

    done: int
    total: int
    target: int

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0

    @property
    def percent_text(self) -> str:
        """«66,7», «100», «0»: the share as Russian text writes it."""
        return f"{self.percent:.1f}".rstrip("0").rstrip(".").replace(".", ",")

    @property
    def met(self) -> bool:
        return self.total > 0 and 100 * self.done >= self.target * self.total


@dataclass
class MunicipalityVisits:
    municipality: Municipality
    share: Share
    not_visited: list[School] = field(default_factory=list)


def visit_shares(schools: QuerySet[School], year: int) -> tuple[Share, list[MunicipalityVisits]]:
    """Cohort schools visited (≥ 1 reported visit that took place in ``year``), by municipality."""
    visited = Visit.objects.filter(
        school=OuterRef("pk"), status=Visit.Status.REPORTED, visited_on__year=year
    )
    rows = (
        schools.annotate(visited=Exists(visited))
        .select_related("municipality")
        .order_by("municipality__name", "short_name")
    )
    by_m: dict[int, MunicipalityVisits] = {}
    for school in rows:
        entry = by_m.setdefault(
            school.municipality_id,
            MunicipalityVisits(school.municipality, Share(0, 0, VISITED_TARGET)),
        )
        entry.share.total += 1
        if school.visited:  # type: ignore[attr-defined]
            entry.share.done += 1
        else:
            entry.not_visited.append(school)
    lines = list(by_m.values())
    total = Share(
        sum(e.share.done for e in lines), sum(e.share.total for e in lines), VISITED_TARGET
    )
    return total, lines


@dataclass
class MunicipalityProgramme:
    municipality: Municipality
    schools: int
    document: Document | None

    @property
    def accepted(self) -> bool:
        return self.document is not None and self.document.status == Document.Status.ACCEPTED


def transition_shares(
    schools: QuerySet[School], year: int
) -> tuple[Share, list[MunicipalityProgramme]]:
    """Municipalities with cohort schools and their programme of transition of the year."""
    municipalities = (
        Municipality.objects.filter(pk__in=schools.values("municipality_id"))
        .annotate(cohort=Count("schools", filter=Q(schools__in=schools)))
        .order_by("name")
    )
    documents = {
        d.municipality_id: d
        for d in Document.objects.filter(
            kind=DocumentKind.TRANSITION, year=year, municipality__in=municipalities
        )
    }
    lines = [
        MunicipalityProgramme(m, m.cohort, documents.get(m.pk))  # type: ignore[attr-defined]
        for m in municipalities
    ]
    return Share(sum(1 for x in lines if x.accepted), len(lines), TRANSITION_TARGET), lines
