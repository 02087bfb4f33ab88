"""The pages: list with search and offers, form (with the version check), card, moderation queue,
materials served through the checking view, adoption; query counts of the list pinned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marshrut.practices.models import Adoption, Practice, Status
from tests.conftest import World
from tests.practices.factories import practice

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Учитель — учителю",
    "directions": ["uchitel"],
    "levels": ["ooo"],
    "description": "Наставники ведут молодых учителей.",
    "contact": "school@example.ru",
    "r1_what": "Молодых педагогов осталось в школе",
    "r1_before": "50",
    "r1_after": "90,5",
    "r1_unit": "%",
}


def test_a_school_team_member_creates_a_draft_with_results_in_numbers(world: World) -> None:
    client = world.client("head")

    response = client.post(reverse("practices:practice_create"), {**FORM, "school": world.s1.pk})

    p = Practice.objects.get()
    assert response.status_code == 302
    assert (p.school, p.status) == (world.s1, Status.DRAFT)
    assert p.results == [
        {"what": "Молодых педагогов осталось в школе", "before": 50.0, "after": 90.5, "unit": "%"}
    ]


def test_a_school_cannot_create_a_card_for_another_school(world: World) -> None:
    response = world.client("head").post(
        reverse("practices:practice_create"), {**FORM, "school": world.s2.pk}
    )
    assert response.status_code == 400
    assert not Practice.objects.exists()


def test_a_result_without_its_new_value_is_refused_in_russian(world: World) -> None:
    response = world.client("head").post(
        reverse("practices:practice_create"),
        {**FORM, "school": world.s1.pk, "r1_after": ""},
    )
    assert response.status_code == 400
    assert "Укажите, какой стала величина." in response.content.decode()


def test_the_later_of_two_edits_is_refused_with_what_changed(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT, title="Было")
    url = reverse("practices:practice_edit", args=[p.pk])
    data = {**FORM, "version": p.version}
    first = world.client("head").post(url, {**data, "title": "Первое"})
    second = world.client("school").post(url, {**data, "title": "Второе"})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Первое" in second.content.decode()
    assert Practice.objects.get(pk=p.pk).title == "Первое"


def test_submit_moderate_and_the_queue(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT)
    world.client("head").post(reverse("practices:practice_submit", args=[p.pk]))
    queue = world.client("methodologist").get(reverse("practices:moderation_queue"))
    assert p.title in queue.content.decode()

    empty = world.client("methodologist").post(
        reverse("practices:practice_moderate", args=[p.pk]), {"decision": "return", "comment": ""}
    )
    assert empty.status_code == 400
    assert "напишите замечания" in empty.content.decode()
    world.client("methodologist").post(
        reverse("practices:practice_moderate", args=[p.pk]), {"decision": "publish"}
    )
    p.refresh_from_db()
    assert p.status == Status.PUBLISHED


def test_the_list_finds_by_a_stemmed_word_and_exports(world: World) -> None:
    practice(world.s1, title="Школа молодого учителя")
    practice(world.s2, title="Спортивный клуб", description="Секции и ГТО.")
    client = world.client("department")

    page = client.get(reverse("practices:practice_list"), {"q": "учителями"}).content.decode()
    xlsx = client.get(reverse("practices:practice_list"), {"q": "клубы", "export": "csv"})

    assert "Школа молодого учителя" in page and "Спортивный клуб" not in page
    body = xlsx.content.decode("utf-8-sig")
    assert "Спортивный клуб" in body and "Школа молодого учителя" not in body


def test_the_list_reads_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        practice(world.s1 if n % 2 else world.s2, title=f"Учитель {n}")
    client = world.client("head")
    client.get(reverse("practices:practice_list"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("practices:practice_list"), {"q": "учитель"})
    assert response.content.decode().count('data-testid="practice"') == 30


def test_a_school_user_sees_the_block_of_offers(world: World) -> None:
    response = world.client("school").get(reverse("practices:practice_list"))
    assert "Практики по вашим дефицитам" in response.content.decode()
    other = world.client("department").get(reverse("practices:practice_list"))
    assert "Практики по вашим дефицитам" not in other.content.decode()


def test_a_material_file_is_served_as_an_attachment_to_readers(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT)
    world.client("head").post(
        reverse("practices:material_add", args=[p.pk]),
        {"title": "План", "file": SimpleUploadedFile("план.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    m = p.materials.get()

    ok = world.client("school").get(reverse("practices:material_file", args=[m.pk]))
    hidden = world.client("department").get(reverse("practices:material_file", args=[m.pk]))

    assert ok.status_code == 200 and "attachment" in ok["Content-Disposition"]
    assert hidden.status_code == 404


def test_a_school_marks_a_practice_adopted_and_appears_among_adopters(world: World) -> None:
    p = practice(world.s2, indicators=["UC.01", "UC.02"])
    client = world.client("school")

    response = client.post(
        reverse("practices:practice_adopt", args=[p.pk]),
        {
            "school": world.s1.pk,
            "indicators": ["UC.02"],
            "adopted_on": dt.date(2024, 5, 1).isoformat(),
            "note": "С сентября",
        },
    )
    card = client.get(reverse("practices:practice_detail", args=[p.pk])).content.decode()

    assert response.status_code == 302
    a = Adoption.objects.get()
    assert (a.school, a.indicators, a.adopted_on) == (world.s1, ["UC.02"], dt.date(2024, 5, 1))
    assert world.s1.short_name in card and "01.05.2024" in card


def test_a_school_cannot_adopt_for_another_school(world: World) -> None:
    p = practice(world.s3, indicators=["UC.01"])
    response = world.client("school").post(
        reverse("practices:practice_adopt", args=[p.pk]),
        {"school": world.s2.pk, "indicators": ["UC.01"], "adopted_on": "2024-05-01"},
    )
    assert response.status_code == 400
    assert not Adoption.objects.exists()


def test_the_api_searches_and_shows_one_practice(world: World) -> None:
    p = practice(world.s1, title="Школа молодого учителя", indicators=["UC.01"])
    practice(world.s2, title="Спортивный клуб", description="Секции и ГТО.")
    client = world.client("coordinator")

    found = client.get("/api/v1/practices", {"q": "учителями"}).json()
    one = client.get(f"/api/v1/practices/{p.pk}").json()

    assert [i["title"] for i in found["items"]] == ["Школа молодого учителя"]
    assert "<mark>учителя</mark>" in found["items"][0]["snippet"]
    assert one["indicators"] == ["UC.01"] and one["version"] == p.version
