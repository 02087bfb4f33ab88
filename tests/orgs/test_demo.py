"""The demo region: sizes of seed 000, every persona, and idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from marshrut.accounts.models import User
from marshrut.orgs import access
from marshrut.orgs.demo import PERSONAS, build
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import Role


def counts() -> tuple[int, ...]:
    return (
        Region.objects.count(),
        Municipality.objects.count(),
        School.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )


def test_demo_has_the_sizes_of_seed_000_and_runs_twice_without_duplicates(db: Any) -> None:
    build()
    first = counts()
    assert first[:3] == (1, 26, 172)
    build()
    assert counts() == first


def test_every_persona_can_log_in_with_the_printed_password_and_has_its_role(db: Any) -> None:
    build()
    for persona in PERSONAS:
        user = User.objects.get(username=persona.username)
        roles = access.roles_of(user)
        assert roles == ([persona.role] if persona.role else []), persona.username
    coordinators = Membership.objects.filter(role=Role.MUNICIPAL_COORDINATOR)
    assert coordinators.count() == 26
    curator = User.objects.get(username="curator")
    assert 0 < School.objects.for_user(curator).count() < 172
    assert School.objects.for_user(User.objects.get(username="head")).count() == 1


def test_demo_command_prints_the_logins(db: Any, capsys: Any, settings: Any) -> None:
    call_command("demo", "--no-server")
    out = capsys.readouterr().out
    assert "172 школ" in out and "marshrut-demo" in out
    for persona in PERSONAS:
        assert persona.username in out
