"""Reminders of decisions: to the owner (or the school's team), once per state."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from marshrut.programmes.models import Decision
from tests.conftest import World
from tests.notify.helpers import deliver
from tests.programmes.factories_interviews import decision_for

pytestmark = pytest.mark.django_db
ON = "2025-06-25"


def _remind() -> str:
    out = io.StringIO()
    call_command("decision", "remind", "--on", ON, "--base-url", "https://m.example", stdout=out)
    deliver()
    return out.getvalue()


def test_the_owner_is_reminded_once_of_each_state(world: World) -> None:
    owner = world.people["head"]
    decision_for(world, "s1", due=dt.date(2025, 6, 30), owner=owner, owner_text="")
    decision_for(world, "s1", due=dt.date(2025, 6, 1), owner=owner, owner_text="", text="Старое")
    decision_for(world, "s1", due=dt.date(2025, 9, 1), owner=owner, owner_text="")  # far off
    decision_for(world, "s1", due=dt.date(2025, 6, 1), status="done")
    assert "Записано уведомлений: 1." in _remind()
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "просрочено 1, срок скоро 1" in message.subject
    assert "Старое" in message.body and "https://m.example/programmes/decisions/" in message.body
    # The same day again, or the next day: nothing new to say.
    assert "Записано уведомлений: 0." in _remind()
    assert len(mail.outbox) == 1


def test_a_decision_without_a_reachable_owner_goes_to_the_school_team(world: World) -> None:
    decision_for(world, "s1", due=dt.date(2025, 6, 20), owner_text="Завуч")
    _remind()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.people["head"].email, world.people["school"].email]
    )


def test_a_new_due_date_is_reminded_again(world: World) -> None:
    from marshrut.audit.log import snapshot
    from marshrut.programmes.actions_decisions import do_update_decision

    d = decision_for(world, "s1", due=dt.date(2025, 6, 20), owner=world.people["head"])
    _remind()
    d = Decision.objects.get(pk=d.pk)
    before = snapshot(d)
    d.due_on = dt.date(2025, 6, 28)
    do_update_decision(None, d, before=before)
    _remind()
    assert len(mail.outbox) == 2 and "срок скоро 1" in mail.outbox[1].subject
