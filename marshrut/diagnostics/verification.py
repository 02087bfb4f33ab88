"""Verification rules (мониторинг достоверности): what makes a submitted answer doubtful."""

from __future__ import annotations

from dataclasses import dataclass

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


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def compared_codes(catalogue: Catalogue) -> set[str]:
    """Codes of the previous version that the jump rule reads."""
    return {
        old
        for indicator in _watched(catalogue)[1]
        if (old := catalogue.previous_code(indicator.code)) is not None
    }


def check(
    catalogue: Catalogue,
    profile: SchoolProfile,
    answers: dict[str, object],
    evidence: set[str],
    previous_answers: dict[str, object] | None = None,
    *,
    share: float | None = None,
    previous_share: float | None = None,
) -> list[Finding]:
    """Findings for one school's answers; ``evidence`` holds codes that carry a file or link."""
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
        if previous_answers is None:
            break
        code = indicator.code
        old_code = catalogue.previous_code(code)
        if old_code is None or code not in answers or not indicator.applies_to(profile):
            continue
        value = answers[code]
        old = previous_answers.get(old_code)
        if not isinstance(old, int | float) or not isinstance(value, int | float):
            continue
        if indicator.type == "percent" and abs(value - old) >= PERCENT_JUMP:
            findings.append(
                Finding(
                    "jump", code, f"{code}: {_fmt(old)}% в прошлой кампании, теперь {_fmt(value)}%"
                )
            )
        elif (
            indicator.type == "number"
            and abs(value - old) >= COUNT_MIN_CHANGE
            and (value >= COUNT_RATIO * max(old, 1) or old >= COUNT_RATIO * max(value, 1))
        ):
            findings.append(
                Finding(
                    "jump", code, f"{code}: {_fmt(old)} в прошлой кампании, теперь {_fmt(value)}"
                )
            )
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
