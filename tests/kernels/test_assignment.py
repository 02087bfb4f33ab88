"""The region-wide partner assignment: hand-made cases, properties, and brute force on small ones."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marshrut.kernels.assignment import (
    Assignment,
    Candidate,
    Costs,
    Need,
    assign,
    assign_greedy,
)

ZN, ZD, TV = "ZN", "ZD", "TV"


def cand(school: int, municipality: int, **shares: float) -> Candidate:
    return Candidate(school, f"Школа {school:03d}", municipality, shares)


def test_covers_every_need_when_room_allows() -> None:
    needs = [Need(1, 10, ZN), Need(1, 10, ZD), Need(2, 10, ZN)]
    cands = [cand(5, 10, ZN=0.9), cand(6, 11, ZD=0.8)]
    result = assign(needs, cands, {10: [11]}, capacity=5)
    assert result.coverage == 1.0
    assert {(p.need.school, p.need.direction, p.partner, p.ring) for p in result.pairs} == {
        (1, ZN, 5, 0),
        (1, ZD, 6, 1),
        (2, ZN, 5, 0),
    }
    assert result.cost == 1


def test_capacity_spreads_the_load_where_greedy_does_not() -> None:
    # School 1 needs ZN and ZD; school 2 needs only ZN. Partner 5 is strong in both and nearest,
    # partner 6 only in ZD. With one place each, greedy gives 5 to school 1's ZN and 6 to its ZD:
    # school 2 is left without a partner. The flow sends 6 to school 1's ZD and 5 to school 2.
    needs = [Need(1, 10, ZN), Need(1, 10, ZD), Need(2, 10, ZN)]
    cands = [cand(5, 10, ZN=0.9, ZD=0.9), cand(6, 10, ZD=0.8)]
    greedy = assign_greedy(needs, cands, {}, capacity=1)
    best = assign(needs, cands, {}, capacity=1)
    assert greedy.covered == 2
    assert best.covered == 2
    # Here both cover two; add a third partner strong in ZN far away and the flow uses it too.
    cands.append(cand(7, 99, ZN=0.95))
    greedy = assign_greedy(needs, cands, {}, capacity=1)
    best = assign(needs, cands, {}, capacity=1)
    assert best.covered == 3
    assert greedy.covered <= best.covered


def test_greedy_loses_a_need_the_flow_keeps() -> None:
    # One partner strong in ZN and ZD, another strong only in ZN; school 1 needs ZD after ZN.
    needs = [Need(1, 10, ZN), Need(1, 10, ZD)]
    cands = [cand(5, 10, ZN=0.9, ZD=0.9), cand(6, 10, ZN=0.5)]
    greedy = assign_greedy(needs, cands, {}, capacity=1)
    best = assign(needs, cands, {}, capacity=1)
    assert greedy.covered == 1  # ZN took partner 5, the strongest; nobody is left for ZD
    assert best.covered == 2
    assert {(p.need.direction, p.partner) for p in best.pairs} == {(ZN, 6), (ZD, 5)}


def test_never_its_own_partner_nor_one_weak_in_the_direction() -> None:
    # School 1 is weak in ZN and strong in ZD; it needs ZN. It must not host ZN.
    needs = [Need(1, 10, ZN), Need(2, 10, ZD)]
    cands = [cand(1, 10, ZN=0.99, ZD=0.9)]
    result = assign(needs, cands, {}, capacity=5)
    assert [(p.need.school, p.partner) for p in result.pairs] == [(2, 1)]
    assert result.coverage == 0.5


def test_far_partner_only_when_allowed() -> None:
    needs = [Need(1, 10, ZN)]
    cands = [cand(5, 30, ZN=0.9)]
    assert assign(needs, cands, {10: [20]}, costs=Costs(max_ring=1)).covered == 0
    result = assign(needs, cands, {10: [20]})
    assert [(p.partner, p.ring) for p in result.pairs] == [(5, 2)]
    assert result.cost == 3


def test_prefers_near_partners_at_equal_coverage() -> None:
    needs = [Need(1, 10, ZN), Need(2, 20, ZN)]
    cands = [cand(5, 10, ZN=0.7), cand(6, 20, ZN=0.9)]
    result = assign(needs, cands, {10: [20]}, capacity=1)
    assert {(p.need.school, p.partner) for p in result.pairs} == {(1, 5), (2, 6)}
    assert result.cost == 0


def test_no_needs_is_full_coverage_and_no_pairs() -> None:
    result = assign([], [cand(5, 10, ZN=0.9)], {})
    assert result == Assignment((), 0, 0)
    assert result.coverage == 1.0


def test_capacity_per_partner_mapping() -> None:
    needs = [Need(i, 10, ZN) for i in range(1, 5)]
    cands = [cand(5, 10, ZN=0.9), cand(6, 10, ZN=0.8)]
    result = assign(needs, cands, {}, capacity={5: 3, 6: 0})
    assert result.load() == {5: 3}


def test_bad_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="отрицательным"):
        Costs(near=-1)
    with pytest.raises(ValueError, match="max_ring"):
        Costs(max_ring=3)


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

DIRECTIONS = [ZN, ZD, TV]


@st.composite
def worlds(draw: st.DrawFn, max_needs: int = 14, max_cands: int = 8) -> dict:
    municipalities = draw(st.integers(1, 4))
    geography = {
        m: [o for o in range(municipalities) if o != m and draw(st.booleans())]
        for m in range(municipalities)
    }
    schools = draw(st.integers(1, max_cands + 6))
    muni = {s: draw(st.integers(0, municipalities - 1)) for s in range(schools)}
    needs = []
    for _ in range(draw(st.integers(0, max_needs))):
        s = draw(st.integers(0, schools - 1))
        needs.append(Need(s, muni[s], draw(st.sampled_from(DIRECTIONS))))
    cands = []
    for s in draw(st.lists(st.integers(0, schools - 1), max_size=max_cands, unique=True)):
        shares = {
            d: draw(st.floats(0.75, 1.0))
            for d in draw(st.lists(st.sampled_from(DIRECTIONS), min_size=1, unique=True))
        }
        cands.append(Candidate(s, f"Школа {s}", muni[s], shares))
    capacity = draw(st.integers(0, 3))
    costs = Costs(draw(st.integers(0, 3)), draw(st.integers(0, 6)), draw(st.integers(0, 2)))
    return {
        "needs": needs,
        "cands": cands,
        "geography": geography,
        "capacity": capacity,
        "costs": costs,
    }


def _check_valid(result: Assignment, w: dict) -> None:
    by_id = {c.school: c for c in w["cands"]}
    needing = {(n.school, n.direction) for n in w["needs"]}
    load = Counter(p.partner for p in result.pairs)
    assert all(v <= w["capacity"] for v in load.values()), "a partner over capacity"
    seen = Counter(p.need for p in result.pairs)
    assert all(v == 1 for v in seen.values()), "a need covered twice"
    for p in result.pairs:
        assert p.partner != p.need.school, "a school is its own partner"
        assert p.need.direction in by_id[p.partner].shares, "a partner not strong there"
        assert (p.partner, p.need.direction) not in needing, "a host weak in the same direction"
        assert p.ring <= w["costs"].max_ring
    distinct = {(n.school, n.direction) for n in w["needs"]}
    assert result.needs == len(set(w["needs"])) == len(distinct)
    # The number of distinct weak schools a partner serves never exceeds its capacity either.
    schools_of = Counter((p.partner, p.need.school) for p in result.pairs)
    per_partner = Counter(partner for partner, _school in schools_of)
    assert all(v <= w["capacity"] for v in per_partner.values())


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_assignment_is_valid_and_at_least_greedy(w: dict) -> None:
    args = (w["needs"], w["cands"], w["geography"])
    best = assign(*args, capacity=w["capacity"], costs=w["costs"])
    greedy = assign_greedy(*args, capacity=w["capacity"], costs=w["costs"])
    _check_valid(best, w)
    _check_valid(greedy, w)
    assert best.coverage >= greedy.coverage
    assert 0.0 <= best.coverage <= 1.0
    assert best.cost == sum(w["costs"].of(p.ring) for p in best.pairs)


def _rings(w: dict) -> dict[tuple[int, int], int]:
    neighbours: dict[int, set[int]] = {}
    for m, others in w["geography"].items():
        for o in others:
            neighbours.setdefault(m, set()).add(o)
            neighbours.setdefault(o, set()).add(m)

    def ring(a: int, b: int) -> int:
        return 0 if a == b else 1 if b in neighbours.get(a, ()) else 2

    return {(a, b): ring(a, b) for a in range(4) for b in range(4)}


def brute_force(w: dict) -> tuple[int, int]:
    """The most needs coverable and the least cost of covering that many, by trying everything."""
    needs = list(dict.fromkeys(w["needs"]))
    needing = {(n.school, n.direction) for n in needs}
    rings = _rings(w)
    costs: Costs = w["costs"]
    options = []
    for n in needs:
        opts: list[tuple[int, int] | None] = [None]
        for c in w["cands"]:
            if n.direction not in c.shares or (c.school, n.direction) in needing:
                continue
            r = rings[(n.municipality, c.municipality)]
            if r <= costs.max_ring:
                opts.append((c.school, costs.of(r)))
        options.append(opts)
    best = (0, 0)
    for choice in itertools.product(*options):
        load = Counter(c[0] for c in choice if c is not None)
        if any(v > w["capacity"] for v in load.values()):
            continue
        covered = sum(1 for c in choice if c is not None)
        cost = sum(c[1] for c in choice if c is not None)
        if (covered, -cost) > (best[0], -best[1]):
            best = (covered, cost)
    return best


@settings(max_examples=200, deadline=None)
@given(worlds(max_needs=6, max_cands=3))
def test_flow_is_optimal_against_brute_force(w: dict) -> None:
    result = assign(
        w["needs"], w["cands"], w["geography"], capacity=w["capacity"], costs=w["costs"]
    )
    assert (result.covered, result.cost) == brute_force(w)
