"""Fixtures of the events tests: events of the region, of m1 and of m2 in the test world."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from marshrut.events.models import Event, Participation
from tests.conftest import World

SEED_000 = (
    Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "000_4dac235b0215878e.txt"
)


@dataclass
class Events:
    regional: Event
    in_m1: Event
    in_m2: Event
    participation_m2: Participation


def make_event(w: World, title: str, municipality: Any = None, **fields: Any) -> Event:
    defaults: dict[str, Any] = {
        "starts_on": dt.date(2024, 3, 11),
        "ends_on": dt.date(2024, 3, 11),
        "organiser": "ИРО",
        "participants_text": "Педагоги – 10 человек",
        "participants_total": 10,
    }
    defaults.update(fields)
    return Event.objects.create(region=w.region, municipality=municipality, title=title, **defaults)


@pytest.fixture
def events(world: World) -> Events:
    regional = make_event(world, "Региональный семинар")
    in_m1 = make_event(world, "Семинар Первогорска", world.m1)
    in_m2 = make_event(world, "Семинар второго района", world.m2)
    participation = Participation.objects.create(event=in_m2, person=world.p_m2, school=world.s2)
    return Events(regional, in_m1, in_m2, participation)


@pytest.fixture
def seed_000() -> bytes:
    if not SEED_000.exists():
        pytest.skip("seeds not found")
    return SEED_000.read_bytes()
