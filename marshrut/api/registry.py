"""The registry: the user's account, municipalities, schools, people."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from marshrut.api.base import Id, Text, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.orgs import access
from marshrut.orgs.models import (
    Municipality,
    Person,
    School,
    get_municipality_for_user,
    get_person_for_user,
    get_school_for_user,
)
from marshrut.orgs.roles import ROLES, Cap

router = Router(tags=["registry"])


class MunicipalityOut(Schema):
    id: int
    region_id: int
    name: str
    oktmo: str
    kind: str
    centre: str
    is_active: bool


class SchoolOut(Schema):
    id: int
    municipality_id: int
    full_name: str
    short_name: str
    inn: str
    ogrn: str | None
    kind: str
    settlement: str
    address: str
    levels: list[str]
    teaches_ovz: bool
    pupils: int | None
    is_shnor: bool
    is_rip: bool
    is_pilot: bool
    phone: str
    email: str
    website: str
    is_active: bool


class PersonOut(Schema):
    id: int
    full_name: str
    position: str
    workplace: str
    municipality_id: int | None
    school_id: int | None
    email: str
    phone: str
    in_reserve: bool


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str] = Field(default_factory=list)
    read_only: bool = Field(False, description="the request came with a read-only token")


MunicipalityPage = page_of(MunicipalityOut, "MunicipalityPage", counted=True)
SchoolPage = page_of(SchoolOut, "SchoolPage", counted=True)
PersonPage = page_of(PersonOut, "PersonPage", counted=True)


@router.get(
    summary="Current user and their roles",
    path="/me",
    response=responds(MeOut, 401, 429),
    tags=["account"],
)
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    token = getattr(request, "api_token", None)
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": [str(ROLES[r].role.label) for r in access.roles_of(user)],
        "read_only": bool(token and token.read_only),
    }


@router.get(summary="Municipalities", path="/municipalities", response=responds(MunicipalityPage))
def municipalities(request: HttpRequest, page: Query[PageQuery], region: Text | None = None) -> Any:
    access.require(request.user, Cap.MUNICIPALITY_VIEW)
    qs = Municipality.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.MUNICIPALITY_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    return cursor_page(qs, page, counted=True)


@router.get(summary="Municipality", path="/municipalities/{pk}", response=responds(MunicipalityOut))
def municipality(request: HttpRequest, pk: Id) -> Any:
    return get_municipality_for_user(request.user, pk)


@router.get(summary="Schools", path="/schools", response=responds(SchoolPage))
def schools(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    municipality: Id | None = None,
    shnor: bool | None = None,
) -> Any:
    access.require(request.user, Cap.SCHOOL_VIEW)
    qs = School.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.SCHOOL_VIEW)) is not None:
        qs = qs.filter(municipality__region_id=rid)
    if municipality is not None:
        qs = qs.filter(municipality_id=municipality)
    if shnor is not None:
        qs = qs.filter(is_shnor=shnor)
    return cursor_page(qs, page, counted=True)


@router.get(summary="School", path="/schools/{pk}", response=responds(SchoolOut))
def school(request: HttpRequest, pk: Id) -> Any:
    return get_school_for_user(request.user, pk)


@router.get(summary="People", path="/people", response=responds(PersonPage))
def people(request: HttpRequest, page: Query[PageQuery], region: Text | None = None) -> Any:
    access.require(request.user, Cap.PERSON_VIEW)
    qs = Person.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.PERSON_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    return cursor_page(qs, page, counted=True)


@router.get(summary="Person", path="/people/{pk}", response=responds(PersonOut))
def person(request: HttpRequest, pk: Id) -> Any:
    return get_person_for_user(request.user, pk)
