"""The what-if planner: hand-made cases and brute force on small ones."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marshrut.kernels.whatif import Candidate, plan

LEVELS = ("below_basic", "basic", "medium", "high")
NEXT = dict(zip(LEVELS, (*LEVELS[1:], None), strict=True))


def school(i: int, level: str, cost: int | None) -> Candidate:
    steps = None if cost is None else tuple(f"I{i}.{k}" for k in range(cost))
    return Candidate(i, f"Школа {i:02d}", level, NEXT[level], steps)


def test_takes_the_cheapest_paths_within_the_per_school_budget() -> None:
    schools = [
        school(1, "below_basic", 4),
        school(2, "below_basic", 2),
        school(3, "basic", 1),
        school(4, "medium", 6),  # too long for 5 measures a school
        school(5, "high", 0),  # at the top: nothing to lift
        school(6, "basic", None),  # cannot be lifted
    ]
    result = plan(schools, LEVELS, limit=2, per_school=5)
    assert [s.school for s in result.chosen] == [3, 2]
    assert result.liftable == 3
    assert result.measures == 3
    assert result.before == {"below_basic": 2, "basic": 2, "medium": 1, "high": 1}
    assert result.after == {"below_basic": 1, "basic": 2, "medium": 2, "high": 1}


def test_equal_cost_prefers_the_lower_level() -> None:
    schools = [school(1, "medium", 2), school(2, "below_basic", 2)]
    assert [s.school for s in plan(schools, LEVELS, limit=1, per_school=3).chosen] == [2]


def test_total_budget_stops_at_the_first_school_that_does_not_fit() -> None:
    schools = [school(1, "basic", 2), school(2, "basic", 2), school(3, "basic", 3)]
    result = plan(schools, LEVELS, limit=10, per_school=3, total=5)
    assert [s.school for s in result.chosen] == [1, 2]
    assert result.measures == 4


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="отрицательным"):
        plan([], LEVELS, limit=-1, per_school=3)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Candidate], int, int, int | None]:
    n = draw(st.integers(0, 8))
    schools = [
        school(
            i,
            draw(st.sampled_from(LEVELS[:-1])),
            draw(st.one_of(st.none(), st.integers(1, 6))),
        )
        for i in range(n)
    ]
    return (
        schools,
        draw(st.integers(0, 6)),
        draw(st.integers(0, 6)),
        draw(st.one_of(st.none(), st.integers(0, 20))),
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_lifts_as_many_as_brute_force_at_least_cost(
    case: tuple[list[Candidate], int, int, int | None],
) -> None:
    schools, limit, per_school, total = case
    result = plan(schools, LEVELS, limit=limit, per_school=per_school, total=total)
    best = (0, 0)
    for k in range(len(schools) + 1):
        for subset in itertools.combinations(schools, k):
            if k > limit or any(s.cost is None or s.cost > per_school for s in subset):
                continue
            spent = sum(s.cost or 0 for s in subset)
            if total is not None and spent > total:
                continue
            if (k, -spent) > (best[0], -best[1]):
                best = (k, spent)
    assert (len(result.chosen), result.measures) == best
    assert sum(result.after.values()) == sum(result.before.values()) == len(schools)
    for s in result.chosen:
        assert s.cost is not None and s.cost <= per_school
