"""The demo's ШНОР documents and visits: made on the cohort as found, once."""

from __future__ import annotations

import io

import docx

from marshrut.support.demo_documents import build_documents_demo
from marshrut.support.models import Document, DocumentReview, Visit
from tests.conftest import World, make_school


def test_demo_documents_and_visits_are_built_once_on_the_shnor_schools(world: World) -> None:
    extra = [make_school(world.m2, 10 + k, is_shnor=True) for k in range(4)]
    out = io.StringIO()
    build_documents_demo(world.region, out)
    documents = Document.objects.in_region(world.region)
    schools = {d.school_id for d in documents if d.school_id}
    assert schools == {world.s1.pk, *(s.pk for s in extra)}
    statuses = set(documents.values_list("status", flat=True))
    assert {"accepted", "returned", "review"} <= statuses
    assert DocumentReview.objects.filter(decision="returned").exclude(remarks="").exists()
    # The files are real DOCX.
    version = documents.filter(kind="concept").first().versions.first()  # type: ignore[union-attr]
    assert docx.Document(version.file.open("rb")).paragraphs  # type: ignore[union-attr]
    # Visits only where a curator or mentor is assigned: s1 in the hand-made world.
    assert set(Visit.objects.values_list("school_id", flat=True)) == {world.s1.pk}
    counts = (documents.count(), Visit.objects.count(), DocumentReview.objects.count())
    build_documents_demo(world.region, out)
    assert (documents.count(), Visit.objects.count(), DocumentReview.objects.count()) == counts
    assert "уже есть" in out.getvalue()
