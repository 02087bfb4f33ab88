"""Answers returned by the coordinator reach the school as a notification."""

from __future__ import annotations

from typing import Any

from marshrut.diagnostics import actions
from marshrut.notify.models import Kind, Notification
from tests.conftest import World
from tests.diagnostics.factories import submission_for


def test_the_school_is_told_its_answers_came_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    submission = submission_for(world, world.s1, submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return(world.users["coordinator"], submission, "Проверьте показатель 1.2")
    notes = Notification.objects.filter(kind=Kind.ANSWERS_RETURNED)
    assert {n.recipient for n in notes} == {world.people["head"], world.people["school"]}
    note = notes.first()
    assert note is not None
    assert "Проверьте показатель 1.2" in note.body
    assert note.link == f"/diagnostics/submissions/{submission.pk}/"
    # Nothing for the coordinator who returned it, nor for the other school.
    assert not Notification.objects.exclude(kind=Kind.ANSWERS_RETURNED).exists()
