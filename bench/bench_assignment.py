"""Benchmark of the partner assignment and the what-if planner (the kernels, no database).

Assignment: a generated region of 40 municipalities (each bordering about four others), 1,000
risk-zone schools weak in 2–6 of the 8 directions, and 3,000 candidate schools strong in 1–5
directions; capacity 5. Times :func:`marshrut.kernels.assignment.assign` (min-cost max-flow)
beside the raw baseline :func:`assign_greedy` on the same data (the choice by hand, one pass),
and prints both coverages.

What-if: 1,000 schools with random answers to the demo-2024 catalogue (the generator of
``bench_scoring.py``); times the path to the next level of every school plus
:func:`marshrut.kernels.whatif.plan`, beside the raw baseline ``score_many`` of the same schools
(reading their levels at all). Prints figures only: ``X ms; raw: Y ms; ratio Z``.

    .venv/bin/python bench/bench_assignment.py [--risk 1000] [--candidates 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import CATALOGUE, generate  # noqa: E402

from marshrut.kernels.assignment import Candidate, Need, assign, assign_greedy  # noqa: E402
from marshrut.kernels.criteria import LEVELS, load_catalogue  # noqa: E402
from marshrut.kernels.scoring import next_level_path, score_many  # noqa: E402
from marshrut.kernels.whatif import Candidate as WhatIf  # noqa: E402
from marshrut.kernels.whatif import plan  # noqa: E402

DIRECTIONS = ("ZN", "ZD", "TV", "VS", "PF", "UC", "KL", "OS")


def median_ms(call: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def region(
    risk: int, candidates: int, seed: int, municipalities: int = 40
) -> tuple[list[Need], list[Candidate], dict[int, list[int]]]:
    rng = random.Random(seed)
    geography = {
        m: sorted({(m + k) % municipalities for k in (1, -1, 7, -7)} - {m})
        for m in range(municipalities)
    }
    # Risk-zone schools gather in the first municipalities (rural districts), strong schools in
    # the last ones (towns); two directions are rarely strong anywhere. So nearby room runs out,
    # partners come from neighbours and far away, and the order of the greedy choice matters.
    m_weights = [1.0 + 3.0 * (municipalities - m) / municipalities for m in range(municipalities)]
    c_weights = list(reversed(m_weights))
    d_weights = [1.0 if d not in ("TV", "VS") else 0.25 for d in DIRECTIONS]
    needs = []
    for s in range(risk):
        m = rng.choices(range(municipalities), weights=m_weights)[0]
        for d in rng.sample(DIRECTIONS, rng.randint(2, 6)):
            needs.append(Need(s, m, d))
    cands = []
    for s in range(risk, risk + candidates):
        m = rng.choices(range(municipalities), weights=c_weights)[0]
        strong = set(rng.choices(DIRECTIONS, weights=d_weights, k=rng.randint(1, 3)))
        shares = {d: round(rng.uniform(0.75, 1.0), 3) for d in sorted(strong)}
        cands.append(Candidate(s, f"Школа {s:05d}", m, shares))
    return needs, cands, geography


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risk", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--schools", type=int, default=1000, help="schools of the what-if plan")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    needs, cands, geography = region(args.risk, args.candidates, args.seed)
    best = assign(needs, cands, geography, capacity=5)
    greedy = assign_greedy(needs, cands, geography, capacity=5)
    flow_ms = median_ms(lambda: assign(needs, cands, geography, capacity=5))
    greedy_ms = median_ms(lambda: assign_greedy(needs, cands, geography, capacity=5))
    print(
        f"assignment: {args.risk} risk-zone schools, {len(needs)} needs, "
        f"{args.candidates} candidates, capacity 5"
    )
    print(
        f"  min-cost flow: {flow_ms:.0f} ms; raw (greedy): {greedy_ms:.0f} ms; "
        f"ratio {flow_ms / greedy_ms:.1f}"
    )
    print(
        f"  coverage {best.coverage:.3f} (cost {best.cost}); "
        f"greedy {greedy.coverage:.3f} (cost {greedy.cost})"
    )
    # A tight region: capacity 1, where the choice matters most.
    tight = assign(needs, cands, geography, capacity=1)
    tight_greedy = assign_greedy(needs, cands, geography, capacity=1)
    tight_ms = median_ms(lambda: assign(needs, cands, geography, capacity=1), repeat=3)
    print(
        f"  capacity 1: {tight_ms:.0f} ms; coverage {tight.coverage:.3f}, "
        f"greedy {tight_greedy.coverage:.3f}"
    )

    catalogue = load_catalogue(CATALOGUE / "demo-2024.yaml")
    items = generate(catalogue, args.schools, args.seed)
    names = [f"Школа {i:05d}" for i in range(len(items))]

    def whatif() -> Any:
        schools = []
        for i, (profile, answers) in enumerate(items):
            path = next_level_path(catalogue, profile, answers)["overall"]
            steps = tuple(s.indicator for s in path.steps) if path.reachable else None
            schools.append(WhatIf(i, names[i], path.level, path.target, steps))
        return plan(schools, LEVELS, limit=100, per_school=5)

    result = whatif()
    whatif_ms = median_ms(whatif)
    raw_ms = median_ms(lambda: score_many(catalogue, items))
    print(f"what-if: {args.schools} schools, 100 to support, 5 measures each")
    print(
        f"  paths + plan: {whatif_ms:.0f} ms; raw (score_many): {raw_ms:.0f} ms; "
        f"ratio {whatif_ms / raw_ms:.1f}"
    )
    print(
        f"  liftable {result.liftable}, chosen {len(result.chosen)}, measures {result.measures}; "
        f"before {result.before}, after {result.after}"
    )


if __name__ == "__main__":
    main()
