"""Rows of the permission matrix for the ШНОР documents and visits (merged by tests/web)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
from django.core.files.base import ContentFile

from marshrut.orgs.roles import Role
from marshrut.support import actions_documents as actions
from marshrut.support.models import DocumentKind, Visit, VisitFile
from tests.conftest import World

Kwargs = Any


def _docx() -> ContentFile[bytes]:
    document = docx.Document()
    document.add_paragraph("Концепция")
    buffer = io.BytesIO()
    document.save(buffer)
    return ContentFile(buffer.getvalue(), name="Концепция.docx")


def _version(w: World, where: str, *, on_review: bool = False) -> Any:
    version = actions.do_upload_version(
        None, year=2024, kind=DocumentKind.CONCEPT, school=getattr(w, where), upload=_docx()
    )
    if on_review:
        actions.do_submit_document(None, version.document)
    return version


def document(where: str, *, on_review: bool = False) -> Kwargs:
    return lambda w: {"pk": _version(w, where, on_review=on_review).document_id}


def version(where: str) -> Kwargs:
    return lambda w: {"pk": _version(w, where).pk}


def school(where: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, where).pk}


def _visit(w: World, where: str) -> Visit:
    visitor = w.people["curator"] if where == "s1" else w.p_m2
    return Visit.objects.create(
        school=getattr(w, where),
        visitor=visitor,
        visitor_role=Role.CURATOR,
        planned_on=dt.date(2024, 3, 1),
        purpose="посещение",
    )


def visit(where: str) -> Kwargs:
    return lambda w: {"pk": _visit(w, where).pk}


def visit_file(where: str) -> Kwargs:
    def make(w: World) -> dict[str, Any]:
        stored = VisitFile(visit=_visit(w, where), filename="Протокол.docx", size=1, sha256="0")
        stored.file.save("Протокол.docx", _docx(), save=False)
        stored.save()
        return {"pk": stored.pk}

    return make


ALL = "200 200 200 200 200 200 200 200 404 302"
REGION_ONLY = "200 200 200 404 404 404 404 404 404 302"

# name: [(expected, kwargs, method, data)]; kwargs None: a URL without arguments
MATRIX_SUPPORT_DOCS: dict[str, list[tuple[str, Kwargs, str, dict[str, Any]]]] = {
    "support:documents": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:school_documents": [
        (ALL, school("s1"), "get", {}),
        (REGION_ONLY, school("s2"), "get", {}),
        ("400 403 403 400 400 400 403 403 404 302", school("s1"), "post", {"kind": "concept"}),
    ],
    "support:package_docx": [
        (ALL, school("s1"), "get", {}),
        (REGION_ONLY, school("s2"), "get", {}),
    ],
    "support:municipality_documents": [
        ("200 200 200 200 404 404 404 404 404 302", lambda w: {"pk": w.m1.pk}, "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", lambda w: {"pk": w.m2.pk}, "get", {}),
    ],
    "support:document_detail": [
        (ALL, document("s1"), "get", {}),
        (REGION_ONLY, document("s2"), "get", {}),
    ],
    "support:document_submit": [
        ("302 403 403 302 302 302 403 403 404 302", document("s1"), "post", {}),
        ("302 403 403 404 404 404 404 404 404 302", document("s2"), "post", {}),
    ],
    "support:document_review": [
        ("400 403 403 400 403 403 400 403 404 302", document("s1", on_review=True), "post", {}),
        ("400 403 403 404 404 404 404 404 404 302", document("s2", on_review=True), "post", {}),
    ],
    "support:document_file": [
        (ALL, version("s1"), "get", {}),
        (REGION_ONLY, version("s2"), "get", {}),
    ],
    "support:visits": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:visit_plan": [("403 403 403 403 403 403 302 302 403 302", None, "post", {})],
    "support:visit_detail": [
        (ALL, visit("s1"), "get", {}),
        (REGION_ONLY, visit("s2"), "get", {}),
        ("403 403 403 403 403 403 400 403 404 302", visit("s1"), "post", {}),
    ],
    "support:visit_cancel": [
        ("403 403 403 403 403 403 302 403 404 302", visit("s1"), "post", {}),
        ("403 403 403 404 404 404 404 404 404 302", visit("s2"), "post", {}),
    ],
    "support:visit_file": [
        (ALL, visit_file("s1"), "get", {}),
        (REGION_ONLY, visit_file("s2"), "get", {}),
    ],
}
