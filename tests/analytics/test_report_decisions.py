"""The analytical report counts the management decisions taken since the campaign opened."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from marshrut.analytics import report
from tests.analytics.conftest import ReportWorld
from tests.programmes.factories_interviews import decision_for

pytestmark = pytest.mark.django_db


def test_the_decisions_section_counts_the_register(rw: ReportWorld) -> None:
    start = rw.campaign.opens_on
    w = rw.world
    decision_for(w, "s1", due=start - dt.timedelta(days=1), text="просрочено", decided_on=start)
    decision_for(w, "s3", status="done", due=start, decided_on=start)
    decision_for(w, "s2", due=start + dt.timedelta(days=400), decided_on=start)
    decision_for(w, "s2", decided_on=start - dt.timedelta(days=30))  # before the campaign
    data = report.collect(rw.campaign)
    assert data.decisions_taken.endswith(
        "принято 3 управленческих решения: исполнено 1, просрочено 1."
    )
    texts = report.generated_texts(data)
    paragraphs = [
        b.text for b in report.blocks(data, texts, pictures=defaultdict(bytes)) if b.kind == "para"
    ]
    assert any(p.startswith("По реестру управленческих решений: с ") for p in paragraphs)
    municipal = report.collect(rw.campaign, w.m1)
    assert (
        "принято 2 управленческих решения: исполнено 1, просрочено 1" in municipal.decisions_taken
    )
