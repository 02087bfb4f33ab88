"""The cohort's rows of the permission matrix (tests/web/test_permission_matrix.py).

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous. The lead merges these into ``MATRIX``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile

from marshrut.lib.imports import ImportBatch
from marshrut.orgs.models import Membership
from marshrut.orgs.roles import Role
from marshrut.support.models import Participation
from tests.conftest import World


def participation(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        school = getattr(w, where)
        p, _ = Participation.objects.get_or_create(
            school=school, year=2026, defaults={"entered_on": dt.date(2026, 2, 1)}
        )
        return {"pk": p.pk}

    return make


def school(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        participation(where)(w)
        return {"pk": getattr(w, where).pk}

    return make


def curator_membership(w: World) -> dict[str, Any]:
    return {"pk": Membership.objects.get(person=w.people["curator"], role=Role.CURATOR).pk}


def batch(kind: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        b = ImportBatch(
            kind=kind,
            region=w.region,
            filename="r.csv",
            size=1,
            sha256="0" * 64,
            status=ImportBatch.Status.FAILED,
            params={"year": 2026, "entered_on": "2026-02-01"},
            created_by=w.users["operator"],
        )
        b.file.save("r.csv", ContentFile("ИНН;Предмет\r\n".encode("cp1251")))
        return {"pk": b.pk}

    return make


# name: [(expected, kwargs, method, data)]
MATRIX_COHORT: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "support:cohort": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:cohort_add": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
    "support:cohort_school": [
        ("200 200 200 200 200 200 200 200 403 302", school("s1"), "get", {}),
        ("200 200 200 404 404 404 404 404 403 302", school("s2"), "get", {}),
    ],
    "support:participation_edit": [
        ("200 403 403 403 403 403 403 403 403 302", participation("s1"), "get", {})
    ],
    "support:selection": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
    "support:team": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:team_assign": [("302 403 403 403 403 403 403 403 403 302", None, "post", {})],
    "support:team_order": [
        ("302 403 403 403 403 403 403 403 403 302", curator_membership, "post", {})
    ],
    "support:team_test": [("302 403 403 403 403 403 403 403 403 302", None, "post", {})],
    "support:results_import": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
    "support:list_import": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
}
for prefix, kind in (("results", "shnor_results"), ("list", "shnor_federal_list")):
    MATRIX_COHORT[f"support:{prefix}_batch"] = [
        ("200 404 404 404 404 404 404 404 404 302", batch(kind), "get", {})
    ]
    MATRIX_COHORT[f"support:{prefix}_status"] = [
        ("200 404 404 404 404 404 404 404 404 302", batch(kind), "get", {})
    ]
    MATRIX_COHORT[f"support:{prefix}_file"] = [
        ("200 404 404 404 404 404 404 404 404 302", batch(kind), "get", {})
    ]
    MATRIX_COHORT[f"support:{prefix}_apply"] = [
        ("302 404 404 404 404 404 404 404 404 302", batch(kind), "post", {})
    ]
