"""The REST API (OpenAPI at /api/v1/docs): the same scoping as the pages, session or token auth."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import paginate
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from marshrut.accounts.models import ApiToken
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


def _user_for_key(key: str) -> Any:
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = _user_for_key(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = _user_for_key(key) if key else None
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Маршрут API",
    version="1",
    description="Реестр региона: муниципалитеты, школы, люди. Доступ тот же, что на страницах.",
    auth=[SessionAuth(), BearerToken(), HeaderToken()],
    urls_namespace="api",
)


class MunicipalityOut(Schema):
    id: int
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


@api.get("/me", response=MeOut, tags=["учётная запись"])
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": [str(ROLES[r].role.label) for r in access.roles_of(user)],
    }


@api.get("/municipalities", response=list[MunicipalityOut], tags=["реестр"])
@paginate
def municipalities(request: HttpRequest) -> Any:
    access.require(request.user, Cap.MUNICIPALITY_VIEW)
    return Municipality.objects.for_user(request.user)


@api.get("/municipalities/{pk}", response=MunicipalityOut, tags=["реестр"])
def municipality(request: HttpRequest, pk: int) -> Any:
    return get_municipality_for_user(request.user, pk)


@api.get("/schools", response=list[SchoolOut], tags=["реестр"])
@paginate
def schools(
    request: HttpRequest, municipality: int | None = None, shnor: bool | None = None
) -> Any:
    access.require(request.user, Cap.SCHOOL_VIEW)
    qs = School.objects.for_user(request.user)
    if municipality is not None:
        qs = qs.filter(municipality_id=municipality)
    if shnor is not None:
        qs = qs.filter(is_shnor=shnor)
    return qs


@api.get("/schools/{pk}", response=SchoolOut, tags=["реестр"])
def school(request: HttpRequest, pk: int) -> Any:
    return get_school_for_user(request.user, pk)


@api.get("/people", response=list[PersonOut], tags=["реестр"])
@paginate
def people(request: HttpRequest) -> Any:
    access.require(request.user, Cap.PERSON_VIEW)
    return Person.objects.for_user(request.user)


@api.get("/people/{pk}", response=PersonOut, tags=["реестр"])
def person(request: HttpRequest, pk: int) -> Any:
    return get_person_for_user(request.user, pk)
