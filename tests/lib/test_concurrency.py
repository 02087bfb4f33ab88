"""The version check of lib/concurrency: of two saves from one version exactly one passes."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from marshrut.audit.log import snapshot
from marshrut.audit.models import AuditEvent
from marshrut.lib.concurrency import Conflict, StaleEdit
from marshrut.orgs.actions import do_save_school
from marshrut.orgs.models import School
from tests.conftest import World


def _save(world: World, actor: str, version: int | None, **fields: Any) -> School:
    school = School.objects.get(pk=world.s1.pk)
    before = snapshot(school)
    for k, v in fields.items():
        setattr(school, k, v)
    return do_save_school(world.users[actor], school, before=before, version=version)


def test_the_second_save_from_the_same_version_is_refused_and_writes_nothing(
    world: World,
) -> None:
    _save(world, "operator", 1, phone="111")
    events = AuditEvent.objects.count()
    with pytest.raises(StaleEdit) as refused:
        _save(world, "coordinator", 1, phone="222")
    assert refused.value.since == 1
    assert refused.value.current.version == 2
    assert refused.value.current.phone == "111"
    school = School.objects.get(pk=world.s1.pk)
    assert (school.phone, school.version) == ("111", 2)
    assert AuditEvent.objects.count() == events
    _save(world, "coordinator", 2, phone="222")
    assert School.objects.get(pk=world.s1.pk).version == 3


def test_a_save_without_a_version_still_moves_it_on(world: World) -> None:
    # An import or a command has no form: it is not checked, but forms opened before are.
    _save(world, "operator", None, phone="111")
    with pytest.raises(StaleEdit):
        _save(world, "coordinator", 1, phone="222")


def test_a_save_that_changes_nothing_neither_checks_nor_moves_the_version(world: World) -> None:
    _save(world, "operator", 1, phone="111")
    _save(world, "coordinator", 1, phone="111")  # stale, but the same value: nothing is lost
    assert School.objects.get(pk=world.s1.pk).version == 2


@pytest.mark.django_db(transaction=True)
def test_two_racing_saves_exactly_one_wins(world: World) -> None:
    """Two transactions read version 1 at the same moment and both try to save."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("an in-memory SQLite database is not shared by threads")
    read = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def edit(actor: str, phone: str) -> None:
        try:
            with transaction.atomic():
                school = School.objects.get(pk=world.s1.pk)
                before = snapshot(school)
                read.wait()  # both have read version 1 before either writes
                school.phone = phone
                do_save_school(world.users[actor], school, before=before, version=school.version)
            outcomes[actor] = "saved"
        except StaleEdit:
            outcomes[actor] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=("operator", "111")),
        threading.Thread(target=edit, args=("coordinator", "222")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(a for a, o in outcomes.items() if o == "saved")
    school = School.objects.get(pk=world.s1.pk)
    assert school.version == 2
    assert school.phone == {"operator": "111", "coordinator": "222"}[winner]
    updates = AuditEvent.objects.filter(target_type="orgs.school", action="update")
    assert updates.count() == 1


def test_the_refusal_names_who_and_when_in_the_regions_time(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Yekaterinburg"
    today = timezone.localtime().replace(hour=14, minute=32)
    earlier = today - dt.timedelta(days=1)
    assert Conflict(["Иванова И.И."], today).message.startswith(
        "Запись изменил(а) Иванова И.И. в 14:32, пока вы её редактировали."
    )
    assert Conflict(["Иванова И.И.", "Петров П."], earlier).message.startswith(
        f"Запись изменил(а) Иванова И.И., Петров П. {earlier:%d.%m.%Y} в 14:32,"
    )
