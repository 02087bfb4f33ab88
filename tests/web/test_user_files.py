"""User files: evidence, discussion documents and import files go out through one scoped view.

The view answers only within the scope of the file's object, always as an attachment with a safe
type and ``nosniff``; files are stored under random names, limited in size and kind, and an old
file is removed once it is replaced or its object is deleted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marshrut.accounts.models import User
from marshrut.diagnostics.models import Answer, Submission
from marshrut.lib.files import move_to_token_names
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from marshrut.plans.models import Evidence, Level, Plan
from marshrut.surveys.models import Document
from tests.conftest import World
from tests.diagnostics.factories import campaign_for
from tests.hostile import HTML, PNG, SVG
from tests.plans.conftest import make_plan

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
NAME = "Акт проверки № 5.pdf"
TOKEN_NAME = re.compile(r"^diagnostics/evidence/[0-9a-f]{2}/[0-9a-f]{32}$")


def _submission(world: World) -> Submission:
    return campaign_for(world).submissions.get(school=world.s1)


def _save(world: World, name: str, data: bytes, persona: str = "school") -> Any:
    sub = _submission(world)
    return world.client(persona).post(
        reverse("diagnostics:answer_save", kwargs={"pk": sub.pk, "code": "ZN.01"}),
        {"value": "yes", "evidence_file": SimpleUploadedFile(name, data)},
        HTTP_HX_REQUEST="true",
    )


def _answer(world: World) -> Answer:
    return Answer.objects.get(submission=_submission(world), code="ZN.01")


def _client_for(world: World, name: str, role: str, **node: Any) -> Client:
    user = User.objects.create_user(name, f"{name}@test.local", "x")
    person = Person.objects.create(
        region=world.region,
        last_name=name,
        first_name="Тест",
        email=f"{name}@test.local",
        user=user,
    )
    Membership.objects.create(person=person, role=role, **node)
    client = Client()
    client.force_login(user)
    return client


def _download(world: World) -> str:
    return reverse("diagnostics:evidence_download", kwargs={"pk": _answer(world).pk})


def test_coordinator_of_the_schools_municipality_opens_the_evidence(world: World) -> None:
    assert _save(world, NAME, PDF).status_code == 200
    response = world.client("coordinator").get(_download(world))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(NAME)}" in disposition


def test_the_submission_page_links_the_evidence_by_the_view(world: World) -> None:
    _save(world, NAME, PDF)
    page = world.client("coordinator").get(
        reverse("diagnostics:submission", kwargs={"pk": _submission(world).pk})
    )
    html = page.content.decode()
    assert _download(world) in html and "/media/" not in html


@pytest.mark.parametrize("who", ["head of another school", "coordinator of another municipality"])
def test_nobody_outside_the_schools_scope_opens_it(world: World, who: str) -> None:
    _save(world, NAME, PDF)
    if who == "head of another school":
        client = _client_for(world, "head2", Role.SCHOOL_HEAD, school=world.s2)
    else:
        client = _client_for(world, "coord2", Role.MUNICIPAL_COORDINATOR, municipality=world.m2)
    assert client.get(_download(world)).status_code == 404


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    _save(world, NAME, PDF)
    response = Client().get(_download(world))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_media_is_not_served_at_all(world: World) -> None:
    _save(world, NAME, PDF)
    name = _answer(world).evidence_file.name
    for persona in ("coordinator", "operator", None):
        assert world.client(persona).get(f"/media/{name}").status_code == 404


def test_the_file_is_stored_under_a_random_name_and_keeps_its_own(world: World) -> None:
    _save(world, NAME, PDF)
    answer = _answer(world)
    assert TOKEN_NAME.match(answer.evidence_file.name), answer.evidence_file.name
    assert answer.evidence_name == NAME


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("страница.html", HTML, "не принимаются"),
        ("рисунок.svg", SVG, "не принимаются"),
        ("страница.pdf", HTML, "веб-страница"),
        ("фото.pdf", PNG, "расширение говорит «pdf»"),
        ("пусто.pdf", b"", "пуст"),
    ],
)
def test_pages_drawings_and_mismatches_are_refused(
    world: World, name: str, data: bytes, fragment: str
) -> None:
    response = _save(world, name, data)
    assert response.status_code == 200
    assert fragment in response.context["item"]["error"]
    assert not Answer.objects.filter(submission=_submission(world)).exists()


def test_an_oversize_file_is_refused_with_the_limit(world: World, settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _save(world, NAME, PDF + b"0" * 2048)
    error = response.context["item"]["error"]
    assert "слишком большой" in error and "допускается не более 1 КБ" in error
    assert not Answer.objects.filter(submission=_submission(world)).exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_reupload_removes_the_old_file(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _save(world, NAME, PDF)
    old = _answer(world).evidence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        _save(world, "Акт, исправленный.pdf", PDF + b"%v2")
    answer = _answer(world)
    assert answer.evidence_file.name != old and answer.evidence_name == "Акт, исправленный.pdf"
    assert not default_storage.exists(old)
    assert default_storage.exists(answer.evidence_file.name)


def test_deleting_the_submission_removes_its_files(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _save(world, NAME, PDF)
    name = _answer(world).evidence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        _submission(world).delete()
    assert not default_storage.exists(name)


def test_existing_files_move_to_token_names_and_stay_reachable(world: World) -> None:
    """The data migration's step, on a row stored the old way (a guessable path)."""
    answer = Answer.objects.create(submission=_submission(world), code="ZN.01", value=True)
    old = f"diagnostics/{answer.submission.campaign_id}/{world.s1.pk}/Приказ.pdf"
    default_storage.save(old, ContentFile(PDF))
    Answer.objects.filter(pk=answer.pk).update(evidence_file=old)
    move_to_token_names(
        apps,
        "diagnostics.Answer",
        "evidence_file",
        "diagnostics/evidence",
        name_field="evidence_name",
    )
    answer.refresh_from_db()
    assert TOKEN_NAME.match(answer.evidence_file.name) and answer.evidence_name == "Приказ.pdf"
    assert not default_storage.exists(old)
    response = world.client("coordinator").get(_download(world))
    assert b"".join(response.streaming_content) == PDF
    assert quote("Приказ.pdf") in response["Content-Disposition"]


def _plan_evidence(world: World, name: str, data: bytes) -> Any:
    plan = make_plan(world, Level.SCHOOL, school=world.s1)
    item = plan.items.first()
    assert item is not None
    return world.client("school").post(
        reverse("plans:item_report", kwargs={"pk": item.pk}),
        {"status": "in_progress", "evidence": SimpleUploadedFile(name, data)},
    )


def test_plan_evidence_goes_out_as_a_safe_attachment(world: World) -> None:
    assert _plan_evidence(world, "Фото мероприятия.png", PNG).status_code == 302
    evidence = Evidence.objects.get()
    assert "Фото" not in evidence.file.name
    response = world.client("coordinator").get(
        reverse("plans:evidence_download", kwargs={"pk": evidence.pk})
    )
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        _client_for(world, "c2", Role.MUNICIPAL_COORDINATOR, municipality=world.m2)
        .get(reverse("plans:evidence_download", kwargs={"pk": evidence.pk}))
        .status_code
        == 404
    )


@pytest.mark.parametrize(("name", "data"), [("a.html", HTML), ("b.svg", SVG), ("c.pdf", b"")])
def test_plan_evidence_refuses_pages_drawings_and_empty_files(
    world: World, name: str, data: bytes
) -> None:
    response = _plan_evidence(world, name, data)
    assert response.status_code == 400
    assert response.context["form"].errors["evidence"]
    assert not Evidence.objects.exists()
    assert Plan.objects.count() == 1


def _document(world: World) -> Document:
    response = world.client("operator").post(
        reverse("surveys:document_create"),
        {
            "title": "Положение о наставничестве",
            "version": "1",
            "criteria_text": "Ясность | 3",
            "file": SimpleUploadedFile("Положение (проект).pdf", PDF),
        },
    )
    assert response.status_code == 302
    return Document.objects.get()


def test_the_discussion_shows_its_document_to_whoever_has_the_link(world: World) -> None:
    document = _document(world)
    survey = document.discussions.get()
    page = Client().get(reverse("respond:survey", kwargs={"token": survey.token}))
    link = reverse("respond:document_file", kwargs={"token": survey.token})
    assert link in page.content.decode()
    response = Client().get(link)
    assert b"".join(response.streaming_content) == PDF
    assert quote("Положение (проект).pdf") in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    manager_page = world.client("operator").get(
        reverse("surveys:document_detail", kwargs={"pk": document.pk})
    )
    assert (
        reverse("surveys:document_file", kwargs={"pk": document.pk})
        in manager_page.content.decode()
    )


def test_a_closed_discussion_no_longer_hands_out_its_document(world: World) -> None:
    survey = _document(world).discussions.get()
    survey.status = survey.Status.CLOSED
    survey.save()
    link = reverse("respond:document_file", kwargs={"token": survey.token})
    assert Client().get(link).status_code == 404


def test_deleting_a_campaign_collects_its_files_in_one_query(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _save(world, NAME, PDF)
    campaign = _submission(world).campaign
    other = campaign.submissions.exclude(school=world.s1).first()
    assert other is not None  # a second submission, whose receiver must not query again
    Answer.objects.create(submission=other, code="ZN.01", value=True)
    name = _answer(world).evidence_file.name
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        campaign.delete()
    assert not default_storage.exists(name)
    evidence_reads = [
        q["sql"] for q in queries if "evidence_file" in q["sql"] and "SELECT" in q["sql"]
    ]
    assert len(evidence_reads) == 1, evidence_reads
