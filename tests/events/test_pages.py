"""Events pages: list with filters and export, calendar, detail with coverage, edit, import."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.events.actions import do_add_participants, do_save_event
from marshrut.events.models import Event, Participation
from tests.conftest import World
from tests.events.conftest import Events, make_event

pytestmark = pytest.mark.django_db


def test_coordinator_sees_regional_and_own_events_only(world: World, events: Events) -> None:
    html = world.client("coordinator").get("/events/").content.decode()
    assert "Региональный семинар" in html and "Семинар Первогорска" in html
    assert "Семинар второго района" not in html
    assert world.client("head").get(f"/events/{events.in_m2.pk}/").status_code == 404
    assert world.client("outsider").get("/events/").status_code == 403


def test_named_participants_stay_within_the_registry_scope(world: World, events: Events) -> None:
    do_add_participants(None, events.regional, people=[world.p_m2, world.people["head"]])
    html = world.client("coordinator").get(f"/events/{events.regional.pk}/").content.decode()
    assert world.people["head"].full_name in html
    assert world.p_m2.full_name not in html


def test_list_filters_and_exports(world: World, events: Events) -> None:
    make_event(
        world,
        "Вебинар о наставничестве",
        form="webinar",
        starts_on=dt.date(2023, 5, 1),
        ends_on=dt.date(2023, 5, 1),
    )
    client = world.client("operator")
    html = client.get("/events/?year=2023").content.decode()
    assert "Вебинар о наставничестве" in html and "Региональный семинар" not in html
    assert (
        "Семинар второго района"
        in client.get("/events/?level=municipal&q=второго").content.decode()
    )
    response = client.get("/events/?year=2024&export=xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
            min_row=4, values_only=True
        )
    )
    assert sorted(r[4] for r in rows) == [
        "Региональный семинар",
        "Семинар Первогорска",
        "Семинар второго района",
    ]


def test_list_query_count_is_pinned(
    world: World, events: Events, django_assert_num_queries: Any
) -> None:
    for i in range(30):
        e = make_event(world, f"Событие {i}")
        Participation.objects.create(event=e, school=world.s1)
    client = world.client("operator")
    client.get("/events/")
    # user, generations (session, roles, regions and menu from the cache), municipalities of
    # the filter, count, page
    with django_assert_num_queries(5):
        assert client.get("/events/?year=2024").status_code == 200
    for i in range(30, 60):
        Participation.objects.create(event=make_event(world, f"Событие {i}"), school=world.s3)
    with django_assert_num_queries(5):
        assert client.get("/events/?year=2024").status_code == 200


def test_calendar_places_events_on_their_days(world: World, events: Events) -> None:
    make_event(
        world, "Долгое сопровождение", starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2024, 4, 30)
    )
    html = world.client("operator").get("/events/calendar/?month=2024-03").content.decode()
    assert "Март 2024" in html or "март 2024" in html
    assert html.count("Региональный семинар") == 2  # link text and title
    assert "badge" in html and "Долгое сопровождение" in html


def test_operator_creates_an_event_and_counts_follow_the_text(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        "/events/new/",
        {
            "form": "seminar",
            "title": "Семинар по ВСОКО",
            "starts_on": "12.02.2024",
            "ends_on": "12.02.2024",
            "participants_text": "Педагоги из 5 ОО – 146 человек",
            "coverage_basis": "schools",
            "planned_coverage": "40",
            "directions": ["knowledge"],
            "link": "https://example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(title="Семинар по ВСОКО")
    assert event.participants_total == 146 and event.directions == ["knowledge"]
    assert {(c.category, c.number) for c in event.counts.all()} == {
        ("teachers", 146),
        ("schools", 5),
    }
    bad = client.post(
        "/events/new/",
        {
            "form": "seminar",
            "title": "x",
            "starts_on": "12.02.2024",
            "ends_on": "01.02.2024",
            "coverage_basis": "schools",
            "link": "javascript:alert(1)",
        },
    )
    assert (
        bad.status_code == 200
        and "раньше начала" in bad.content.decode()
        and "http" in bad.content.decode()
    )


def test_coverage_is_the_share_of_schools_that_attended(world: World, events: Events) -> None:
    event = events.in_m1
    event.planned_coverage = 40
    do_save_event(None, event, before={"participants_text": event.participants_text})
    do_add_participants(None, event, people=[world.people["head"]], schools=[world.s3])
    Participation.objects.filter(event=event, school=world.s3, person=None).update(attended=False)
    html = world.client("operator").get(f"/events/{event.pk}/").content.decode()
    assert "1 из 2 — 50,0%" in html and "достигнут" in html


def test_import_page_rejects_a_bad_file_whole_and_loads_a_good_one(
    world: World, seed_000: bytes
) -> None:
    client = world.client("operator")
    bad = SimpleUploadedFile(
        "bad.csv", "№;Дата;Форма и тема мероприятия\n1;когда-то;Семинар\n2;май;Вебинар\n".encode()
    )
    response = client.post("/events/import/", {"file": bad})
    assert response.status_code == 400
    assert "когда-то" in response.content.decode() and Event.objects.count() == 0
    good = SimpleUploadedFile("000.txt", seed_000)
    response = client.post("/events/import/", {"file": good, "dry_run": "on"})
    assert response.status_code == 200 and Event.objects.count() == 0
    response = client.post("/events/import/", {"file": SimpleUploadedFile("000.txt", seed_000)})
    assert response.status_code == 302 and Event.objects.count() == 12


def test_report_pages(world: World, seed_000: bytes) -> None:
    client = world.client("operator")
    client.post("/events/import/", {"file": SimpleUploadedFile("000.txt", seed_000)})
    response = client.post(
        "/events/reports/new/", {"starts_on": "01.09.2022", "ends_on": "31.12.2022"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Заседание коллегии" in detail and "проведено мероприятий: 12" in detail
    edit = response["Location"] + "edit/"
    assert (
        client.post(edit, {"goal": "анализ дефицитов", "tasks_text": "Задача | Решена"}).status_code
        == 302
    )
    docx = client.get(response["Location"] + "report.docx")
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert world.client("department").get(response["Location"] + "edit/").status_code == 403
