"""Events of the region and municipalities, with their participants.

Events are visible as on the pages (``Event.objects.for_user``); named participants only as far
as the registry lets the user see people and schools, as on the event page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema

from marshrut.api.base import Id, Text, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.events.models import Direction, Event, get_event_for_user
from marshrut.orgs import access
from marshrut.orgs.models import Person, School
from marshrut.orgs.roles import Cap

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    region_id: int
    municipality_id: int | None
    form: str
    form_name: str
    title: str
    dates: str
    starts_on: dt.date
    ends_on: dt.date
    organiser: str
    link: str
    hours: int | None
    audience: str
    participants_total: int | None
    planned_coverage: int | None
    directions: list[str]
    direction_names: list[str]


class CountOut(Schema):
    category: str
    category_name: str
    unit: str
    unit_name: str
    number: int


class ParticipantOut(Schema):
    id: int
    person_id: int | None
    person: str
    school_id: int | None
    school: str
    attended: bool
    role: str


class ParticipantsOut(Schema):
    counts: list[CountOut]
    named: list[ParticipantOut]


EventPage = page_of(EventOut, "EventPage")


def _event(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "region_id": e.region_id,
        "municipality_id": e.municipality_id,
        "form": e.form,
        "form_name": e.get_form_display(),
        "title": e.title,
        "dates": e.dates,
        "starts_on": e.starts_on,
        "ends_on": e.ends_on,
        "organiser": e.organiser,
        "link": e.link,
        "hours": e.hours,
        "audience": e.audience,
        "participants_total": e.participants_total,
        "planned_coverage": e.planned_coverage,
        "directions": list(e.directions or []),
        "direction_names": e.direction_labels(),
    }


@router.get(
    summary="Events of the region and municipalities", path="/events", response=responds(EventPage)
)
def events(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    municipality: Id | None = None,
    starts_from: dt.date | None = None,
    ends_to: dt.date | None = None,
    direction: Direction | None = None,
) -> Any:
    """Events the user may see; ``starts_from``/``ends_to`` keep those overlapping the period."""
    access.require(request.user, Cap.EVENT_VIEW)
    qs = Event.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.EVENT_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    if municipality is not None:
        qs = qs.filter(municipality_id=municipality)
    if starts_from is not None:
        qs = qs.filter(ends_on__gte=starts_from)
    if ends_to is not None:
        qs = qs.filter(starts_on__lte=ends_to)
    if direction is not None:
        # A JSON list: SQLite has no «contains» for it, and events are few per region.
        ids = [e.pk for e in qs.only("pk", "directions") if direction.value in (e.directions or [])]
        qs = qs.filter(pk__in=ids)
    found = cursor_page(qs, page)
    found["items"] = [_event(e) for e in found["items"]]
    return found


@router.get(summary="Event", path="/events/{pk}", response=responds(EventOut))
def event(request: HttpRequest, pk: Id) -> Any:
    return _event(get_event_for_user(request.user, pk))


@router.get(
    summary="Participants of an event",
    path="/events/{pk}/participants",
    response=responds(ParticipantsOut),
)
def participants(request: HttpRequest, pk: Id) -> Any:
    """Counts by category, and the named people and schools the user may see in the registry."""
    e = get_event_for_user(request.user, pk)
    visible_people = Person.objects.for_user(request.user).values("pk")
    visible_schools = School.objects.for_user(request.user).values("pk")
    named = (
        e.participations.filter(
            Q(person__in=visible_people) | Q(person=None, school__in=visible_schools)
        )
        .select_related("person", "school")
        .order_by("pk")
    )
    return {
        "counts": [
            {
                "category": c.category,
                "category_name": c.get_category_display(),
                "unit": c.unit,
                "unit_name": c.get_unit_display(),
                "number": c.number,
            }
            for c in e.counts.all()
        ],
        "named": [
            {
                "id": p.pk,
                "person_id": p.person_id,
                "person": p.person.full_name if p.person else "",
                "school_id": p.school_id,
                "school": p.school.short_name if p.school else "",
                "attended": p.attended,
                "role": p.role,
            }
            for p in named
        ],
    }
