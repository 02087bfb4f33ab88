"""The demo parts of events and surveys run twice without duplicating anything."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from marshrut.events import demo as events_demo
from marshrut.events.models import Event, ParticipantCount, Participation, PeriodReport
from marshrut.events.queries import tasks_draft
from marshrut.events.report import build_docx, content
from marshrut.orgs import demo
from marshrut.surveys import demo as surveys_demo
from marshrut.surveys.models import Answer, Document, Response, Review, Survey

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent() -> None:
    region, _ = demo.build()
    out = io.StringIO()
    for _ in range(2):
        events_demo.build_demo(region, out)
        surveys_demo.build_demo(region, out)
    assert Event.objects.filter(region=region, starts_on__year=2022).count() == 12
    # The autumn 2022 table came in through the events import, dates and participants read.
    internship = Event.objects.get(region=region, title__startswith="Стажировочная площадка «Опыт")
    assert (internship.date_text, internship.starts_on, internship.ends_on) == (
        "15.11- 16.11.2022",
        dt.date(2022, 11, 15),
        dt.date(2022, 11, 16),
    )
    assert internship.participants_total == 118
    assert ParticipantCount.objects.filter(
        event__region=region, event__starts_on__year=2022, category="teachers", number=132
    ).exists()
    assert Event.objects.filter(region=region, starts_on__year=2024).count() == 8
    assert Participation.objects.exists()
    assert Survey.objects.filter(document__isnull=True).count() == 1
    assert Response.objects.filter(survey__document__isnull=True).count() == 320
    assert Document.objects.count() == 1 and Review.objects.count() == 12
    assert Answer.objects.exists()


def test_demo_links_events_to_the_demo_roadmaps_once() -> None:
    from marshrut.plans import demo as plans_demo

    region, _ = demo.build()
    out = io.StringIO()
    plans_demo.build_demo(region, out)
    events_demo.build_demo(region, out)
    linked = dict(
        Event.objects.filter(region=region, roadmap_item__isnull=False).values_list(
            "pk", "roadmap_item"
        )
    )
    assert linked
    assert all(
        item.plan.region_id == region.pk and item.plan.level != "school"
        for item in Event.objects.filter(pk__in=linked).select_related("roadmap_item__plan")
        for item in [item.roadmap_item]
    )
    # The report for the second half of 2024 starts from the tasks the roadmap had due then.
    report = PeriodReport.objects.get(region=region, starts_on__year=2024)
    assert (
        report.tasks and report.tasks == tasks_draft(region, report.starts_on, report.ends_on).rows
    )
    assert all(t["task"] and t["solution"] for t in report.tasks)
    # And the report's document shows them under «Задачи», the roadmap's items by their numbers.
    document = docx.Document(
        io.BytesIO(build_docx(content(region, report.starts_on, report.ends_on, report)))
    )
    tasks = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Задачи"))
    lines = [row.cells[0].text for row in tasks.rows[1:]]
    assert len(lines) == len(report.tasks) >= 10
    assert any(
        line.endswith("Региональный мониторинг выполнения «дорожной карты» проекта (п. 5.5)")
        for line in lines
    )
    events_demo.build_demo(region, out)
    assert PeriodReport.objects.filter(region=region).count() == 2
    assert (
        dict(
            Event.objects.filter(region=region, roadmap_item__isnull=False).values_list(
                "pk", "roadmap_item"
            )
        )
        == linked
    )
