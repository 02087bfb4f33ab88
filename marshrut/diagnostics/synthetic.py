"""Synthetic answers of plausible schools: for the demo region and for the benchmarks.

Each school has a latent strength; each indicator a difficulty. A school answers an indicator
better the stronger it is, with noise, and grows a little from year to year. Labelled synthetic
wherever it is shown.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from marshrut.kernels.criteria import Catalogue, Indicator, SchoolProfile


def _difficulty(code: str) -> float:
    # Stable per indicator code, spread over roughly −1…1.5.
    return (sum(ord(c) * (i + 1) for i, c in enumerate(code)) % 250) / 100 - 1.0


def _pick(rng: random.Random, indicator: Indicator, quality: float) -> object:
    """An answer whose quality (0…1) grows with ``quality``."""
    if indicator.type == "multiple":
        chosen = [o.code for o in indicator.options if rng.random() < 0.15 + 0.8 * quality]
        return tuple(chosen)
    candidates = sorted(indicator.answer_points(), key=lambda ap: ap[1])
    if not candidates:
        return None
    index = min(len(candidates) - 1, int(quality * len(candidates) + rng.random() * 0.6))
    value = candidates[index][0]
    if indicator.type in ("number", "percent") and isinstance(value, int | float):
        low, high = indicator.value_range()
        bands = sorted(b.start for b in indicator.bands)
        upper = next(
            (b for b in bands if b > value),
            min(high, value + 20),
        )
        value = value + (upper - value) * rng.random() * 0.9
        value = round(value) if indicator.integer or indicator.type == "number" else round(value, 1)
        value = max(low, min(high, value))
    return value


def _habit(seed: str, code: str) -> float:
    # What a school is like in one indicator stays with it from year to year.
    return random.Random(f"{seed}:{code}").gauss(0, 0.8)


def answers_for(
    catalogue: Catalogue,
    profile: SchoolProfile,
    strength: float,
    rng: random.Random,
    seed: str = "",
) -> dict[str, object]:
    answers: dict[str, object] = {}
    for code, indicator in catalogue.indicators.items():
        if not indicator.applies_to(profile):
            continue
        # Critical indicators are the basics most schools do have.
        x = strength - _difficulty(code) + _habit(seed, code) + rng.gauss(0, 0.25)
        x += 2.2 if indicator.critical else -0.9
        quality = 1 / (1 + math.exp(-1.6 * x))
        answers[code] = _pick(rng, indicator, quality)
    return answers


def schools(count: int, seed: int = 7) -> Iterator[tuple[SchoolProfile, float]]:
    """Profiles and strengths of ``count`` generated schools."""
    rng = random.Random(seed)
    for _ in range(count):
        kind = rng.random()
        levels = (
            frozenset({"noo", "ooo", "soo"})
            if kind < 0.7
            else (frozenset({"noo", "ooo"}) if kind < 0.93 else frozenset({"noo"}))
        )
        yield SchoolProfile(levels=levels, ovz=rng.random() < 0.5), rng.gauss(0.6, 1.0)
