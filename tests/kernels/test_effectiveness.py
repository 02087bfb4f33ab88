"""The effectiveness kernel: closed shares, their difference and its interval, worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marshrut.kernels.effectiveness import (
    DIRECTION_PREFIX,
    Comparison,
    Fact,
    Treatment,
    Verdict,
    effect,
    newcombe,
    wilson,
)

START, END = dt.date(2023, 11, 1), dt.date(2024, 11, 15)
INSIDE = dt.date(2024, 3, 1)


def facts(indicator: str, direction: str, schools: range, closed: int) -> list[Fact]:
    """Deficits in ``indicator`` at ``schools``; the first ``closed`` of them were closed."""
    return [Fact(s, indicator, direction, n < closed) for n, s in enumerate(schools)]


def test_wilson_interval_of_twelve_of_twenty_by_hand() -> None:
    # p = 12/20 = 0.6; z = 1.96, z² = 3.8416, z²/n = 0.19208
    # centre = (0.6 + 3.8416/40) / 1.19208 = 0.69604 / 1.19208 = 0.583887
    # half   = 1.96 / 1.19208 · √(0.6·0.4/20 + 3.8416/1600) = 1.644185 · √0.014401 = 0.197309
    # → (0.386578, 0.781196)
    low, high = wilson(12, 20)
    assert low == pytest.approx(0.386578, abs=1e-5)
    assert high == pytest.approx(0.781196, abs=1e-5)


def test_newcombe_reproduces_the_published_example() -> None:
    # Newcombe (1998), Table II, example (a): 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
    low, high = newcombe(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_mechanism_against_schools_with_the_same_deficit_by_hand() -> None:
    # Indicator ZN.05: 50 schools had the deficit at t. The mechanism reached schools 1–20 for it
    # (12 of them closed it by t+1), schools 21–50 did not get it (6 closed).
    # Indicator KL.02, never targeted, is left out of both groups, whatever happened there.
    data = facts("ZN.05", "znanie", range(1, 21), 12) + facts("ZN.05", "znanie", range(21, 51), 6)
    data += facts("KL.02", "klimat", range(1, 41), 40)
    treatments = [Treatment(s, "ZN.05", INSIDE) for s in range(1, 21)]
    result = effect(data, treatments, start=START, end=END)
    c = result.overall
    assert (c.treated, c.treated_closed, c.control, c.control_closed) == (20, 12, 30, 6)
    # shares: 12/20 = 0.6 and 6/30 = 0.2; difference 0.4
    assert c.treated_share == pytest.approx(0.6)
    assert c.control_share == pytest.approx(0.2)
    assert c.difference == pytest.approx(0.4)
    # Wilson: 12/20 → (0.386578, 0.781196) as above;
    # 6/30: z²/n = 0.128053, centre = (0.2 + 0.064027)/1.128053 = 0.234055,
    #       half = 1.96/1.128053 · √(0.16/30 + 3.8416/3600) = 1.737507 · √0.0064004 = 0.139005
    #       → (0.095050, 0.373060)
    # low  = 0.4 − √((0.6 − 0.386578)² + (0.373060 − 0.2)²) = 0.4 − √(0.045547 + 0.029950)
    #      = 0.4 − 0.274768 = 0.125232
    # high = 0.4 + √((0.781196 − 0.6)² + (0.2 − 0.095050)²) = 0.4 + √(0.032831 + 0.011014)
    #      = 0.4 + 0.209392 = 0.609392
    low, high = c.interval  # type: ignore[misc]
    assert low == pytest.approx(0.125232, abs=1e-4)
    assert high == pytest.approx(0.609392, abs=1e-4)
    assert c.verdict is Verdict.HELPS
    assert c.verdict_label == "помогает"
    assert result.indicators == {"ZN.05"}
    assert set(result.by_direction) == {"znanie"}


def test_a_direction_treatment_reaches_every_deficit_of_the_school_there() -> None:
    # An event on «Школьный климат»: schools 1–10 attended. Each has deficits KL.01 and KL.02
    # (20 treated facts; KL.01 closed at 1–10, KL.02 at none: 10 of 20 = 0.5). Schools 11–30
    # have the same two deficits and did not attend: KL.01 closed at 11–15, KL.02 at none
    # (5 of 40 = 0.125). ZN.01 of school 1 is in another direction: not reached, not compared.
    data = facts("KL.01", "klimat", range(1, 11), 10) + facts("KL.02", "klimat", range(1, 11), 0)
    data += facts("KL.01", "klimat", range(11, 31), 5) + facts("KL.02", "klimat", range(11, 31), 0)
    data.append(Fact(1, "ZN.01", "znanie", True))
    treatments = [Treatment(s, f"{DIRECTION_PREFIX}klimat", INSIDE) for s in range(1, 11)]
    c = effect(data, treatments, start=START, end=END).overall
    assert (c.treated, c.treated_closed, c.control, c.control_closed) == (20, 10, 40, 5)
    # difference 0.5 − 0.125 = 0.375
    assert c.difference == pytest.approx(0.375)


def test_treatments_outside_the_window_do_not_count() -> None:
    data = facts("ZN.05", "znanie", range(1, 31), 15)
    treatments = [
        Treatment(1, "ZN.05", START - dt.timedelta(days=1)),
        Treatment(2, "ZN.05", END + dt.timedelta(days=1)),
        Treatment(3, "ZN.05", START),
        Treatment(4, "ZN.05", END),
    ]
    c = effect(data, treatments, start=START, end=END).overall
    assert c.treated == 2  # schools 3 and 4: the window's ends belong to it
    assert c.control == 28


def test_small_groups_show_figures_but_claim_nothing() -> None:
    # 9 treated, all closed; 30 untreated, none closed: a huge difference, but 9 < 10.
    data = facts("ZN.05", "znanie", range(1, 10), 9) + facts("ZN.05", "znanie", range(10, 40), 0)
    treatments = [Treatment(s, "ZN.05", INSIDE) for s in range(1, 10)]
    c = effect(data, treatments, start=START, end=END).overall
    assert c.difference == pytest.approx(1.0)
    assert c.verdict is Verdict.TOO_FEW
    assert c.verdict_label == "недостаточно данных"
    # With a smaller minimum the same data makes a claim.
    assert effect(data, treatments, start=START, end=END, min_group=5).overall.verdict is (
        Verdict.HELPS
    )


def test_an_interval_across_zero_shows_no_effect() -> None:
    # 9/12 against 7/12: difference 0.1667, interval well across zero.
    c = Comparison(12, 9, 12, 7)
    low, high = c.interval  # type: ignore[misc]
    assert low < 0 < high
    assert c.verdict is Verdict.NO_EFFECT


def test_nothing_targeted_gives_empty_groups() -> None:
    c = effect(facts("ZN.05", "znanie", range(1, 30), 3), [], start=START, end=END).overall
    assert (c.treated, c.control) == (0, 0)
    assert c.difference is None and c.interval is None
    assert c.verdict is Verdict.TOO_FEW


def test_by_direction_splits_the_groups() -> None:
    data = facts("ZN.05", "znanie", range(1, 21), 12) + facts("ZN.05", "znanie", range(21, 51), 6)
    data += facts("KL.02", "klimat", range(1, 6), 1) + facts("KL.02", "klimat", range(6, 16), 2)
    treatments = [Treatment(s, "ZN.05", INSIDE) for s in range(1, 21)]
    treatments += [Treatment(s, "KL.02", INSIDE) for s in range(1, 6)]
    result = effect(data, treatments, start=START, end=END)
    assert result.overall.treated == 25 and result.overall.treated_closed == 13
    klimat = result.by_direction["klimat"]
    assert (klimat.treated, klimat.treated_closed, klimat.control, klimat.control_closed) == (
        5,
        1,
        10,
        2,
    )
    assert klimat.verdict is Verdict.TOO_FEW
    assert result.by_direction["znanie"].verdict is Verdict.HELPS


counts = st.integers(min_value=1, max_value=200).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, counts)
def test_the_interval_contains_the_difference_and_stays_in_bounds(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    c = Comparison(a[1], a[0], b[1], b[0])
    low, high = c.interval  # type: ignore[misc]
    assert c.difference is not None
    assert -1.0 <= low <= c.difference + 1e-12
    assert c.difference - 1e-12 <= high <= 1.0


@given(counts, counts)
def test_swapping_the_groups_mirrors_the_interval(a: tuple[int, int], b: tuple[int, int]) -> None:
    low, high = newcombe(a[0], a[1], b[0], b[1])
    swapped_low, swapped_high = newcombe(b[0], b[1], a[0], a[1])
    assert swapped_low == pytest.approx(-high, abs=1e-12)
    assert swapped_high == pytest.approx(-low, abs=1e-12)


@given(counts)
def test_the_wilson_interval_contains_the_share(a: tuple[int, int]) -> None:
    low, high = wilson(*a)
    assert 0.0 <= low <= a[0] / a[1] + 1e-12 <= high + 2e-12 <= 1.0 + 2e-12
