"""Glue between stored answers and the scoring kernel: one place that writes results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from marshrut.diagnostics.bulk import insert_rows
from marshrut.diagnostics.models import Answer, Deficit, Result, Submission
from marshrut.kernels.criteria import Catalogue, SchoolProfile
from marshrut.kernels.scoring import SchoolResult, deficits_many, score, score_many

# Column order of the rows write_results inserts; a result row ends with the kernel's ScopeRow.
RESULT_COLUMNS = (
    "submission_id",
    "campaign_id",
    "school_id",
    "scope",
    "points",
    "max_points",
    "level",
    "deficits",
    "critical_failed",
)
DEFICIT_COLUMNS = (
    "submission_id",
    "campaign_id",
    "school_id",
    "code",
    "direction",
    "kind",
    "points",
    "max_points",
)


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


def answers_of(
    submissions: Sequence[Submission], codes: Iterable[str] | None = None
) -> dict[int, dict[str, object]]:
    """Answer values of many submissions in one query (only ``codes``, when given)."""
    values: dict[int, dict[str, object]] = defaultdict(dict)
    rows = Answer.objects.filter(
        campaign__in={s.campaign_id for s in submissions},  # PostgreSQL: only their partitions
        submission__in=[s.pk for s in submissions],
        value__isnull=False,
    )
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    for sid, code, value in rows.values_list("submission_id", "code", "value").iterator(
        chunk_size=5000
    ):
        values[sid][code] = value
    return values


def evidence_of(submissions: Sequence[Submission]) -> dict[int, set[str]]:
    """Codes that carry an evidence file or link, per submission, in one query."""
    evidence: dict[int, set[str]] = defaultdict(set)
    for sid, code in (
        Answer.objects.filter(
            campaign__in={s.campaign_id for s in submissions},
            submission__in=[s.pk for s in submissions],
        )
        .exclude(evidence_url="", evidence_file="")
        .values_list("submission_id", "code")
    ):
        evidence[sid].add(code)
    return evidence


def answered_submissions(ids: Sequence[int]) -> set[int]:
    """Which of the submissions ``ids`` hold at least one stored answer."""
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found.update(
            Answer.objects.filter(submission__in=ids[start : start + 5000])
            .values_list("submission_id", flat=True)
            .distinct()
        )
    return found


def normalised(catalogue: Catalogue, answers: dict[str, object]) -> dict[str, object]:
    # JSON has no tuples: a multiple answer comes back as a list.
    return {
        code: (tuple(value) if isinstance(value, list) else value)
        for code, value in answers.items()
        if code in catalogue.indicators
    }


def score_submission(
    catalogue: Catalogue, submission: Submission, answers: dict[str, object]
) -> SchoolResult:
    return score(catalogue, submission.profile, normalised(catalogue, answers))


def write_results(
    catalogue: Catalogue,
    submissions: Iterable[Submission],
    answers: Mapping[int, dict[str, object]],
    *,
    batch: int = 2000,
) -> int:
    """Score submissions and replace their result and deficit rows; returns how many were scored.

    ``answers`` maps a submission id to its normalised answers. Uses the kernel's bulk functions
    (compiled tables) and plain inserts: a whole federal campaign goes through here.
    """
    submissions = list(submissions)
    scopes = catalogue.scope_codes
    indicators = catalogue.indicators
    # A deficit row keeps the points its answer earned; answers repeat a lot, so each distinct
    # one is scored once (the type is part of the key: True == 1 to a dict).
    earned: dict[tuple[str, type, object], float] = {}
    written = 0
    for start in range(0, len(submissions), batch):
        chunk = submissions[start : start + batch]
        items = [(sub.profile, answers.get(sub.pk, {})) for sub in chunk]
        rows = score_many(catalogue, items)
        deficit_maps = deficits_many(catalogue, items)
        results: list[tuple[Any, ...]] = []
        deficits: list[tuple[Any, ...]] = []
        for sub, (_profile, values), scored, found in zip(
            chunk, items, rows, deficit_maps, strict=True
        ):
            sid, cid, school = sub.pk, sub.campaign_id, sub.school_id
            for scope, row in zip(scopes, scored, strict=True):
                results.append((sid, cid, school, scope, *row))
            for code, kind in found.items():
                indicator = indicators[code]
                value = values.get(code)
                if isinstance(value, dict | list):  # not a valid answer, and not hashable
                    points: float | None = indicator.points_for(value)
                elif (points := earned.get(key := (code, value.__class__, value))) is None:
                    points = earned[key] = indicator.points_for(value)
                deficits.append(
                    (
                        sid,
                        cid,
                        school,
                        code,
                        indicator.direction,
                        kind,
                        points,
                        indicator.max_points,
                    )
                )
        ids = [s.pk for s in chunk]
        campaigns = {s.campaign_id for s in chunk}  # PostgreSQL: only their partitions
        Result.objects.filter(campaign__in=campaigns, submission__in=ids).delete()
        Deficit.objects.filter(campaign__in=campaigns, submission__in=ids).delete()
        insert_rows(Result, RESULT_COLUMNS, results)
        insert_rows(Deficit, DEFICIT_COLUMNS, deficits)
        written += len(chunk)
    return written
