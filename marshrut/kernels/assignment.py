"""Region-wide assignment of partner schools to the deficit directions of risk-zone schools.

The partners page (:mod:`marshrut.kernels.matching`) answers «who could help this school?» one
school at a time, so every weak school is offered the same few strong neighbours and nothing stops
one strong school becoming everyone's partner. Here the whole region is assigned at once:

* a **need** is a direction in which a risk-zone school is weak (its deficit direction);
* a **partner** for it is a school strong in that direction that does not itself need it (so a
  school is never its own partner);
* each partner has a **capacity**: how many partnerships it can carry (clusters of 3–7 schools
  in published school-partnership programmes; 5 by default). A partnership is one weak school in
  one direction, so a partner that helps one school in two directions uses two places: the number
  of distinct weak schools a partner serves never exceeds its capacity either. (Counting distinct
  schools instead would charge a partner once for several directions of one school — a fixed
  charge, which a flow cannot express; the stricter count keeps the problem a flow and its
  optimum exact.)
* a partnership costs its **distance**: 0 in the weak school's own municipality, ``near`` in a
  neighbouring one, ``far`` anywhere else in the region; ``max_ring`` may forbid the far ring.

:func:`assign` covers as many needs as possible and, among the assignments that cover that many,
takes one of least total distance: a min-cost maximum flow,

    source → need (1) → municipality hub of the direction (cost of the ring)
           → partner (up to capacity) → sink (capacity),

where a need is wired to the hubs of its own and neighbouring municipalities and to one regional
hub of the direction (cost ``far``), which feeds every municipality's hub: ~7 arcs per need
instead of one per candidate, with the same optimum. The flow is the primal–dual method
(successive shortest paths with potentials): Dijkstra on reduced costs, then a blocking flow
(Dinic) on the arcs of zero reduced cost; the distances are small integers, so there are only a
few phases. Within a hub the strongest partner is tried first.

:func:`assign_greedy` is the choice a person makes by hand and the baseline: needs in order, each
takes the nearest, then strongest, partner that still has room.

Plain data in, plain data out; nothing here knows about Django.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_CAPACITY",
    "Assignment",
    "Candidate",
    "Costs",
    "Need",
    "Pair",
    "assign",
    "assign_greedy",
]

DEFAULT_CAPACITY: Final = 5
"""Partnerships per partner school by default (the middle of the 3–7 of published programmes)."""

INF: Final = 1 << 60


@dataclass(frozen=True, slots=True)
class Need:
    """A direction in which a risk-zone school is weak."""

    school: int
    municipality: int
    direction: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A school strong in some directions: ``shares`` maps each such direction to its share of
    points (0…1), which orders partners of the same distance (the strongest first)."""

    school: int
    name: str
    municipality: int
    shares: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Costs:
    """What a partnership costs by distance: own municipality 0, a neighbour ``near``, the rest
    of the region ``far``; ``max_ring`` 1 keeps partners within the neighbouring municipalities."""

    near: int = 1
    far: int = 3
    max_ring: int = 2

    def __post_init__(self) -> None:
        if self.near < 0 or self.far < 0:
            raise ValueError("штраф за расстояние не может быть отрицательным")
        if self.max_ring not in (0, 1, 2):
            raise ValueError("max_ring: 0, 1 или 2")

    def of(self, ring: int) -> int:
        return (0, self.near, self.far)[ring]


@dataclass(frozen=True, slots=True)
class Pair:
    """One partnership: a need and the partner that covers it, with the distance ring (0, 1, 2)."""

    need: Need
    partner: int
    ring: int


@dataclass(frozen=True, slots=True)
class Assignment:
    pairs: tuple[Pair, ...]
    needs: int
    """How many distinct needs there were."""
    cost: int
    """The total distance cost of the pairs."""

    @property
    def covered(self) -> int:
        return len(self.pairs)

    @property
    def coverage(self) -> float:
        """The share of needs covered (1.0 when there were none: nothing was left uncovered)."""
        return self.covered / self.needs if self.needs else 1.0

    def load(self) -> dict[int, int]:
        """Partner id → partnerships it carries."""
        out: dict[int, int] = defaultdict(int)
        for p in self.pairs:
            out[p.partner] += 1
        return dict(out)


# --------------------------------------------------------------------------------------------------
# The common part: distinct needs, partners per direction, rings
# --------------------------------------------------------------------------------------------------


def _symmetric(geography: Mapping[int, Iterable[int]]) -> dict[int, frozenset[int]]:
    pairs: dict[int, set[int]] = defaultdict(set)
    for m, others in geography.items():
        for o in others:
            if o != m:
                pairs[m].add(o)
                pairs[o].add(m)
    return {m: frozenset(s) for m, s in pairs.items()}


class _Problem:
    """Needs without repeats, and per direction and municipality the partners strongest first."""

    def __init__(
        self,
        needs: Iterable[Need],
        candidates: Iterable[Candidate],
        geography: Mapping[int, Iterable[int]],
        capacity: int | Mapping[int, int],
        costs: Costs,
    ) -> None:
        self.needs: list[Need] = list(dict.fromkeys(needs))
        self.costs = costs
        self.neighbours = _symmetric(geography)
        needing: dict[str, set[int]] = defaultdict(set)
        for n in self.needs:
            needing[n.direction].add(n.school)
        by_id: dict[int, Candidate] = {}
        for c in candidates:
            by_id.setdefault(c.school, c)
        self.candidates = by_id
        self.capacity = {
            c: max(0, capacity if isinstance(capacity, int) else capacity.get(c, 0)) for c in by_id
        }
        # direction → municipality → partners, the strongest first (then by name and id).
        self.buckets: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        # direction → all partners in the same order.
        self.everyone: dict[str, list[int]] = defaultdict(list)
        for c in sorted(by_id.values(), key=lambda c: (c.name, c.school)):
            for d in c.shares:
                if c.school in needing.get(d, ()):
                    continue  # weak in the very direction: not a host for it (nor for itself)
                if self.capacity[c.school] <= 0:
                    continue
                self.everyone[d].append(c.school)
        for d, ids in self.everyone.items():
            ids.sort(key=lambda i: -by_id[i].shares[d])  # stable: name and id stay the tie-break
            for i in ids:
                self.buckets[d][by_id[i].municipality].append(i)

    def ring(self, municipality: int, other: int) -> int:
        if other == municipality:
            return 0
        if other in self.neighbours.get(municipality, ()):
            return 1
        return 2


# --------------------------------------------------------------------------------------------------
# Min-cost maximum flow
# --------------------------------------------------------------------------------------------------


class _Flow:
    """A residual graph in flat arrays: arc ``a`` and its reverse ``a ^ 1``."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.head: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []

    def arc(self, u: int, v: int, cap: int, cost: int) -> int:
        a = len(self.to)
        self.to += (v, u)
        self.cap += (cap, 0)
        self.cost += (cost, -cost)
        self.head[u].append(a)
        self.head[v].append(a + 1)
        return a

    def run(self, s: int, t: int) -> tuple[int, int]:
        """Push the maximum flow from ``s`` to ``t`` at least cost; returns (flow, cost)."""
        n, head, to, cap, cost = self.n, self.head, self.to, self.cap, self.cost
        potential = [0] * n  # every cost is ≥ 0 at the start: zero potentials are feasible
        flow = total = 0
        while True:
            dist = [INF] * n
            dist[s] = 0
            heap = [(0, s)]
            while heap:
                d, u = heapq.heappop(heap)
                if d > dist[u]:
                    continue
                pu = potential[u]
                for a in head[u]:
                    if cap[a] > 0:
                        v = to[a]
                        nd = d + cost[a] + pu - potential[v]
                        if nd < dist[v]:
                            dist[v] = nd
                            heapq.heappush(heap, (nd, v))
            if dist[t] >= INF:
                return flow, total
            for v in range(n):
                if dist[v] < INF:
                    potential[v] += dist[v]
            # Only arcs of zero reduced cost lie on shortest paths; a blocking flow on them.
            pushed = self._blocking(s, t, potential)
            flow += pushed
            total += pushed * (potential[t] - potential[s])

    def _blocking(self, s: int, t: int, potential: list[int]) -> int:
        n, head, to, cap, cost = self.n, self.head, self.to, self.cap, self.cost
        # The arcs of zero reduced cost, once per phase: the level graph of every round is
        # searched among them only.
        zero: list[list[int]] = [
            [a for a in head[u] if cost[a] + potential[u] - potential[to[a]] == 0] for u in range(n)
        ]
        pushed = 0
        while True:
            level = [-1] * n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                for a in zero[u]:
                    v = to[a]
                    if level[v] < 0 and cap[a] > 0:
                        level[v] = level[u] + 1
                        queue.append(v)
            if level[t] < 0:
                return pushed
            it = [0] * n
            # Unit-ish augmentations by an explicit stack (the graph is deep enough for recursion
            # to be a risk, and most arcs carry 1 anyway).
            while True:
                path: list[int] = []
                u = s
                while u != t:
                    arcs = zero[u]
                    i = it[u]
                    next_level = level[u] + 1
                    while i < len(arcs):
                        a = arcs[i]
                        if cap[a] > 0 and level[to[a]] == next_level:
                            break
                        i += 1
                    it[u] = i
                    if i == len(arcs):
                        if not path:
                            break
                        level[u] = -1  # dead end: never again in this round
                        a = path.pop()
                        u = to[a ^ 1]
                        it[u] += 1
                        continue
                    path.append(arcs[i])
                    u = to[arcs[i]]
                if u != t:
                    break
                amount = min(cap[a] for a in path)
                for a in path:
                    cap[a] -= amount
                    cap[a ^ 1] += amount
                pushed += amount


def assign(
    needs: Iterable[Need],
    candidates: Iterable[Candidate],
    geography: Mapping[int, Iterable[int]],
    *,
    capacity: int | Mapping[int, int] = DEFAULT_CAPACITY,
    costs: Costs = Costs(),
) -> Assignment:
    """Cover the most needs under the partners' capacities, then at the least total distance.

    ``capacity`` is one number for every partner or a mapping partner id → capacity (missing: 0).
    A need repeated in ``needs`` counts once.
    """
    problem = _Problem(needs, candidates, geography, capacity, costs)
    needs_list = problem.needs
    # Nodes: source, sink, needs, hubs (direction × municipality), regional hubs, partners.
    source, sink = 0, 1
    node = 2
    need_node = list(range(node, node + len(needs_list)))
    node += len(needs_list)
    hub: dict[tuple[str, int], int] = {}
    for d, by_m in problem.buckets.items():
        for m in sorted(by_m):
            hub[(d, m)] = node
            node += 1
    regional: dict[str, int] = {}
    if costs.max_ring >= 2:
        for d in sorted(problem.buckets):
            regional[d] = node
            node += 1
    partner_node: dict[int, int] = {}
    for d in sorted(problem.everyone):
        for p in problem.everyone[d]:
            if p not in partner_node:
                partner_node[p] = node
                node += 1
    g = _Flow(node)
    need_arcs: list[list[tuple[int, int]]] = []  # per need: (arc, hub node)
    for i, n in enumerate(needs_list):
        g.arc(source, need_node[i], 1, 0)
        arcs = []
        by_m = problem.buckets.get(n.direction, {})
        if n.municipality in by_m:
            h = hub[(n.direction, n.municipality)]
            arcs.append((g.arc(need_node[i], h, 1, 0), h))
        if costs.max_ring >= 1:
            for m in sorted(problem.neighbours.get(n.municipality, ())):
                if m in by_m:
                    h = hub[(n.direction, m)]
                    arcs.append((g.arc(need_node[i], h, 1, costs.near), h))
        if n.direction in regional:
            h = regional[n.direction]
            arcs.append((g.arc(need_node[i], h, 1, costs.far), h))
        need_arcs.append(arcs)
    regional_arcs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d, r in regional.items():
        for m in sorted(problem.buckets[d]):
            h = hub[(d, m)]
            regional_arcs[r].append((g.arc(r, h, INF, 0), h))
    hub_arcs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (d, m), h in hub.items():
        for p in problem.buckets[d][m]:
            hub_arcs[h].append((g.arc(h, partner_node[p], problem.capacity[p], 0), p))
    for p, v in partner_node.items():
        g.arc(v, sink, problem.capacity[p], 0)
    g.run(source, sink)

    # Read the pairs back: needs into each hub (directly or through the regional hub) meet the
    # partners out of it in order; any matching of the two lists keeps every capacity.
    def flow_of(a: int) -> int:
        return g.cap[a ^ 1]  # the flow on an arc is what its reverse can send back

    into: dict[int, list[int]] = defaultdict(list)  # hub → needs (indices)
    via: dict[int, list[int]] = defaultdict(list)  # regional hub → needs
    for i, arcs in enumerate(need_arcs):
        for a, h in arcs:
            if flow_of(a):
                (via if h in regional_arcs else into)[h].append(i)
    for r, arcs in regional_arcs.items():
        waiting = deque(via.get(r, ()))
        for a, h in arcs:
            for _ in range(flow_of(a)):
                into[h].append(waiting.popleft())
    pairs = []
    for h, arcs in hub_arcs.items():
        waiting = deque(sorted(into.get(h, ())))
        for a, p in arcs:
            for _ in range(flow_of(a)):
                n = needs_list[waiting.popleft()]
                ring = problem.ring(n.municipality, problem.candidates[p].municipality)
                pairs.append(Pair(n, p, ring))
    order = {n: i for i, n in enumerate(needs_list)}
    pairs.sort(key=lambda pair: order[pair.need])
    return Assignment(tuple(pairs), len(needs_list), sum(costs.of(pair.ring) for pair in pairs))


# --------------------------------------------------------------------------------------------------
# The greedy choice
# --------------------------------------------------------------------------------------------------


def assign_greedy(
    needs: Iterable[Need],
    candidates: Iterable[Candidate],
    geography: Mapping[int, Iterable[int]],
    *,
    capacity: int | Mapping[int, int] = DEFAULT_CAPACITY,
    costs: Costs = Costs(),
) -> Assignment:
    """Needs in the order given; each takes the nearest partner with room, the strongest first.

    The same candidates and rings as :func:`assign`. A full partner never has room again, so each
    list of partners is walked with a pointer that only moves forward.
    """
    problem = _Problem(needs, candidates, geography, capacity, costs)
    left = dict(problem.capacity)
    share = {c: problem.candidates[c].shares for c in problem.candidates}
    pointer: dict[tuple[str, int], int] = defaultdict(int)

    def first_free(d: str, m: int) -> int | None:
        ids: Sequence[int] = problem.buckets[d].get(m, ()) if m >= 0 else problem.everyone[d]
        key = (d, m)
        i = pointer[key]
        while i < len(ids) and left[ids[i]] <= 0:
            i += 1
        pointer[key] = i
        return ids[i] if i < len(ids) else None

    pairs = []
    for n in problem.needs:
        d, m = n.direction, n.municipality
        chosen: tuple[int, int] | None = None
        p = first_free(d, m) if d in problem.buckets else None
        if p is not None:
            chosen = (p, 0)
        if chosen is None and costs.max_ring >= 1 and d in problem.buckets:
            best: int | None = None
            for o in sorted(problem.neighbours.get(m, ())):
                q = first_free(d, o)
                if q is not None and (
                    best is None
                    or (-share[q][d], problem.candidates[q].name, q)
                    < (-share[best][d], problem.candidates[best].name, best)
                ):
                    best = q
            if best is not None:
                chosen = (best, 1)
        if chosen is None and costs.max_ring >= 2 and d in problem.everyone:
            # Everyone nearer is full by now, so the first free one in the region is far.
            q = first_free(d, -1)
            if q is not None:
                chosen = (q, problem.ring(m, problem.candidates[q].municipality))
        if chosen is not None:
            left[chosen[0]] -= 1
            pairs.append(Pair(n, chosen[0], chosen[1]))
    return Assignment(tuple(pairs), len(problem.needs), sum(costs.of(p.ring) for p in pairs))
