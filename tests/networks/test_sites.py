"""Sites: capacity used by the people (or schools) who came, who came from which school, the
list with filters and XLSX, designation rules, version-checked edits."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from marshrut.events.models import Event, Participation
from marshrut.networks.actions import do_save_site
from marshrut.networks.models import Site
from marshrut.networks.queries import site_report, usage
from tests.conftest import World
from tests.matching.conftest import open_campaign, score
from tests.networks import factories

pytestmark = pytest.mark.django_db


def test_used_capacity_counts_visitors_who_came_not_the_host(world: World) -> None:
    site = factories.site(world)
    # Came: Гостева (s1), Приезжая and Дальняя (s2); the host's teacher and the no-show do not
    # count; a school sent without names is no person.
    assert usage([site]) == {site.pk: 3}
    site.capacity_unit = Site.Unit.SCHOOLS
    assert usage([site]) == {site.pk: 2}


def test_events_outside_the_period_are_not_counted(world: World) -> None:
    site = factories.site(world)
    later = Event.objects.create(
        region=world.region,
        form=Event.Form.INTERNSHIP,
        title="Стажировка 2025",
        starts_on=dt.date(2025, 2, 1),
        ends_on=dt.date(2025, 2, 1),
    )
    Participation.objects.create(event=later, person=factories.person(world, "Поздняя", world.s1))
    site.events.add(later)
    assert usage([site]) == {site.pk: 3}
    site.ends_on = dt.date(2025, 12, 31)
    assert usage([site]) == {site.pk: 4}


def test_visitors_by_school_with_their_level_weak_first(world: World) -> None:
    site = factories.site(world)
    campaign = open_campaign(world)
    from marshrut.diagnostics.models import Submission

    score(
        Submission.objects.get(campaign=campaign, school=world.s1),
        level="basic",
        by_direction={"znanie": (0.2, "below_basic")},
    )
    score(Submission.objects.get(campaign=campaign, school=world.s2), level="medium")
    report = site_report(site, world.users["operator"])
    assert report.used == 3
    assert [(v.name, v.people, v.events, v.level, v.overall, v.weak) for v in report.visitors] == [
        (world.s1.short_name, 2, 1, "below_basic", "basic", True),
        (world.s2.short_name, 2, 1, "medium", "medium", False),
    ]
    assert report.weak_schools == 1 and report.campaign_title == campaign.title


def test_coordinator_sees_visitors_of_own_municipality_only(world: World) -> None:
    site = factories.site(world)
    report = site_report(site, world.users["coordinator"])
    assert [v.school_id for v in report.visitors] == [world.s1.pk]
    assert report.used == 3  # the site's figure is a count, the same for everyone
    page = world.client("coordinator").get(reverse("networks:site_detail", args=[site.pk]))
    text = page.content.decode()
    assert world.s1.short_name in text and world.s2.short_name not in text
    assert 'data-testid="capacity">3 из 4 человек' in text


def test_site_page_shows_capacity_used_and_hosted_events(world: World) -> None:
    site = factories.site(world)
    page = world.client("department").get(reverse("networks:site_detail", args=[site.pk]))
    text = page.content.decode()
    assert "3 из 4 человек" in text and "75,0 %" in text
    assert "Стажировка на базе СОШ № 3" in text
    assert world.s2.short_name in text


def _site(world: World, **fields: Any) -> Site:
    data = {
        "region": world.region,
        "kind": Site.Kind.RIP,
        "school": world.s2,
        "direction": "klimat",
        "theme": "Климат доверия",
        "starts_on": dt.date(2024, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "capacity": 5,
        "capacity_unit": Site.Unit.SCHOOLS,
    }
    data.update(fields)
    return do_save_site(None, Site(**data), before=None)


def test_list_filters_and_exports_xlsx(world: World) -> None:
    factories.site(world)
    _site(world)
    client = world.client("methodologist")
    url = reverse("networks:site_list")
    page = client.get(url, {"kind": "rip"}).content.decode()
    assert "Климат доверия" in page and "ВСОКО" not in page
    page = client.get(url, {"municipality": world.m1.pk}).content.decode()
    assert "ВСОКО" in page and "Климат доверия" not in page
    # «Только действующие»: the 2024 internship is over by now.
    current = client.get(url, {"current": "on"}).content.decode()
    assert "ВСОКО" not in current
    _site(world, theme="Действующая", starts_on=dt.date(2000, 1, 1), ends_on=dt.date(2100, 1, 1))
    assert "Действующая" in client.get(url, {"current": "on"}).content.decode()
    response = client.get(url, {"export": "xlsx", "kind": "internship"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[2]
    row = dict(zip(header, rows[3], strict=True))
    assert len(rows) == 4
    assert row["Вид"] == "стажировочная площадка"
    assert (row["Вместимость"], row["Принято"], row["Загрузка, %"]) == (4, 3, 75)
    assert row["Мероприятий"] == 1


def test_site_list_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    factories.site(world)
    for k in range(30):
        _site(world, theme=f"Тема {k}")
    client = world.client("operator")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("networks:site_list"))
    assert response.content.decode().count('data-testid="usage"') == 31


def test_rma_methodologist_must_be_a_person_of_the_school(world: World) -> None:
    client = world.client("operator")
    data = {
        "kind": "rma",
        "school": world.s3.pk,
        "direction": "uchitel",
        "theme": "Наставничество",
        "starts_on": "01.09.2024",
        "ends_on": "31.05.2025",
        "capacity": 10,
        "capacity_unit": "people",
    }
    response = client.post(reverse("networks:site_create"), data)
    assert response.status_code == 400
    assert "Для методиста РМА выберите человека." in response.content.decode()
    stranger = factories.person(world, "Чужая", school=world.s2)
    response = client.post(reverse("networks:site_create"), {**data, "person": stranger.pk})
    assert "Методист должен работать в выбранной школе." in response.content.decode()
    own = factories.person(world, "Своя", school=world.s3)
    response = client.post(reverse("networks:site_create"), {**data, "person": own.pk})
    assert response.status_code == 302
    assert Site.objects.get().person == own


def test_period_ending_before_it_starts_is_refused(world: World) -> None:
    response = world.client("operator").post(
        reverse("networks:site_create"),
        {
            "kind": "internship",
            "school": world.s3.pk,
            "direction": "znanie",
            "theme": "ВСОКО",
            "starts_on": "01.09.2024",
            "ends_on": "01.01.2024",
            "capacity": 10,
            "capacity_unit": "people",
        },
    )
    assert "Окончание периода не может быть раньше начала." in response.content.decode()
    assert not Site.objects.exists()


def test_two_editors_of_a_site_later_save_is_refused(world: World) -> None:
    site = factories.site(world)
    url = reverse("networks:site_edit", args=[site.pk])
    data = {
        "kind": "internship",
        "school": world.s3.pk,
        "direction": "znanie",
        "theme": "ВСОКО",
        "starts_on": "01.01.2024",
        "ends_on": "31.12.2024",
        "capacity_unit": "people",
        "events": list(site.events.values_list("pk", flat=True)),
        "version": site.version,
    }
    assert world.client("operator").post(url, {**data, "capacity": 40}).status_code == 302
    second = world.client("methodologist").post(url, {**data, "capacity": 10})
    assert second.status_code == 409
    site.refresh_from_db()
    assert site.capacity == 40
    assert "40" in second.content.decode()
