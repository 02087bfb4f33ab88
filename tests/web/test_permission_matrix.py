"""The permission matrix: every URL of the project, for every persona, and what each gets.

Columns are the personas in this order:
operator, department, methodologist, coordinator, head, school, curator, mentor, outsider, anonymous.
A URL added to the project without a row here fails ``test_every_url_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marshrut.accounts.models import ApiToken
from marshrut.orgs.models import RegistryImport
from tests.conftest import PERSONAS, World

COLUMNS = [*PERSONAS, None]  # None: not logged in


@dataclass
class Case:
    expected: str  # ten status codes, one per column
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _import(w: World) -> dict[str, Any]:
    batch = RegistryImport(
        region=w.region, filename="r.csv", size=1, sha256="0" * 64, created_by=w.users["operator"]
    )
    batch.file.save(
        "r.csv", ContentFile("Муниципалитет;ОКТМО\r\nТретий район;98703000\r\n".encode("cp1251"))
    )
    return {"pk": batch.pk}


def _token(w: World) -> dict[str, Any]:
    token, _ = ApiToken.issue(w.users["operator"], "test")
    return {"pk": token.pk}


#                         op  dep met crd hd  sch cur men out anon
MATRIX: dict[str, list[Case]] = {
    "home": [Case("200 200 200 200 200 200 200 200 200 302")],
    "healthz": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:login": [Case("302 302 302 302 302 302 302 302 302 200")],
    "accounts:logout": [
        Case("302 302 302 302 302 302 302 302 302 302", method="post"),
        Case("405 405 405 405 405 405 405 405 405 405", note="GET does not log out"),
    ],
    "accounts:password_change": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:password_change_done": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:password_reset": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:password_reset_done": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:password_reset_confirm": [
        Case(
            "200 200 200 200 200 200 200 200 200 200",
            kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"},
        )
    ],
    "accounts:password_reset_complete": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:tokens": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:token_revoke": [
        Case(
            "302 404 404 404 404 404 404 404 404 302",
            kwargs=_token,
            method="post",
            note="only the owner revokes a token",
        )
    ],
    "orgs:municipality_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "orgs:municipality_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:municipality_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "orgs:municipality_edit": [
        Case("200 403 403 403 403 403 403 403 404 302", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "orgs:school_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "orgs:school_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:school_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 200 200 200 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s3.pk}),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "orgs:school_edit": [
        Case("200 403 403 200 200 403 403 403 404 302", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "orgs:person_list": [Case("200 200 403 200 200 200 200 200 403 302")],
    "orgs:person_create": [Case("200 403 403 200 200 403 403 403 403 302")],
    "orgs:person_detail": [
        Case(
            "200 200 404 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 200 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:person_edit": [
        Case(
            "200 403 404 200 200 403 403 403 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 403 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:person_account": [
        Case(
            "302 403 404 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": w.p_m2.pk},
            method="post",
            data={"username": "second"},
        ),
    ],
    "orgs:membership_create": [
        Case(
            "200 403 404 403 403 403 403 403 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 403 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:membership_end": [
        Case(
            "302 404 404 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": w.membership_m2.pk},
            method="post",
        ),
    ],
    "orgs:import_upload": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:import_template": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:import_preview": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import)],
    "orgs:import_apply": [
        Case("302 404 404 404 404 404 404 404 404 302", kwargs=_import, method="post")
    ],
    "audit:event_list": [Case("200 403 403 403 403 403 403 403 403 302")],
    "set_language": [
        Case("302 302 302 302 302 302 302 302 302 302", method="post", data={"language": "en"})
    ],
    "api:api-root": [
        Case("404 404 404 404 404 404 404 404 404 404", note="the API has no root page")
    ],
    "api:openapi-json": [Case("200 200 200 200 200 200 200 200 200 200")],
    "api:openapi-view": [Case("200 200 200 200 200 200 200 200 200 200")],
    "api:me": [Case("200 200 200 200 200 200 200 200 200 401")],
    "api:municipalities": [Case("200 200 200 200 200 200 200 200 403 401")],
    "api:municipality": [
        Case("200 200 200 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 200 200 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "api:schools": [Case("200 200 200 200 200 200 200 200 403 401")],
    "api:school": [
        Case("200 200 200 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 200 200 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "api:people": [Case("200 200 403 200 200 200 200 200 403 401")],
    "api:person": [
        Case(
            "200 200 404 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 200 404 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
}


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            names |= _url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_a_row() -> None:
    names = _url_names(get_resolver())
    assert names - MATRIX.keys() == set(), "add these URLs to the permission matrix"
    assert MATRIX.keys() - names == set(), "these rows name URLs that no longer exist"


@pytest.mark.parametrize(
    ("name", "index"), [(name, i) for name, cases in MATRIX.items() for i in range(len(cases))]
)
def test_permission_matrix(world: World, name: str, index: int) -> None:
    case = MATRIX[name][index]
    expected = case.expected.split()
    assert len(expected) == len(COLUMNS)
    got = []
    for persona in COLUMNS:
        # Each persona meets the same world: whatever a request changes is rolled back.
        with transaction.atomic():
            url = reverse(name, kwargs=case.kwargs(world))
            client = world.client(persona)
            response = getattr(client, case.method)(url, case.data)
            got.append(str(response.status_code))
            transaction.set_rollback(True)
    table = "\n".join(
        f"{p or 'anonymous':>14}: expected {e}, got {g}"
        for p, e, g in zip(COLUMNS, expected, got, strict=True)
        if e != g
    )
    assert got == expected, f"{name} {case.note}\n{table}"
