"""Reading a campaign's results into the plain data of the matching kernel.

Each function reads one aggregate with one query (result rows, deficit rows, neighbours), never a
query per school. Matching looks at the whole region on purpose — a partner may be anywhere in
it — so the pages decide what of each partner the viewer may open (see ``views.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import NullIf

from marshrut.diagnostics.models import Campaign, Deficit, Result, Submission
from marshrut.kernels import assignment as kernel
from marshrut.kernels import whatif
from marshrut.kernels.criteria import MODEL_DIRECTIONS, Catalogue, SchoolProfile
from marshrut.kernels.matching import MunicipalityProfile, SchoolRef, SharedDirection, Strength
from marshrut.kernels.scoring import next_level_path
from marshrut.orgs.models import Municipality, Region


def neighbours(region_id: int) -> dict[int, set[int]]:
    """Municipality id → ids of its neighbours, for one region (one query)."""
    through = Municipality.neighbours.through
    out: dict[int, set[int]] = defaultdict(set)
    for a, b in through.objects.filter(from_municipality__region_id=region_id).values_list(
        "from_municipality_id", "to_municipality_id"
    ):
        out[a].add(b)
    return dict(out)


@dataclass
class RegionData:
    """The region's scored schools as the kernel wants them, and how to name and link them."""

    strengths: list[Strength]
    neighbours: dict[int, set[int]]
    submission_of: dict[int, int] = field(default_factory=dict)  # school id → submission id
    municipality_names: dict[int, str] = field(default_factory=dict)


def _applicable(catalogue: Catalogue, codes: Iterable[str], levels: str, ovz: bool) -> set[str]:
    profile = SchoolProfile(levels=frozenset(filter(None, levels.split(","))), ovz=ovz)
    return {
        c
        for c in codes
        if (ind := catalogue.indicators.get(c)) is not None and ind.applies_to(profile)
    }


def region_strengths(campaign: Campaign, codes: Iterable[str]) -> RegionData:
    """What every scored school of the campaign is good at, for the indicators in ``codes``.

    Four queries whatever the number of schools: the scored submissions, their result rows,
    their deficits among ``codes``, the neighbours. An indicator in ``codes`` that applies to a
    school and is not among its deficits earned full points.
    """
    codes = set(codes)
    catalogue = campaign.criteria.catalogue
    subs = list(
        Submission.objects.filter(campaign=campaign, results__scope="overall")
        .values_list(
            "pk",
            "school_id",
            "school__short_name",
            "school__municipality_id",
            "school__municipality__name",
            "levels",
            "ovz",
        )
        .order_by()
    )
    shares: dict[int, dict[str, float]] = defaultdict(dict)
    levels: dict[int, dict[str, str]] = defaultdict(dict)
    for school_id, scope, points, max_points, level in (
        Result.objects.filter(campaign=campaign)
        .exclude(scope="overall")
        .values_list("school_id", "scope", "points", "max_points", "level")
    ):
        shares[school_id][scope] = points / max_points if max_points else 0.0
        levels[school_id][scope] = level
    short: dict[int, set[str]] = defaultdict(set)
    if codes:
        for school_id, code in Deficit.objects.filter(
            campaign=campaign, code__in=sorted(codes)
        ).values_list("school_id", "code"):
            short[school_id].add(code)
    applicable_cache: dict[tuple[str, bool], set[str]] = {}
    data = RegionData(strengths=[], neighbours=neighbours(campaign.region_id))
    for sub_pk, school_id, name, mid, mname, school_levels, ovz in subs:
        key = (school_levels, ovz)
        if key not in applicable_cache:
            applicable_cache[key] = _applicable(catalogue, codes, school_levels, ovz)
        mine = short.get(school_id, set())
        data.strengths.append(
            Strength(
                SchoolRef(school_id, name, mid),
                full=frozenset(applicable_cache[key] - mine),
                short=frozenset(mine),
                shares=shares.get(school_id, {}),
                levels=levels.get(school_id, {}),
            )
        )
        data.submission_of[school_id] = sub_pk
        data.municipality_names[mid] = mname
    return data


@dataclass
class DirectionFigures:
    """How a municipality stands in one direction."""

    schools: int
    below_basic: int
    mean_share: float

    @property
    def gap(self) -> float:
        """The share of points its schools missed on average (0…1): the grouping weight."""
        return 1.0 - self.mean_share

    @property
    def below_share(self) -> float:
        return self.below_basic / self.schools if self.schools else 0.0


@dataclass
class RegionProfiles:
    municipalities: list[Municipality]
    figures: dict[int, dict[str, DirectionFigures]]  # municipality id → direction → figures
    schools: dict[int, int]  # municipality id → scored schools
    neighbours: dict[int, set[int]]

    def profiles(self) -> list[MunicipalityProfile]:
        return [
            MunicipalityProfile(
                m.pk,
                m.name,
                {d: f.gap for d, f in self.figures.get(m.pk, {}).items()},
                self.schools.get(m.pk, 0),
            )
            for m in self.municipalities
        ]

    def regional(self) -> dict[str, DirectionFigures]:
        """The region's figures per direction, weighted by schools."""
        out: dict[str, DirectionFigures] = {}
        for by_direction in self.figures.values():
            for d, f in by_direction.items():
                r = out.setdefault(d, DirectionFigures(0, 0, 0.0))
                total = r.schools + f.schools
                r.mean_share = (
                    (r.mean_share * r.schools + f.mean_share * f.schools) / total if total else 0.0
                )
                r.schools, r.below_basic = total, r.below_basic + f.below_basic
        return out


def municipality_profiles(campaign: Campaign) -> RegionProfiles:
    """Per municipality and direction: scored schools, how many below basic, mean share.

    Three queries: the region's active municipalities, the aggregate of result rows, neighbours.
    """
    municipalities = list(
        Municipality.objects.filter(region_id=campaign.region_id, is_active=True).order_by(
            "name", "pk"
        )
    )
    figures: dict[int, dict[str, DirectionFigures]] = defaultdict(dict)
    schools: dict[int, int] = {}
    for mid, scope, n, below, mean in (
        Result.objects.filter(campaign=campaign)
        .values_list("school__municipality_id", "scope")
        .annotate(
            n=Count("id"),
            below=Count("id", filter=Q(level="below_basic")),
            mean=Avg(F("points") / NullIf(F("max_points"), 0.0)),
        )
        .order_by()
    ):
        if scope == "overall":
            schools[mid] = n
        else:
            figures[mid][scope] = DirectionFigures(n, below, float(mean or 0.0))
    return RegionProfiles(municipalities, dict(figures), schools, neighbours(campaign.region_id))


DIRECTION_NAMES = {code: name for code, name, _kind in MODEL_DIRECTIONS}


def direction_name(code: str) -> str:
    return DIRECTION_NAMES.get(code, code)


def shared_rows(
    shared: tuple[SharedDirection, ...] | list[SharedDirection],
) -> list[dict[str, Any]]:
    return [
        {
            "direction": s.direction,
            "name": direction_name(s.direction),
            "gap": round(100 * s.weight),
            "excess": round(100 * s.excess),
        }
        for s in shared
    ]


# Partner assignment ------------------------------------------------------------------------------


@dataclass
class AssignmentData:
    """The region as :mod:`marshrut.kernels.assignment` wants it, and how to name what it returns.

    ``needs`` are the deficit directions of the risk-zone schools in the order of the risk zone
    (municipality, name) and of the model's directions; ``candidates`` the other scored schools
    with the directions they are strong in.
    """

    needs: list[kernel.Need]
    candidates: list[kernel.Candidate]
    neighbours: dict[int, set[int]]
    names: dict[int, str]  # school id → short name, every scored school
    municipality_of: dict[int, int]
    municipality_names: dict[int, str]
    risk: list[int]  # risk-zone school ids, in order


def assignment_data(campaign: Campaign) -> AssignmentData:
    """Needs and candidates of the whole region for one campaign.

    The risk zone is the analytics' one (:func:`marshrut.analytics.queries.risk_zone`: below
    basic, or a level lower than in the previous campaign). A need is a direction in which a
    risk-zone school has deficits and is not strong (by the matching kernel's rule: level
    «средний»/«высокий» or 75 % of points); a candidate is a scored school outside the risk zone,
    with the directions it is strong in. A handful of queries whatever the number of schools.
    """
    from marshrut.analytics.queries import Filters, risk_zone

    order = {code: i for i, (code, _n, _k) in enumerate(MODEL_DIRECTIONS)}
    risk = [r.school_id for r in risk_zone(campaign, Filters())]
    in_risk = set(risk)
    data = region_strengths(campaign, ())
    with_deficits: set[tuple[int, str]] = set(
        Deficit.objects.filter(campaign=campaign, school_id__in=risk)
        .values_list("school_id", "direction")
        .distinct()
        .order_by()
    )
    by_id = {s.school.id: s for s in data.strengths}
    needs = []
    for sid in risk:
        strength = by_id.get(sid)
        if strength is None:
            continue
        for d in sorted(strength.levels, key=lambda c: (order.get(c, len(order)), c)):
            if (sid, d) in with_deficits and not strength.strong_in(d):
                needs.append(kernel.Need(sid, strength.school.municipality, d))
    candidates = []
    for s in data.strengths:
        if s.school.id in in_risk:
            continue
        shares = {d: s.shares.get(d, 0.0) for d in s.levels if s.strong_in(d)}
        if shares:
            candidates.append(
                kernel.Candidate(s.school.id, s.school.name, s.school.municipality, shares)
            )
    return AssignmentData(
        needs=needs,
        candidates=candidates,
        neighbours=data.neighbours,
        names={s.school.id: s.school.name for s in data.strengths},
        municipality_of={s.school.id: s.school.municipality for s in data.strengths},
        municipality_names=data.municipality_names,
        risk=risk,
    )


@dataclass
class AssignmentOutcome:
    """Both assignments of one run, over the same data."""

    data: AssignmentData
    best: kernel.Assignment
    greedy: kernel.Assignment
    capacity: int
    costs: kernel.Costs

    def uncovered(self) -> list[kernel.Need]:
        covered = {p.need for p in self.best.pairs}
        return [n for n in dict.fromkeys(self.data.needs) if n not in covered]


def run_assignment(
    campaign: Campaign,
    *,
    capacity: int = kernel.DEFAULT_CAPACITY,
    costs: kernel.Costs | None = None,
) -> AssignmentOutcome:
    """The min-cost-flow assignment and the greedy choice, in the same run on the same data."""
    costs = costs or kernel.Costs()
    data = assignment_data(campaign)
    args = (data.needs, data.candidates, data.neighbours)
    return AssignmentOutcome(
        data,
        kernel.assign(*args, capacity=capacity, costs=costs),
        kernel.assign_greedy(*args, capacity=capacity, costs=costs),
        capacity,
        costs,
    )


def partnership_treatments(region: Region) -> list[tuple[int, str, dt.date]]:
    """(weak school id, ``direction:<code>``, since) of every accepted partnership in the region.

    What the effectiveness of mechanisms counts as «got a partner»: a school and a direction
    appear once, with the earliest start among the accepted assignments that paired them.
    One query.
    """
    from marshrut.matching.models import AssignmentPair

    since: dict[tuple[int, str], dt.date] = {}
    for school_id, direction, starts_on in AssignmentPair.objects.filter(
        run__campaign__region=region
    ).values_list("school_id", "direction", "run__starts_on"):
        key = (school_id, direction)
        if key not in since or starts_on < since[key]:
            since[key] = starts_on
    # A partner is strong in a direction: it targets every deficit of the school in it.
    return sorted((s, f"direction:{d}", on) for (s, d), on in since.items())


# What-if planner ---------------------------------------------------------------------------------


@dataclass
class WhatIfData:
    """Every scored school of the campaign (or of its risk zone) with its path to the next level."""

    schools: list[whatif.Candidate]
    municipality_of: dict[int, str]  # school id → municipality name


def whatif_data(campaign: Campaign, *, risk_only: bool = False) -> WhatIfData:
    """Paths to the next overall level (:func:`marshrut.kernels.scoring.next_level_path`, as on the
    result page) of the scored schools: two queries (submissions, their answers) and the kernel."""
    from marshrut.analytics.queries import Filters, risk_zone
    from marshrut.diagnostics.scoring import answers_of, normalised

    catalogue = campaign.criteria.catalogue
    subs = Submission.objects.filter(campaign=campaign, results__scope="overall").select_related(
        "school__municipality"
    )
    if risk_only:
        subs = subs.filter(school_id__in=[r.school_id for r in risk_zone(campaign, Filters())])
    subs_list = list(subs.order_by("school__municipality__name", "school__short_name", "pk"))
    answers = answers_of(subs_list)
    schools = []
    for sub in subs_list:
        path = next_level_path(
            catalogue, sub.profile, normalised(catalogue, answers.get(sub.pk, {}))
        )["overall"]
        steps = tuple(s.indicator for s in path.steps) if path.reachable else None
        schools.append(
            whatif.Candidate(sub.school_id, sub.school.short_name, path.level, path.target, steps)
        )
    return WhatIfData(schools, {sub.school_id: sub.school.municipality.name for sub in subs_list})
