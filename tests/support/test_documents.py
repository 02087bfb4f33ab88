"""The school's ШНОР documents: uploads, who sees and does what, the review workflow, the package."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx.shared import Cm

from marshrut.lib.concurrency import StaleEdit
from marshrut.support import actions_documents as actions
from marshrut.support import rubrics
from marshrut.support.models import Document, DocumentKind, DocumentReview, DocumentVersion
from tests.conftest import World

YEAR = 2024


def docx_file(
    name: str = "Концепция.docx", text: str = "Концепция развития школы"
) -> SimpleUploadedFile:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def full_scores(kind: str, minus: int = 0) -> dict[str, tuple[int, str]]:
    criteria = rubrics.rubric(kind)
    return {
        c.code: (max(0, c.max_score - (minus if i == 0 else 0)), "" if i else "раздел неполон")
        for i, c in enumerate(criteria)
    }


def upload(world: World, persona: str = "head", **data: Any) -> Any:
    fields = {"kind": "concept", "note": "", "file": docx_file()}
    fields.update(data)
    return world.client(persona).post(f"/shnor/documents/school/{world.s1.pk}/?year={YEAR}", fields)


@pytest.fixture
def concept(world: World) -> Document:
    version = actions.do_upload_version(
        world.users["head"],
        year=YEAR,
        kind=DocumentKind.CONCEPT,
        school=world.s1,
        upload=docx_file(),
    )
    return version.document


# --- uploads -----------------------------------------------------------------------------------


def test_school_head_uploads_a_docx_and_a_second_upload_is_version_two(world: World) -> None:
    assert upload(world).status_code == 302
    assert upload(world, file=docx_file("Концепция v2.docx")).status_code == 302
    document = Document.objects.get(school=world.s1, kind="concept", year=YEAR)
    assert [v.number for v in document.versions.all()] == [1, 2]
    assert document.versions.last().filename == "Концепция v2.docx"  # type: ignore[union-attr]
    assert document.status == Document.Status.DRAFT


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("пусто.docx", b"", "пуст"),
        (
            "программа.exe",
            b"MZ\x90\x00" + b"\x00" * 100,
            "Файлы с расширением «exe» не принимаются",
        ),
        (
            "картинка.pdf",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
            "по содержимому это изображение PNG",
        ),
        ("заметка.txt", "просто текст".encode(), "Файлы с расширением «txt» не принимаются"),
    ],
)
def test_bad_files_are_refused_in_russian_and_nothing_is_saved(
    world: World, name: str, content: bytes, message: str
) -> None:
    page = upload(world, file=SimpleUploadedFile(name, content))
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()


def test_a_file_over_the_limit_is_refused(world: World, settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000
    page = upload(world, file=docx_file(text="х" * 5000))
    assert page.status_code == 400
    assert "слишком большой" in page.content.decode()
    assert not DocumentVersion.objects.exists()


def test_antirisk_programme_names_its_risk_and_a_school_has_at_most_three(world: World) -> None:
    page = upload(world, kind="antirisk")
    assert "Выберите риск" in page.content.decode()
    for code in ("equipment", "parents", "motivation"):
        assert upload(world, kind="antirisk", risk_code=code).status_code == 302
    page = upload(world, kind="antirisk", risk_code="adaptivity")
    assert "не более чем с тремя" in page.content.decode()
    assert Document.objects.filter(kind="antirisk").count() == 3


def test_roadmap_may_point_to_the_school_shnor_plan_instead_of_a_file(world: World) -> None:
    import datetime as dt

    from marshrut.plans.models import Plan

    plan = Plan.objects.create(
        region=world.region,
        municipality=world.m1,
        school=world.s1,
        level="school",
        programme="shnor",
        title="Дорожная карта ШНОР",
        year=YEAR,
        starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
    )
    assert upload(world, kind="roadmap", file="", plan=plan.pk).status_code == 302
    version = DocumentVersion.objects.get()
    assert version.plan == plan and not version.file
    assert "Загрузите файл или выберите" in upload(world, kind="roadmap", file="").content.decode()


# --- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status", [("coordinator", 302), ("curator", 403), ("mentor", 403), ("school", 302)]
)
def test_who_may_upload_for_the_school(world: World, persona: str, status: int) -> None:
    assert upload(world, persona).status_code == status


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("operator", True),
        ("coordinator", True),
        ("head", True),
        ("curator", True),
        ("mentor", True),
        ("outsider", False),
    ],
)
def test_who_sees_the_document_and_its_file(
    world: World, concept: Document, persona: str, sees: bool
) -> None:
    client = world.client(persona)
    version = concept.versions.get()
    assert client.get(f"/shnor/documents/{concept.pk}/").status_code == (200 if sees else 404)
    answer = client.get(f"/shnor/documents/version/{version.pk}/file/")
    assert answer.status_code == (200 if sees else 404)
    if sees:
        assert answer["Content-Disposition"].startswith("attachment")
        assert answer["X-Content-Type-Options"] == "nosniff"


def test_curator_and_school_see_nothing_of_another_school(world: World) -> None:
    version = actions.do_upload_version(
        None, year=YEAR, kind=DocumentKind.CONCEPT, school=world.s3, upload=docx_file()
    )
    for persona in ("curator", "head", "mentor"):
        client = world.client(persona)
        assert client.get(f"/shnor/documents/{version.document_id}/").status_code == 404
        assert client.get(f"/shnor/documents/version/{version.pk}/file/").status_code == 404
        assert client.get(f"/shnor/documents/school/{world.s3.pk}/").status_code == 404
    assert (
        world.client("coordinator").get(f"/shnor/documents/{version.document_id}/").status_code
        == 200
    )


def test_another_region_sees_nothing(world: World, concept: Document) -> None:
    from tests.conftest import build_world

    other = build_world("99", "Вторая область", tag="r2-")
    version = concept.versions.get()
    for persona in ("operator", "coordinator", "curator"):
        client = other.client(persona)
        assert client.get(f"/shnor/documents/{concept.pk}/").status_code == 404
        assert client.get(f"/shnor/documents/version/{version.pk}/file/").status_code == 404
        assert client.get(f"/shnor/documents/school/{world.s1.pk}/package.docx").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in_for_a_file(world: World, concept: Document) -> None:
    version = concept.versions.get()
    answer = world.client(None).get(f"/shnor/documents/version/{version.pk}/file/")
    assert answer.status_code == 302 and "/login" in answer["Location"]


# --- the review workflow -----------------------------------------------------------------------


def review_post(world: World, persona: str, document: Document, **data: Any) -> Any:
    fields: dict[str, Any] = {"version": document.version, "decision": "accepted", "remarks": ""}
    for code, (score, comment) in full_scores(document.kind).items():
        fields[f"score_{code}"] = score
        fields[f"comment_{code}"] = comment
    fields.update(data)
    return world.client(persona).post(f"/shnor/documents/{document.pk}/review/", fields)


def test_return_with_remarks_new_version_then_accept(world: World, concept: Document) -> None:
    head = world.client("head")
    assert head.post(f"/shnor/documents/{concept.pk}/submit/").status_code == 302
    concept.refresh_from_db()
    assert concept.status == Document.Status.REVIEW
    # The school cannot review; the curator of the school can.
    assert review_post(world, "head", concept).status_code == 403
    page = review_post(world, "curator", concept, decision="returned")
    assert "напишите замечания" in page.content.decode()
    page = review_post(
        world, "curator", concept, decision="returned", remarks="Нет анализа результатов ВПР."
    )
    assert page.status_code == 302
    concept.refresh_from_db()
    assert concept.status == Document.Status.RETURNED
    # The school sees the remarks and cannot send the same version again.
    assert (
        "Нет анализа результатов ВПР."
        in head.get(f"/shnor/documents/{concept.pk}/").content.decode()
    )
    head.post(f"/shnor/documents/{concept.pk}/submit/")
    concept.refresh_from_db()
    assert concept.status == Document.Status.RETURNED
    assert upload(world, file=docx_file("Концепция v2.docx")).status_code == 302
    head.post(f"/shnor/documents/{concept.pk}/submit/")
    concept.refresh_from_db()
    assert concept.status == Document.Status.REVIEW
    assert review_post(world, "coordinator", concept).status_code == 302
    concept.refresh_from_db()
    assert concept.status == Document.Status.ACCEPTED
    reviews = list(DocumentReview.objects.filter(version__document=concept).order_by("at", "pk"))
    assert [(r.version.number, r.decision) for r in reviews] == [(1, "returned"), (2, "accepted")]
    assert reviews[1].total == reviews[1].max_total == rubrics.max_total("concept")


def test_no_upload_while_on_review(world: World, concept: Document) -> None:
    actions.do_submit_document(None, concept)
    with pytest.raises(ValidationError, match="на экспертизе"):
        actions.do_upload_version(
            None, year=YEAR, kind=DocumentKind.CONCEPT, school=world.s1, upload=docx_file()
        )


def test_scores_outside_the_rubric_are_refused(world: World, concept: Document) -> None:
    actions.do_submit_document(None, concept)
    concept.refresh_from_db()
    page = review_post(world, "operator", concept, score_analysis=9)
    assert page.status_code == 400
    with pytest.raises(ValidationError, match="от 0 до 3"):
        actions.do_review_document(
            None,
            concept,
            version=None,
            decision="accepted",
            scores={**full_scores("concept"), "analysis": (4, "")},
        )
    assert not DocumentReview.objects.exists()


def test_mentor_and_school_cannot_review_and_coordinator_not_own_programme(world: World) -> None:
    version = actions.do_upload_version(
        None, year=YEAR, kind=DocumentKind.TRANSITION, municipality=world.m1, upload=docx_file()
    )
    document = version.document
    actions.do_submit_document(None, document)
    document.refresh_from_db()
    assert review_post(world, "coordinator", document).status_code == 403
    assert review_post(world, "mentor", document).status_code == 404  # mentors do not see it
    assert review_post(world, "operator", document).status_code == 302


def test_second_reviewer_deciding_on_the_same_version_is_refused_with_what_changed(
    world: World, concept: Document
) -> None:
    actions.do_submit_document(None, concept)
    concept.refresh_from_db()
    opened = concept.version  # both reviewers open the form now
    assert review_post(world, "curator", concept, version=opened).status_code == 302
    page = review_post(
        world, "coordinator", concept, version=opened, decision="returned", remarks="Переделать."
    )
    assert page.status_code == 409
    text = page.content.decode()
    assert "Ваши изменения не сохранены" in text
    assert "Curator" in text and "принят" in text
    concept.refresh_from_db()
    assert concept.status == Document.Status.ACCEPTED
    assert DocumentReview.objects.count() == 1


def test_stale_decision_in_the_action(world: World, concept: Document) -> None:
    actions.do_submit_document(None, concept)
    concept.refresh_from_db()
    opened = concept.version
    actions.do_review_document(
        world.users["curator"],
        concept,
        version=opened,
        decision="accepted",
        scores=full_scores("concept"),
    )
    with pytest.raises(StaleEdit):
        actions.do_review_document(
            world.users["operator"],
            Document.objects.get(pk=concept.pk),
            version=opened,
            decision="returned",
            remarks="нет",
            scores=full_scores("concept"),
        )


# --- the package DOCX and the region page ------------------------------------------------------


def test_package_docx_opens_is_a4_and_lists_reviews(world: World, concept: Document) -> None:
    actions.do_submit_document(None, concept)
    concept.refresh_from_db()
    actions.do_review_document(
        world.users["curator"],
        concept,
        version=concept.version,
        decision="returned",
        remarks="Уточнить цели.",
        scores=full_scores("concept", minus=2),
    )
    answer = world.client("head").get(
        f"/shnor/documents/school/{world.s1.pk}/package.docx?year={YEAR}"
    )
    assert answer.status_code == 200
    document = docx.Document(io.BytesIO(answer.content))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.05)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.05)
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert world.s1.full_name in text
    assert "Уточнить цели." in text
    assert f"{rubrics.max_total('concept') - 2} из {rubrics.max_total('concept')} баллов" in cells
    assert "раздел неполон" in cells
    assert "возвращён с замечаниями" in cells


def test_region_page_shows_statuses_and_transition_share(world: World, concept: Document) -> None:
    import datetime as dt

    from marshrut.support.models import Participation

    for school in (world.s1, world.s2):
        Participation.objects.create(school=school, year=YEAR, entered_on=dt.date(YEAR, 1, 10))
    version = actions.do_upload_version(
        None, year=YEAR, kind=DocumentKind.TRANSITION, municipality=world.m1, upload=docx_file()
    )
    actions.do_submit_document(None, version.document)
    actions.do_review_document(
        None, version.document, version=None, decision="accepted", scores=full_scores("transition")
    )
    page = world.client("operator").get(f"/shnor/documents/?year={YEAR}")
    assert page.status_code == 200
    share = page.context["transition"]
    assert (share.done, share.total, share.percent, share.met) == (1, 2, 50.0, False)
    table = dict((s.pk, cells) for s, cells in page.context["table"])
    assert set(table) == {world.s1.pk, world.s2.pk}
    assert [d.status for d in dict(table[world.s1.pk])["concept"]] == ["draft"]
    # The school's head sees only its own row.
    head = world.client("head").get(f"/shnor/documents/?year={YEAR}")
    assert [s.pk for s, _ in head.context["table"]] == [world.s1.pk]
    assert world.client("outsider").get("/shnor/documents/").status_code == 403


def test_region_pages_take_the_same_queries_for_more_schools(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_school

    def count(path: str) -> int:
        client = world.client("operator")
        client.get(path)  # warm the session and the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    before = (count(f"/shnor/documents/?year={YEAR}"), count(f"/shnor/visits/?year={YEAR}"))
    for k in range(5):
        school = make_school(world.m2, 40 + k, is_shnor=True)
        actions.do_upload_version(
            None, year=YEAR, kind=DocumentKind.CONCEPT, school=school, upload=docx_file()
        )
    actions.do_upload_version(
        None, year=YEAR, kind=DocumentKind.TRANSITION, municipality=world.m2, upload=docx_file()
    )
    after = (count(f"/shnor/documents/?year={YEAR}"), count(f"/shnor/visits/?year={YEAR}"))
    assert after == before


def test_coordinator_uploads_the_municipal_programme_and_only_the_region_reviews_it(
    world: World,
) -> None:
    url = f"/shnor/documents/municipality/{world.m1.pk}/?year={YEAR}"
    coordinator = world.client("coordinator")
    assert (
        coordinator.post(
            url, {"kind": "transition", "file": docx_file("Программа.docx")}
        ).status_code
        == 302
    )
    document = Document.objects.get(kind="transition")
    assert (document.municipality, document.school) == (world.m1, None)
    assert coordinator.post(f"/shnor/documents/{document.pk}/submit/").status_code == 302
    # The school's head and the curator do not reach the municipality's page or its programme.
    for persona in ("head", "curator"):
        assert world.client(persona).get(url).status_code == 404
        assert world.client(persona).get(f"/shnor/documents/{document.pk}/").status_code == 404
    # The other municipality's coordinator role is absent: m2's page answers 404.
    assert coordinator.get(f"/shnor/documents/municipality/{world.m2.pk}/").status_code == 404
    document.refresh_from_db()
    page = coordinator.get(f"/shnor/documents/{document.pk}/")
    assert page.context["review_form"] is None
    assert world.client("operator").get(f"/shnor/documents/{document.pk}/").context["review_form"]
