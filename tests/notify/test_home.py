"""The home page shows the work queue: grouped, overdue highlighted, never stale from the cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from marshrut.diagnostics import actions as diagnostics_actions
from marshrut.diagnostics.models import Flag, Status
from marshrut.plans.models import ItemStatus, Level, PlanItem
from tests.conftest import World, make_school
from tests.diagnostics.factories import campaign_for, submission_for
from tests.plans.conftest import make_plan


def _home(world: World, persona: str) -> str:
    return world.client(persona).get(reverse("home")).content.decode()


def test_the_heads_home_lists_the_returned_answers_and_forgets_them_once_sent(
    world: World,
) -> None:
    sub = submission_for(world, world.s1, submitted=True)
    Flag.objects.filter(submission=sub).delete()
    Flag.objects.create(submission=sub, rule=Flag.Rule.JUMP, code="A", message="скачок")
    Flag.objects.create(submission=sub, rule=Flag.Rule.JUMP, code="B", message="скачок")
    diagnostics_actions.do_return(world.users["coordinator"], sub, "Уточните кадровые показатели")
    html = _home(world, "head")
    assert "Что сделать сейчас" in html
    assert "координатор вернул 2 ответа" in html
    assert f'href="/diagnostics/submissions/{sub.pk}/"' in html
    assert "муниципалитетов" not in html  # the old meaningless counters are gone
    # Sent again (the cached body is keyed by the tables it reads): the task is gone.
    sub.refresh_from_db()
    sub.status, sub.submitted_at = Status.SUBMITTED, timezone.now()
    sub.save()
    html = _home(world, "head")
    assert "координатор вернул" not in html
    assert 'data-testid="queue-empty"' in html or 'data-kind="diagnostics.returned"' not in html


def test_overdue_tasks_are_highlighted_and_come_first(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, school=world.s1)
    today = world.region.today()
    first, second = list(plan.items.order_by("position"))[:2]
    PlanItem.objects.filter(plan=plan).update(next_due_on=None)
    PlanItem.objects.filter(pk=first.pk).update(
        next_due_on=today + dt.timedelta(days=1), status=ItemStatus.PLANNED
    )
    PlanItem.objects.filter(pk=second.pk).update(
        next_due_on=today - dt.timedelta(days=1), status=ItemStatus.PLANNED
    )
    html = _home(world, "head")
    overdue = html.index('data-kind="plans.overdue"')
    week = html.index('data-kind="plans.week"')
    assert overdue < week
    assert "list-group-item-danger" in html[html.rindex("<a", 0, overdue) : overdue]
    assert 'data-testid="overdue-count">1 просрочена<' in html


def test_operators_keep_the_region_figures_below_the_queue(world: World) -> None:
    html = _home(world, "operator")
    assert html.index("Что сделать сейчас") < html.index("Регион в цифрах")
    assert "Регион в цифрах" not in _home(world, "head")


def test_the_operators_home_is_a_fixed_number_of_queries_whatever_the_schools(
    world: World, django_assert_max_num_queries: Any
) -> None:
    campaign = campaign_for(world)
    client = world.client("operator")
    client.get(reverse("home"))  # the session and the language settle outside the count
    for serial in range(10, 30):
        school = make_school(world.m1 if serial % 2 else world.m2, serial)
        campaign.submissions.create(school=school)
    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert "из 23 анкет" in response.content.decode()


# The session and user, the frame (memberships, regions), the generations, the queue and the
# figures; with the body cached, fewer.
HOME_QUERIES = 24


def test_two_curators_of_the_same_school_each_see_only_their_own_visits(world: World) -> None:
    # Same role on the same schools: the same scope for the page cache, yet different visits.
    from marshrut.orgs.models import Membership, Person
    from marshrut.orgs.roles import Role
    from marshrut.support.models.visits import Visit

    other = Person.objects.create(region=world.region, last_name="Второй", first_name="Куратор")
    user = type(world.users["curator"]).objects.create_user("curator2", password="x")
    other.user = user
    other.save()
    Membership.objects.create(person=other, role=Role.CURATOR, region=world.region).schools.set(
        [world.s1]
    )
    Visit.objects.create(
        school=world.s1,
        visitor=world.people["curator"],
        visitor_role=Role.CURATOR,
        planned_on=world.region.today() + dt.timedelta(days=2),
        purpose="посещение уроков математики",
    )
    assert "посещение уроков математики" in _home(world, "curator")
    client = world.client(None)
    client.force_login(user)
    assert "посещение уроков математики" not in client.get(reverse("home")).content.decode()
