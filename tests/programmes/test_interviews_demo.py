"""The demo's interview round and decisions: every state, built once."""

from __future__ import annotations

import io

import pytest

from marshrut.programmes.demo_interviews import build_interviews_demo
from marshrut.programmes.models import (
    Decision,
    DecisionEvidence,
    InterviewProtocol,
    InterviewRound,
    InterviewSlot,
)
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_demo_round_has_slots_protocols_and_decisions_in_every_state(world: World) -> None:
    out = io.StringIO()
    build_interviews_demo(world.region, out)
    assert InterviewRound.objects.count() == 1
    slots = InterviewSlot.objects.all()
    assert {s.municipality for s in slots} == {world.m1}
    assert slots.filter(school=world.s1).exists()
    assert InterviewProtocol.objects.count() == 2  # the world's m1 has two schools
    assert Decision.objects.filter(source="interview").count() >= 3
    assert set(Decision.objects.values_list("source", flat=True)) == {
        "interview",
        "report",
        "shnor",
        "other",
    }
    assert set(Decision.objects.values_list("status", flat=True)) == {
        "accepted",
        "in_progress",
        "done",
        "cancelled",
    }
    assert Decision.objects.overdue().count() >= 2
    assert DecisionEvidence.objects.exists()
    counts = (
        InterviewSlot.objects.count(),
        InterviewProtocol.objects.count(),
        Decision.objects.count(),
    )
    build_interviews_demo(world.region, out)
    assert (
        InterviewSlot.objects.count(),
        InterviewProtocol.objects.count(),
        Decision.objects.count(),
    ) == counts
    assert "управленческих решений добавлено 0" in out.getvalue().splitlines()[-1]
