"""The aggregates of a campaign for a region, a municipality or a school, as plain data.

Every function reads result rows (one per school and scope) or deficit rows, never raw answers,
with one query per aggregate; the dashboards, the XLSX exports and the documents all use them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Avg, Count, F, Model, Q, QuerySet

from marshrut.diagnostics.models import DONE, Campaign, Deficit, Result, Submission
from marshrut.kernels.criteria import LEVELS, level_name, level_rank
from marshrut.orgs.models import Municipality, School

LEVEL_CODES = tuple(LEVELS)
M = TypeVar("M", bound=Model)


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
    levels: dict[str, int] = field(default_factory=dict)  # level → number of schools

    @property
    def below_share(self) -> float:
        return self.below_basic / self.schools if self.schools else 0.0


def heatmap(campaign: Campaign, filters: Filters) -> dict[tuple[int, str], HeatCell]:
    """(municipality id, scope) → schools, by level, below basic, mean share of points.

    One pass over the result rows with conditional counts; the dashboards derive the level
    distribution and the mean shares from these cells (:func:`level_distribution_of`,
    :func:`mean_shares_of`) rather than reading the same rows twice more.
    """
    cells = {}
    for mid, scope, n, mean, *counts in (
        results(campaign, filters, None)
        .values_list("school__municipality_id", "scope")
        .annotate(
            n=Count("*"),
            mean=Avg(F("points") / F("max_points")),
            **{f"n_{level}": Count("level", filter=Q(level=level)) for level in LEVEL_CODES},
        )
        .order_by()
    ):
        levels = dict(zip(LEVEL_CODES, counts, strict=True))
        cells[(mid, scope)] = HeatCell(n, levels["below_basic"], float(mean or 0.0), levels)
    return cells


def level_distribution_of(cells: dict[tuple[int, str], HeatCell]) -> dict[str, dict[str, int]]:
    """scope → level → number of schools, summed over the municipalities of :func:`heatmap`."""
    dist: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVEL_CODES, 0))
    for (_mid, scope), cell in cells.items():
        counts = dist[scope]
        for level, n in cell.levels.items():
            counts[level] += n
    return dict(dist)


def mean_shares_of(cells: dict[tuple[int, str], HeatCell]) -> dict[str, float]:
    """scope → mean share of points over the schools of all cells of :func:`heatmap`."""
    total: dict[str, float] = defaultdict(float)
    schools: dict[str, int] = defaultdict(int)
    for (_mid, scope), cell in cells.items():
        total[scope] += cell.mean_share * cell.schools
        schools[scope] += cell.schools
    return {scope: total[scope] / n if n else 0.0 for scope, n in schools.items()}


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
        .annotate(n=Count("*"), critical=Count("kind", filter=Q(kind="critical")))
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
    now, before, now_id = result.levels_now, result.levels_before, campaign.pk
    for cid, sid, level in rows:
        if cid == now_id:
            now[sid] = level
        else:
            before[sid] = level
    rank = {level: level_rank(level) for level in LEVEL_CODES}
    rose, fell, stayed = result.rose, result.fell, result.stayed
    for sid, level in now.items():
        if (was := before.get(sid)) is None:
            continue
        delta = rank[level] - rank[was]
        (rose if delta > 0 else fell if delta < 0 else stayed).append(sid)
    return result


def _partial(model: type[M], attnames: tuple[str, ...]) -> Callable[[str, Sequence[Any]], M]:
    """Build instances of ``model`` from values of ``attnames`` (in that order); the other
    fields are deferred, as with ``.only()``, and load from the database if ever read."""
    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in attnames]
    position = [attnames.index(name) for name in loaded]

    def build(db: str, values: Sequence[Any]) -> M:
        return model.from_db(db, loaded, [values[i] for i in position])

    return build


_school = _partial(School, ("id", "municipality_id", "short_name"))
_municipality = _partial(Municipality, ("id", "name"))


@dataclass
class RiskSchool:
    """A school of the risk zone.

    Plain values, with :attr:`school` built on first use: the zone of a federal campaign holds
    thousands of schools, and the dashboard shows forty of them and a count.
    """

    school_id: int
    short_name: str
    municipality: Municipality  # one shared instance per municipality, id and name loaded
    level: str
    reason: str
    submission_id: int  # the school's questionnaire in the campaign
    db: str = field(default=DEFAULT_DB_ALIAS, repr=False, compare=False)

    @cached_property
    def school(self) -> School:
        """The school with its name and municipality loaded; other fields load when read."""
        school = _school(self.db, (self.school_id, self.municipality.pk, self.short_name))
        School._meta.get_field("municipality").set_cached_value(school, self.municipality)
        return school


def _fell(campaign: Campaign) -> Q:
    """Overall results of ``campaign`` whose level is lower than in the previous campaign."""
    q = Q()
    if campaign.previous_id is None:
        return q
    before = Result.objects.filter(campaign_id=campaign.previous_id, scope="overall")
    # Below basic cannot fall, and nobody falls to the top level; one subquery per level in
    # between lets the database answer without a list of school ids.
    for rank, level in enumerate(LEVEL_CODES[1:-1], start=1):
        higher = before.filter(level__in=LEVEL_CODES[rank + 1 :]).values("school_id")
        q |= Q(level=level, school_id__in=higher)
    return q


def risk_zone(
    campaign: Campaign, filters: Filters, dyn: Dynamics | None = None
) -> list[RiskSchool]:
    """Schools below the basic level, or whose level fell against the previous campaign, by
    municipality and name: one query, filtered in the database."""
    dyn = dyn or dynamics(campaign, filters)
    fell = set(dyn.fell)
    rows = (
        results(campaign, filters)
        .filter(Q(level="below_basic") | _fell(campaign))
        .values_list(
            "school_id",
            "school__short_name",
            "school__municipality_id",
            "school__municipality__name",
            "level",
            "submission_id",
        )
        .order_by("school__municipality__name", "school__short_name", "school_id")
    )
    municipalities: dict[int, Municipality] = {}
    out = []
    for sid, short_name, mid, municipality_name, level, submission_id in rows:
        if (municipality := municipalities.get(mid)) is None:
            municipality = municipalities[mid] = _municipality(rows.db, (mid, municipality_name))
        reasons = []
        if level == "below_basic":
            reasons.append("ниже базового")
        if sid in fell:
            reasons.append(f"снижение: {level_name(dyn.levels_before[sid])} → {level_name(level)}")
        out.append(
            RiskSchool(
                sid, short_name, municipality, level, "; ".join(reasons), submission_id, rows.db
            )
        )
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


def _by_municipality(rows: QuerySet[Any], field: str) -> dict[int, dict[str, int]]:
    """municipality id → value of ``field`` → rows of its schools, in one grouped query."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for mid, value, n in (
        rows.values_list("school__municipality_id", field).annotate(n=Count("*")).order_by()
    ):
        out[mid][value] = n
    return out


def deficits_by_municipality(campaign: Campaign, filters: Filters) -> dict[int, dict[str, int]]:
    """municipality id → direction code → deficit rows of its schools, in one query."""
    deficits = Deficit.objects.filter(campaign=campaign).filter(_school_q(filters))
    return _by_municipality(deficits, "direction")


def participation_by_municipality(campaign: Campaign, filters: Filters) -> dict[int, Participation]:
    """municipality id → participation of its schools, in one query."""
    submissions = Submission.objects.filter(campaign=campaign).filter(_school_q(filters))
    rows = _by_municipality(submissions, "status")
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


@dataclass
class ScopeCell:
    level: str
    deficits: int


@dataclass
class SchoolOverview:
    """One school of a person's assigned schools: its questionnaire, levels and deficits."""

    submission: Submission
    overall: ScopeCell | None = None
    share: float | None = None
    by_scope: dict[str, ScopeCell] = field(default_factory=dict)

    def cells(self, scopes: Sequence[str]) -> list[ScopeCell | None]:
        return [self.by_scope.get(code) for code in scopes]


def school_overview(submissions: QuerySet[Submission]) -> list[SchoolOverview]:
    """The given questionnaires (already scoped) with their results, in two queries."""
    rows = {
        s.pk: SchoolOverview(s)
        for s in submissions.select_related("school__municipality").order_by(
            "school__municipality__name", "school__short_name"
        )
    }
    for r in Result.objects.filter(submission_id__in=list(rows)).only(
        "submission_id", "scope", "level", "deficits", "points", "max_points"
    ):
        cell = ScopeCell(r.level, r.deficits)
        if r.scope == "overall":
            rows[r.submission_id].overall = cell
            rows[r.submission_id].share = r.share
        else:
            rows[r.submission_id].by_scope[r.scope] = cell
    return list(rows.values())
