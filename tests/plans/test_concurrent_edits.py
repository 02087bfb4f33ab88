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


def test_stale_progress_report_is_refused_and_the_report_kept_in_the_form(
    world: World, regional: Plan
) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    item = regional.items.order_by("position").first()
    assert item is not None
    url = reverse("plans:item_report", args=[item.pk])
    opened = item.version  # both opened the item's page at this version
    report = {"control_date": "", "actual_value": "", "links": ""}
    done = {**report, "status": "done", "comment": "Семинар проведён", "version": opened}
    assert ivanova.post(url, done).status_code == 302

    late = {**report, "status": "not_done", "comment": "Перенесли на май", "version": opened}
    refused = world.client("operator").post(url, late)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Иванова" in page and "Перенесли на май" in page
    item.refresh_from_db()
    assert (item.status, item.reports.count()) == ("done", 1)

    # The form now carries the current version: sent again knowingly, the report is kept.
    late["version"] = item.version
    assert world.client("operator").post(url, late).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.reports.count()) == ("not_done", 2)
