"""The coordinator's period report counts the decisions taken in the period."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from marshrut.events.report import build_docx, content
from marshrut.programmes.queries_decisions import period_decisions
from tests.conftest import World
from tests.programmes.factories_interviews import decision_for

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


def test_period_counts_taken_executed_and_overdue(world: World) -> None:
    decision_for(world, "s1", due=dt.date(2025, 3, 1), decided_on=dt.date(2025, 2, 1))
    decision_for(world, "s3", status="done", decided_on=dt.date(2025, 2, 1))
    decision_for(world, "m2", due=dt.date(2099, 1, 1), decided_on=dt.date(2025, 5, 1))
    decision_for(world, "s1", decided_on=dt.date(2024, 12, 31))  # before the period
    found = period_decisions(world.region, START, END)
    assert (found.taken, found.done, found.overdue) == (3, 1, 1)
    assert found.sentence() == (
        "С 01.01.2025 по 30.06.2025 принято 3 управленческих решения: исполнено 1, просрочено 1."
    )
    assert (
        period_decisions(world.region, START, END, world.m2)
        .sentence()
        .endswith("принято 1 управленческое решение: исполнено 0, просрочено 0.")
    )


def test_an_empty_period_says_so(world: World) -> None:
    assert "не зарегистрировано" in period_decisions(world.region, START, END).sentence()


def test_the_coordinators_report_carries_the_count(world: World) -> None:
    for _ in range(5):
        decision_for(world, "s1", due=dt.date(2099, 1, 1), decided_on=dt.date(2025, 3, 1))
    c = content(world.region, START, END)
    assert "принято 5 управленческих решений: исполнено 0, просрочено 0" in c.decisions
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(build_docx(c))).paragraphs)
    assert "Управленческие решения. С 01.01.2025 по 30.06.2025 принято 5" in text
