"""Public discussion and expert review of a document."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marshrut.surveys.actions import do_create_document, do_invite_experts
from marshrut.surveys.models import Document, Review, Score
from marshrut.surveys.results import document_summary
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(world: World) -> Document:
    return do_create_document(
        None,
        Document(region=world.region, title="Методический альбом", version="1"),
        criteria=[("Соответствие Концепции", 3), ("Применимость", 5)],
    )


def test_operator_puts_a_document_to_discussion(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        "/surveys/documents/new/",
        {
            "title": "Модель сопровождения",
            "version": "1",
            "criteria_text": "Ясность | 3\nПольза | 4",
        },
    )
    assert response.status_code == 302
    document = Document.objects.get(title="Модель сопровождения")
    assert [(c.title, c.max_score) for c in document.criteria.all()] == [
        ("Ясность", 3),
        ("Польза", 4),
    ]
    assert document.discussions.get().is_open


def test_discussion_and_expert_scores_are_summarised(world: World, document: Document) -> None:
    discussion = document.discussions.get()
    roles, readiness = discussion.questions.all()[:2]
    proposals = discussion.questions.all()[3]
    for i in range(6):
        data = {
            f"q{roles.pk}": "1",
            f"q{readiness.pk}": str(3 + i % 3),
            f"q{proposals.pk}": f"предложение {i}",
        }
        assert (
            Client(REMOTE_ADDR=f"10.1.0.{i}").post(f"/s/{discussion.token}/", data).status_code
            == 200
        )
    [review] = do_invite_experts(None, document, [world.p_m2])
    criteria = list(document.criteria.all())
    page = Client().get(f"/s/e/{review.token}/")
    assert page.status_code == 200 and "navbar" not in page.content.decode()
    bad = Client().post(
        f"/s/e/{review.token}/", {f"c{criteria[0].pk}": "9", f"c{criteria[1].pk}": "4"}
    )
    assert bad.status_code == 400 and Score.objects.count() == 0
    ok = Client().post(
        f"/s/e/{review.token}/",
        {f"c{criteria[0].pk}": "2", f"c{criteria[1].pk}": "4", "comment": "годится"},
    )
    assert ok.status_code == 200
    again = Client().post(
        f"/s/e/{review.token}/", {f"c{criteria[0].pk}": "3", f"c{criteria[1].pk}": "5"}
    )
    assert again.status_code == 409
    summary = document_summary(document)
    assert summary.responses == 6 and not summary.hidden
    assert summary.mean_readiness == 4.0
    assert summary.by_role[0].count == 6
    assert len(summary.proposals) == 6
    assert (summary.experts_invited, summary.experts_done) == (1, 1)
    assert summary.criteria == [("Соответствие Концепции", 3, 2.0), ("Применимость", 5, 4.0)]
    assert summary.expert_comments == ["годится"]
    page = world.client("operator").get(f"/surveys/documents/{document.pk}/")
    assert page.status_code == 200 and "годится" in page.content.decode()


def test_expert_links_are_personal_and_unguessable(
    world: World, document: Document, settings: Any
) -> None:
    assert Client().get("/s/e/not-a-token/").status_code == 404
    [review] = do_invite_experts(None, document, [world.p_m2, world.p_m2])
    assert Review.objects.count() == 1 and len(review.token) >= 32
