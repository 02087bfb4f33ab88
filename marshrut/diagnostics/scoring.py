"""Glue between stored answers and the scoring kernel: one place that writes results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from marshrut.diagnostics.models import Answer, Deficit, Result, Submission
from marshrut.kernels.criteria import Catalogue, SchoolProfile
from marshrut.kernels.scoring import SchoolResult, deficits_many, score, score_many


def profile_of_school(school: Any) -> tuple[str, bool]:
    """The profile fields a submission keeps: levels as 'noo,ooo,soo' and the ОВЗ flag."""
    levels = [
        code
        for code, on in (
            ("noo", school.offers_noo),
            ("ooo", school.offers_ooo),
            ("soo", school.offers_soo),
        )
        if on
    ]
    return ",".join(levels), bool(school.teaches_ovz)


def applicable_codes(catalogue: Catalogue, profile: SchoolProfile) -> list[str]:
    return [code for code, ind in catalogue.indicators.items() if ind.applies_to(profile)]


def answers_of(submissions: Sequence[Submission]) -> dict[int, dict[str, object]]:
    """Answer values of many submissions in one query."""
    values: dict[int, dict[str, object]] = defaultdict(dict)
    rows = Answer.objects.filter(submission__in=[s.pk for s in submissions], value__isnull=False)
    for sid, code, value in rows.values_list("submission_id", "code", "value").iterator(
        chunk_size=5000
    ):
        values[sid][code] = value
    return values


def _normalised(catalogue: Catalogue, answers: dict[str, object]) -> dict[str, object]:
    # JSON has no tuples: a multiple answer comes back as a list.
    return {
        code: (tuple(value) if isinstance(value, list) else value)
        for code, value in answers.items()
        if code in catalogue.indicators
    }


def score_submission(
    catalogue: Catalogue, submission: Submission, answers: dict[str, object]
) -> SchoolResult:
    return score(catalogue, submission.profile, _normalised(catalogue, answers))


def write_results(
    catalogue: Catalogue, submissions: Iterable[Submission], *, batch: int = 2000
) -> int:
    """Score submissions and replace their result and deficit rows; returns how many were scored.

    Uses the kernel's bulk functions (compiled tables), not the full per-indicator ``score``:
    an import of a whole federal campaign goes through here.
    """
    submissions = list(submissions)
    scopes = catalogue.scope_codes
    written = 0
    for start in range(0, len(submissions), batch):
        chunk = submissions[start : start + batch]
        answers = answers_of(chunk)
        items = [(sub.profile, _normalised(catalogue, answers.get(sub.pk, {}))) for sub in chunk]
        rows = score_many(catalogue, items)
        deficit_maps = deficits_many(catalogue, items)
        results: list[Result] = []
        deficits: list[Deficit] = []
        for sub, (_profile, values), scored, found in zip(
            chunk, items, rows, deficit_maps, strict=True
        ):
            for scope, (points, max_points, level, n_deficits, n_failed) in zip(
                scopes, scored, strict=True
            ):
                results.append(
                    Result(
                        submission=sub,
                        campaign_id=sub.campaign_id,
                        school_id=sub.school_id,
                        scope=scope,
                        points=points,
                        max_points=max_points,
                        level=level,
                        deficits=n_deficits,
                        critical_failed=n_failed,
                    )
                )
            for code, kind in found.items():
                indicator = catalogue.indicators[code]
                deficits.append(
                    Deficit(
                        submission=sub,
                        campaign_id=sub.campaign_id,
                        school_id=sub.school_id,
                        code=code,
                        direction=indicator.direction,
                        kind=kind,
                        points=indicator.points_for(values.get(code)),
                        max_points=indicator.max_points,
                    )
                )
        ids = [s.pk for s in chunk]
        Result.objects.filter(submission__in=ids).delete()
        Deficit.objects.filter(submission__in=ids).delete()
        Result.objects.bulk_create(results, batch_size=5000)
        Deficit.objects.bulk_create(deficits, batch_size=5000)
        written += len(chunk)
    return written
