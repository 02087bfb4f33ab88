"""The selection rule on hand-made results, with every expected share worked out by hand here."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from marshrut.support.selection import (
    TWO_ASSESSMENTS,
    TWO_YEARS,
    Result,
    Rule,
    Share,
    Trigger,
    describe,
    exit_check,
    propose,
    shares,
)

VPR, OGE, EGE = "vpr", "oge", "ege"
RULE = Rule(threshold=Decimal(20), assessments=frozenset({VPR, OGE}))

RESULTS = [
    # School 1, 2024: ВПР 5 of 20 and 3 of 20 — 8 of 40 = 20 % (exactly the threshold);
    # ОГЭ 3 of 10 = 30 %. Two assessments in one year.
    Result(1, 2024, VPR, 20, 5),
    Result(1, 2024, VPR, 20, 3),
    Result(1, 2024, OGE, 10, 3),
    # School 2: ВПР 2023 10 of 40 = 25 %, ВПР 2024 9 of 40 = 22.5 %: the same assessment two
    # years running; ОГЭ 2024 1 of 10 = 10 % does not count.
    Result(2, 2023, VPR, 40, 10),
    Result(2, 2024, VPR, 40, 9),
    Result(2, 2024, OGE, 10, 1),
    # School 3, 2024: ВПР 30 %, ОГЭ 19 of 100 = 19 % (below), ЕГЭ 50 % is not a counted one.
    Result(3, 2024, VPR, 10, 3),
    Result(3, 2024, OGE, 100, 19),
    Result(3, 2024, EGE, 10, 5),
    # School 4: ВПР 40 % in 2022 and 2024, not in consecutive years; nothing in 2023.
    Result(4, 2022, VPR, 10, 4),
    Result(4, 2024, VPR, 10, 4),
    # School 5: ВПР 2023 7 of 40 = 17.5 %, 2024 3 of 10 = 30 %.
    Result(5, 2023, VPR, 40, 7),
    Result(5, 2024, VPR, 10, 3),
]


def test_the_rule_proposes_two_assessments_in_a_year_or_one_two_years_running() -> None:
    proposed = propose(RESULTS, RULE, 2025)
    assert proposed == {
        1: [Trigger(TWO_ASSESSMENTS, (Share(VPR, 2024, 40, 8), Share(OGE, 2024, 10, 3)))],
        2: [Trigger(TWO_YEARS, (Share(VPR, 2023, 40, 10), Share(VPR, 2024, 40, 9)))],
    }
    assert [s.percent for s in proposed[1][0].shares] == [Decimal("20.0"), Decimal("30.0")]
    assert [s.percent for s in proposed[2][0].shares] == [Decimal("25.0"), Decimal("22.5")]


def test_the_threshold_is_compared_exactly_not_after_rounding() -> None:
    # School 2's ВПР 2024 is 9/40 = 22.5 % exactly: at 22.5 it counts, at 22.51 it does not.
    at = Rule(threshold=Decimal("22.5"), assessments=frozenset({VPR}))
    above = Rule(threshold=Decimal("22.51"), assessments=frozenset({VPR}))
    # By hand, at 22.5 % on ВПР only, two years running needs 2023 and 2024 both ≥ 22.5 %:
    # school 2 (25 %, 22.5 %) — yes; school 5 (17.5 %, 30 %) — no; others lack 2023.
    assert set(propose(RESULTS, at, 2025)) == {2}
    assert propose(RESULTS, above, 2025) == {}


def test_counting_every_assessment_adds_the_school_with_a_high_ege() -> None:
    every = Rule(threshold=Decimal(20), assessments=frozenset({VPR, OGE, EGE}))
    # School 3 now has ВПР 30 % and ЕГЭ 50 % in 2024: two assessments in one year.
    assert set(propose(RESULTS, every, 2025)) == {1, 2, 3}


def test_the_window_is_the_two_years_before_the_cohort_year() -> None:
    # For 2024 the window is 2022–2023: school 4 had ВПР 40 % in 2022 only, school 2 25 % in
    # 2023 only — neither fires.
    assert propose(RESULTS, RULE, 2024) == {}
    # For 2026 the window is 2024–2025: school 1's two assessments of 2024 still count.
    assert set(propose(RESULTS, RULE, 2026)) == {1}


def test_shares_sum_over_subjects_and_grades() -> None:
    by_school = shares(RESULTS)
    assert by_school[1][(2024, VPR)] == Share(VPR, 2024, 40, 8)
    assert by_school[3][(2024, EGE)].percent == Decimal("50.0")


def test_the_exit_condition_needs_the_rule_silent_on_the_cohort_year_and_the_year_before() -> None:
    later = [*RESULTS, Result(2, 2025, VPR, 40, 5), Result(2, 2025, OGE, 10, 0)]
    by_school = shares(later)
    # School 2 in the cohort of 2025: ВПР 2024 22.5 %, 2025 12.5 % — not two years running.
    recovered = exit_check(by_school[2], RULE, 2025)
    assert recovered.recovered is True and recovered.triggers == ()
    # School 1: 2024 still has two assessments ≥ 20 %.
    stuck = exit_check(by_school[1], RULE, 2025)
    assert stuck.recovered is False
    assert stuck.triggers[0].kind == TWO_ASSESSMENTS
    # School 5: silent, but there are no 2025 results to say it recovered.
    unknown = exit_check(by_school[5], RULE, 2025)
    assert unknown.recovered is None and unknown.missing_years == (2025,)


def test_a_reason_reads_in_russian() -> None:
    proposed = propose(RESULTS, RULE, 2025)
    labels = {VPR: "ВПР", OGE: "ОГЭ"}
    assert describe(proposed[1][0], labels) == (
        "ВПР 2024 — 20,0 %, ОГЭ 2024 — 30,0 %: две процедуры в одном году"
    )
    assert describe(proposed[2][0], labels) == (
        "ВПР 2023 — 25,0 %, ВПР 2024 — 22,5 %: два года подряд"
    )


results = st.lists(
    st.builds(
        Result,
        school=st.integers(1, 4),
        year=st.integers(2022, 2025),
        assessment=st.sampled_from([VPR, OGE, EGE]),
        participants=st.integers(1, 60),
        failed=st.integers(0, 60),
    ).filter(lambda r: r.failed <= r.participants),
    max_size=30,
)


@given(results, st.integers(1, 99), st.integers(1, 99))
def test_a_higher_threshold_never_proposes_more_schools(rows: list[Result], a: int, b: int) -> None:
    low, high = sorted((a, b))
    counted = frozenset({VPR, OGE})
    loose = set(propose(rows, Rule(Decimal(low), counted), 2025))
    strict = set(propose(rows, Rule(Decimal(high), counted), 2025))
    assert strict <= loose


@given(results)
def test_splitting_a_result_by_subject_changes_nothing(rows: list[Result]) -> None:
    # The share is over all subjects and grades: one row or the same counts in two rows is the same.
    split = []
    for r in rows:
        half_p, half_f = r.participants // 2, min(r.failed, r.participants // 2)
        split += [
            Result(r.school, r.year, r.assessment, half_p, half_f),
            Result(r.school, r.year, r.assessment, r.participants - half_p, r.failed - half_f),
        ]
    assert propose(split, RULE, 2025) == propose(rows, RULE, 2025)
