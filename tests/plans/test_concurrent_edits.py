"""Two operators edit one roadmap item or one dictionary entry: the later stale save is refused."""

from __future__ import annotations

from django.urls import reverse

from marshrut.orgs.roles import Role
from marshrut.plans.models import Measure, Organisation, Plan
from tests.concurrent import assert_refused, colleague, events_of, race
from tests.conftest import World


def test_stale_roadmap_item_save_is_refused_and_the_typed_values_kept(
    world: World, regional: Plan
) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    item = regional.items.order_by("position").first()
    assert item is not None
    url = reverse("plans:item_edit", args=[item.pk])
    first = {"deadline_text": "сентябрь", "directions": ["znanie", "zdorovie"]}
    second = {"title": "Семинар для координаторов и директоров", "indicator": "Охват – 60%"}
    refused, _ = race(url, ivanova, world.client("operator"), first, second)
    before = events_of(item)

    again = assert_refused(
        refused,
        typed={"title": second["title"], "indicator": "Охват – 60%", "deadline_text": "январь"},
        shown=["сентябрь", "Знание, Здоровье"],
    )
    item.refresh_from_db()
    assert (item.deadline_text, item.due_on.month, item.title) == (
        "сентябрь",
        9,
        "Семинар для координаторов",
    )
    assert events_of(item) == before
    again["deadline_text"] = "сентябрь"
    assert world.client("operator").post(url, again).status_code == 302
    item.refresh_from_db()
    assert (item.title, item.deadline_text, item.indicator, item.version) == (
        second["title"],
        "сентябрь",
        "Охват – 60%",
        3,
    )


def test_stale_dictionary_entry_save_is_refused(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    organisation = Organisation.objects.create(region=world.region, abbreviation="ЦНППМ")
    url = reverse("plans:organisation_edit", args=[organisation.pk])
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"full_name": "Центр непрерывного повышения профессионального мастерства"},
        {"full_name": "ЦНППМ ПР"},
    )
    assert_refused(
        refused,
        typed={"full_name": "ЦНППМ ПР"},
        shown=["Центр непрерывного повышения профессионального мастерства"],
    )
    organisation.refresh_from_db()
    assert organisation.full_name == "Центр непрерывного повышения профессионального мастерства"


def test_stale_measure_save_is_refused(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    measure = Measure.objects.create(
        region=world.region, indicator="ZN.04", direction="znanie", title="Закупить учебники"
    )
    url = reverse("plans:measure_edit", args=[measure.pk])
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"title": "Закупить учебники из ФПУ", "direction": "zdorovie"},
        {"responsible": "ОО, МОУО"},
    )
    assert_refused(
        refused,
        typed={"responsible": "ОО, МОУО", "title": "Закупить учебники"},
        shown=["Закупить учебники из ФПУ", "Здоровье"],
    )
    measure.refresh_from_db()
    assert (measure.title, measure.responsible) == ("Закупить учебники из ФПУ", "")
