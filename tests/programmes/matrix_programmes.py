"""Rows of the permission matrix for the programme URLs, in the format of ``MATRIX_REPORTS``:
(expected, kwargs, method, data), ten status codes per row — operator, department, methodologist,
coordinator, head, school, curator, mentor, outsider, anonymous.

The programmes here are bare (sections without data): access is what the rows test, and drafting
from a scored questionnaire for each of the ten personas would only make the matrix slow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile

from marshrut.programmes.models import (
    Defence,
    Programme,
    ProgrammeArchiveJob,
    ProgrammeComment,
    ProgrammeSection,
)
from marshrut.programmes.models.programme import STRUCTURE
from tests.conftest import World


def bare(w: World, where: str = "s1", status: str = "draft") -> Programme:
    school = getattr(w, where)
    programme = Programme.objects.create(
        region=w.region,
        school=school,
        title=f"Программа развития {school.short_name}",
        starts_year=2025,
        ends_year=2028,
        status=status,
        agreed_on=dt.date(2025, 3, 1) if status == "approved" else None,
    )
    ProgrammeSection.objects.bulk_create(
        [
            ProgrammeSection(programme=programme, code=code, position=n)
            for n, (code, _title) in enumerate(STRUCTURE, start=1)
        ]
    )
    return programme


def programme(where: str = "s1", status: str = "draft") -> Any:
    return lambda w: {"pk": bare(w, where, status).pk}


def section(where: str = "s1") -> Any:
    return lambda w: {"pk": bare(w, where).pk, "code": "3.2.1"}


def comment(w: World) -> dict[str, Any]:
    target = bare(w).sections.get(code="3.2.1")
    return {"pk": ProgrammeComment.objects.create(section=target, text="Замечание").pk}


def protocol(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        defence = Defence(programme=bare(w, where, "submitted"), held_on=dt.date(2025, 4, 22))
        defence.protocol.save("p.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        defence.protocol_name = "протокол.pdf"
        defence.save()
        return {"pk": defence.pk}

    return make


def archive(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        job = ProgrammeArchiveJob(
            municipality=getattr(w, where), status=ProgrammeArchiveJob.Status.DONE, progress=100
        )
        job.file.save("a.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
        job.save()
        return {"pk": job.pk}

    return make


READ_S1 = "200 200 200 200 200 200 200 200 404 302"
READ_S2 = "200 200 200 404 404 404 404 404 404 302"
MANAGE_POST = "302 403 403 302 302 403 403 403 404 302"
MANAGE_POST_S2 = "302 403 403 404 404 404 404 404 404 302"
APPROVE_GET = "200 403 403 200 403 403 403 403 404 302"

MATRIX_PROGRAMMES: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "programmes:programme_list": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "programmes:programme_overview": [("200 200 200 200 403 403 403 403 403 302", None, "get", {})],
    "programmes:programme_draft": [
        (
            "302 403 403 302 302 403 403 403 404 302",
            lambda w: {"school": w.s1.pk},
            "post",
            {},
        ),
        (
            "302 403 403 404 404 404 404 404 404 302",
            lambda w: {"school": w.s2.pk},
            "post",
            {},
        ),
    ],
    "programmes:programme_detail": [
        (READ_S1, programme(), "get", {}),
        (READ_S2, programme("s2"), "get", {}),
    ],
    "programmes:programme_history": [(READ_S1, programme(), "get", {})],
    "programmes:programme_section_save": [
        (MANAGE_POST, section(), "post", {"text": "Причины"}),
        (MANAGE_POST_S2, section("s2"), "post", {"text": "Причины"}),
    ],
    "programmes:programme_comment_add": [
        (MANAGE_POST, section(), "post", {"text": "Замечание"}),
    ],
    "programmes:programme_comment_resolve": [(MANAGE_POST, comment, "post", {})],
    "programmes:programme_submit": [
        (MANAGE_POST, programme(), "post", {}),
        (MANAGE_POST_S2, programme("s2"), "post", {}),
    ],
    "programmes:programme_review": [
        (APPROVE_GET, programme(status="submitted"), "get", {}),
        (
            "200 403 403 404 404 404 404 404 404 302",
            programme("s2", "submitted"),
            "get",
            {},
        ),
    ],
    "programmes:programme_order": [
        (MANAGE_POST, programme(status="approved"), "post", {"number": "1", "date": "2025-03-02"})
    ],
    "programmes:programme_refresh": [(MANAGE_POST, programme(), "post", {})],
    "programmes:programme_targets": [(MANAGE_POST, programme(), "post", {})],
    "programmes:programme_defence": [(APPROVE_GET, programme(status="submitted"), "get", {})],
    "programmes:programme_protocol": [
        (READ_S1, protocol("s1"), "get", {}),
        (READ_S2, protocol("s2"), "get", {}),
    ],
    "programmes:programme_export": [
        (READ_S1, lambda w: {"pk": bare(w).pk, "fmt": "docx"}, "get", {}),
        (READ_S2, lambda w: {"pk": bare(w, "s2").pk, "fmt": "docx"}, "get", {}),
    ],
    "programmes:programme_archive_start": [
        ("200 200 200 200 403 403 403 403 404 302", lambda w: {"pk": w.m1.pk}, "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", lambda w: {"pk": w.m2.pk}, "get", {}),
    ],
    "programmes:programme_archive_job": [
        ("200 200 200 200 404 404 404 404 404 302", archive("m1"), "get", {}),
    ],
    "programmes:programme_archive_status": [
        ("200 200 200 200 404 404 404 404 404 302", archive("m1"), "get", {}),
    ],
    "programmes:programme_archive_file": [
        ("200 200 200 200 404 404 404 404 404 302", archive("m1"), "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", archive("m2"), "get", {}),
    ],
}
