"""The federal view: regions side by side for one campaign series (or one year).

Aggregates only, never a school list: one grouped query per figure over the result, submission
and registry rows of the compared campaigns (a campaign per region), so the page costs the same
at 85 regions and 40,000 schools as the region dashboard costs for one region.

- :func:`results_by_campaign` — (campaign, scope) → schools, mean share of points, schools at
  each level: the levels by region (scope «overall») and the region × direction heatmap, in one
  pass over the result rows (served by the (campaign, scope, level) index).
- :func:`fell_by_campaign` — schools whose level fell against the previous campaign: with those
  below basic, the risk zone of the region dashboard
  (:func:`marshrut.analytics.queries.risk_zone`), counted in the database.
- :func:`participation_by_campaign` — questionnaires per campaign and status.
- :func:`registry_by_region` — active schools of the registry per region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, When

from marshrut.diagnostics.models import (
    DONE,
    Campaign,
    CampaignSeries,
    CriteriaVersion,
    Result,
    Submission,
)
from marshrut.kernels.criteria import LEVELS
from marshrut.orgs.models import FederalDistrict, Region, School

NO_DISTRICT = "без федерального округа"


def _rank(field_name: str = "level") -> Case:
    return Case(
        *[When(**{field_name: level}, then=i) for i, level in enumerate(LEVELS)],
        output_field=IntegerField(),
    )


@dataclass
class ScopeFigures:
    """One campaign's schools in one scope: how many, at which level, the mean share of points."""

    schools: int
    mean_share: float
    levels: dict[str, int]


def results_by_campaign(campaign_ids: Sequence[int]) -> dict[tuple[int, str], ScopeFigures]:
    """(campaign id, scope) → :class:`ScopeFigures`, in one grouped query."""
    out = {}
    for cid, scope, n, mean, *counts in (
        Result.objects.filter(campaign_id__in=campaign_ids)
        .values_list("campaign_id", "scope")
        .annotate(
            n=Count("*"),
            mean=Avg(F("points") / F("max_points")),
            **{f"n_{level}": Count("level", filter=Q(level=level)) for level in LEVELS},
        )
        .order_by()
    ):
        out[(cid, scope)] = ScopeFigures(
            n, float(mean or 0.0), dict(zip(LEVELS, counts, strict=True))
        )
    return out


def fell_by_campaign(campaigns: Sequence[Campaign]) -> dict[int, int]:
    """campaign id → schools above the lowest level whose overall level is lower than in the
    campaign's previous campaign; one grouped query.

    With the schools below basic (:func:`results_by_campaign`) they make the risk zone. The two
    are counted apart on purpose: «below basic OR fell» made PostgreSQL look the previous result
    up school by school (5 s at 40,000 schools); the fall alone is one hash semi-join, over the
    previous campaigns' rows only (named, so that the index reads just those).
    """
    ids = [c.pk for c in campaigns]
    previous = [c.previous_id for c in campaigns if c.previous_id is not None]
    if not previous:
        return {}
    before = (
        Result.objects.filter(
            campaign_id__in=previous,
            scope="overall",
            campaign_id=OuterRef("campaign__previous_id"),
            school_id=OuterRef("school_id"),
        )
        .annotate(rank=_rank())
        .filter(rank__gt=OuterRef("rank"))
    )
    return dict(
        Result.objects.filter(campaign_id__in=ids, scope="overall")
        .exclude(level="below_basic")
        .annotate(rank=_rank())
        .filter(Exists(before))
        .values_list("campaign_id")
        .annotate(n=Count("*"))
        .order_by()
    )


def participation_by_campaign(campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """campaign id → status → questionnaires, in one grouped query."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for cid, status, n in (
        Submission.objects.filter(campaign_id__in=campaign_ids)
        .values_list("campaign_id", "status")
        .annotate(n=Count("*"))
        .order_by()
    ):
        out[cid][status] = n
    return dict(out)


def registry_by_region(region_ids: Iterable[int]) -> dict[int, int]:
    """region id → active schools of the registry, in one grouped query."""
    return dict(
        School.objects.filter(is_active=True, municipality__region_id__in=list(region_ids))
        .values_list("municipality__region_id")
        .annotate(n=Count("*"))
        .order_by()
    )


# The view: which campaigns compare, and the rows the page, the XLSX and the DOCX show.


def federal_regions(user: Any, district: FederalDistrict | None = None) -> QuerySet[Region]:
    """The regions the user sees in the federal view (all, or those of their district)."""
    from marshrut.orgs.roles import Cap

    regions = Region.objects.for_user(user, Cap.FEDERAL_VIEW)
    if district is not None:
        regions = regions.filter(district=district)
    return regions


def compared_campaigns(
    regions: QuerySet[Region], *, series: CampaignSeries | None = None, year: int | None = None
) -> list[Campaign]:
    """A campaign per region: the region's campaign in ``series``, or its newest of ``year``."""
    # Not joined with the criteria: each row would carry the catalogue's whole YAML text.
    qs = Campaign.objects.filter(region__in=regions).select_related("region__district")
    if series is not None:
        campaigns = list(qs.filter(series=series))
    elif year is None:
        return []
    else:
        chosen: dict[int, Campaign] = {}
        for c in qs.filter(year=year).order_by("region_id", "-opens_on", "-pk"):
            chosen.setdefault(c.region_id, c)
        campaigns = list(chosen.values())
    versions = CriteriaVersion.objects.in_bulk({c.criteria_id for c in campaigns})
    for c in campaigns:
        c.criteria = versions[c.criteria_id]
    return campaigns


@dataclass
class RegionRow:
    """One region's figures in the federal view (or the totals of a district or the country)."""

    name: str
    code: str = ""
    region_id: int | None = None
    district: str = NO_DISTRICT
    campaign_id: int | None = None
    campaign: str = ""
    registry: int = 0  # active schools of the registry
    submissions: int = 0  # questionnaires of the campaign
    done: int = 0  # submitted or verified
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    risk: int = 0
    # scope → (schools, mean share): the heatmap's cells
    means: dict[str, tuple[int, float]] = field(default_factory=dict)
    link: str = ""  # the region's own dashboard, set by the page

    @property
    def scored(self) -> int:
        return sum(self.levels.values())

    @property
    def participation(self) -> float:
        """Share of the registry's schools that submitted (0…1)."""
        return self.done / self.registry if self.registry else 0.0

    @property
    def below_share(self) -> float:
        return self.levels["below_basic"] / self.scored if self.scored else 0.0

    @property
    def risk_share(self) -> float:
        return self.risk / self.scored if self.scored else 0.0

    def mean(self, scope: str) -> float | None:
        cell = self.means.get(scope)
        return cell[1] if cell and cell[0] else None

    def add(self, other: RegionRow) -> None:
        """Sum ``other`` into these totals (means weighted by schools)."""
        self.registry += other.registry
        self.submissions += other.submissions
        self.done += other.done
        self.risk += other.risk
        for level, n in other.levels.items():
            self.levels[level] += n
        for scope, (n, mean) in other.means.items():
            had_n, had_mean = self.means.get(scope, (0, 0.0))
            total = had_n + n
            self.means[scope] = (total, (had_n * had_mean + n * mean) / total if total else 0.0)


SORTS = {
    "name": ("по названию региона", lambda r: (r.name,)),
    "participation": ("по участию (меньше — выше)", lambda r: (r.participation, r.name)),
    "below": ("по доле ниже базового (больше — выше)", lambda r: (-r.below_share, r.name)),
    "risk": ("по зоне риска (больше — выше)", lambda r: (-r.risk_share, r.name)),
}


@dataclass
class FederalView:
    """Everything the federal page, its XLSX and its DOCX show."""

    campaigns: list[Campaign]
    scopes: list[tuple[str, str]]  # (code, name) of the heatmap's columns, directions then «Итого»
    rows: list[RegionRow]  # regions, sorted, grouped by district
    districts: list[RegionRow]  # totals per district, in the order of ``rows``
    total: RegionRow

    def grouped(self) -> list[tuple[RegionRow, list[RegionRow]]]:
        """(district totals, its regions) in order."""
        by_name: dict[str, list[RegionRow]] = defaultdict(list)
        for r in self.rows:
            by_name[r.district].append(r)
        return [(d, by_name[d.name]) for d in self.districts]


def _scopes(campaigns: Sequence[Campaign]) -> list[tuple[str, str]]:
    scopes: dict[str, str] = {}
    for criteria in {c.criteria_id: c.criteria for c in campaigns}.values():
        for d in criteria.catalogue.directions:
            scopes.setdefault(d.code, d.name)
    return [*scopes.items(), ("overall", "Итого")]


def build(
    regions: QuerySet[Region],
    *,
    series: CampaignSeries | None = None,
    year: int | None = None,
    sort: str = "name",
) -> FederalView:
    """The federal view of ``regions`` for ``series`` (or ``year``): four grouped queries."""
    campaigns = compared_campaigns(regions, series=series, year=year)
    ids = [c.pk for c in campaigns]
    results = results_by_campaign(ids)
    fell = fell_by_campaign(campaigns)
    participation = participation_by_campaign(ids)
    registry = registry_by_region(c.region_id for c in campaigns)
    means: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for (cid, scope), f in results.items():
        means[cid][scope] = (f.schools, f.mean_share)
    rows = []
    for c in campaigns:
        by_status = participation.get(c.pk, {})
        overall = results.get((c.pk, "overall"))
        row = RegionRow(
            name=c.region.name,
            code=c.region.code,
            region_id=c.region_id,
            district=c.region.district.name if c.region.district else NO_DISTRICT,
            campaign_id=c.pk,
            campaign=c.title,
            registry=registry.get(c.region_id, 0),
            submissions=sum(by_status.values()),
            done=sum(by_status.get(s, 0) for s in DONE),
            levels=dict(overall.levels) if overall else dict.fromkeys(LEVELS, 0),
            risk=(overall.levels["below_basic"] if overall else 0) + fell.get(c.pk, 0),
            means=means.get(c.pk, {}),
        )
        rows.append(row)
    key = SORTS.get(sort, SORTS["name"])[1]
    rows.sort(key=key)
    districts: dict[str, RegionRow] = {}
    total = RegionRow(name="Всего")
    for r in rows:
        districts.setdefault(r.district, RegionRow(name=r.district, district=r.district)).add(r)
        total.add(r)
    # Districts in their order of name, the regions without one last.
    ordered = sorted(districts.values(), key=lambda d: (d.name == NO_DISTRICT, d.name))
    rank = {d.name: i for i, d in enumerate(ordered)}
    rows.sort(key=lambda r: rank[r.district])  # stable: the chosen order within a district
    return FederalView(campaigns, _scopes(campaigns), rows, ordered, total)
