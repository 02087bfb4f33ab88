"""Review: submit → return with remarks and the rubric → resubmit → approve → the school's order."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from marshrut.programmes import actions
from marshrut.programmes.models import Programme, ProgrammeReview
from tests.conftest import World
from tests.programmes.conftest import RUBRIC_OK


def test_the_full_review_round(world: World, programme: Programme) -> None:
    head, coordinator = world.client("head"), world.client("coordinator")
    detail = reverse("programmes:programme_detail", args=[programme.pk])
    assert head.post(reverse("programmes:programme_submit", args=[programme.pk])).status_code == 302
    review = reverse("programmes:programme_review", args=[programme.pk])
    assert coordinator.get(review).status_code == 200
    # Returning needs remarks; nothing changes without them.
    response = coordinator.post(review, {"decision": "return", "comment": "", **RUBRIC_OK})
    assert response.status_code == 200 and "напишите замечания" in response.content.decode()
    programme.refresh_from_db()
    assert programme.status == Programme.Status.SUBMITTED
    # The rubric is required.
    response = coordinator.post(review, {"decision": "approve", "comment": ""})
    assert response.status_code == 200
    coordinator.post(review, {"decision": "return", "comment": "Раздел 3.2.1 пуст", **RUBRIC_OK})
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RETURNED
    returned = programme.reviews.get(decision=ProgrammeReview.Decision.RETURNED)
    assert returned.score == 12 and returned.comment == "Раздел 3.2.1 пуст"
    assert "Раздел 3.2.1 пуст" in head.get(detail).content.decode()
    head.post(reverse("programmes:programme_submit", args=[programme.pk]))
    coordinator.post(review, {"decision": "approve", "comment": "", **RUBRIC_OK})
    programme.refresh_from_db()
    assert programme.status == Programme.Status.APPROVED
    assert programme.agreed_on == world.region.today()
    assert programme.agreed_by == world.people["coordinator"].full_name
    # The school's order: «УТВЕРЖДЕНА приказом … от …».
    head.post(
        reverse("programmes:programme_order", args=[programme.pk]),
        {"number": "45-од", "date": "2025-03-20"},
    )
    programme.refresh_from_db()
    assert programme.approved_line == "УТВЕРЖДЕНА приказом от 20.03.2025 № 45-од"
    body = head.get(reverse("programmes:programme_export", args=[programme.pk, "docx"])).content
    text = "\n".join(
        p.text
        for t in docx.Document(io.BytesIO(body)).tables[:1]
        for c in t.rows[0].cells
        for p in c.paragraphs
    )
    assert "УТВЕРЖДЕНА приказом от 20.03.2025 № 45-од" in text and "СОГЛАСОВАНА" in text


def test_only_the_reviewer_decides(world: World, programme: Programme) -> None:
    actions.do_submit(world.users["head"], programme)
    url = reverse("programmes:programme_review", args=[programme.pk])
    assert world.client("head").post(url, {"decision": "approve", **RUBRIC_OK}).status_code == 403


def test_a_draft_cannot_be_approved_and_an_order_needs_approval(
    world: World, programme: Programme
) -> None:
    with pytest.raises(ValidationError):
        actions.do_approve(world.users["coordinator"], programme, rubric=RUBRIC_OK)
    with pytest.raises(ValidationError):
        actions.do_record_order(world.users["head"], programme, number="1", date=dt.date.today())


def test_the_database_keeps_the_approval_invariants(world: World, programme: Programme) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(
            order_number="1", order_date=dt.date.today()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeReview.objects.create(programme=programme, decision="returned", comment="")


def test_the_defence_is_recorded_with_its_protocol(world: World, programme: Programme) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    actions.do_submit(world.users["head"], programme)
    url = reverse("programmes:programme_defence", args=[programme.pk])
    response = world.client("coordinator").post(
        url,
        {
            "held_on": "2025-04-22",
            "committee": "Иванова И. И. (МОУО), Петров П. П. (ИРО)",
            "result": "defended",
            "notes": "",
            "upload": SimpleUploadedFile("протокол.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert response.status_code == 302
    defence = programme.defences.get()
    assert defence.held_on == dt.date(2025, 4, 22) and defence.protocol_name == "протокол.pdf"
    protocol = reverse("programmes:programme_protocol", args=[defence.pk])
    assert world.client("head").get(protocol).status_code == 200
    assert world.client("outsider").get(protocol).status_code == 404
    # A program pretending to be a protocol is refused by the upload check.
    response = world.client("coordinator").post(
        url,
        {
            "held_on": "2025-04-23",
            "result": "defended",
            "upload": SimpleUploadedFile("протокол.pdf", b"MZ\x90\x00binary"),
        },
    )
    assert response.status_code == 200 and programme.defences.count() == 1
