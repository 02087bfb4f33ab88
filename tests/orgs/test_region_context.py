"""The region a request works in (URL, session, switcher) and each region's own clocks."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from marshrut.orgs.context import SESSION_KEY, command_region
from marshrut.orgs.models import Membership, Municipality, Region, School
from marshrut.orgs.roles import Role
from marshrut.plans import reminders
from marshrut.plans.models import Level, PlanItem
from tests.conftest import World, build_world

SCHOOLS = reverse("orgs:school_list")


@pytest.fixture
def other(world: World) -> World:
    return build_world("99", "Вторая область", tag="r2-")


@pytest.fixture
def both(world: World, other: World) -> Any:
    """The first region's operator also operates the second region."""
    Membership.objects.create(
        person=world.people["operator"], role=Role.OPERATOR, region=other.region
    )
    return world.client("operator")


def _names(response: Any) -> str:
    return response.content.decode()


def test_one_region_needs_no_choice_and_shows_no_switcher(world: World, other: World) -> None:
    response = world.client("operator").get(reverse("orgs:municipality_create"))
    assert response.status_code == 200
    assert 'data-testid="region-switcher"' not in _names(response)
    assert 'data-testid="region-name"' in _names(response)


def test_a_two_region_operator_is_asked_not_put_in_region_one(
    world: World, other: World, both: Any
) -> None:
    response = both.get(reverse("orgs:municipality_create"))
    assert response.status_code == 200
    page = _names(response)
    assert "Выберите регион" in page
    assert "?region=98" in page and "?region=99" in page
    # A form sent without a region is not saved anywhere.
    before = Municipality.objects.count()
    response = both.post(reverse("orgs:municipality_create"), {"name": "Новый", "oktmo": "1"})
    assert response.status_code == 400
    assert Municipality.objects.count() == before


def test_the_switcher_chooses_lists_follow_and_the_session_remembers(
    world: World, other: World, both: Any
) -> None:
    page = _names(both.get(SCHOOLS))
    assert 'data-testid="region-switcher"' in page
    # «All my regions» until one is chosen.
    assert world.s1.inn in page and other.s2.inn in page

    response = both.get(reverse("region_switch"), {"region": "99", "next": SCHOOLS + "?page=2"})
    assert response.status_code == 302 and response["Location"] == SCHOOLS
    assert both.session[SESSION_KEY] == "99"
    page = _names(both.get(SCHOOLS))
    assert other.s2.inn in page and world.s2.inn not in page
    # The forms create in the chosen region.
    form = both.get(reverse("orgs:municipality_create"))
    assert form.status_code == 200 and other.m1.name in _names(form)

    # A region named in any address switches too, and is remembered.
    page = _names(both.get(SCHOOLS, {"region": "98"}))
    assert world.s2.inn in page and other.s2.inn not in page
    assert both.session[SESSION_KEY] == "98"

    # «All my regions» forgets the choice.
    both.get(reverse("region_switch"), {"region": "", "next": SCHOOLS})
    assert SESSION_KEY not in both.session


def test_a_forged_region_is_not_found(world: World, other: World) -> None:
    client = world.client("operator")
    assert client.get(SCHOOLS, {"region": "99"}).status_code == 404
    assert client.get(SCHOOLS, {"region": "00"}).status_code == 404
    assert client.get(reverse("region_switch"), {"region": "99"}).status_code == 404
    assert SESSION_KEY not in client.session
    # A region the user sees, but where the page's capability does not hold: refused.
    coordinator = world.client("coordinator")
    assert coordinator.get(reverse("orgs:municipality_create"), {"region": "98"}).status_code == 403


def test_the_operator_sets_the_regions_time_zone(world: World, other: World) -> None:
    client = world.client("operator")
    url = reverse("orgs:region_edit")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": world.region.name, "department_name": "", "time_zone": "Asia/Kamchatka"}
    )
    assert response.status_code == 302
    world.region.refresh_from_db()
    assert world.region.time_zone == "Asia/Kamchatka"
    assert other.region.time_zone == "Asia/Yekaterinburg"  # the installation's zone, untouched
    assert world.client("department").get(url).status_code == 403
    assert other.client("operator").get(url, {"region": "98"}).status_code == 404


def test_commands_take_the_region_by_code(world: World, other: World) -> None:
    with pytest.raises(CommandError, match=r"укажите --region КОД\. Коды: 98 .*, 99 "):
        command_region(None)
    with pytest.raises(CommandError, match="Нет региона с кодом «77»"):
        command_region("77")
    assert command_region("99") == other.region


# Time zones ---------------------------------------------------------------------------------------

# 21:30 UTC on 14 May 2025: 23:30 of the 14th in Kaliningrad, 09:30 of the 15th in Kamchatka.
INSTANT = dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.UTC)
DAY = dt.date(2025, 5, 14)


@pytest.fixture
def zones(world: World, other: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    Region.objects.filter(pk=world.region.pk).update(time_zone="Europe/Kaliningrad")
    Region.objects.filter(pk=other.region.pk).update(time_zone="Asia/Kamchatka")
    from tests.plans.conftest import make_plan

    items = {}
    for key, w in (("kaliningrad", world), ("kamchatka", other)):
        plan = make_plan(w, Level.REGION, year=2025, title=f"План {key}")
        item = plan.items.order_by("position").first()
        assert item is not None
        PlanItem.objects.filter(plan=plan).exclude(pk=item.pk).delete()
        PlanItem.objects.filter(pk=item.pk).update(next_due_on=DAY, due_on=DAY, status="planned")
        items[key] = PlanItem.objects.select_related("plan__region").get(pk=item.pk)
    # The roles were granted «today» (the real one): let them hold on the day of the test.
    Membership.objects.update(started_on=dt.date(2020, 1, 1))
    monkeypatch.setattr(timezone, "now", lambda: INSTANT)
    return items


def test_an_item_due_today_is_overdue_in_kamchatka_and_not_in_kaliningrad(
    world: World, other: World, zones: dict[str, Any]
) -> None:
    kaliningrad, kamchatka = zones["kaliningrad"], zones["kamchatka"]
    assert not kaliningrad.is_overdue() and kamchatka.is_overdue()
    assert set(PlanItem.objects.overdue()) == {kamchatka}
    assert set(PlanItem.objects.due_soon(days=0)) == {kaliningrad}

    # The pages of each region's operator agree with the model.
    def listed(w: World, status: str) -> str:
        url = reverse("plans:item_list")
        return _names(w.client("operator").get(url, {"status": status, "year": 2025}))

    assert kamchatka.title in listed(other, "overdue")
    assert kaliningrad.title not in listed(world, "overdue")
    assert kaliningrad.title in listed(world, "soon")

    # And so do the reminders: each region's operator by the region's own date.
    found = {r.email: r for r in reminders.collect(days=0)}
    assert found["operator@test.local"].overdue == []
    assert found["operator@test.local"].soon == [kaliningrad]
    assert found["operator@test.local"].on == DAY
    assert found["r2-operator@test.local"].overdue == [kamchatka]
    assert found["r2-operator@test.local"].on == DAY + dt.timedelta(days=1)


def test_a_campaign_window_closes_in_kamchatka_while_open_in_kaliningrad(
    world: World, other: World, zones: dict[str, Any]
) -> None:
    from marshrut.diagnostics.models import Campaign
    from tests.diagnostics.factories import campaign_for

    for w in (world, other):
        Campaign.objects.filter(pk=campaign_for(w).pk).update(
            opens_on=DAY - dt.timedelta(days=10), closes_on=DAY
        )
    open_one = Campaign.objects.get(region=world.region)
    closed = Campaign.objects.get(region=other.region)
    assert open_one.is_open() and not closed.is_open()
    sub = open_one.submissions.select_related("campaign__region").get(school=world.s1)
    assert sub.accepts_answers()
    assert not closed.submissions.get(school=other.s1).accepts_answers()

    listing = reverse("diagnostics:campaign_list")
    assert "идёт приём ответов" in _names(world.client("operator").get(listing))
    assert "идёт приём ответов" not in _names(other.client("operator").get(listing))


def test_a_request_runs_in_its_regions_zone(world: World, zones: dict[str, Any]) -> None:
    """Dates the pages compute with ``timezone.localdate()`` are the region's."""
    seen: dict[str, Any] = {}

    def spy(request: Any) -> Any:
        from django.http import HttpResponse

        seen["today"] = timezone.localdate()
        return HttpResponse()

    from marshrut.orgs.context import RegionMiddleware

    request = _request(world)
    RegionMiddleware(spy)(request)
    assert seen["today"] == DAY  # Kaliningrad: still the 14th
    assert timezone.get_current_timezone_name() != "Europe/Kaliningrad"  # reset after


def _request(world: World) -> Any:
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = world.users["operator"]
    request.session = SessionStore()
    return request


def test_school_list_export_follows_the_region_too(world: World, other: World, both: Any) -> None:
    both.get(reverse("region_switch"), {"region": "99", "next": "/"})
    body = both.get(SCHOOLS, {"export": "csv"}).content.decode("utf-8-sig")
    assert other.s1.inn in body and world.s1.inn not in body
    assert School.objects.filter(municipality__region=world.region).exists()


def test_plan_remind_command_without_on_uses_each_regions_date(
    world: World, other: World, zones: dict[str, Any]
) -> None:
    out = io.StringIO()
    call_command("plan", "remind", "--dry-run", "--days", "0", stdout=out)
    text = out.getvalue()
    assert "r2-operator@test.local: просрочено 1, срок скоро 0" in text
    assert "operator@test.local: просрочено 0, срок скоро 1" in text


def test_an_api_request_names_its_region_or_is_told_the_codes(
    world: World, other: World, both: Any
) -> None:
    """A token request: the middleware did not know its user, so the code is checked here."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.test import RequestFactory

    from marshrut.orgs.context import RegionChoiceNeeded, current_region
    from marshrut.orgs.roles import Cap

    operator = world.users["operator"]
    factory = RequestFactory()
    assert current_region(factory.get("/api", {"region": "99"}), Cap.EVENT_MANAGE, operator) == (
        other.region
    )
    with pytest.raises(
        RegionChoiceNeeded, match=r"Укажите регион: region=КОД\. Ваши регионы: 99 .*, 98 "
    ):
        current_region(factory.get("/api"), Cap.EVENT_MANAGE, operator)
    with pytest.raises(Http404):
        current_region(factory.get("/api", {"region": "99"}), Cap.EVENT_VIEW, world.users["head"])
    with pytest.raises(PermissionDenied):
        current_region(factory.get("/api", {"region": "98"}), Cap.EVENT_MANAGE, world.users["head"])
    assert current_region(factory.get("/api"), Cap.PLAN_VIEW, world.users["head"]) == world.region
