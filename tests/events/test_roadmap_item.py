"""An event serves a roadmap item: picked within the plans scope, shown on both sides."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from marshrut.events.forms import EventForm
from marshrut.events.models import Event
from marshrut.orgs.models import Region
from marshrut.plans.actions import do_create_plan
from marshrut.plans.models import Level, Plan, PlanItem
from tests.conftest import World
from tests.events.conftest import Events, make_event
from tests.plans.conftest import SPECS, make_plan, rows

pytestmark = pytest.mark.django_db


def first_item(plan: Plan) -> PlanItem:
    item = plan.items.order_by("position").first()
    assert item is not None
    return item


def form_data(event: Event, **fields: Any) -> dict[str, Any]:
    data = {
        "municipality": event.municipality_id or "",
        "form": event.form,
        "title": event.title,
        "starts_on": f"{event.starts_on:%d.%m.%Y}",
        "ends_on": f"{event.ends_on:%d.%m.%Y}",
        "coverage_basis": event.coverage_basis,
        "participants_text": event.participants_text,
    }
    data.update(fields)
    return data


def test_operator_links_an_event_and_sees_it_on_the_event_page_and_export(
    world: World, events: Events
) -> None:
    regional = make_plan(world, Level.REGION, title="Региональная дорожная карта")
    item = first_item(regional)
    client = world.client("operator")
    url = reverse("events:event_edit", args=[events.regional.pk])
    response = client.post(url, form_data(events.regional, roadmap_item=item.pk))
    assert response.status_code == 302
    events.regional.refresh_from_db()
    assert events.regional.roadmap_item == item
    html = client.get(reverse("events:event_detail", args=[events.regional.pk])).content.decode()
    assert reverse("plans:plan_detail", args=[regional.pk]) in html
    assert "Региональная дорожная карта" in html and item.title in html
    rows = openpyxl.load_workbook(
        io.BytesIO(client.get("/events/?year=2024&export=xlsx").content)
    ).active
    values = {r[4]: r[13] for r in rows.iter_rows(min_row=4, values_only=True)}
    assert (
        values["Региональный семинар"] == f"Региональная дорожная карта: {item.number} {item.title}"
    )
    assert values["Семинар Первогорска"] in ("", None)


def test_choices_stay_within_the_plans_scope(world: World, events: Events) -> None:
    regional = make_plan(world, Level.REGION)
    own = make_plan(world, Level.MUNICIPALITY, municipality=world.m1)
    other = make_plan(world, Level.MUNICIPALITY, municipality=world.m2)
    school = make_plan(world, Level.SCHOOL, school=world.s1)
    # Whoever sees fewer plans is offered fewer items: m1's coordinator does not see m2's plan.
    form = EventForm(user=world.users["coordinator"], region=world.region, instance=events.in_m1)
    plans = set(form.fields["roadmap_item"].queryset.values_list("plan_id", flat=True))  # type: ignore[attr-defined]
    assert plans == {regional.pk, own.pk}
    form = EventForm(user=world.users["operator"], region=world.region)
    plans = set(form.fields["roadmap_item"].queryset.values_list("plan_id", flat=True))  # type: ignore[attr-defined]
    assert plans == {regional.pk, own.pk, other.pk}  # school roadmaps are not offered
    assert school.pk not in plans


def test_a_hand_posted_id_outside_the_choices_is_refused(world: World, events: Events) -> None:
    elsewhere = Region.objects.create(name="Другая область", code="97")
    foreign = do_create_plan(
        None,
        level=Level.REGION,
        year=2024,
        title="Чужая карта",
        rows=rows(elsewhere, SPECS),
        region=elsewhere,
    )
    school = make_plan(world, Level.SCHOOL, school=world.s1)
    client = world.client("methodologist")
    url = reverse("events:event_edit", args=[events.regional.pk])
    for item in (first_item(foreign), first_item(school)):
        response = client.post(url, form_data(events.regional, roadmap_item=item.pk))
        assert response.status_code == 200 and response.context["form"].errors["roadmap_item"]
    events.regional.refresh_from_db()
    assert events.regional.roadmap_item is None


def test_a_linked_item_outside_the_readers_plans_scope_shows_only_the_written_reference(
    world: World, events: Events
) -> None:
    other = make_plan(world, Level.MUNICIPALITY, municipality=world.m2, title="План района 2")
    Event.objects.filter(pk=events.regional.pk).update(
        roadmap_item=first_item(other), roadmap_item_ref="п. 1.1"
    )
    url = reverse("events:event_detail", args=[events.regional.pk])
    as_coordinator = world.client("coordinator").get(url).content.decode()
    assert "План района 2" not in as_coordinator and "п. 1.1" in as_coordinator
    assert "План района 2" in world.client("operator").get(url).content.decode()
    rows = openpyxl.load_workbook(
        io.BytesIO(world.client("coordinator").get("/events/?year=2024&export=xlsx").content)
    ).active
    values = {r[4]: r[13] for r in rows.iter_rows(min_row=4, values_only=True)}
    assert values["Региональный семинар"] == "п. 1.1"


def test_plan_page_lists_the_events_serving_each_item_with_flat_queries(
    world: World, events: Events
) -> None:
    regional = make_plan(world, Level.REGION)
    items = list(regional.items.order_by("position"))
    Event.objects.filter(pk__in=[events.regional.pk, events.in_m2.pk]).update(roadmap_item=items[0])
    client = world.client("coordinator")
    url = reverse("plans:plan_detail", args=[regional.pk])
    response = client.get(url)
    served = {
        i.pk: [e.title for e in i.served_events] for s in response.context["sections"] for i in s[1]
    }
    # The coordinator of m1 does not see m2's event.
    assert served[items[0].pk] == ["Региональный семинар"]
    assert 'data-testid="item-events"' in response.content.decode()
    for n, item in enumerate(items[1:]):
        make_event(world, f"Ещё {n}", roadmap_item=item)
        make_event(world, f"И ещё {n}", world.m1, roadmap_item=item)
    before = len(_captured(client, url))
    for n, item in enumerate(items):
        make_event(world, f"Третье {n}", roadmap_item=item)
    assert len(_captured(client, url)) == before


def _captured(client: Any, url: str) -> list[Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return ctx.captured_queries


def test_deleting_the_item_keeps_the_event_and_its_reference(world: World, events: Events) -> None:
    regional = make_plan(world, Level.REGION)
    item = first_item(regional)
    Event.objects.filter(pk=events.regional.pk).update(roadmap_item=item, roadmap_item_ref="1.1")
    item.delete()
    events.regional.refresh_from_db()
    assert events.regional.roadmap_item is None and events.regional.roadmap_item_ref == "1.1"
