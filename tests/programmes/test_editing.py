"""Editing sections: autosave, two people saving at once, revisions and their diff, comments."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marshrut.lib.concurrency import StaleEdit
from marshrut.programmes import actions
from marshrut.programmes.models import Programme, ProgrammeComment, ProgrammeRevision
from tests.conftest import World

HX = {"HTTP_HX_REQUEST": "true"}


def _save(world: World, persona: str, programme: Programme, code: str, text: str, version: int):
    section = programme.sections.get(code=code)
    return world.client(persona).post(
        reverse("programmes:programme_section_save", args=[programme.pk, code]),
        {f"s{section.pk}-text": text, f"s{section.pk}-version": version},
        **HX,
    )


def test_autosave_stores_the_text_and_answers_the_block(world: World, programme: Programme) -> None:
    response = _save(world, "head", programme, "3.2.1", "Знание: мало олимпиадников", 1)
    assert response.status_code == 200
    assert "Сохранено" in response.content.decode()
    section = programme.sections.get(code="3.2.1")
    assert section.text == "Знание: мало олимпиадников" and section.version == 2
    assert section.updated_by == world.users["head"]


def test_the_later_of_two_saves_is_refused_with_what_changed(
    world: World, programme: Programme
) -> None:
    assert _save(world, "head", programme, "3.2.1", "Текст руководителя", 1).status_code == 200
    response = _save(world, "coordinator", programme, "3.2.1", "Текст координатора", 1)
    # htmx swaps only a 200 answer: the refused block comes back in place, marked in a header.
    assert response.status_code == 200 and response["X-Refused"] == "409"
    body = response.content.decode()
    assert "пока вы её редактировали" in body
    assert "Текст руководителя" in body  # their text, shown
    assert "Текст координатора" in body  # this person's text, kept in the editor
    assert programme.sections.get(code="3.2.1").text == "Текст руководителя"
    # Saving again from the version the refusal carries passes: a conscious overwrite.
    assert (
        _save(world, "coordinator", programme, "3.2.1", "Текст координатора", 2).status_code == 200
    )


def test_the_action_refuses_a_stale_version(world: World, programme: Programme) -> None:
    section = programme.sections.get(code="6")
    actions.do_save_section(world.users["head"], section, "Проекты", version=1)
    stale = programme.sections.get(code="6")
    stale.version = 1
    with pytest.raises(StaleEdit):
        actions.do_save_section(world.users["coordinator"], stale, "Другое", version=1)


def test_autosaves_of_one_sitting_are_one_revision_and_a_review_starts_a_new_one(
    world: World, programme: Programme
) -> None:
    section = programme.sections.get(code="4.2")
    head = world.users["head"]
    actions.do_save_section(head, section, "Решение 1", version=None)
    actions.do_save_section(head, section, "Решение 1\nРешение 2", version=None)
    assert list(section.revisions.values_list("text", flat=True)) == ["Решение 1\nРешение 2"]
    actions.do_submit(head, programme)
    actions.do_return(world.users["coordinator"], programme, comment="Уточнить", rubric=_rubric())
    actions.do_save_section(head, section, "Решение 1\nРешение 3", version=None)
    assert section.revisions.count() == 2


def test_history_shows_added_and_removed_lines(world: World, programme: Programme) -> None:
    section = programme.sections.get(code="6")
    actions.do_save_section(world.users["head"], section, "Проект «Олимпиада»", version=None)
    actions.do_save_section(
        world.users["coordinator"], section, "Проект «Школьный театр»", version=None
    )
    assert ProgrammeRevision.objects.filter(section=section).count() == 2
    assert actions.text_diff("а\nб", "а\nв") == [("same", "а"), ("removed", "б"), ("added", "в")]
    page = world.client("head").get(reverse("programmes:programme_history", args=[programme.pk]))
    body = page.content.decode()
    assert "Редакция 2" in body and "Проект «Школьный театр»" in body
    assert "text-decoration-line-through" in body  # the removed line


def test_a_submitted_programme_cannot_be_edited(world: World, programme: Programme) -> None:
    actions.do_submit(world.users["head"], programme)
    response = _save(world, "head", programme, "3.2.1", "поздно", 1)
    assert (
        response["X-Refused"] == "400" and "изменять её сейчас нельзя" in response.content.decode()
    )
    with pytest.raises(ValidationError):
        actions.do_save_section(
            world.users["head"], programme.sections.get(code="3.2.1"), "поздно", version=None
        )


def test_comments_are_anchored_to_a_section(world: World, programme: Programme) -> None:
    client = world.client("coordinator")
    url = reverse("programmes:programme_comment_add", args=[programme.pk, "3.2.1"])
    response = client.post(url, {"text": "Причины не названы"})
    assert response.status_code == 302 and response["Location"].endswith("#sec-3.2.1")
    comment = ProgrammeComment.objects.get()
    assert comment.section.code == "3.2.1" and comment.author == world.users["coordinator"]
    assert client.post(url, {"text": "  "}).status_code == 302
    assert ProgrammeComment.objects.count() == 1
    # The school marks it taken into account.
    world.client("head").post(reverse("programmes:programme_comment_resolve", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.resolved
    assert world.client("school").post(url, {"text": "x"}).status_code == 403


def _rubric() -> dict[str, int]:
    from marshrut.programmes.models.programme import RUBRIC

    return {code: 1 for code, _label in RUBRIC}
