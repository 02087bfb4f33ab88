"""Verification rules (мониторинг достоверности): what makes a submitted answer doubtful."""

from __future__ import annotations

from dataclasses import dataclass

from marshrut.kernels.criteria import Catalogue, SchoolProfile, find_contradictions

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
    for found in find_contradictions(catalogue, answers, profile):
        findings.append(Finding("contradiction", found.indicators[0], found.message))
    for code, indicator in catalogue.indicators.items():
        if not indicator.applies_to(profile) or code not in answers:
            continue
        value = answers[code]
        # A critical indicator claimed as fully met should be backed by a document or a link.
        if (
            indicator.critical
            and indicator.points_for(value) >= indicator.max_points > 0
            and code not in evidence
        ):
            findings.append(
                Finding(
                    "no_evidence",
                    code,
                    f"{code}: критический показатель отмечен выполненным без подтверждающего документа или ссылки",
                )
            )
        if previous_answers is None or indicator.type not in ("number", "percent"):
            continue
        old_code = catalogue.previous_code(code)
        old = previous_answers.get(old_code) if old_code else None
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
