"""Peer matching for horizontal learning: partner schools for deficits, and project sessions.

Two questions the regional operator answers by hand today:

* **Who can help this school?** For each deficit of a school (an indicator where it falls short)
  :func:`partners` lists the schools of the region that are strong exactly there (full points in
  the same indicator) or, where that indicator does not measure them, strong in the same direction
  (level «средний» or «высокий», or a share of points at or above a threshold). Nearest first:
  the same municipality, then the neighbouring ones, then the rest of the region; within a ring
  indicator matches before direction matches, the strongest in the direction first, then by name.
  A school is never its own partner, and a school that falls short in the same indicator is never
  offered for it.
* **Which municipalities should work together?** :func:`group_municipalities` proposes N project
  sessions (seed 004 has five for Tomsk region) by agglomerative clustering: municipalities whose
  deficit profiles look alike (cosine similarity of the profiles centred on the regional mean)
  merge first, a merge of groups that do not touch on the map is penalised, and so is a group that
  grows past its fair share of schools. Each group reports the directions it shares.

Plain data in, plain data out: ids, codes, mappings and frozen dataclasses; nothing here knows
about Django, so the rules read and test on their own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from heapq import merge
from types import MappingProxyType
from typing import Final

__all__ = [
    "STRONG_LEVELS",
    "Basis",
    "Group",
    "Match",
    "MunicipalityProfile",
    "Need",
    "Partner",
    "PartnerIndex",
    "Ring",
    "SchoolRef",
    "SharedDirection",
    "Strength",
    "describe_grouping",
    "group_municipalities",
    "partners",
    "shared_directions",
]

STRONG_LEVELS: Final[frozenset[str]] = frozenset({"medium", "high"})
"""Levels at which a school counts as strong in a direction."""

DEFAULT_SHARE_THRESHOLD: Final = 0.75
"""A share of the direction's points at which a school counts as strong whatever its level."""


# --------------------------------------------------------------------------------------------------
# Partners
# --------------------------------------------------------------------------------------------------


class Ring(IntEnum):
    """How far a partner is: the distance rings, nearest first."""

    MUNICIPALITY = 0
    NEIGHBOUR = 1
    REGION = 2


class Basis(StrEnum):
    """Why a partner is offered for a deficit."""

    INDICATOR = "indicator"  # full points in the same indicator
    DIRECTION = "direction"  # strong in the indicator's direction


@dataclass(frozen=True, slots=True)
class SchoolRef:
    """A school as matching sees it: id, name (for stable ordering) and municipality id."""

    id: int
    name: str
    municipality: int


@dataclass(frozen=True, slots=True)
class Need:
    """A deficit of a school: an indicator code and its direction."""

    code: str
    direction: str


@dataclass(frozen=True, slots=True)
class Strength:
    """What a scored school is good at.

    ``full`` are the indicators where it earned full points, ``short`` those where it fell short
    (its deficits); an indicator in neither does not measure the school. ``shares`` and ``levels``
    are per direction: the share of points (0…1) and the level code.
    """

    school: SchoolRef
    full: frozenset[str] = frozenset()
    short: frozenset[str] = frozenset()
    shares: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    levels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def strong_in(self, direction: str, threshold: float = DEFAULT_SHARE_THRESHOLD) -> bool:
        """Tell whether the school is strong in a direction (by level or by share of points)."""
        return (
            self.levels.get(direction) in STRONG_LEVELS
            or self.shares.get(direction, 0.0) >= threshold
        )

    def basis_for(self, need: Need, threshold: float = DEFAULT_SHARE_THRESHOLD) -> Basis | None:
        """Why the school can help with a deficit, or ``None`` when it cannot."""
        if need.code in self.full:
            return Basis.INDICATOR
        if need.code in self.short:
            return None  # weak in the very same indicator: not a host for it
        if self.strong_in(need.direction, threshold):
            return Basis.DIRECTION
        return None


@dataclass(frozen=True, slots=True)
class Partner:
    """A candidate host school for one deficit."""

    school: SchoolRef
    ring: Ring
    basis: Basis
    share: float
    """The partner's share of points (0…1) in the deficit's direction."""
    level: str
    """The partner's level in the deficit's direction ("" when unknown)."""


@dataclass(frozen=True, slots=True)
class Match:
    """A deficit with its candidate partners, nearest and strongest first."""

    need: Need
    partners: tuple[Partner, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    key: tuple[int, float, str, int]
    strength: Strength
    basis: Basis


def _symmetric(geography: Mapping[int, Iterable[int]]) -> dict[int, frozenset[int]]:
    """Neighbours both ways: being neighbours is a symmetric relation, whatever the input says."""
    pairs: dict[int, set[int]] = {}
    for m, others in geography.items():
        for o in others:
            if o == m:
                continue
            pairs.setdefault(m, set()).add(o)
            pairs.setdefault(o, set()).add(m)
    return {m: frozenset(s) for m, s in pairs.items()}


class PartnerIndex:
    """Candidates per deficit, built once per region and reused for many schools.

    The candidate list of an indicator is computed on first use and cached, sorted by
    (basis, strength, name, id) and bucketed by municipality, so a query reads its own
    municipality's bucket, merges its neighbours' buckets, and scans the rest only until it has
    enough partners.
    """

    def __init__(
        self,
        strengths: Iterable[Strength],
        geography: Mapping[int, Iterable[int]],
        *,
        share_threshold: float = DEFAULT_SHARE_THRESHOLD,
    ) -> None:
        """Keep the region's scored schools and the neighbours of each municipality."""
        by_id: dict[int, Strength] = {}
        for s in strengths:
            by_id.setdefault(s.school.id, s)
        self._strengths = tuple(sorted(by_id.values(), key=lambda s: s.school.id))
        self._neighbours = _symmetric(geography)
        self._threshold = share_threshold
        self._cache: dict[
            Need, tuple[tuple[_Candidate, ...], dict[int, tuple[_Candidate, ...]]]
        ] = {}

    def neighbours(self, municipality: int) -> frozenset[int]:
        """The municipalities that border ``municipality``."""
        return self._neighbours.get(municipality, frozenset())

    def ring(self, school: SchoolRef, other: SchoolRef) -> Ring:
        """How far ``other`` is from ``school``."""
        if other.municipality == school.municipality:
            return Ring.MUNICIPALITY
        if other.municipality in self.neighbours(school.municipality):
            return Ring.NEIGHBOUR
        return Ring.REGION

    def _candidates(
        self, need: Need
    ) -> tuple[tuple[_Candidate, ...], dict[int, tuple[_Candidate, ...]]]:
        cached = self._cache.get(need)
        if cached is not None:
            return cached
        found = []
        for s in self._strengths:
            basis = s.basis_for(need, self._threshold)
            if basis is None:
                continue
            share = s.shares.get(need.direction, 0.0)
            key = (0 if basis is Basis.INDICATOR else 1, -share, s.school.name, s.school.id)
            found.append(_Candidate(key, s, basis))
        found.sort(key=lambda c: c.key)
        buckets: dict[int, list[_Candidate]] = {}
        for c in found:
            buckets.setdefault(c.strength.school.municipality, []).append(c)
        result = (tuple(found), {m: tuple(cs) for m, cs in buckets.items()})
        self._cache[need] = result
        return result

    def match(self, school: SchoolRef, need: Need, limit: int = 5) -> Match:
        """The partners for one deficit of ``school``: at most ``limit``, nearest first."""
        if limit <= 0:
            return Match(need, ())
        everyone, buckets = self._candidates(need)
        near = self.neighbours(school.municipality) - {school.municipality}
        rings: list[tuple[Ring, Iterable[_Candidate]]] = [
            (Ring.MUNICIPALITY, buckets.get(school.municipality, ())),
            (
                Ring.NEIGHBOUR,
                merge(*(buckets.get(m, ()) for m in sorted(near)), key=lambda c: c.key),
            ),
            (
                Ring.REGION,
                (
                    c
                    for c in everyone
                    if c.strength.school.municipality != school.municipality
                    and c.strength.school.municipality not in near
                ),
            ),
        ]
        out: list[Partner] = []
        for ring, candidates in rings:
            for c in candidates:
                if c.strength.school.id == school.id:
                    continue
                out.append(
                    Partner(
                        school=c.strength.school,
                        ring=ring,
                        basis=c.basis,
                        share=c.strength.shares.get(need.direction, 0.0),
                        level=c.strength.levels.get(need.direction, ""),
                    )
                )
                if len(out) >= limit:
                    return Match(need, tuple(out))
        return Match(need, tuple(out))

    def partners_of(
        self, school: SchoolRef, deficits: Iterable[Need], limit: int = 5
    ) -> list[Match]:
        """A match per distinct deficit, in the order the deficits came."""
        seen: set[Need] = set()
        out = []
        for need in deficits:
            if need in seen:
                continue
            seen.add(need)
            out.append(self.match(school, need, limit))
        return out


def partners(
    school: SchoolRef,
    deficits: Iterable[Need],
    strengths: Iterable[Strength],
    geography: Mapping[int, Iterable[int]],
    limit: int = 5,
    *,
    share_threshold: float = DEFAULT_SHARE_THRESHOLD,
) -> list[Match]:
    """Candidate partner schools for each deficit of ``school``.

    ``strengths`` are the region's scored schools (the school itself may be among them: it is
    skipped); ``geography`` maps a municipality id to its neighbours' ids. For many schools of one
    region build a :class:`PartnerIndex` once instead.
    """
    index = PartnerIndex(strengths, geography, share_threshold=share_threshold)
    return index.partners_of(school, deficits, limit)


# --------------------------------------------------------------------------------------------------
# Grouping municipalities into project sessions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MunicipalityProfile:
    """A municipality's deficit profile.

    ``weights`` maps a direction to how weak the municipality's schools are there, 0…1 (e.g. the
    share of points they missed, or the share of schools below the basic level); ``schools`` is
    how many scored schools it has (its weight for balance and for the regional mean). A direction
    missing from ``weights`` (no scored school there) counts as the regional mean: neutral.
    """

    id: int
    name: str
    weights: Mapping[str, float]
    schools: int = 1


@dataclass(frozen=True, slots=True)
class SharedDirection:
    """A direction a group has in common: its mean weight and how far above the region it is."""

    direction: str
    weight: float
    excess: float


@dataclass(frozen=True, slots=True)
class Group:
    """A proposed project session."""

    number: int
    members: tuple[int, ...]
    """Municipality ids, by name."""
    shared: tuple[SharedDirection, ...]
    """The directions the group shares, the most pronounced first."""
    schools: int
    connected: bool
    """True when the members form one piece on the map of neighbours."""


@dataclass
class _Cluster:
    members: list[int]
    schools: int
    total: list[float]  # sum of members' centred vectors, weighted by schools


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    if na < 1e-12 or nb < 1e-12:
        # A profile exactly at the regional mean is neutral: neither alike nor unlike.
        return 0.0
    return sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb)


def _mean(direction: str, profiles: Iterable[MunicipalityProfile]) -> float:
    """The regional mean of a direction's weight, by schools, over the profiles that have it."""
    total = weight = 0.0
    for p in profiles:
        if direction in p.weights:
            total += p.weights[direction] * max(p.schools, 1)
            weight += max(p.schools, 1)
    return total / weight if weight else 0.0


def _connected(members: Sequence[int], neighbours: Mapping[int, frozenset[int]]) -> bool:
    inside = set(members)
    if not inside:
        return True
    start = min(inside)
    seen = {start}
    stack = [start]
    while stack:
        m = stack.pop()
        for o in neighbours.get(m, ()):
            if o in inside and o not in seen:
                seen.add(o)
                stack.append(o)
    return seen == inside


def group_municipalities(
    profiles: Iterable[MunicipalityProfile],
    neighbours: Mapping[int, Iterable[int]],
    n: int,
    *,
    geography_weight: float = 1.0,
    balance_weight: float = 2.0,
    shared_limit: int = 3,
) -> list[Group]:
    """Propose ``n`` groups of municipalities for project sessions.

    Every municipality lands in exactly one group. Start from one group per municipality and merge
    the best pair until ``n`` are left; a pair's score is the cosine similarity of the groups'
    profiles (centred on the regional mean, so «alike» means «weak in the same directions»), minus
    ``geography_weight`` when no member of one borders a member of the other, minus
    ``balance_weight`` times how far the merged group would exceed its fair share of schools
    (all schools / n), minus a little for size so that small groups merge first. Ties are broken by
    ids, so the same input always gives the same groups.
    """
    by_id: dict[int, MunicipalityProfile] = {}
    for p in profiles:
        by_id.setdefault(p.id, p)
    # Sums in id order: the same input in another order gives bit-for-bit the same floats.
    by_id = dict(sorted(by_id.items()))
    if not 1 <= n <= max(len(by_id), 1) or not by_id:
        raise ValueError(
            f"число групп должно быть от 1 до числа муниципалитетов ({len(by_id)}), а не {n}"
        )
    adjacency = _symmetric(neighbours)
    directions = sorted({d for p in by_id.values() for d in p.weights})
    weight_of = {m: max(p.schools, 1) for m, p in by_id.items()}
    total_schools = sum(weight_of.values())
    mean = [_mean(d, by_id.values()) for d in directions]
    centred = {
        m: [p.weights.get(d, mu) - mu for d, mu in zip(directions, mean, strict=True)]
        for m, p in by_id.items()
    }
    clusters: dict[int, _Cluster] = {
        m: _Cluster([m], weight_of[m], [x * weight_of[m] for x in centred[m]]) for m in by_id
    }
    target = total_schools / n

    def touches(a: _Cluster, b: _Cluster) -> bool:
        inside = set(b.members)
        return any(adjacency.get(m, frozenset()) & inside for m in a.members)

    def score(a: _Cluster, b: _Cluster) -> float:
        size = (a.schools + b.schools) / target
        s = _cosine(a.total, b.total)
        if not touches(a, b):
            s -= geography_weight
        s -= balance_weight * max(0.0, size - 1.0)
        s -= 0.25 * size
        return s

    while len(clusters) > n:
        keys = sorted(clusters)
        best: tuple[float, int, int] | None = None
        for i, ka in enumerate(keys):
            for kb in keys[i + 1 :]:
                s = score(clusters[ka], clusters[kb])
                # Round so that float noise never decides; then the smaller ids win.
                cand = (-round(s, 9), ka, kb)
                if best is None or cand < best:
                    best = cand
        assert best is not None
        _, ka, kb = best
        a, b = clusters[ka], clusters.pop(kb)
        a.members.extend(b.members)
        a.schools += b.schools
        a.total = [x + y for x, y in zip(a.total, b.total, strict=True)]

    renumber = {}
    for c in clusters.values():
        for m in c.members:
            renumber[m] = min(c.members)
    return describe_grouping(by_id.values(), neighbours, renumber, shared_limit=shared_limit)


def describe_grouping(
    profiles: Iterable[MunicipalityProfile],
    neighbours: Mapping[int, Iterable[int]],
    assignment: Mapping[int, int],
    *,
    shared_limit: int = 3,
) -> list[Group]:
    """Groups from an assignment (municipality id → any group label), described and numbered.

    Groups are numbered 1…N by the name of their first member (members sorted by name), so the
    numbering does not depend on the labels; this is how the operator's own adjustment of a
    proposal is described the same way as the proposal.
    """
    by_id: dict[int, MunicipalityProfile] = {}
    for p in profiles:
        by_id.setdefault(p.id, p)
    by_id = dict(sorted(by_id.items()))
    missing = sorted(set(by_id) - set(assignment))
    if missing:
        raise ValueError(f"муниципалитеты без группы: {missing}")
    adjacency = _symmetric(neighbours)
    directions = sorted({d for p in by_id.values() for d in p.weights})
    mean_of = {d: _mean(d, by_id.values()) for d in directions}

    def name_key(m: int) -> tuple[str, int]:
        return (by_id[m].name, m)

    labels: dict[int, list[int]] = {}
    for m in by_id:
        labels.setdefault(assignment[m], []).append(m)
    ordered = sorted(
        (sorted(ms, key=name_key) for ms in labels.values()), key=lambda ms: name_key(ms[0])
    )
    return [
        Group(
            number=number,
            members=tuple(members),
            shared=tuple(shared_directions([by_id[m] for m in members], mean_of)[:shared_limit]),
            schools=sum(max(by_id[m].schools, 1) for m in members),
            connected=_connected(members, adjacency),
        )
        for number, members in enumerate(ordered, start=1)
    ]


def shared_directions(
    members: Sequence[MunicipalityProfile], mean_of: Mapping[str, float]
) -> list[SharedDirection]:
    """The directions a set of municipalities shares, the most pronounced first.

    A direction is shared when the group's mean weight (by schools) is above the regional mean;
    if none is, the group's heaviest direction is reported alone so that the operator always sees
    what the group is about.
    """
    if not members:
        return []
    schools = sum(max(p.schools, 1) for p in members)
    rows = []
    for d in sorted(mean_of):
        w = sum(p.weights.get(d, mean_of[d]) * max(p.schools, 1) for p in members) / schools
        rows.append(SharedDirection(d, w, w - mean_of[d]))
    above = sorted(
        (r for r in rows if r.excess > 1e-9), key=lambda r: (-r.excess, -r.weight, r.direction)
    )
    if above:
        return above
    heaviest = sorted(rows, key=lambda r: (-r.weight, r.direction))
    return heaviest[:1]
