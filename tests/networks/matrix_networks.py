"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for the networks app.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous. The group has members from m1 (the coordinator's) and m2; the site is at s3.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from tests.conftest import World
from tests.networks import factories

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def group(w: World) -> dict[str, Any]:
    return {"pk": factories.group(w).pk}


def member(w: World) -> dict[str, Any]:
    return {"pk": factories.member(w).pk}


def stage(w: World) -> dict[str, Any]:
    return {"pk": factories.group(w).stages.first().pk}  # type: ignore[union-attr]


def document(w: World) -> dict[str, Any]:
    from marshrut.networks.models import GroupDocument
    from marshrut.surveys.models import Document

    g = factories.group(w)
    link = GroupDocument.objects.filter(group=g).first()
    if link is None:
        doc = Document(region=w.region, title="Альбом", filename="альбом.pdf")
        doc.file.save("album.pdf", ContentFile(PDF), save=False)
        doc.save()
        link = GroupDocument.objects.create(group=g, document=doc)
    return {"pk": link.pk}


def site(w: World) -> dict[str, Any]:
    return {"pk": factories.site(w).pk}


#                  op  dep met crd hd  sch cur men out anon
MATRIX_NETWORKS: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "networks:group_list": [("200 200 200 200 403 403 403 403 403 302", None, "get", {})],
    "networks:group_create": [("200 403 200 403 403 403 403 403 403 302", None, "get", {})],
    "networks:group_detail": [("200 200 200 200 404 404 404 404 404 302", group, "get", {})],
    "networks:group_edit": [("200 403 200 403 404 404 404 404 404 302", group, "get", {})],
    "networks:member_add": [("200 403 200 403 404 404 404 404 404 302", group, "get", {})],
    "networks:member_edit": [("200 403 200 403 404 404 404 404 404 302", member, "get", {})],
    "networks:member_delete": [("302 403 302 403 404 404 404 404 404 302", member, "post", {})],
    "networks:stage_add": [("200 403 200 403 404 404 404 404 404 302", group, "get", {})],
    "networks:stage_edit": [("200 403 200 403 404 404 404 404 404 302", stage, "get", {})],
    "networks:document_add": [("200 403 200 403 404 404 404 404 404 302", group, "get", {})],
    "networks:document_file": [("200 200 200 200 404 404 404 404 404 302", document, "get", {})],
    "networks:site_list": [("200 200 200 200 403 403 403 403 403 302", None, "get", {})],
    "networks:site_create": [("200 403 200 403 403 403 403 403 403 302", None, "get", {})],
    "networks:site_detail": [("200 200 200 200 404 404 404 404 404 302", site, "get", {})],
    "networks:site_edit": [("200 403 200 403 404 404 404 404 404 302", site, "get", {})],
}
