"""What-if planner: which deficits to target in which schools to lift the most schools a level.

The operator has a budget: how many schools the region can support this year, and how many
measures (indicators to work on) one school can take. Each school has a path to its next overall
level (:func:`marshrut.kernels.scoring.next_level_path`): the fewest indicators that lift it. A
school is *liftable* when its path exists and is no longer than the per-school budget; supporting
it costs its path's length in measures.

Which schools? With a limit on the number of schools only, any ``min(limit, liftable)`` of them
lift as many; an optional budget of measures for the whole region makes it a knapsack in which
every item is worth the same (one school lifted), and then the cheapest schools first is optimal:
if an optimal choice of *k* schools fits the budget, the *k* cheapest fit it too (exchange
argument), so taking schools by cost until the budget or the limit runs out lifts the most.
Among choices that lift as many, the same order also spends the fewest measures. Ties of cost
go to the lower level first (a school below basic leaves the risk zone), then by name.

Plain data in, plain data out; nothing here knows about Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Candidate", "Plan", "plan"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A school with its level and the indicators of its path to the next one.

    ``steps`` is ``None`` when the next level cannot be reached (or the school is at the top).
    """

    school: int
    name: str
    level: str
    target: str | None
    steps: tuple[str, ...] | None

    @property
    def cost(self) -> int | None:
        return None if self.steps is None or self.target is None else len(self.steps)


@dataclass(frozen=True, slots=True)
class Plan:
    chosen: tuple[Candidate, ...]
    liftable: int
    """Schools whose path fits the per-school budget (whether chosen or not)."""
    measures: int
    """Measures of the chosen schools together."""
    before: dict[str, int]
    after: dict[str, int]
    """Schools per level now, and expected when every chosen school reaches its next level."""


def plan(
    schools: Iterable[Candidate],
    levels: Sequence[str],
    *,
    limit: int,
    per_school: int,
    total: int | None = None,
) -> Plan:
    """Choose at most ``limit`` schools whose paths have at most ``per_school`` steps, at most
    ``total`` steps together (no limit when ``None``), lifting as many schools as possible."""
    if limit < 0 or per_school < 0 or (total is not None and total < 0):
        raise ValueError("бюджет не может быть отрицательным")
    rank = {level: i for i, level in enumerate(levels)}
    everyone = list({s.school: s for s in schools}.values())
    fits = [s for s in everyone if (c := s.cost) is not None and 0 < c <= per_school]
    fits.sort(key=lambda s: (s.cost, rank.get(s.level, len(rank)), s.name, s.school))
    chosen: list[Candidate] = []
    spent = 0
    for s in fits:
        if len(chosen) >= limit:
            break
        cost = s.cost or 0
        if total is not None and spent + cost > total:
            break  # every later school costs at least as much
        chosen.append(s)
        spent += cost
    before = Counter(s.level for s in everyone)
    after = Counter(before)
    for s in chosen:
        after[s.level] -= 1
        after[s.target or s.level] += 1
    return Plan(
        tuple(chosen),
        len(fits),
        spent,
        {level: before.get(level, 0) for level in levels},
        {level: after.get(level, 0) for level in levels},
    )
