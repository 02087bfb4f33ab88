"""The library of good practices (read): the list with full-text search and filters, one practice.

Scoping is the pages': ``Practice.objects.for_user`` — published and archived practices of the
user's regions, and the unpublished ones of the schools they write for or the regions they moderate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from marshrut.api.base import Id, Text, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.orgs import access
from marshrut.orgs.roles import Cap
from marshrut.practices import queries
from marshrut.practices.models import Practice, Status, get_practice_for_user

router = Router(tags=["good practices"])


class PracticeResultOut(Schema):
    what: str
    before: float | None
    after: float
    unit: str


class MaterialOut(Schema):
    id: int
    title: str
    filename: str
    size: int
    url: str = Field(description="a link, or the address to download the file from")


class AdoptionOut(Schema):
    school_id: int
    school: str
    indicators: list[str]
    adopted_on: dt.date


class PracticeOut(Schema):
    id: int
    region_id: int
    school_id: int
    school: str
    municipality_id: int
    title: str
    directions: list[str]
    indicators: list[str]
    levels: list[str]
    status: str
    status_name: str
    published_at: dt.datetime | None
    snippet: str = Field(
        "",
        description="with a text query: the piece of text around the words, found words in <mark>",
    )
    rank: float | None = None


class PracticeDetailOut(PracticeOut):
    description: str
    results: list[PracticeResultOut]
    results_note: str
    contact: str
    authors: list[str]
    materials: list[MaterialOut]
    adoptions: list[AdoptionOut]
    version: int


PracticePage = page_of(PracticeOut, "PracticePage")


def _practice(p: Practice, snippet: str = "", rank: float | None = None) -> dict[str, Any]:
    return {
        "id": p.pk,
        "region_id": p.region_id,
        "school_id": p.school_id,
        "school": p.school.short_name,
        "municipality_id": p.municipality_id,
        "title": p.title,
        "directions": p.directions,
        "indicators": p.indicators,
        "levels": p.levels,
        "status": p.status,
        "status_name": p.get_status_display(),
        "published_at": p.published_at,
        "snippet": snippet,
        "rank": rank,
    }


@router.get(
    summary="Good practices: list and search", path="/practices", response=responds(PracticePage)
)
def practices(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    q: Text | None = None,
    direction: Text | None = None,
    indicator: Text | None = None,
    level: Text | None = None,
    municipality: Id | None = None,
    status: Text | None = None,
) -> Any:
    """Published practices (or ``status=…``) the user reads. With ``q``: every word in any of its
    Russian forms, best first, up to ``limit`` with a snippet each and no further pages; without
    it, pages in the order of id."""
    access.require(request.user, Cap.PRACTICE_VIEW)
    qs: Any = Practice.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.PRACTICE_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    qs = queries.filtered(
        qs,
        {
            "direction": direction,
            "indicator": indicator,
            "level": level,
            "municipality": municipality,
            "status": status or Status.PUBLISHED,
        },
    )
    text = (q or "").strip()
    if text:
        hits = queries.hits_for(queries.ranked(qs, text, page.limit), text)
        return {
            "items": [_practice(h.practice, str(h.snippet), h.rank) for h in hits],
            "next_cursor": None,
        }
    found = cursor_page(qs.select_related("school"), page)
    found["items"] = [_practice(p) for p in found["items"]]
    return found


@router.get(summary="A good practice", path="/practices/{pk}", response=responds(PracticeDetailOut))
def practice(request: HttpRequest, pk: Id) -> Any:
    p = get_practice_for_user(request.user, pk)
    out = _practice(p)
    out.update(
        {
            "description": p.description,
            "results": [
                {
                    "what": r.get("what", ""),
                    "before": r.get("before"),
                    "after": r.get("after") or 0,
                    "unit": r.get("unit", ""),
                }
                for r in p.results
            ],
            "results_note": p.results_note,
            "contact": p.contact,
            "authors": [a.full_name for a in p.authors.all()],
            "materials": [
                {
                    "id": m.pk,
                    "title": m.title,
                    "filename": m.filename,
                    "size": m.size,
                    "url": request.build_absolute_uri(
                        reverse("practices:material_file", args=[m.pk])
                    )
                    if m.is_file
                    else m.url,
                }
                for m in p.materials.all()
            ],
            "adoptions": [
                {
                    "school_id": a.school_id,
                    "school": a.school.short_name,
                    "indicators": a.indicators,
                    "adopted_on": a.adopted_on,
                }
                for a in p.adoptions.select_related("school")
            ],
            "version": p.version,
        }
    )
    return out
