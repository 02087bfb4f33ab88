"""Effectiveness of the mechanisms that close deficits: got it against did not, by the next campaign.

Seed 001 §5.5 asks the operator for «анализ эффективности механизмов устранения выявленных
дефицитов» every autumn. The question is answered from two successive campaigns of a region:

* a **fact** is a deficit of a school in an indicator at campaign *t*, with whether it was closed
  at campaign *t + 1* (the school answered again and the deficit is gone);
* a **treatment** is a mechanism reaching a school for an indicator — or for a whole direction,
  written ``direction:<code>`` — on a date;
* for one mechanism, the **treated** group is the facts the mechanism reached inside the window
  between the two campaigns; the **comparison** group is the facts of the *same indicators* at
  schools it did not reach. Each group's share of closed deficits, their difference, and a 95 %
  confidence interval of the difference follow.

The interval is Newcombe's hybrid score interval for a difference of independent proportions
(Newcombe 1998, *Statistics in Medicine* 17:873–890, method 10): each share gets its Wilson score
interval, and the two are combined by the square-and-add rule. Unlike the Wald interval it stays
inside [−1, 1], behaves at shares of 0 and 1 and keeps its coverage for groups of ten or twenty,
which is what a region's groups are. Nothing is claimed when either group is smaller than a
minimum size: the figures are shown, the verdict is «недостаточно данных».

This is an observational comparison, not an experiment: schools choose their mechanisms, and the
verdict says whether the difference is larger than chance would give, not why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

Z95: Final = 1.959963984540054
"""The 0.975 quantile of the standard normal distribution: two-sided 95 %."""

MIN_GROUP: Final = 10
"""The smallest group (treated or comparison) about which anything is claimed."""

DIRECTION_PREFIX: Final = "direction:"
"""A treatment target that names a whole direction: it reaches every deficit of the school there."""


class Verdict(StrEnum):
    HELPS = "helps"
    NO_EFFECT = "no_effect"
    TOO_FEW = "too_few"


VERDICT_LABELS: Final = {
    Verdict.HELPS: "помогает",
    Verdict.NO_EFFECT: "не видно эффекта",
    Verdict.TOO_FEW: "недостаточно данных",
}


@dataclass(frozen=True)
class Fact:
    """A deficit of ``school`` in ``indicator`` (of ``direction``) at *t*, closed or not at *t+1*."""

    school: int
    indicator: str
    direction: str
    closed: bool


@dataclass(frozen=True)
class Treatment:
    """A mechanism reached ``school`` for ``target`` (an indicator, or ``direction:<code>``)."""

    school: int
    target: str
    since: dt.date


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n``; (0, 1) for an empty group."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"успехов {successes} из {n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At p = 0 or 1 the bound is exactly 0 or 1; rounding must not leave it a hair beyond.
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``x1/n1 − x2/n2`` (method 10 of Newcombe 1998)."""
    if n1 <= 0 or n2 <= 0:
        return -1.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)


@dataclass(frozen=True)
class Comparison:
    """Closed shares of a treated and a comparison group, with the difference and its interval."""

    treated: int
    treated_closed: int
    control: int
    control_closed: int
    min_group: int = MIN_GROUP

    @property
    def treated_share(self) -> float | None:
        return self.treated_closed / self.treated if self.treated else None

    @property
    def control_share(self) -> float | None:
        return self.control_closed / self.control if self.control else None

    @property
    def difference(self) -> float | None:
        if not (self.treated and self.control):
            return None
        return self.treated_closed / self.treated - self.control_closed / self.control

    @property
    def interval(self) -> tuple[float, float] | None:
        if not (self.treated and self.control):
            return None
        return newcombe(self.treated_closed, self.treated, self.control_closed, self.control)

    @property
    def enough(self) -> bool:
        return self.treated >= self.min_group and self.control >= self.min_group

    @property
    def verdict(self) -> Verdict:
        """«Helps» when the whole interval lies above zero; «no effect» otherwise.

        An interval wholly below zero (the treated closed fewer) also reads «no effect»: a
        mechanism is usually given to the hardest cases first, so that is no proof of harm.
        """
        interval = self.interval
        if not self.enough or interval is None:
            return Verdict.TOO_FEW
        return Verdict.HELPS if interval[0] > 0 else Verdict.NO_EFFECT

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


@dataclass(frozen=True)
class Effect:
    """One mechanism: over all the indicators it targeted, and per direction."""

    overall: Comparison
    by_direction: dict[str, Comparison] = field(default_factory=dict)
    indicators: frozenset[str] = frozenset()  # the indicators it reached at least once


def effect(
    facts: Iterable[Fact],
    treatments: Iterable[Treatment],
    *,
    start: dt.date,
    end: dt.date,
    min_group: int = MIN_GROUP,
) -> Effect:
    """Compare the facts a mechanism reached between ``start`` and ``end`` with the others.

    A treatment counts when ``start <= since <= end``. The comparison group holds the facts of
    the indicators the mechanism reached at least once, at schools it did not reach for them, so
    both groups face the same deficits.
    """
    facts = list(facts)
    # Per school, the indicators and the directions the mechanism reached it for: a fact is
    # then two set lookups, not a loop over the school's treatments.
    reached_for: dict[int, tuple[set[str], set[str]]] = {}
    cut = len(DIRECTION_PREFIX)
    for t in treatments:
        if start <= t.since <= end:
            codes, directions = reached_for.setdefault(t.school, (set(), set()))
            if t.target.startswith(DIRECTION_PREFIX):
                directions.add(t.target[cut:])
            else:
                codes.add(t.target)
    nothing: tuple[set[str], set[str]] = (set(), set())
    reached = []
    for f in facts:
        codes, directions = reached_for.get(f.school, nothing)
        reached.append(f.indicator in codes or f.direction in directions)
    indicators = frozenset(f.indicator for f, hit in zip(facts, reached, strict=True) if hit)
    counts: dict[str, list[int]] = {}  # direction → [treated, closed, control, closed]
    for f, hit in zip(facts, reached, strict=True):
        if f.indicator not in indicators:
            continue
        row = counts.setdefault(f.direction, [0, 0, 0, 0])
        base = 0 if hit else 2
        row[base] += 1
        row[base + 1] += f.closed

    def comparison(row: list[int]) -> Comparison:
        treated, treated_closed, control, control_closed = row
        return Comparison(treated, treated_closed, control, control_closed, min_group)

    total = [sum(row[i] for row in counts.values()) for i in range(4)]
    return Effect(
        overall=comparison(total),
        by_direction={d: comparison(row) for d, row in counts.items()},
        indicators=indicators,
    )
