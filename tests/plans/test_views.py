"""Roadmap pages: import with preview and corrections, reports, exports, the calendar feed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import openpyxl
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.enum.section import WD_ORIENT

from marshrut.lib.imports import ImportBatch
from marshrut.plans.actions import do_hand_down, do_issue_calendar_token, do_report_progress
from marshrut.plans.models import (
    CalendarToken,
    ItemStatus,
    Level,
    Organisation,
    Plan,
    PlanItem,
)
from tests.conftest import World
from tests.plans.conftest import SEED_001, make_plan


def upload(client: Any, data: bytes, name: str, **fields: Any) -> Any:
    payload = {"year": 2024, "level": "region", "file": SimpleUploadedFile(name, data)}
    payload.update(fields)
    return client.post(reverse("plans:import_upload"), payload)


def test_upload_preview_fix_map_and_save(world: World, seed_bytes: Any) -> None:
    client = world.client("operator")
    response = upload(client, seed_bytes(SEED_001), "дорожная карта.txt", region=world.region.pk)
    batch = ImportBatch.objects.get(kind="plans")
    assert response.status_code == 302 and response.url == reverse(
        "plans:import_preview", args=[batch.pk]
    )
    assert not Plan.objects.exists()  # nothing saved before the operator confirms
    page = client.get(response.url).content.decode()
    assert "Прочитано мероприятий: 39 в разделах: 5" in page
    assert "участники апробации проекта" in page  # offered for mapping

    # Fix a row: an unreadable deadline is flagged, a readable one is read again.
    row_url = reverse("plans:import_row", args=[batch.pk, 0])
    form = client.get(row_url, HTTP_HX_REQUEST="true")
    assert 'name="deadline_0"' in form.content.decode()
    data = {
        "section_number": "1",
        "section_title": "Нормативно-правовое обеспечение",
        "number": "1.1",
        "title": "Разработка плана мероприятий",
        "deadline_0": "когда получится",
        "responsible_text": "ДОиН ТО ТОГИРРО",
        "expected_result": "Приказ",
        "indicator": "",
    }
    fixed = client.post(row_url, data, HTTP_HX_REQUEST="true")
    assert 'data-testid="unparsed"' in fixed.content.decode()
    data["deadline_0"] = "до 20.02"
    fixed = client.post(row_url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "до даты" in fixed and "20.02.2024" in fixed

    # Map the unknown name and remember it in the dictionary.
    oo = Organisation.objects.get(region=world.region, abbreviation="ОО")
    client.post(reverse("plans:import_map", args=[batch.pk]), {"map_0": oo.pk, "remember": "on"})
    oo.refresh_from_db()
    assert "участники апробации проекта" in oo.aliases

    saved = client.post(reverse("plans:import_save", args=[batch.pk]))
    plan = Plan.objects.get()
    assert saved.url == reverse("plans:plan_detail", args=[plan.pk])
    page = client.get(reverse("plans:import_preview", args=[batch.pk])).content.decode()
    assert reverse("plans:plan_detail", args=[plan.pk]) in page
    assert plan.items.count() == 39 and plan.sections.count() == 5
    first = plan.items.get(position=1)
    assert first.title == "Разработка плана мероприятий" and first.due_on == dt.date(2024, 2, 20)
    # The mapped name became the organisation in the saved plan.
    assert any(
        r.get("organisation") == "ОО" and r["text"] == "участники апробации проекта"
        for i in plan.items.all()
        for r in i.responsible
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.counts["plan"] == plan.pk
    # A second save is refused, nothing doubles.
    client.post(reverse("plans:import_save", args=[batch.pk]))
    assert Plan.objects.count() == 1


def test_a_bad_document_is_refused_on_the_upload_page_and_nothing_is_kept(world: World) -> None:
    client = world.client("operator")
    response = upload(client, b"PK\x03\x04" + b"\x00" * 50, "plan.docx", region=world.region.pk)
    assert response.status_code == 200
    assert "Файл повреждён" in response.content.decode()
    response = upload(client, "Письмо без таблицы".encode(), "letter.txt", region=world.region.pk)
    assert "Не найдена таблица плана" in response.content.decode()
    assert not ImportBatch.objects.filter(kind="plans").exists() and not Plan.objects.exists()


def test_an_upload_over_the_limit_is_refused(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    response = upload(world.client("operator"), b"x" * 200, "big.txt", region=world.region.pk)
    assert "слишком большой" in response.content.decode()
    assert not ImportBatch.objects.filter(kind="plans").exists()


def test_coordinator_uploads_only_for_own_municipality_and_its_schools(
    world: World, seed_bytes: Any
) -> None:
    client = world.client("coordinator")
    response = upload(
        client, seed_bytes(SEED_001), "p.txt", level="municipality", municipality=world.m2.pk
    )
    assert response.status_code == 200 and not ImportBatch.objects.filter(kind="plans").exists()
    response = upload(client, seed_bytes(SEED_001), "p.txt", level="region", region=world.region.pk)
    assert response.status_code == 200 and not ImportBatch.objects.filter(kind="plans").exists()
    response = upload(client, seed_bytes(SEED_001), "p.txt", level="school", school=world.s3.pk)
    assert response.status_code == 302
    assert ImportBatch.objects.get(kind="plans").params["school"] == world.s3.pk
    # The coordinator cannot remember aliases in the region's dictionary, only map in the draft.
    page = client.get(response.url).content.decode()
    assert "Запомнить эти написания" not in page


def test_head_reports_progress_with_evidence_and_the_execution_page_shows_it(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL)
    target = plan.items.get(number="1.2")
    client = world.client("head")
    response = client.post(
        reverse("plans:item_report", args=[target.pk]),
        {
            "status": "done",
            "comment": "Совещание проведено",
            "actual_value": "45",
            "links": "https://school.example/news/1",
            "evidence": [SimpleUploadedFile("протокол.pdf", b"%PDF-1.4")],
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == ItemStatus.DONE
    report = target.reports.get()
    assert report.actual_value == 45 and report.links == ["https://school.example/news/1"]
    evidence = report.evidence.get()
    assert client.get(reverse("plans:evidence_download", args=[evidence.pk])).status_code == 200
    assert (
        world.client("coordinator")
        .get(reverse("plans:evidence_download", args=[evidence.pk]))
        .status_code
        == 200
    )
    assert (
        world.client("outsider")
        .get(reverse("plans:evidence_download", args=[evidence.pk]))
        .status_code
        == 404
    )
    page = client.get(reverse("plans:plan_execution", args=[plan.pk])).content.decode()
    assert 'data-testid="done">1<' in page


def test_a_report_with_a_bad_link_is_not_saved(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL)
    target = plan.items.first()
    response = world.client("head").post(
        reverse("plans:item_report", args=[target.pk]),
        {"status": "done", "links": "javascript:alert(1)"},
    )
    assert response.status_code == 400 and not target.reports.exists()


def test_school_coordinator_reports_but_cannot_edit_or_hand_down(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL)
    target = plan.items.first()
    client = world.client("school")
    assert (
        client.post(
            reverse("plans:item_report", args=[target.pk]), {"status": "in_progress"}
        ).status_code
        == 302
    )
    assert client.get(reverse("plans:item_edit", args=[target.pk])).status_code == 403
    assert client.get(reverse("plans:item_hand_down", args=[target.pk])).status_code == 403
    # The department sees the plan but reports on nothing.
    assert (
        world.client("department")
        .post(reverse("plans:item_report", args=[target.pk]), {"status": "done"})
        .status_code
        == 403
    )


def test_operator_hands_an_item_down_from_the_item_page(world: World, regional: Plan) -> None:
    target = regional.items.get(number="1.1")
    response = world.client("operator").post(
        reverse("plans:item_hand_down", args=[target.pk]), {"municipalities": [world.m1.pk]}
    )
    assert response.status_code == 302
    child = target.children.get()
    assert child.plan.municipality == world.m1
    page = (
        world.client("coordinator")
        .get(reverse("plans:item_detail", args=[child.pk]))
        .content.decode()
    )
    assert "Передано из" in page


def test_plan_docx_is_landscape_with_the_seed_columns_and_rows(
    world: World, regional: Plan
) -> None:
    response = world.client("department").get(
        reverse("plans:plan_export", args=[regional.pk, "plan", "docx"])
    )
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == [
        "№ п/п",
        "Наименование мероприятия",
        "Сроки",
        "Ответственный/исполнитель, соисполнители",
        "Ожидаемый результат / показатель",
    ]
    # A section row spanning the table, then the five items in order.
    assert len({id(c._tc) for c in table.rows[1].cells}) == 1
    assert table.rows[1].cells[0].text == "1. Организационное сопровождение"
    assert [r.cells[0].text for r in table.rows[2:]] == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert table.rows[2].cells[2].text == "январь"
    assert table.rows[2].cells[3].text == "ТОГИРРО, МОУО"


def test_monitoring_docx_and_xlsx_carry_status_value_and_evidence(
    world: World, regional: Plan
) -> None:
    target = regional.items.get(number="1.1")
    do_report_progress(
        None,
        target,
        status=ItemStatus.DONE,
        comment="Проведён",
        actual_value=42,
        links=["https://example.org/r"],
        on=dt.date(2024, 1, 30),
    )
    client = world.client("operator")
    document = docx.Document(
        io.BytesIO(
            client.get(
                reverse("plans:plan_export", args=[regional.pk, "monitoring", "docx"])
            ).content
        )
    )
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][5:] == [
        "Статус исполнения",
        "Фактическое значение",
        "Комментарий, подтверждающие материалы",
    ]
    row = table.rows[2].cells
    assert row[5].text == "выполнено" and row[6].text == "42"
    assert "Проведён" in row[7].text and "https://example.org/r" in row[7].text
    overdue = table.rows[3].cells  # 1.2 (June) is still open in a test that runs after 2024
    assert "просрочено" in overdue[5].text
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get(
                reverse("plans:plan_export", args=[regional.pk, "monitoring", "xlsx"])
            ).content
        )
    )
    rows = list(book.active.iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("Раздел", "№ п/п", "Наименование мероприятия")
    assert rows[1][1] == "1.1" and rows[1][7] == "выполнено" and rows[1][9] == 42


def test_lists_export_to_xlsx_and_csv(world: World, regional: Plan) -> None:
    client = world.client("operator")
    response = client.get(reverse("plans:plan_list") + "?export=csv")
    text = response.content.decode("utf-8-sig")
    assert (
        text.startswith("Дорожная карта;Уровень;Владелец") and "Региональная дорожная карта" in text
    )
    response = client.get(reverse("plans:item_list") + "?export=xlsx&status=overdue")
    assert response.status_code == 200
    response = client.get(reverse("plans:organisation_list") + "?export=csv&q=тогирро")
    assert "ТОГИРРО" in response.content.decode("utf-8-sig")


def test_plan_list_search_ignores_case_of_russian_words(world: World, regional: Plan) -> None:
    page = (
        world.client("operator")
        .get(reverse("plans:plan_list") + "?q=РЕГИОНАЛЬНАЯ")
        .content.decode()
    )
    assert "Региональная дорожная карта" in page


def test_calendar_feed_needs_the_token_and_lists_open_control_dates(
    world: World, regional: Plan
) -> None:
    client = world.client("operator")
    client.post(reverse("plans:calendar"))
    token = CalendarToken.objects.get(user=world.users["operator"])
    page = client.get(reverse("plans:calendar")).content.decode()
    assert token.key in page
    feed = world.client(None).get(reverse("plans:calendar_feed", args=[token.key]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 4  # five items, one «по запросу» without a date
    assert "DTSTART;VALUE=DATE:20240131\r\nDTEND;VALUE=DATE:20240201" in body
    assert "SUMMARY:1.1 Семинар для координаторов" in body
    assert "ТОГИРРО\\, МОУО" in body  # commas escaped
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # A new address replaces the old one.
    old = token.key
    do_issue_calendar_token(world.users["operator"])
    assert world.client(None).get(reverse("plans:calendar_feed", args=[old])).status_code == 404


def test_calendar_of_a_school_head_holds_only_their_school_plan(
    world: World, regional: Plan
) -> None:
    school_plan = make_plan(world, Level.SCHOOL)
    token = do_issue_calendar_token(world.users["head"])
    body = world.client(None).get(reverse("plans:calendar_feed", args=[token.key])).content.decode()
    ids = {
        int(line.split("-")[2].split("@")[0])
        for line in body.split("\r\n")
        if line.startswith("UID:")
    }
    from marshrut.plans.models import ControlDate

    assert ids == set(
        ControlDate.objects.filter(item__plan=school_plan).values_list("pk", flat=True)
    )


def test_execution_page_over_many_plans_has_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    regional = make_plan(world, Level.REGION)
    for item in regional.items.all()[:2]:
        do_hand_down(None, item, municipalities=[world.m1, world.m2])
    for school in (world.s1, world.s2, world.s3):
        make_plan(world, Level.SCHOOL, school=school)
    client = world.client("operator")
    url = reverse("plans:execution") + "?year=2024"
    client.get(url)  # warm caches (session, content types)
    cache.clear()  # the first page after a change: the frame and the body computed afresh
    # session, user, generations, memberships and their assigned schools, the user's regions
    # (the region context), years, totals with levels (from the summary), plan count, plan page,
    # the page's counts, by organisation, municipalities of the filter, overdue list, due-soon list,
    # the unread notifications of the badge (cached with the rest, cleared here)
    with django_assert_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["totals"]["total"] == 5 + 2 * 2 + 3 * 5
    # Unchanged: user, generations; the session and the body come from the cache.
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    for school in [world.s1] * 3:
        make_plan(world, Level.SCHOOL, school=school, title=f"ещё {PlanItem.objects.count()}")
    cache.clear()
    with django_assert_num_queries(16):
        response = client.get(url)
    assert response.context["totals"]["total"] == 5 + 2 * 2 + 6 * 5
    levels = {row["plan__level"]: row["total"] for row in response.context["by_level"]}
    assert levels == {"region": 5, "municipality": 2 * 2, "school": 6 * 5}


def test_coordinator_sees_own_municipality_plans_and_the_regional_one(
    world: World, regional: Plan
) -> None:
    mine = make_plan(world, Level.MUNICIPALITY)
    other = make_plan(world, Level.MUNICIPALITY, municipality=world.m2)
    school_other = make_plan(world, Level.SCHOOL, school=world.s2)
    page = world.client("coordinator").get(reverse("plans:plan_list"))
    shown = {p.pk for p in page.context["page"]}
    assert shown == {regional.pk, mine.pk}
    assert other.pk not in shown and school_other.pk not in shown
