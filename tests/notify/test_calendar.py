"""The calendar feed carries every dated task of the queue, not only roadmap control dates."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from marshrut.diagnostics.models import Submission
from marshrut.orgs.models import Region
from marshrut.orgs.roles import Role
from marshrut.plans.actions import do_issue_calendar_token
from marshrut.plans.models import Level
from marshrut.support.models.visits import Visit
from tests.conftest import World
from tests.diagnostics.factories import campaign_for
from tests.plans.conftest import make_plan


def _feed(world: World, persona: str) -> str:
    token = do_issue_calendar_token(world.users[persona])
    response = world.client(None).get(reverse("plans:calendar_feed", args=[token.key]))
    assert response.status_code == 200
    return response.content.decode()


def _uids(body: str) -> list[str]:
    return [line[4:] for line in body.split("\r\n") if line.startswith("UID:")]


def test_the_heads_feed_holds_the_questionnaire_and_the_control_dates_with_stable_uids(
    world: World,
) -> None:
    Region.objects.filter(pk=world.region.pk).update(time_zone="Asia/Yekaterinburg")
    campaign = campaign_for(world)
    sub = Submission.objects.get(campaign=campaign, school=world.s1)
    plan = make_plan(world, Level.SCHOOL, school=world.s1)
    body = _feed(world, "head")
    uids = _uids(body)
    assert f"task-diagnostics-fill-{sub.pk}@marshrut" in uids
    assert sum(u.startswith("control-date-") for u in uids) == sum(
        1 for item in plan.items.all() for _c in item.control_dates.filter(met_on__isnull=True)
    )
    # The roadmap's aggregated tasks are not repeated beside its control dates.
    assert not any(u.startswith("task-plans-") for u in uids)
    assert f"DTSTART;VALUE=DATE:{campaign.closes_on:%Y%m%d}" in body
    assert "SUMMARY:Начать анкету самодиагностики" in body
    assert "X-WR-TIMEZONE:Asia/Yekaterinburg" in body
    assert len(uids) == len(set(uids))
    # The same task keeps its UID from one download to the next.
    assert _uids(_feed(world, "head")) == uids


def test_the_curators_feed_holds_their_visits(world: World) -> None:
    today = world.region.today()
    visit = Visit.objects.create(
        school=world.s1,
        visitor=world.people["curator"],
        visitor_role=Role.CURATOR,
        planned_on=today + dt.timedelta(days=3),
        purpose="посещение",
    )
    body = _feed(world, "curator")
    assert f"UID:task-visit-{visit.pk}@marshrut" in body
    assert f"DTSTART;VALUE=DATE:{visit.planned_on:%Y%m%d}" in body
    assert "SUMMARY:Посещение школы: " in body
