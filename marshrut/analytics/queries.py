"""The aggregates of a campaign for a region, a municipality or a school, as plain data.

Every function reads result rows (one per school and scope) or deficit rows, never raw answers,
with one query per aggregate; the dashboards, the XLSX exports and the documents all use them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from marshrut.diagnostics.models import DONE, Campaign, Deficit, Result, Submission
from marshrut.kernels.criteria import LEVELS, level_name, level_rank
from marshrut.orgs.models import School

LEVEL_CODES = tuple(LEVELS)


@dataclass(frozen=True)
class Filters:
    """Which schools count: a municipality and the school attributes of the dashboards."""

    municipality_id: int | None = None
    school_id: int | None = None
    kind: str = ""
    settlement: str = ""
    shnor: bool | None = None
    level: str = ""  # noo | ooo | soo: schools offering this level

    def schools(self, base: QuerySet[School]) -> QuerySet[School]:
        qs = base
        if self.municipality_id:
            qs = qs.filter(municipality_id=self.municipality_id)
        if self.school_id:
            qs = qs.filter(pk=self.school_id)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.settlement:
            qs = qs.filter(settlement=self.settlement)
        if self.shnor is not None:
            qs = qs.filter(is_shnor=self.shnor)
        if self.level in ("noo", "ooo", "soo"):
            qs = qs.filter(**{f"offers_{self.level}": True})
        return qs

    def as_query(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _school_q(filters: Filters, prefix: str = "school__") -> Q:
    q = Q()
    if filters.municipality_id:
        q &= Q(**{f"{prefix}municipality_id": filters.municipality_id})
    if filters.school_id:
        q &= Q(**{f"{prefix}id": filters.school_id})
    if filters.kind:
        q &= Q(**{f"{prefix}kind": filters.kind})
    if filters.settlement:
        q &= Q(**{f"{prefix}settlement": filters.settlement})
    if filters.shnor is not None:
        q &= Q(**{f"{prefix}is_shnor": filters.shnor})
    if filters.level in ("noo", "ooo", "soo"):
        q &= Q(**{f"{prefix}offers_{filters.level}": True})
    return q


def results(
    campaign: Campaign, filters: Filters, scope: str | None = "overall"
) -> QuerySet[Result]:
    qs = Result.objects.filter(campaign=campaign).filter(_school_q(filters))
    return qs.filter(scope=scope) if scope else qs


@dataclass
class Participation:
    schools: int
    started: int
    done: int
    by_status: dict[str, int]

    @property
    def share_done(self) -> float:
        return self.done / self.schools if self.schools else 0.0


def participation(campaign: Campaign, filters: Filters) -> Participation:
    rows = dict(
        Submission.objects.filter(campaign=campaign)
        .filter(_school_q(filters))
        .values_list("status")
        .annotate(n=Count("*"))
        .order_by()
    )
    total = sum(rows.values())
    done = sum(rows.get(s, 0) for s in DONE)
    return Participation(total, total - rows.get("not_started", 0), done, rows)


def level_distribution(campaign: Campaign, filters: Filters) -> dict[str, dict[str, int]]:
    """scope → level → number of schools (scored submissions only)."""
    dist: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVEL_CODES, 0))
    for scope, level, n in (
        results(campaign, filters, None)
        .values_list("scope", "level")
        .annotate(n=Count("*"))
        .order_by()
    ):
        dist[scope][level] = n
    return dict(dist)


@dataclass
class HeatCell:
    schools: int
    below_basic: int
    mean_share: float

    @property
    def below_share(self) -> float:
        return self.below_basic / self.schools if self.schools else 0.0


def heatmap(campaign: Campaign, filters: Filters) -> dict[tuple[int, str], HeatCell]:
    """(municipality id, scope) → schools, how many below basic, mean share of points."""
    cells = {}
    for mid, scope, n, below, mean in (
        results(campaign, filters, None)
        .values_list("school__municipality_id", "scope")
        .annotate(
            n=Count("*"),
            below=Count("id", filter=Q(level="below_basic")),
            mean=Avg(F("points") / F("max_points")),
        )
        .order_by()
    ):
        cells[(mid, scope)] = HeatCell(n, below, float(mean or 0.0))
    return cells


@dataclass
class DeficitCount:
    code: str
    direction: str
    schools: int
    critical: int


def frequent_deficits(campaign: Campaign, filters: Filters, limit: int = 20) -> list[DeficitCount]:
    rows = (
        Deficit.objects.filter(campaign=campaign)
        .filter(_school_q(filters))
        .values_list("code", "direction")
        .annotate(n=Count("*"), critical=Count("id", filter=Q(kind="critical")))
        .order_by("-n", "code")[:limit]
    )
    return [DeficitCount(code, direction, n, critical) for code, direction, n, critical in rows]


def deficits_by_direction(campaign: Campaign, filters: Filters) -> dict[str, int]:
    return dict(
        Deficit.objects.filter(campaign=campaign)
        .filter(_school_q(filters))
        .values_list("direction")
        .annotate(n=Count("*"))
        .order_by()
    )


@dataclass
class Dynamics:
    previous: Campaign | None
    rose: list[int] = field(default_factory=list)  # school ids
    fell: list[int] = field(default_factory=list)
    stayed: list[int] = field(default_factory=list)
    levels_now: dict[int, str] = field(default_factory=dict)
    levels_before: dict[int, str] = field(default_factory=dict)


def dynamics(campaign: Campaign, filters: Filters, scope: str = "overall") -> Dynamics:
    """Schools whose level rose, fell or stayed against the previous campaign.

    Levels are comparable across criteria versions (the same four levels); the indicator mapping
    is used for indicator-level comparisons on the school pages.
    """
    result = Dynamics(campaign.previous)
    if campaign.previous_id is None:
        return result
    rows = (
        Result.objects.filter(campaign_id__in=[campaign.pk, campaign.previous_id], scope=scope)
        .filter(_school_q(filters))
        .values_list("campaign_id", "school_id", "level")
    )
    for cid, sid, level in rows:
        (result.levels_now if cid == campaign.pk else result.levels_before)[sid] = level
    for sid, level in result.levels_now.items():
        before = result.levels_before.get(sid)
        if before is None:
            continue
        delta = level_rank(level) - level_rank(before)
        (result.rose if delta > 0 else result.fell if delta < 0 else result.stayed).append(sid)
    return result


@dataclass
class RiskSchool:
    school: School
    level: str
    reason: str


def risk_zone(
    campaign: Campaign, filters: Filters, dyn: Dynamics | None = None
) -> list[RiskSchool]:
    """Schools below the basic level, or whose level fell against the previous campaign."""
    dyn = dyn or dynamics(campaign, filters)
    below = dict(
        results(campaign, filters).filter(level="below_basic").values_list("school_id", "level")
    )
    ids = set(below) | set(dyn.fell)
    schools = (
        School.objects.filter(pk__in=ids)
        .select_related("municipality")
        .order_by("municipality__name", "short_name")
    )
    out = []
    for school in schools:
        level = dyn.levels_now.get(school.pk) or below.get(school.pk) or ""
        reasons = []
        if school.pk in below:
            reasons.append("ниже базового")
        if school.pk in dyn.fell:
            reasons.append(
                f"снижение: {level_name(dyn.levels_before[school.pk])} → {level_name(level)}"
            )
        out.append(RiskSchool(school, level, "; ".join(reasons)))
    return out


def mean_shares(campaign: Campaign, filters: Filters) -> dict[str, float]:
    """scope → mean share of points (0…1) of the scored schools."""
    return {
        scope: float(mean or 0.0)
        for scope, mean in results(campaign, filters, None)
        .values_list("scope")
        .annotate(mean=Avg(F("points") / F("max_points")))
        .order_by()
    }


# Added for the information-analytical report (marshrut/analytics/report.py).


def participation_by_municipality(campaign: Campaign, filters: Filters) -> dict[int, Participation]:
    """municipality id → participation of its schools, in one query."""
    rows: dict[int, dict[str, int]] = defaultdict(dict)
    for mid, status, n in (
        Submission.objects.filter(campaign=campaign)
        .filter(_school_q(filters))
        .values_list("school__municipality_id", "status")
        .annotate(n=Count("*"))
        .order_by()
    ):
        rows[mid][status] = n
    out = {}
    for mid, by_status in rows.items():
        total = sum(by_status.values())
        done = sum(by_status.get(s, 0) for s in DONE)
        out[mid] = Participation(total, total - by_status.get("not_started", 0), done, by_status)
    return out


def levels_by_municipality(
    campaign: Campaign, filters: Filters, scope: str = "overall"
) -> dict[int, dict[str, int]]:
    """municipality id → level → number of schools in ``scope``, in one query."""
    dist: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVEL_CODES, 0))
    for mid, level, n in (
        results(campaign, filters, scope)
        .values_list("school__municipality_id", "level")
        .annotate(n=Count("*"))
        .order_by()
    ):
        dist[mid][level] = n
    return dict(dist)
