"""The API's world: the hand-made region of tests/conftest.py filled by the apps' own demo
builders (campaigns with results and deficits, roadmaps with reports, events, a survey), and a
second region with a row of each kind that nobody of the first region may see."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from marshrut.accounts.models import ApiToken, User
from marshrut.diagnostics import demo as diagnostics_demo
from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
from marshrut.events import demo as events_demo
from marshrut.events.models import Event
from marshrut.orgs.models import Membership, Municipality, Person, Region
from marshrut.orgs.roles import Role
from marshrut.plans import demo as plans_demo
from marshrut.plans.models import Level, Plan, PlanItem, PlanSection
from marshrut.surveys import demo as surveys_demo
from marshrut.surveys.models import Survey
from tests.conftest import World, make_school


@pytest.fixture(autouse=True)
def _api_limits(settings: Any) -> None:
    # Tests make many requests in a second: a generous limit here, and the rate limit's own test
    # lowers it. The counts of one test must not reach the next, so each starts with a clean cache.
    settings.API_RATE_LIMIT = "100000/min"
    cache.clear()


@dataclass
class Other:
    """Rows of another region."""

    region: Region
    municipality: Municipality
    school: Any
    campaign: Campaign
    submission: Submission
    result: Result
    deficit: Deficit
    plan: Plan
    item: PlanItem
    event: Event
    survey: Survey


@dataclass
class ApiWorld:
    world: World
    other: Other

    def token(self, persona: str, *, read_only: bool = False) -> str:
        _, key = ApiToken.issue(self.world.users[persona], "тест", read_only=read_only)
        return key

    def client(self, persona: str, *, read_only: bool = False) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token(persona, read_only=read_only)}")

    def other_operator(self) -> Client:
        """A token of the other region's operator."""
        user = User.objects.create_user("kurgan", password="x")
        person = Person.objects.create(
            region=self.other.region, last_name="Кузнецова", first_name="Анна", user=user
        )
        Membership.objects.create(person=person, role=Role.OPERATOR, region=self.other.region)
        _, key = ApiToken.issue(user, "тест")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _other_region(world: World) -> Other:
    region = Region.objects.create(name="Курганская область", code="45")
    m = Municipality.objects.create(region=region, name="Шадринский МО", oktmo="37000000")
    school = make_school(m, 4501)
    campaign = Campaign.objects.filter(region=world.region).order_by("pk").first()
    assert campaign is not None
    other_campaign = Campaign.objects.create(
        region=region,
        criteria=campaign.criteria,
        title="Самодиагностика Курганской области",
        year=2024,
        opens_on=dt.date(2024, 11, 1),
        closes_on=dt.date(2024, 11, 15),
    )
    submission = Submission.objects.create(
        campaign=other_campaign, school=school, status=Status.SUBMITTED
    )
    result = Result.objects.create(
        submission=submission,
        campaign=other_campaign,
        school=school,
        scope="overall",
        points=10,
        max_points=100,
        level="below_basic",
    )
    deficit = Deficit.objects.create(
        submission=submission,
        campaign=other_campaign,
        school=school,
        code="Z.1",
        direction="knowledge",
        kind=Deficit.Kind.ZERO,
        points=0,
        max_points=1,
    )
    plan = Plan.objects.create(
        region=region,
        level=Level.REGION,
        title="Дорожная карта Курганской области",
        year=2024,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
        status=Plan.Status.ACTIVE,
    )
    section = PlanSection.objects.create(plan=plan, position=1, title="Раздел")
    item = PlanItem.objects.create(plan=plan, section=section, position=1, title="Чужое")
    event = Event.objects.create(
        region=region,
        title="Семинар в Кургане",
        starts_on=dt.date(2024, 3, 1),
        ends_on=dt.date(2024, 3, 1),
    )
    survey = Survey.objects.create(region=region, title="Чужой опрос")
    return Other(
        region, m, school, other_campaign, submission, result, deficit, plan, item, event, survey
    )


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    out = io.StringIO()
    for module in (diagnostics_demo, plans_demo, events_demo, surveys_demo):
        module.build_demo(world.region, out)
    return ApiWorld(world, _other_region(world))
