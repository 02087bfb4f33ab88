"""Rows of the permission matrix for the practices library (pages and API), in the format of
``MATRIX_REPORTS``: (expected, kwargs, method, data), ten status codes per row — operator,
department, methodologist, coordinator, head, school, curator, mentor, outsider, anonymous.

The head and the school coordinator write for s1; the methodologist and the operator moderate the
region; everybody with a role reads the published practices of the region.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile

from marshrut.practices.models import Adoption, Material, Status
from tests.conftest import World
from tests.practices.factories import practice

NONE = 2**62


def card(where: str, status: str = Status.PUBLISHED) -> Any:
    return lambda w: {"pk": practice(getattr(w, where), status=status).pk}


def material(where: str, status: str = Status.PUBLISHED) -> Any:
    def make(w: World) -> dict[str, Any]:
        m = Material(practice=practice(getattr(w, where), status=status), filename="план.pdf")
        m.file.save("план.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        m.save()
        return {"pk": m.pk}

    return make


def adoption(w: World) -> dict[str, Any]:
    p = practice(w.s2, indicators=["UC.01"])
    a = Adoption.objects.create(
        practice=p, school=w.s1, indicators=["UC.01"], adopted_on=dt.date(2024, 3, 1)
    )
    return {"pk": a.pk}


READ_ALL = "200 200 200 200 200 200 200 200 404 302"
DRAFT_S1 = "200 404 200 404 200 200 404 404 404 302"
WRITE_DRAFT_S1 = "302 404 302 404 302 302 404 404 404 302"

MATRIX_PRACTICES: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "practices:practice_list": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "practices:practice_create": [("200 403 403 403 200 200 403 403 403 302", None, "get", {})],
    "practices:moderation_queue": [("200 403 200 403 403 403 403 403 403 302", None, "get", {})],
    "practices:practice_detail": [
        (READ_ALL, card("s2"), "get", {}),
        (DRAFT_S1, card("s1", Status.DRAFT), "get", {}),
        ("200 404 200 404 404 404 404 404 404 302", card("s2", Status.MODERATION), "get", {}),
    ],
    "practices:practice_edit": [
        (DRAFT_S1, card("s1", Status.DRAFT), "get", {}),
        ("200 403 200 403 403 403 403 403 404 302", card("s1"), "get", {}),
    ],
    "practices:practice_submit": [
        ("302 404 403 404 302 302 404 404 404 302", card("s1", Status.DRAFT), "post", {}),
    ],
    "practices:practice_moderate": [
        (
            "302 404 302 404 403 403 404 404 404 302",
            card("s1", Status.MODERATION),
            "post",
            {"decision": "publish"},
        ),
    ],
    "practices:practice_archive": [
        ("302 403 302 403 403 403 403 403 404 302", card("s2"), "post", {}),
    ],
    "practices:material_add": [
        (WRITE_DRAFT_S1, card("s1", Status.DRAFT), "post", {"url": "https://example.ru/a"}),
    ],
    "practices:material_delete": [(WRITE_DRAFT_S1, material("s1", Status.DRAFT), "post", {})],
    "practices:material_file": [
        (READ_ALL, material("s2"), "get", {}),
        (DRAFT_S1, material("s1", Status.DRAFT), "get", {}),
    ],
    "practices:practice_adopt": [
        ("400 403 403 403 400 400 403 403 404 302", card("s2"), "post", {}),
    ],
    "practices:adoption_delete": [
        ("302 403 403 403 302 302 403 403 404 302", adoption, "post", {}),
    ],
    "api:practices": [("200 200 200 200 200 200 200 200 403 401", None, "get", {})],
    "api:practice": [
        ("404 404 404 404 404 404 404 404 404 401", lambda w: {"pk": NONE}, "get", {}),
        ("200 200 200 200 200 200 200 200 404 401", card("s2"), "get", {}),
    ],
}
