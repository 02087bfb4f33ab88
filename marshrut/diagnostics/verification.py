"""Verification rules (мониторинг достоверности): what makes a submitted answer doubtful."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.text import Truncator

from marshrut.kernels.criteria import Catalogue, Indicator, SchoolProfile, find_contradictions

# A percentage that moves by this many points in a year, or a count that triples, is doubtful.
PERCENT_JUMP = 40.0
COUNT_RATIO = 3.0
COUNT_MIN_CHANGE = 5.0
# An overall share of points that moves by this much (0..1) against last year is doubtful.
SHARE_JUMP = 0.25


@dataclass(frozen=True)
class Finding:
    rule: str
    code: str
    message: str


def _fmt(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def _watched(catalogue: Catalogue) -> tuple[tuple[Indicator, ...], tuple[Indicator, ...]]:
    """The indicators the per-answer rules can flag: critical ones, and numbers or percentages."""
    watched = catalogue._cache.get("verification")
    if watched is None:
        indicators = catalogue.indicators.values()
        watched = catalogue._cache["verification"] = (
            tuple(i for i in indicators if i.critical),
            tuple(i for i in indicators if i.type in ("number", "percent")),
        )
    return watched


def jump_pairs(
    catalogue: Catalogue, previous: Catalogue, codes: Mapping[str, str]
) -> dict[str, str]:
    """Codes the jump rule compares: this version's code → the previous campaign's code.

    ``codes`` maps each indicator to the same indicator in the previous campaign's version (see
    :func:`marshrut.kernels.criteria.codes_across`); of those, only numbers and percentages that
    stayed numbers or percentages are compared: a yes/no or a list of options has no «jump».
    """
    return {
        indicator.code: old
        for indicator in _watched(catalogue)[1]
        if (old := codes.get(indicator.code)) is not None
        and (before := previous.indicators.get(old)) is not None
        and before.type == indicator.type
    }


def _number(value: object) -> float | None:
    # bool is an int in Python: a stored yes/no must never read as 1 or 0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _jumped(kind: str, old: float, value: float) -> bool:
    if kind == "percent":
        return abs(value - old) >= PERCENT_JUMP
    return abs(value - old) >= COUNT_MIN_CHANGE and (
        value >= COUNT_RATIO * max(old, 1) or old >= COUNT_RATIO * max(value, 1)
    )


def _jump_message(indicator: Indicator, old: float, value: float) -> str:
    unit = " %" if indicator.type == "percent" else ""
    return (
        f"{indicator.code} «{Truncator(indicator.text).chars(120)}»: "
        f"было {_fmt(old)}{unit} в прошлой кампании, стало {_fmt(value)}{unit}"
    )


def check(
    catalogue: Catalogue,
    profile: SchoolProfile,
    answers: dict[str, object],
    evidence: set[str],
    previous_answers: dict[str, object] | None = None,
    *,
    compared: Mapping[str, str] | None = None,
    share: float | None = None,
    previous_share: float | None = None,
) -> list[Finding]:
    """Findings for one school's answers; ``evidence`` holds codes that carry a file or link.

    ``previous_answers`` are the school's answers of the previous campaign, keyed by that
    campaign's codes, and ``compared`` says which of them the jump rule reads (see
    :func:`jump_pairs`).
    """
    findings: list[Finding] = []
    critical, numeric = _watched(catalogue)
    for found in find_contradictions(catalogue, answers, profile):
        findings.append(Finding("contradiction", found.indicators[0], found.message))
    # A critical indicator claimed as fully met should be backed by a document or a link.
    for indicator in critical:
        code = indicator.code
        if (
            code in answers
            and code not in evidence
            and indicator.applies_to(profile)
            and indicator.points_for(answers[code]) >= indicator.max_points > 0
        ):
            findings.append(
                Finding(
                    "no_evidence",
                    code,
                    f"{code}: критический показатель отмечен выполненным без подтверждающего документа или ссылки",
                )
            )
    for indicator in numeric:
        if previous_answers is None or not compared:
            break
        code = indicator.code
        old_code = compared.get(code)
        if old_code is None or code not in answers or not indicator.applies_to(profile):
            continue
        value, old = _number(answers[code]), _number(previous_answers.get(old_code))
        if value is None or old is None:
            continue
        if _jumped(indicator.type, old, value):
            findings.append(Finding("jump", code, _jump_message(indicator, old, value)))
    if (
        share is not None
        and previous_share is not None
        and abs(share - previous_share) >= SHARE_JUMP
    ):
        findings.append(
            Finding(
                "jump",
                "",
                f"общая доля баллов изменилась с {previous_share:.0%} до {share:.0%} за год".replace(
                    "%", " %"
                ),
            )
        )
    return findings
