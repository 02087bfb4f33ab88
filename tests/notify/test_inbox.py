"""The in-app inbox: unread first, read marks, the badge in the top menu, the preferences."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from marshrut.notify.actions import notify, unread_count
from marshrut.notify.models import Kind, Mode, Notification, Preference
from tests.conftest import World
from tests.notify.test_outbox import draft

pytestmark = pytest.mark.django_db


def _subjects(html: str) -> list[str]:
    return re.findall(r'<div class="(?:fw-semibold|)">([^<]+)</div>', html)


def test_unread_come_first_and_read_marks_work(world: World) -> None:
    notes = notify(
        [draft(world, key=k, subject=f"Событие {k}") for k in ("старое", "прочитанное", "новое")]
    )
    Notification.objects.filter(pk=notes[1].pk).update(read_at=timezone.now())
    client = world.client("head")
    page = client.get(reverse("notify:inbox")).content.decode()
    subjects = _subjects(page)
    assert subjects[-1] == "Событие прочитанное" and len(subjects) == 3
    assert page.count('data-unread="1"') == 2
    assert "Непрочитанных: 2" in page
    client.post(reverse("notify:mark_read", args=[notes[0].pk]))
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    opened = client.post(reverse("notify:mark_read", args=[notes[2].pk]), {"go": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/plans/1/"
    notify([draft(world, key="ещё")])
    client.post(reverse("notify:mark_all_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_nobody_reads_or_marks_anothers_notifications(world: World) -> None:
    (note,) = notify([draft(world)])
    other = world.client("school")
    assert "Маршрут: дорожная карта" not in other.get(reverse("notify:inbox")).content.decode()
    assert other.post(reverse("notify:mark_read", args=[note.pk])).status_code == 404
    other.post(reverse("notify:mark_all_read"))
    note.refresh_from_db()
    assert note.read_at is None
    assert world.client(None).get(reverse("notify:inbox")).status_code == 302


def test_the_badge_counts_unread_with_one_cached_query(
    world: World, django_assert_num_queries: Any
) -> None:
    cache.clear()
    notify([draft(world, key="a"), draft(world, key="b")])
    user = world.users["head"]
    with django_assert_num_queries(1):
        assert unread_count(user) == 2
    with django_assert_num_queries(0):
        assert unread_count(user) == 2
    notify([draft(world, key="c")])  # a new one clears the cached count
    assert unread_count(user) == 3
    home = world.client("head").get(reverse("home")).content.decode()
    assert re.search(r'data-testid="notify-badge"[^>]*>[^<]*<span[^>]*>3<', home)
    from marshrut.notify.actions import do_mark_read

    do_mark_read(world.people["head"])
    assert unread_count(user) == 0


def test_preferences_are_saved_per_kind(world: World) -> None:
    client = world.client("head")
    page = client.get(reverse("notify:preferences")).content.decode()
    assert "Дорожная карта возвращена на доработку" in page and "сводкой раз в день" in page
    data = {f"email_{k}": Mode.IMMEDIATE for k in Kind.values if k != Kind.ANNOUNCEMENT}
    data |= {f"tg_{k}": "1" for k in Kind.values if k != Kind.ANNOUNCEMENT}
    data["email_items_due"] = Mode.DAILY
    del data["tg_stage_due"]
    assert client.post(reverse("notify:preferences"), data).status_code == 302
    person = world.people["head"]
    assert Preference.objects.get(person=person, kind=Kind.ITEMS_DUE).email == Mode.DAILY
    assert Preference.objects.get(person=person, kind=Kind.STAGE_DUE).telegram is False
    bad = client.post(reverse("notify:preferences"), {**data, "email_items_due": "hourly"})
    assert bad.status_code == 302
    assert Preference.objects.get(person=person, kind=Kind.ITEMS_DUE).email == Mode.DAILY
