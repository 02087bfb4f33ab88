"""Benchmark of the effectiveness kernel: every mechanism of a region (or a country) compared.

Generates ``--schools`` schools with about 35 deficits each at campaign *t* (the demo's mean),
each closed at *t + 1* with probability 0.25, and ``--mechanisms`` mechanisms: half aimed at
indicators (a school gets one for a fifth of its deficits), half at directions (events: a school
attends one in two directions). ``effect`` is run for each mechanism, as the page does.

The raw baseline is one pass over the facts per mechanism that only looks the (school,
indicator) pair up in a set of the treated and adds up closed ones — the least any
implementation must do; the ratio says what the kernel's window check, direction targets, the
comparison group's indicator filter and the per-direction split cost on top of it. Prints
figures only; nothing here asserts on time.

Run: ``.venv/bin/python bench/bench_effectiveness.py [--schools N] [--mechanisms M] [--seed S]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from marshrut.kernels.effectiveness import DIRECTION_PREFIX, Fact, Treatment, effect

DIRECTIONS = ("znanie", "zdorovie", "tvorchestvo", "vospitanie", "proforientatsiya")
DIRECTIONS += ("uchitel", "klimat", "sreda")
INDICATORS = [(f"{d[:2].upper()}.{n:02}", d) for d in DIRECTIONS for n in range(1, 16)]
START, END = dt.date(2023, 11, 1), dt.date(2024, 11, 15)


def generate(
    schools: int, mechanisms: int, rng: random.Random
) -> tuple[list[Fact], list[list[Treatment]]]:
    facts = [
        Fact(s, code, direction, rng.random() < 0.25)
        for s in range(schools)
        for code, direction in rng.sample(INDICATORS, 35)
    ]
    days = (END - START).days
    treatments: list[list[Treatment]] = []
    for m in range(mechanisms):
        rows = []
        if m % 2 == 0:
            for f in facts:
                if rng.random() < 0.2:
                    rows.append(
                        Treatment(f.school, f.indicator, START + dt.timedelta(rng.randrange(days)))
                    )
        else:
            for s in range(schools):
                if rng.random() < 0.5:
                    target = DIRECTION_PREFIX + rng.choice(DIRECTIONS)
                    rows.append(Treatment(s, target, START + dt.timedelta(rng.randrange(days))))
        treatments.append(rows)
    return facts, treatments


def baseline(facts: list[Fact], rows: list[Treatment]) -> tuple[int, int]:
    treated = {(t.school, t.target) for t in rows}
    n = closed = 0
    for f in facts:
        if (f.school, f.indicator) in treated:
            n += 1
            closed += f.closed
    return n, closed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--mechanisms", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    facts, treatments = generate(args.schools, args.mechanisms, random.Random(args.seed))
    print(
        f"школ {args.schools}, дефицитов {len(facts)}, механизмов {args.mechanisms}, "
        f"строк механизмов {sum(map(len, treatments))}; load average {os.getloadavg()[0]:.1f}"
    )
    clock = time.process_time()
    for rows in treatments:
        baseline(facts, rows)
    raw = time.process_time() - clock
    clock = time.process_time()
    for rows in treatments:
        effect(facts, rows, start=START, end=END)
    kernel = time.process_time() - clock
    print(f"ядро (effect по всем механизмам): {kernel:.3f} с процессорного времени")
    print(f"сырой проход (поиск пары в множестве): {raw:.3f} с; отношение {kernel / raw:.1f}")


if __name__ == "__main__":
    main()
