"""A programme's review tells the coordinator of a submission and the school of the decision."""

from __future__ import annotations

from typing import Any

from django.core import mail

from marshrut.notify.models import Kind, Notification
from marshrut.programmes import actions
from marshrut.programmes.models import Programme
from tests.conftest import World
from tests.notify.helpers import deliver
from tests.programmes.conftest import RUBRIC_OK


def test_submission_and_return_become_notifications(
    world: World, programme: Programme, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_submit(world.users["head"], programme)
    (note,) = Notification.objects.all()
    assert note.recipient == world.people["coordinator"] and note.kind == Kind.PROGRAMME_SUBMITTED
    assert note.link == f"/programmes/{programme.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return(
            world.users["coordinator"], programme, comment="Раздел 3.2.1 пуст", rubric=RUBRIC_OK
        )
    returned = Notification.objects.filter(kind=Kind.PROGRAMME_RETURNED)
    assert {n.recipient for n in returned} == {world.people["head"], world.people["school"]}
    assert all("Раздел 3.2.1 пуст" in n.body for n in returned)
    assert deliver() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coordinator@test.local",
        "head@test.local",
        "school@test.local",
    ]
