"""The ШНОР selection rule: which schools the region's assessment results put into the cohort.

A plain kernel: it imports nothing from Django, takes plain rows and returns plain data.

The share of «2» of a school in an assessment in a year is taken over all its subjects and grades
(the sum of «2» over the sum of participants). With a threshold of N % and a set of counted
assessments, the rule fires for a school in the window of two years ``(last − 1, last)`` when

* in one year of the window at least two *different* counted assessments have a share ≥ N %, or
* the *same* counted assessment has a share ≥ N % in both years of the window.

The cohort of year T is proposed on the window ``(T − 2, T − 1)``; a school of the cohort of year
T has recovered (meets the exit condition) when the rule no longer fires on ``(T − 1, T)`` and
there are counted results in both of those years.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

TWO_ASSESSMENTS = "two_assessments"
# The order reasons name assessments in: the federal ones as the regions list them, then others.
ORDER = ("vpr", "oge", "ege", "niko", "regional")
TWO_YEARS = "two_years"


@dataclass(frozen=True)
class Result:
    """A result row as the rule needs it: who, when, which assessment, how many and how many «2»."""

    school: int
    year: int
    assessment: str
    participants: int
    failed: int


@dataclass(frozen=True)
class Rule:
    threshold: Decimal  # per cent, 0 < N ≤ 100
    assessments: frozenset[str]


@dataclass(frozen=True)
class Share:
    """A school's share of «2» in one assessment in one year."""

    assessment: str
    year: int
    participants: int
    failed: int

    @property
    def percent(self) -> Decimal:
        if not self.participants:
            return Decimal(0)
        return (Decimal(self.failed) * 100 / self.participants).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Trigger:
    """Why the rule fired: the kind and the shares at or above the threshold that made it fire."""

    kind: str  # TWO_ASSESSMENTS or TWO_YEARS
    shares: tuple[Share, ...]


def shares(
    results: Iterable[Result], assessments: frozenset[str] | None = None
) -> dict[int, dict[tuple[int, str], Share]]:
    """Per school, the share of «2» per (year, assessment), summed over subjects and grades."""
    sums: dict[int, dict[tuple[int, str], list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for r in results:
        if assessments is not None and r.assessment not in assessments:
            continue
        cell = sums[r.school][(r.year, r.assessment)]
        cell[0] += r.participants
        cell[1] += r.failed
    return {
        school: {
            (year, assessment): Share(assessment, year, p, f)
            for (year, assessment), (p, f) in cells.items()
        }
        for school, cells in sums.items()
    }


def _at_or_above(share: Share, ratio: tuple[int, int]) -> bool:
    # Exact and in integers: failed / participants ≥ N / 100, without rounding the share first.
    num, den = ratio
    return share.participants > 0 and share.failed * 100 * den >= num * share.participants


def _rank(code: str) -> tuple[int, str]:
    return (ORDER.index(code) if code in ORDER else len(ORDER), code)


def _order(share: Share) -> tuple[int, str]:
    return _rank(share.assessment)


def fires(by_cell: Mapping[tuple[int, str], Share], rule: Rule, last: int) -> list[Trigger]:
    """The reasons the rule fires for one school's shares on the window ``(last − 1, last)``."""
    years = (last - 1, last)
    ratio = rule.threshold.as_integer_ratio()
    high = {
        key: share
        for key, share in by_cell.items()
        if key[0] in years and key[1] in rule.assessments and _at_or_above(share, ratio)
    }
    found: list[Trigger] = []
    for year in years:
        in_year = sorted((s for (y, _a), s in high.items() if y == year), key=_order)
        if len(in_year) >= 2:
            found.append(Trigger(TWO_ASSESSMENTS, tuple(in_year)))
    for assessment in sorted(rule.assessments, key=_rank):
        both = [high.get((year, assessment)) for year in years]
        if all(both):
            found.append(Trigger(TWO_YEARS, tuple(s for s in both if s is not None)))
    return found


def propose(results: Iterable[Result], rule: Rule, year: int) -> dict[int, list[Trigger]]:
    """The schools the rule proposes for the cohort of ``year``, with the reasons (window T−2, T−1)."""
    proposed: dict[int, list[Trigger]] = {}
    for school, by_cell in shares(results, rule.assessments).items():
        found = fires(by_cell, rule, year - 1)
        if found:
            proposed[school] = found
    return proposed


@dataclass(frozen=True)
class ExitCheck:
    """Whether a cohort school's results recovered: ``recovered`` is None when data are missing."""

    recovered: bool | None
    triggers: tuple[Trigger, ...]
    missing_years: tuple[int, ...]


def exit_check(by_cell: Mapping[tuple[int, str], Share], rule: Rule, year: int) -> ExitCheck:
    """The exit condition for a school of the cohort of ``year``: the rule silent on (T−1, T)."""
    window = (year - 1, year)
    counted = {y for (y, a), s in by_cell.items() if a in rule.assessments and s.participants}
    missing = tuple(y for y in window if y not in counted)
    found = fires(by_cell, rule, year)
    if found:
        return ExitCheck(False, tuple(found), missing)
    if missing:
        return ExitCheck(None, (), missing)
    return ExitCheck(True, (), ())


def describe(trigger: Trigger, labels: Mapping[str, str]) -> str:
    """A trigger in Russian: «ВПР 2024 — 23,5 %, ОГЭ 2024 — 31,0 %: две процедуры в одном году»."""
    parts = ", ".join(
        f"{labels.get(s.assessment, s.assessment)} {s.year} — {_percent(s.percent)} %"
        for s in trigger.shares
    )
    why = "две процедуры в одном году" if trigger.kind == TWO_ASSESSMENTS else "два года подряд"
    return f"{parts}: {why}"


def _percent(value: Decimal) -> str:
    return f"{value:.1f}".replace(".", ",")
