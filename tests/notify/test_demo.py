"""The notifications' part of the demo: the day's reminders written, the head's digest chosen."""

from __future__ import annotations

import io

import pytest

from marshrut.lib.plural import plural
from marshrut.notify.demo import build_demo
from marshrut.notify.models import Kind, Mode, Notification, Preference
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_inbox_and_chooses_a_digest(world: World) -> None:
    world.users["head"].username = "head"
    world.users["head"].save()
    out = io.StringIO()
    build_demo(world.region, out)
    total = Notification.objects.filter(region=world.region).count()
    assert plural(total, "уведомление", "уведомления", "уведомлений") in out.getvalue()
    assert (
        Preference.objects.get(person=world.people["head"], kind=Kind.ITEMS_DUE).email == Mode.DAILY
    )
    again = io.StringIO()
    build_demo(world.region, again)  # a second demo run writes nothing twice
    assert Notification.objects.filter(region=world.region).count() == total
    assert "новых напоминаний 0" in again.getvalue()
