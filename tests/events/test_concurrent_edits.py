"""Two operators edit one event or one coordinator's report: the later stale save is refused."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from marshrut.events.models import Event, PeriodReport
from marshrut.orgs.roles import Role
from tests.concurrent import assert_refused, colleague, events_of, race
from tests.conftest import World
from tests.events.conftest import Events


def test_stale_event_save_is_refused_and_the_typed_values_kept(
    world: World, events: Events
) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    event = events.regional
    url = reverse("events:event_edit", args=[event.pk])
    first = {"starts_on": "12.03.2024", "ends_on": "13.03.2024", "form": Event.Form.WEBINAR}
    second = {"title": "Региональный семинар для директоров", "hours": "6"}
    refused, _ = race(url, ivanova, world.client("operator"), first, second)
    before = events_of(event)

    again = assert_refused(
        refused,
        typed={"title": second["title"], "hours": "6", "starts_on": "11.03.2024"},
        shown=["12.03.2024", "13.03.2024", "вебинар"],
    )
    event.refresh_from_db()
    assert (event.starts_on, event.form, event.title) == (
        dt.date(2024, 3, 12),
        Event.Form.WEBINAR,
        "Региональный семинар",
    )
    assert events_of(event) == before
    again.update(starts_on="12.03.2024", ends_on="13.03.2024")
    assert world.client("operator").post(url, again).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.starts_on, event.form, event.version) == (
        second["title"],
        dt.date(2024, 3, 12),
        Event.Form.OTHER,  # the second person kept their choice, having seen the other
        3,
    )


def test_stale_coordinators_report_save_is_refused(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    report = PeriodReport.objects.create(
        region=world.region, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 6, 30)
    )
    url = reverse("events:report_edit", args=[report.pk])
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"goal": "Повысить долю школ базового уровня"},
        {"next_goal": "Провести проектные сессии"},
    )
    assert_refused(
        refused,
        typed={"next_goal": "Провести проектные сессии", "goal": ""},
        shown=["Повысить долю школ базового уровня"],
    )
    report.refresh_from_db()
    assert (report.goal, report.next_goal) == ("Повысить долю школ базового уровня", "")
