"""Reading the library: search with filters, the offers for a school's deficits, the adoptions.

Other apps call :func:`offers_for_school` (what to suggest to a school) and
:func:`adoption_treatments` (which school targeted which indicator since when — the effectiveness
analysis compares those deficits with the same deficits of schools that adopted nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from marshrut.diagnostics.models import Campaign, CriteriaVersion, Deficit
from marshrut.kernels.criteria import Catalogue
from marshrut.kernels.textsearch import snippet
from marshrut.orgs.models import Region, School
from marshrut.practices import search as fts
from marshrut.practices.models import Adoption, CodeKind, Practice, PracticeCode, Status
from marshrut.programmes.prefill import latest_submission

FILTERS = ("direction", "indicator", "level", "municipality", "status")


def region_catalogue(region: Region | int) -> Catalogue | None:
    """The criteria catalogue the region works with now: its latest campaign's, or else the newest
    loaded (a region without campaigns yet)."""
    campaign = (
        Campaign.objects.filter(region=region)
        .select_related("criteria")
        .order_by("-year", "-opens_on", "-pk")
        .first()
    )
    if campaign is not None:
        return campaign.criteria.catalogue
    version = CriteriaVersion.objects.order_by("-year", "-loaded_at").first()
    return version.catalogue if version is not None else None


def filtered(qs: QuerySet[Practice], filters: Mapping[str, Any] | None) -> QuerySet[Practice]:
    """Narrow by direction, indicator, level (codes), municipality (id) and status."""
    filters = filters or {}
    for kind, name in (
        (CodeKind.DIRECTION, "direction"),
        (CodeKind.INDICATOR, "indicator"),
        (CodeKind.LEVEL, "level"),
    ):
        value = filters.get(name)
        if value:
            qs = qs.filter(
                pk__in=PracticeCode.objects.filter(kind=kind, code=value).values("practice_id")
            )
    if filters.get("municipality"):
        municipality = filters["municipality"]
        qs = qs.filter(municipality_id=getattr(municipality, "pk", municipality))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs


@dataclass
class Hit:
    """A found practice with its rank and a piece of its text around the words asked for."""

    practice: Practice
    rank: float
    snippet: SafeString


def highlight(text: str, query: str, width: int = 240) -> SafeString:
    """The snippet of ``text`` for ``query`` as HTML: found words in ``<mark>``, the rest escaped."""
    parts = snippet(text, query, width=width)
    # Safe: every part is escaped on the way in.
    return mark_safe(
        "".join(f"<mark>{escape(p)}</mark>" if hit else str(escape(p)) for p, hit in parts)
    )


def ranked(qs: QuerySet[Practice], text: str, limit: int | None = None) -> list[tuple[int, float]]:
    """(id, rank) of the matching practices of ``qs``, best first; by date without a query."""
    if fts.has_words(text):
        return fts.ranked_ids(qs, text, limit)
    ids = qs.order_by("-published_at", "-pk").values_list("pk", flat=True)
    return [(pk, 0.0) for pk in (ids[:limit] if limit else ids)]


def in_order(ids: Sequence[int]) -> list[Practice]:
    """The practices of ``ids`` in that order (one query), for an export of a ranked list."""
    by_pk = Practice.objects.select_related("school", "municipality").in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def hits_for(ids: Sequence[tuple[int, float]], text: str) -> list[Hit]:
    """The practices of a slice of :func:`ranked`, in its order, with snippets (two queries)."""
    rows = (
        Practice.objects.filter(pk__in=[pk for pk, _r in ids])
        .select_related("school", "municipality")
        .defer("search_document")
    )
    by_pk = {p.pk: p for p in rows}
    out = []
    for pk, rank in ids:
        p = by_pk.get(pk)
        if p is None:
            continue
        body = p.description or p.title
        out.append(Hit(p, rank, highlight(body, text)))
    return out


def search(
    region: Region | int,
    text: str,
    filters: Mapping[str, Any] | None = None,
    *,
    scope: QuerySet[Practice] | None = None,
    limit: int = 50,
) -> list[Hit]:
    """Practices of the region matching ``text`` (every word, in any of its forms), best first.

    ``filters``: direction, indicator, level, municipality, status (without status: published).
    ``scope``: the practices the asker may read (``Practice.objects.for_user``); all by default.
    PostgreSQL or SQLite full-text search by the connection's vendor (:mod:`.search`).
    """
    filters = dict(filters or {})
    filters.setdefault("status", Status.PUBLISHED)
    qs = filtered((scope if scope is not None else Practice.objects.all()), filters)
    qs = qs.filter(region=region)
    return hits_for(ranked(qs, text, limit), text)


# --- offers by deficits ------------------------------------------------------------------------


@dataclass
class Offer:
    """A published practice matching some of a school's deficits."""

    practice: Practice
    matched: list[str] = field(default_factory=list)  # indicator codes among the deficits


def deficit_codes(school: School | int) -> set[str]:
    """The indicators where the school falls short by its latest sent questionnaire."""
    submission = latest_submission(school)
    if submission is None:
        return set()
    return set(Deficit.objects.filter(submission=submission).values_list("code", flat=True))


def offers_for_codes(
    region: Region | int,
    codes: Iterable[str],
    *,
    exclude_school: int | None = None,
    limit: int = 10,
) -> list[Offer]:
    """Published practices of the region addressing the most of ``codes``, most matches first."""
    codes = set(codes)
    if not codes:
        return []
    rows = PracticeCode.objects.filter(
        kind=CodeKind.INDICATOR,
        code__in=sorted(codes),
        practice__region=region,
        practice__status=Status.PUBLISHED,
    )
    if exclude_school is not None:
        rows = rows.exclude(practice__school_id=exclude_school)
    matches = rows.values_list("practice_id", "code")
    matched: dict[int, list[str]] = defaultdict(list)
    for practice_id, code in matches:
        matched[practice_id].append(code)
    if exclude_school is not None:
        for practice_id in Adoption.objects.filter(
            school_id=exclude_school, practice_id__in=list(matched)
        ).values_list("practice_id", flat=True):
            matched.pop(practice_id, None)
    best = sorted(matched, key=lambda pk: (-len(matched[pk]), -pk))[:limit]
    practices = Practice.objects.filter(pk__in=best).select_related("school", "municipality")
    by_pk = {p.pk: p for p in practices}
    return [Offer(by_pk[pk], sorted(matched[pk])) for pk in best if pk in by_pk]


def offers_for_school(school: School, limit: int = 10) -> list[Offer]:
    """What to offer a school: published practices of its region matching the deficits of its
    latest sent questionnaire, not its own, not adopted yet; most matched deficits first."""
    return offers_for_codes(
        school.municipality.region_id,
        deficit_codes(school),
        exclude_school=school.pk,
        limit=limit,
    )


# --- adoptions ---------------------------------------------------------------------------------


def adoption_treatments(region: Region | int) -> list[tuple[int, str, dt.date]]:
    """(school id, indicator code, adopted on) for every indicator targeted by an adoption of a
    practice of the region: the «treatments» the effectiveness analysis measures. One query;
    ordered by school, indicator, date; one row per (school, indicator) — the earliest adoption.
    """
    first: dict[tuple[int, str], dt.date] = {}
    rows = Adoption.objects.filter(practice__region=region).values_list(
        "school_id", "indicators", "adopted_on"
    )
    for school_id, indicators, adopted_on in rows:
        for code in indicators or []:
            key = (school_id, str(code))
            if key not in first or adopted_on < first[key]:
                first[key] = adopted_on
    return sorted((s, c, d) for (s, c), d in first.items())


def adoption_counts(ids: Iterable[int]) -> dict[int, int]:
    """Practice id → how many schools adopted it (one query)."""
    return dict(
        Adoption.objects.filter(practice_id__in=list(ids))
        .values("practice_id")
        .annotate(n=Count("pk"))
        .values_list("practice_id", "n")
    )


def moderation_queue(scope: QuerySet[Practice]) -> QuerySet[Practice]:
    return (
        scope.filter(Q(status=Status.MODERATION))
        .select_related("school", "municipality")
        .order_by("submitted_at", "pk")
    )
