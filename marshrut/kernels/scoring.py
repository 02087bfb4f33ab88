"""Scoring a school against a criteria catalogue: points, levels, deficits, the next-level path.

The rules (documented for operators in ``docs/criteria-schema.md``):

* an indicator earns the points of its answer; no answer earns 0; an indicator that does not apply
  to the school (``applies_if``) earns nothing and adds nothing to the maximum;
* a scope (a direction, or ``overall`` = all directions together) reaches a level when its points
  are at least the level's threshold, a percentage of the scope's *applicable* maximum;
* a critical indicator fails when it earns less than its ``critical_min_points`` (by default:
  when it earns 0); a failed one caps its direction at ``critical_rule.direction_cap`` and the
  overall level at ``critical_rule.overall_cap`` (``None`` = no cap);
* a deficit is an applicable indicator below its maximum: ``critical`` if it is a failed critical
  indicator, else ``zero`` at 0 points, else ``below_max``.

Speed. A federal campaign is 40,000 schools × ~100 indicators, scored again whenever answers or
criteria change. The catalogue is therefore compiled once into one lookup table per indicator that
maps an answer straight to its *gap* (maximum minus points); one plan per school profile keeps the
applicable indicators in catalogue order, so a school is scored by a single C-level ``map`` over
the answers followed by one slice-and-sum per direction. Summing gaps instead of points gives the
deficit count for free: an indicator at its maximum has a gap of exactly ``0.0``. Answers that the
tables do not know (anything not normalised by :func:`validate_answer`) fall back to the reference
rule :meth:`Indicator.points_for`, so every input is scored the same way, only slower.

The full result and the next-level path reuse the same gaps. :func:`score` shares one immutable
:class:`IndicatorScore` per indicator and gap among all schools of a profile, and the path finds the
cheapest sufficient answer of an indicator by bisecting its answers grouped by points (or, for a
multiple choice, from the options it would add to the current answer, remembered per answer)
instead of rebuilding them for every step. For 9 scopes plain loops beat chains of ``map()``,
which pay for their iterators and lists; ``map()`` pays off over the ~100 indicators.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations, compress, repeat
from operator import getitem, gt, itemgetter, sub
from types import MappingProxyType
from typing import Any, Final, Literal

from marshrut.kernels.criteria import (
    LEVELS,
    AnswerError,
    Catalogue,
    Indicator,
    SchoolProfile,
    level_rank,
    validate_answer,
)

__all__ = [
    "LEVELS",
    "ROW_FIELDS",
    "AnswerError",
    "DeficitKind",
    "IndicatorScore",
    "LevelPath",
    "SchoolProfile",
    "SchoolResult",
    "ScopeRow",
    "ScopeScore",
    "Step",
    "compile_catalogue",
    "deficits_many",
    "level_rank",
    "next_level_path",
    "score",
    "score_many",
    "validate_answer",
]

EPS: Final = 1e-9
"""Tolerance for comparing sums of points with thresholds (points may be fractional)."""

DeficitKind = Literal["zero", "below_max", "critical"]

ScopeRow = tuple[float, float, str, int, int]
"""One compact result row: see :data:`ROW_FIELDS`."""

ROW_FIELDS: Final = ("points", "max_points", "level", "deficits", "critical_failed")
"""Field names of a :data:`ScopeRow`, in order."""

_LEVEL_RANK: Final = {level: rank for rank, level in enumerate(LEVELS)}

# Gaps of answers at the maximum share this one object, so counting them is an identity test.
_ZERO: Final = 0.0

# What a table lookup raises for an answer it does not know (unhashable, a string in a number
# field, a decimal NaN): the school is then scored by the reference rule.
_NOT_NORMALISED: Final = (KeyError, TypeError, ValueError, ArithmeticError)

# Remembered entries per indicator (number/percent values, scores by gap, answer ladders); beyond
# it lookups still work, slower.
_MEMO_LIMIT: Final = 10_000

# Up to this many options a "multiple" indicator gets a table of all answers (2**12 = 4096 rows).
_SUBSET_TABLE_LIMIT: Final = 12


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    """The score of one indicator; a non-applicable one has 0 points and 0 maximum."""

    code: str
    direction: str
    applicable: bool
    points: float
    max_points: float
    deficit: DeficitKind | None
    critical: bool
    """The indicator is critical (whether or not it failed)."""
    critical_failed: bool


@dataclass(frozen=True, slots=True)
class ScopeScore:
    """The score of a direction or of the whole school (``code == "overall"``)."""

    code: str
    points: float
    max_points: float
    share: float
    """``points / max_points`` in 0…1."""
    level: str
    level_by_points: str
    """The level before the critical rule is applied."""
    failed_critical: tuple[str, ...]
    deficits: tuple[str, ...]
    """Codes of the applicable indicators below their maximum, in catalogue order."""

    def row(self) -> ScopeRow:
        """Return the compact row that :func:`score_many` gives for this scope."""
        return (
            self.points,
            self.max_points,
            self.level,
            len(self.deficits),
            len(self.failed_critical),
        )


@dataclass(frozen=True, slots=True)
class SchoolResult:
    """The full result of one school: directions in catalogue order, overall, indicators."""

    catalogue_version: str
    profile: SchoolProfile
    directions: Mapping[str, ScopeScore]
    overall: ScopeScore
    indicators: Mapping[str, IndicatorScore]

    def scope(self, code: str) -> ScopeScore:
        """Return the score of a direction code or of ``"overall"``."""
        return self.overall if code == "overall" else self.directions[code]

    def rows(self) -> tuple[ScopeRow, ...]:
        """Return the compact rows (directions, then overall), as :func:`score_many` does."""
        return (*(s.row() for s in self.directions.values()), self.overall.row())


@dataclass(frozen=True, slots=True)
class Step:
    """One indicator to improve on the way to the next level."""

    indicator: str
    direction: str
    from_answer: object
    from_points: float
    to_answer: object
    """A normalised answer (see :func:`validate_answer`) that earns ``to_points``."""
    to_points: float
    gain: float
    critical: bool
    """The step repairs a failed critical indicator."""


@dataclass(frozen=True, slots=True)
class LevelPath:
    """The smallest set of improvements that lifts a scope to its next level.

    ``target`` is ``None`` when the scope is already «высокий» (then ``steps`` is empty and
    ``reachable`` is true). ``reachable`` is false when no answers at all could reach ``target``;
    then ``steps`` is empty.
    """

    scope: str
    level: str
    target: str | None
    points: float
    target_points: float | None
    """Points the scope needs for ``target`` (the critical rule may demand more than points)."""
    points_after: float
    steps: tuple[Step, ...]
    reachable: bool


# --------------------------------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------------------------------


class _Bands(dict[Any, float]):
    """Maps a ``number``/``percent`` answer to its gap: a memo over a binary search of the edges.

    Answers repeat a lot (counts, percentages with one decimal), so after the first school almost
    every lookup is a plain dict hit in C; only a new value reaches :meth:`__missing__`.
    """

    __slots__ = ("edges", "gaps")

    def __init__(self, indicator: Indicator) -> None:
        super().__init__()
        maximum = float(indicator.max_points)
        low, high = indicator.value_range()
        # A band ending at the top of the range includes the top (``to: 100`` includes 100 %).
        top = math.nextafter(high, math.inf)
        edges: list[float] = []
        gaps: list[float] = [maximum]  # below the range
        position = low
        for band in indicator.bands:
            if band.start > position:
                edges.append(position)
                gaps.append(maximum)
            edges.append(float(band.start))
            gaps.append(_intern(maximum - band.points))
            end = high if band.end is None else float(band.end)
            position = top if end == high else end
        if position < top:
            edges.append(position)
            gaps.append(maximum)
        # Above the range, and infinity, which validate_answer refuses, earn nothing.
        edges.append(top)
        gaps.append(maximum)
        self.edges = tuple(edges)
        self.gaps = tuple(gaps)
        self[None] = maximum

    def __missing__(self, value: Any) -> float:
        if isinstance(value, str | bytes):
            raise TypeError("строка вместо числа")  # the caller falls back to the reference rule
        # NaN compares false with everything, lands past the last edge and earns nothing.
        gap = self.gaps[bisect_right(self.edges, value)]
        if value == value and len(self) < _MEMO_LIMIT:
            self[value] = gap
        return gap


class _Reference:
    """A table for multiple-choice indicators with too many options to enumerate."""

    __slots__ = ("indicator", "maximum")

    def __init__(self, indicator: Indicator) -> None:
        self.indicator = indicator
        self.maximum = float(indicator.max_points)

    def __getitem__(self, value: Any) -> float:
        return self.maximum - self.indicator.points_for(value)


def _table(indicator: Indicator) -> Mapping[Any, float] | _Bands | _Reference:
    """Build the answer → gap table of an indicator from the reference rule."""
    maximum = float(indicator.max_points)
    kind = indicator.type
    keys: list[Any]
    if kind == "yesno":
        keys = [True, False]
    elif kind == "single":
        keys = [o.code for o in indicator.options]
    elif kind == "multiple":
        if len(indicator.options) > _SUBSET_TABLE_LIMIT:
            return _Reference(indicator)
        codes = [o.code for o in indicator.options]
        # validate_answer returns options in catalogue order, so combinations() are the keys.
        keys = [c for size in range(len(codes) + 1) for c in combinations(codes, size)]
    else:
        return _Bands(indicator)
    table = {key: _intern(maximum - indicator.points_for(key)) for key in keys}
    table[None] = maximum
    return table


def _intern(gap: float) -> float:
    # Decimal points such as 0.1 may leave a rounding crumb where the answer is at the maximum.
    return _ZERO if abs(gap) <= EPS else gap


class _Compiled:
    """Profile-independent compiled form of a catalogue."""

    __slots__ = (
        "choices",
        "direction_index",
        "fractional",
        "indicators",
        "plans",
        "scopes",
        "tables",
    )

    def __init__(self, catalogue: Catalogue) -> None:
        # Direction by direction, so that each direction is one slice of a school's gaps.
        self.indicators: tuple[Indicator, ...] = tuple(
            i for d in catalogue.directions for i in d.indicators
        )
        self.tables = tuple(_table(i) for i in self.indicators)
        self.choices = tuple(_choices(i) for i in self.indicators)
        self.direction_index = {d.code: n for n, d in enumerate(catalogue.directions)}
        self.fractional = any(_has_fraction(i) for i in self.indicators)
        self.plans: dict[tuple[frozenset[str], bool], _Plan] = {}
        # (code, thresholds in percent, rank of the critical cap) per scope, for the path; no cap
        # ranks above every level.
        rule = catalogue.critical_rule
        direction_cap = level_rank(rule.direction_cap) if rule.direction_cap else len(LEVELS)
        overall_cap = level_rank(rule.overall_cap) if rule.overall_cap else len(LEVELS)
        self.scopes: tuple[tuple[str, tuple[float, float, float], int], ...] = (
            *((d.code, d.thresholds.as_tuple(), direction_cap) for d in catalogue.directions),
            ("overall", catalogue.thresholds.as_tuple(), overall_cap),
        )


def _has_fraction(indicator: Indicator) -> bool:
    values = [indicator.yes_points, indicator.no_points, indicator.cap or 0]
    values += [o.points for o in indicator.options] + [b.points for b in indicator.bands]
    return any(not float(v).is_integer() for v in values)


class _Plan:
    """Everything needed to score schools of one profile, as flat tuples.

    Positions are the applicable indicators in catalogue order; scopes are the directions in
    catalogue order followed by ``overall``.
    """

    __slots__ = (
        "choices",
        "codes",
        "critical",
        "direction_cap",
        "direction_of",
        "directions",
        "fetch",
        "fractional",
        "indicators",
        "maxima",
        "memo",
        "overall_cap",
        "overall_max",
        "overall_thresholds",
        "tables",
        "template",
    )

    def __init__(self, catalogue: Catalogue, compiled: _Compiled, profile: SchoolProfile) -> None:
        chosen = [
            n for n, indicator in enumerate(compiled.indicators) if indicator.applies_to(profile)
        ]
        self.indicators = tuple(compiled.indicators[n] for n in chosen)
        self.codes = tuple(i.code for i in self.indicators)
        # One C call fetches a complete set of answers; a missing one raises KeyError and the
        # school takes the slower answers.get path.
        fetch = itemgetter(*self.codes)
        self.fetch = fetch if len(self.codes) > 1 else lambda answers: (fetch(answers),)
        self.tables = tuple(compiled.tables[n] for n in chosen)
        self.choices = tuple(compiled.choices[n] for n in chosen)
        self.maxima = tuple(float(i.max_points) for i in self.indicators)
        self.direction_of = tuple(compiled.direction_index[i.direction] for i in self.indicators)
        self.fractional = compiled.fractional
        rule = catalogue.critical_rule
        self.direction_cap = level_rank(rule.direction_cap) if rule.direction_cap else 3
        self.overall_cap = level_rank(rule.overall_cap) if rule.overall_cap else 3

        directions = []
        start = 0
        for direction in catalogue.directions:
            size = sum(1 for i in self.indicators if i.direction == direction.code)
            maximum = math.fsum(self.maxima[start : start + size])
            thresholds = tuple(t * maximum / 100.0 - EPS for t in direction.thresholds.as_tuple())
            directions.append((slice(start, start + size), maximum, size, *thresholds))
            start += size
        # (slice, max, size, basic, medium, high) per direction; thresholds already in points.
        self.directions: tuple[tuple[Any, ...], ...] = tuple(directions)
        self.overall_max = math.fsum(self.maxima)
        self.overall_thresholds = tuple(
            t * self.overall_max / 100.0 - EPS for t in catalogue.thresholds.as_tuple()
        )
        # (position, gap above which it fails, direction index) of every critical indicator.
        self.critical = tuple(
            (
                pos,
                i.max_points - (i.critical_min_points or 0) + EPS,
                compiled.direction_index[i.direction],
            )
            for pos, i in enumerate(self.indicators)
            if i.critical
        )

        # score(): per position, the IndicatorScore of each gap seen (they are immutable, so
        # schools share them), and the catalogue-order layout of the full result.
        self.memo: tuple[dict[float, IndicatorScore], ...] = tuple({} for _ in self.codes)
        position = {code: n for n, code in enumerate(self.codes)}
        self.template = tuple(
            (code, position[code] if code in position else _not_applicable(indicator))
            for code, indicator in catalogue.indicators.items()
        )


def _not_applicable(indicator: Indicator) -> IndicatorScore:
    return IndicatorScore(
        indicator.code, indicator.direction, False, 0.0, 0.0, None, indicator.critical, False
    )


def compile_catalogue(catalogue: Catalogue) -> None:
    """Compile the catalogue's lookup tables now rather than on first use (idempotent)."""
    _compiled(catalogue)


def _compiled(catalogue: Catalogue) -> _Compiled:
    compiled = catalogue._cache.get("scoring")
    if compiled is None:
        compiled = catalogue._cache["scoring"] = _Compiled(catalogue)
    return compiled


def _plan(catalogue: Catalogue, profile: SchoolProfile) -> _Plan:
    compiled = _compiled(catalogue)
    key = (profile.levels, profile.ovz)
    plan = compiled.plans.get(key)
    if plan is None:
        plan = compiled.plans[key] = _Plan(catalogue, compiled, profile)
    return plan


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


def _gaps(plan: _Plan, answers: Mapping[str, object]) -> tuple[float, ...]:
    """Return the gap (maximum − points) of every applicable indicator, in plan order."""
    try:
        return tuple(map(getitem, plan.tables, map(answers.get, plan.codes)))
    except _NOT_NORMALISED:
        # Some answer is not in normalised form: score it by the reference rule instead.
        return tuple(
            maximum - indicator.points_for(answers.get(indicator.code))
            for indicator, maximum in zip(plan.indicators, plan.maxima, strict=True)
        )


def _rows(plan: _Plan, gaps: tuple[float, ...]) -> tuple[ScopeRow, ...]:
    """Aggregate gaps into one compact row per direction and one overall."""
    # This runs once per school in bulk scoring: locals and one tuple per row keep it lean.
    levels = LEVELS
    rows: list[ScopeRow] = []
    append = rows.append
    total_gap = 0.0
    total_deficits = 0
    for part_slice, maximum, size, basic, medium, high in plan.directions:
        part = gaps[part_slice]
        gap = sum(part)
        total_gap += gap
        points = maximum - gap
        deficits = size - part.count(_ZERO)
        total_deficits += deficits
        rank = 3 if points >= high else 2 if points >= medium else 1 if points >= basic else 0
        append((points, maximum, levels[rank], deficits, 0))
    points = plan.overall_max - total_gap
    basic, medium, high = plan.overall_thresholds
    rank = 3 if points >= high else 2 if points >= medium else 1 if points >= basic else 0
    append((points, plan.overall_max, levels[rank], total_deficits, 0))
    for pos, limit, _ in plan.critical:
        if gaps[pos] > limit:
            _apply_critical_rule(plan, gaps, rows)
            break
    if plan.fractional:
        rows = [(round(p, 6), m, level, d, c) for p, m, level, d, c in rows]
    return tuple(rows)


def _apply_critical_rule(plan: _Plan, gaps: tuple[float, ...], rows: list[ScopeRow]) -> None:
    """Count failed critical indicators and cap the levels as the critical rule says."""
    failed = [0] * len(plan.directions)
    for pos, limit, index in plan.critical:
        if gaps[pos] > limit:
            failed[index] += 1
    for index, count in enumerate(failed):
        if count:
            points, maximum, level, deficits, _ = rows[index]
            level = LEVELS[min(level_rank(level), plan.direction_cap)]
            rows[index] = (points, maximum, level, deficits, count)
    points, maximum, level, deficits, _ = rows[-1]
    level = LEVELS[min(level_rank(level), plan.overall_cap)]
    rows[-1] = (points, maximum, level, deficits, sum(failed))


def score_many(
    catalogue: Catalogue, items: Iterable[tuple[SchoolProfile, Mapping[str, object]]]
) -> list[tuple[ScopeRow, ...]]:
    """Score many schools and return compact results, one per item, in input order.

    Each result holds one :data:`ScopeRow` ``(points, max_points, level, deficits,
    critical_failed)`` per scope in ``catalogue.scope_codes`` order: the 8 directions, then
    ``"overall"``. ``deficits`` counts applicable indicators below maximum; ``critical_failed``
    counts failed critical indicators. Answers should be normalised by :func:`validate_answer`
    and unanswered indicators left out: anything else is scored correctly, only slower.
    """
    compiled = _compiled(catalogue)
    plans = compiled.plans
    results: list[tuple[ScopeRow, ...]] = []
    append = results.append
    for profile, answers in items:
        plan = plans.get((profile.levels, profile.ovz))
        if plan is None:
            plan = _plan(catalogue, profile)
        try:
            gaps = tuple(map(getitem, plan.tables, plan.fetch(answers)))
        except _NOT_NORMALISED:
            gaps = _gaps(plan, answers)
        append(_rows(plan, gaps))
    return results


def deficits_many(
    catalogue: Catalogue, items: Iterable[tuple[SchoolProfile, Mapping[str, object]]]
) -> list[dict[str, DeficitKind]]:
    """Return, per school, its deficits: indicator code → kind, in catalogue order.

    The bulk counterpart of the deficits in :func:`score`, for analytics such as typical
    deficits by direction and municipality across a whole campaign.
    """
    results = []
    for profile, answers in items:
        plan = _plan(catalogue, profile)
        gaps = _gaps(plan, answers)
        failed = {pos for pos, limit, _ in plan.critical if gaps[pos] > limit}
        deficits: dict[str, DeficitKind] = {}
        # A gap of zero is false, so compress() keeps exactly the indicators below maximum.
        for pos in compress(range(len(gaps)), gaps):
            if pos in failed:
                deficits[plan.codes[pos]] = "critical"
            elif gaps[pos] == plan.maxima[pos]:
                deficits[plan.codes[pos]] = "zero"
            else:
                deficits[plan.codes[pos]] = "below_max"
        results.append(deficits)
    return results


def score(
    catalogue: Catalogue, profile: SchoolProfile, answers: Mapping[str, object]
) -> SchoolResult:
    """Score one school in full: every indicator, every direction and the overall result.

    ``answers`` maps indicator codes to answers: ``bool`` for ``yesno``, an option code for
    ``single``, a sequence of option codes for ``multiple``, a number for ``number``/``percent``;
    a missing code or ``None`` is no answer (0 points). Unknown codes are ignored.
    """
    plan = _plan(catalogue, profile)
    gaps = _gaps(plan, answers)
    rows = _rows(plan, gaps)
    memo = plan.memo
    scores = [
        memo[pos].get(gap) or _indicator_score(plan, pos, gap) for pos, gap in enumerate(gaps)
    ]
    indicator_scores = {
        code: spot if isinstance(spot, IndicatorScore) else scores[spot]
        for code, spot in plan.template
    }

    directions: dict[str, ScopeScore] = {}
    total_gap = 0.0
    for direction, row, spec in zip(catalogue.directions, rows, plan.directions, strict=False):
        # The same arithmetic as _rows, before rounding, so both agree on the level.
        gap = sum(gaps[spec[0]])
        total_gap += gap
        in_direction = scores[spec[0]]
        directions[direction.code] = _scope_score(
            direction.code,
            row,
            LEVELS[_rank(row[1] - gap, spec[3:])],
            tuple(s.code for s in in_direction if s.critical_failed),
            tuple(s.code for s in in_direction if s.deficit is not None),
        )
    overall = _scope_score(
        "overall",
        rows[-1],
        LEVELS[_rank(plan.overall_max - total_gap, plan.overall_thresholds)],
        tuple(c for s in directions.values() for c in s.failed_critical),
        tuple(c for s in directions.values() for c in s.deficits),
    )
    return SchoolResult(
        catalogue_version=catalogue.version,
        profile=profile,
        directions=MappingProxyType(directions),
        overall=overall,
        indicators=MappingProxyType(indicator_scores),
    )


def _rank(points: float, thresholds: tuple[float, ...]) -> int:
    basic, medium, high = thresholds
    return 3 if points >= high else 2 if points >= medium else 1 if points >= basic else 0


def _indicator_score(plan: _Plan, pos: int, gap: float) -> IndicatorScore:
    indicator = plan.indicators[pos]
    maximum = plan.maxima[pos]
    failed = indicator.critical and _is_failed(plan, pos, gap)
    deficit: DeficitKind | None = None
    if failed:
        deficit = "critical"
    elif gap != 0.0:
        deficit = "zero" if gap == maximum else "below_max"
    result = IndicatorScore(
        indicator.code,
        indicator.direction,
        True,
        _cleaner(plan)(maximum - gap),
        maximum,
        deficit,
        indicator.critical,
        failed,
    )
    memo = plan.memo[pos]
    if len(memo) < _MEMO_LIMIT:
        memo[gap] = result
    return result


def _scope_score(
    code: str,
    row: ScopeRow,
    level_by_points: str,
    failed_critical: tuple[str, ...],
    deficits: tuple[str, ...],
) -> ScopeScore:
    points, maximum, level = row[0], row[1], row[2]
    return ScopeScore(
        code=code,
        points=points,
        max_points=maximum,
        share=points / maximum if maximum else 0.0,
        level=level,
        level_by_points=level_by_points,
        failed_critical=failed_critical,
        deficits=deficits,
    )


def _is_failed(plan: _Plan, pos: int, gap: float) -> bool:
    for critical_pos, limit, _ in plan.critical:
        if critical_pos == pos:
            return gap > limit
    return False


def _cleaner(plan: _Plan) -> Any:
    if plan.fractional:
        return lambda value: round(value, 6)
    return float


# --------------------------------------------------------------------------------------------------
# The path to the next level
# --------------------------------------------------------------------------------------------------


class _Choices:
    """The answers of a yes/no, single-choice or number indicator, grouped by their points.

    ``values`` are the distinct points in increasing order and ``ties[n]`` the answers worth
    ``values[n]`` in :meth:`Indicator.answer_points` order, so the cheapest answer above a floor
    is one bisection away.
    """

    __slots__ = ("indicator", "normalised", "numeric", "ties", "values")

    def __init__(self, indicator: Indicator) -> None:
        pairs = [(answer, float(points)) for answer, points in indicator.answer_points()]
        self.indicator = indicator
        self.values = sorted({points for _, points in pairs})
        self.ties = [tuple(a for a, p in pairs if p == value) for value in self.values]
        self.numeric = indicator.type in ("number", "percent")
        self.normalised: dict[tuple[int, int], object] = {}

    def cheapest(self, current: object, floor: float, above: float) -> tuple[object, float]:
        values = self.values
        # The first value that is at least ``floor`` and more than ``above``.
        n = max(bisect_left(values, floor), bisect_right(values, above))
        if n == len(values):
            raise ValueError(f"у показателя {self.indicator.code} нет ответа лучше текущего")
        best = values[n]
        ties = self.ties[n]
        if not self.numeric:
            return ties[0], best
        tie = 0
        if _is_number(current) and len(ties) > 1:
            # Among bands worth the same, move the value as little as possible.
            number = float(current)  # type: ignore[arg-type]
            tie = min(range(len(ties)), key=lambda t: abs(float(ties[t]) - number))  # type: ignore[arg-type]
        key = (n, tie)
        answer = self.normalised.get(key)
        if answer is None:  # band starts are numbers, never normalised to None
            answer = self.normalised[key] = validate_answer(self.indicator, ties[tie])
        return answer, best


class _Ladder:
    """The answers of a multiple-choice indicator that add the most valuable missing options.

    From a current answer, options not chosen yet are added one by one, the most valuable first
    (ties: catalogue order); each rung is the answer so far with its points. Rungs depend only on
    the current answer, so they are remembered per answer.
    """

    __slots__ = ("indicator", "rungs")

    def __init__(self, indicator: Indicator) -> None:
        self.indicator = indicator
        self.rungs: dict[object, tuple[tuple[tuple[str, ...], float], ...]] = {}

    def cheapest(self, current: object, floor: float, above: float) -> tuple[object, float]:
        # Only plain tuples of strings are remembered: equal ones normalise alike.
        plain = current is None or (
            type(current) is tuple and all(type(code) is str for code in current)
        )
        rungs = self.rungs.get(current) if plain else None
        if rungs is None:
            rungs = self._rungs(current)
            if plain and len(self.rungs) < _MEMO_LIMIT:
                self.rungs[current] = rungs
        for rung in rungs:
            if rung[1] >= floor and rung[1] > above:
                return rung
        return rungs[-1] if rungs else ((), 0.0)

    def _rungs(self, current: object) -> tuple[tuple[tuple[str, ...], float], ...]:
        indicator = self.indicator
        try:
            valid = validate_answer(indicator, current)
        except AnswerError:
            valid = None
        chosen = set(valid or ())  # type: ignore[call-overload]
        # Adding the most valuable missing options first needs the fewest extra options.
        missing = sorted(
            (o for o in indicator.options if o.code not in chosen and o.points > 0),
            key=lambda o: -o.points,
        )
        rungs = []
        for option in missing:
            chosen.add(option.code)
            answer = tuple(o.code for o in indicator.options if o.code in chosen)
            rungs.append((answer, float(indicator.points_for(answer))))
        return tuple(rungs)


def _choices(indicator: Indicator) -> _Choices | _Ladder:
    return _Ladder(indicator) if indicator.type == "multiple" else _Choices(indicator)


class _School:
    """One school's state for the path: points and possible gain of every applicable indicator."""

    __slots__ = ("answers", "failed", "gains", "plan", "points")

    def __init__(self, plan: _Plan, answers: Mapping[str, object], gaps: tuple[float, ...]) -> None:
        self.plan = plan
        self.answers = answers
        self.points = list(map(_cleaner(plan), map(sub, plan.maxima, gaps)))
        self.gains = list(map(sub, plan.maxima, self.points))
        self.failed = {pos for pos, limit, _ in plan.critical if gaps[pos] > limit}


def next_level_path(
    catalogue: Catalogue,
    profile: SchoolProfile,
    answers: Mapping[str, object],
    result: SchoolResult | None = None,
) -> dict[str, LevelPath]:
    """Return, for every direction and for ``"overall"``, the path to its next level.

    Algorithm, per scope (a direction, or the whole school for ``"overall"``):

    1. The target is the level just above the current one (none above «высокий»). It needs the
       scope's points to reach the target's threshold and, if the critical rule caps the scope
       below the target, every failed critical indicator of the scope repaired.
    2. The repairs are mandatory steps and come first. They are counted at their best answer.
    3. If points are still short, the other indicators of the scope are taken by the largest
       possible gain first (ties: catalogue order) until the shortfall is covered. Taking the
       largest gains first gives the fewest indicators, because the *k* largest gains are the
       most that any *k* indicators can add.
    4. Each chosen indicator is then lowered, last chosen first, to the cheapest answer that still
       covers the shortfall (a repaired critical indicator never drops below its minimum). For a
       ``multiple`` indicator the answer keeps the chosen options and adds the most valuable
       missing ones; for ``number``/``percent`` it is the lowest value of the band, the band
       nearest to the current value when several are worth the same.
    5. If even the best answer to every indicator cannot reach the target, the scope is not
       reachable and has no steps. With thresholds of at most 100 % this cannot happen; the flag
       guards against future rules.

    ``result`` may be passed when the caller already has it; it must come from ``score()`` with
    the same catalogue, profile and answers. The path itself is computed from the compiled
    tables either way, which is what makes it cheap enough to run for every school.
    """
    plan = _plan(catalogue, profile)
    if result is not None and (
        result.catalogue_version != catalogue.version or result.profile != profile
    ):
        raise ValueError("результат получен для другого каталога или профиля школы")
    gaps = _gaps(plan, answers)
    rows = _rows(plan, gaps)
    scopes = _compiled(catalogue).scopes
    top = LEVELS[-1]
    paths: dict[str, LevelPath] = {}
    if all(row[2] == top for row in rows):
        for (code, _, _), row in zip(scopes, rows, strict=True):
            paths[code] = LevelPath(code, top, None, row[0], None, row[0], (), True)
        return paths

    school = _School(plan, answers, gaps)
    # Indicators that can still gain points, by the largest gain first (ties: catalogue order;
    # the sort is stable even in reverse). One sort serves every scope: filtering keeps the order.
    candidates = list(compress(range(len(gaps)), map(gt, gaps, repeat(EPS))))
    candidates.sort(key=school.gains.__getitem__, reverse=True)
    by_direction: list[list[int]] = [[] for _ in catalogue.directions]
    direction_of = plan.direction_of
    for pos in candidates:
        by_direction[direction_of[pos]].append(pos)
    failed = sorted(pos for pos in school.failed if gaps[pos] > EPS)
    for index, ((code, thresholds, cap), row) in enumerate(zip(scopes, rows, strict=True)):
        if index < len(by_direction):
            scope_candidates = by_direction[index]
            scope_failed = (
                [pos for pos in failed if direction_of[pos] == index] if failed else failed
            )
        else:
            scope_candidates, scope_failed = candidates, failed
        paths[code] = _scope_path(
            school, code, row, thresholds, cap, scope_candidates, scope_failed
        )
    return paths


def _scope_path(
    school: _School,
    code: str,
    row: ScopeRow,
    thresholds: tuple[float, float, float],
    cap: int,
    candidates: list[int],
    failed: list[int],
) -> LevelPath:
    """Return the path of one scope; ``candidates`` and ``failed`` are positions in the plan."""
    points, max_points, level = row[0], row[1], row[2]
    rank = _LEVEL_RANK[level]
    if rank == len(LEVELS) - 1:
        return LevelPath(code, level, None, points, None, points, (), True)
    target = rank + 1
    need_points = thresholds[target - 1] * max_points / 100.0
    shortfall = need_points - points
    enough = shortfall - EPS
    gains = school.gains

    chosen: list[int] = []
    covered: float = 0
    pool: Iterable[int] = candidates
    if cap < target and failed:
        # Repairs of the failed critical indicators come first and are not taken twice.
        chosen = list(failed)
        covered = sum([gains[pos] for pos in chosen])
        taken = set(failed)
        pool = (pos for pos in candidates if pos not in taken)
    if covered < enough:
        for pos in pool:
            chosen.append(pos)
            covered += gains[pos]
            if covered >= enough:
                break
        else:
            return LevelPath(code, level, LEVELS[target], points, need_points, points, (), False)

    # Lower the answers, last chosen first, while the shortfall stays covered.
    plan, answers, was, repairs = school.plan, school.answers, school.points, school.failed
    slack = covered - max(shortfall, 0.0)
    steps: list[Step] = []
    for pos in reversed(chosen):
        indicator = plan.indicators[pos]
        raw = answers.get(indicator.code)
        before = was[pos]
        best = before + gains[pos]
        at_least = best - slack
        critical = pos in repairs
        if critical:
            at_least = max(at_least, float(indicator.critical_min_points or 0))
        # The answer worth the fewest points that reaches at_least and is an improvement; the
        # best answer always qualifies.
        answer, new_points = plan.choices[pos].cheapest(raw, at_least - EPS, before + EPS)
        slack -= best - new_points
        steps.append(
            Step(
                indicator.code,
                indicator.direction,
                raw,
                before,
                answer,
                new_points,
                new_points - before,
                critical,
            )
        )
    steps.reverse()
    after = points + sum([step.gain for step in steps])
    return LevelPath(code, level, LEVELS[target], points, need_points, after, tuple(steps), True)


def _is_number(value: object) -> bool:
    # A tuple of types: ``int | float`` would build a union object on every call.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
