"""The ШНОР roadmap of a regional order: both date columns kept, target shares parsed, a ШНОР plan
whose events count in the period report as other plan items do."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from marshrut.events.queries import tasks_draft
from marshrut.kernels.plan_reader import read_plan
from marshrut.lib.imports import ImportBatch
from marshrut.plans.importing import is_federal_label, split_deadlines
from marshrut.plans.models import Level, Plan, PlanItem, Programme
from tests.conftest import World
from tests.plans.conftest import make_plan
from tests.plans.shnor_roadmap import EVENTS, YEAR, shnor_docx, shnor_text

FILES = {"docx": shnor_docx, "txt": shnor_text}


def import_by_cli(world: World, tmp_path: Path, kind: str) -> Plan:
    path = tmp_path / f"дорожная карта ШНОР.{kind}"
    path.write_bytes(FILES[kind]())
    out = io.StringIO()
    call_command(
        "plan",
        "import",
        str(path),
        "--year",
        str(YEAR),
        "--level",
        "region",
        "--owner",
        world.region.code,
        "--programme",
        "shnor",
        stdout=out,
    )
    assert "ШНОР" in out.getvalue()
    return Plan.objects.get(source_filename=path.name)


@pytest.mark.parametrize("kind", list(FILES))
def test_cli_import_keeps_both_date_columns_and_parses_target_shares(
    world: World, tmp_path: Path, kind: str
) -> None:
    plan = import_by_cli(world, tmp_path, kind)
    assert plan.programme == Programme.SHNOR and plan.level == Level.REGION
    items = {i.number: i for i in plan.items.all()}
    assert len(items) == len(EVENTS) == 18
    for number, _title, federal, regional, _who, _indicator in EVENTS:
        assert items[number].federal_deadline_text == federal, number
        assert items[number].deadline_text == regional, number
    visits = items["3.4"]
    # The region's own window is the one monitored; the federal one is kept beside it.
    assert visits.due_on == dt.date(2022, 10, 31)
    assert [d["label"] for d in visits.deadlines] == ["Срок (региональный уровень)"]
    assert [d["label"] for d in visits.federal_deadlines] == [
        "Срок исполнения (федеральный уровень)"
    ]
    assert visits.federal_deadlines[0]["windows"][-1][-1] == "2022-11-30"
    assert list(visits.control_dates.values_list("due_on", flat=True)) == [dt.date(2022, 10, 31)]
    target = visits.targets[0]
    assert (target["metric"], target["comparator"], target["value"], target["unit"]) == (
        "доля школ, посещённых кураторами и наставниками",
        ">=",
        100,
        "%",
    )
    networks = items["3.5"].targets[0]
    assert (networks["comparator"], networks["value"], networks["unit"]) == (">=", 60, "%")
    assert items["4.2"].targets[0]["value"] == 60
    # Two control dates in the regional column give two control dates; none from the federal.
    stages = items["5.3"]
    assert sorted(stages.control_dates.values_list("due_on", flat=True)) == [
        dt.date(2022, 6, 20),
        dt.date(2022, 11, 20),
    ]
    assert items["6.1"].federal_deadline_text == "" and items["6.1"].federal_deadlines == []
    # The import went through the pipeline: a batch kept with its file, applied.
    batch = ImportBatch.objects.get(kind="plans")
    assert batch.status == ImportBatch.Status.APPLIED and batch.params["programme"] == "shnor"


def test_a_school_programme_roadmap_keeps_several_date_columns_together(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "карта.txt"
    path.write_bytes(shnor_text())
    call_command(
        "plan",
        "import",
        str(path),
        "--year",
        "2022",
        "--level",
        "region",
        "--owner",
        world.region.code,
        stdout=io.StringIO(),
    )
    item = PlanItem.objects.get(number="3.4")
    assert item.plan.programme == Programme.SCHOOL
    assert item.federal_deadline_text == "" and len(item.deadlines) == 2


def test_the_period_report_counts_shnor_items_by_their_regional_deadline(
    world: World, tmp_path: Path
) -> None:
    plan = import_by_cli(world, tmp_path, "docx")
    make_plan(world, Level.REGION)  # a roadmap of the other programme, another year
    april = tasks_draft(world.region, dt.date(2022, 4, 1), dt.date(2022, 4, 30))
    assert plan in april.plans
    tasks = " ".join(t.task for t in april.tasks)
    for number in ("3.1", "3.2", "3.3", "3.4", "4.1"):
        assert f"(п. {number})" in tasks, number
    # «Анкетирование школ»: federal «март», regional «до 20.03» — not an April task.
    assert "(п. 2.2)" not in tasks
    # 3.5: federal «до 01.06», regional «до 20.05» — a May task, not a June one.
    june = " ".join(
        t.task for t in tasks_draft(world.region, dt.date(2022, 6, 1), dt.date(2022, 6, 30)).tasks
    )
    assert "(п. 3.5)" not in june and "(п. 5.2)" in june


def test_upload_page_imports_a_shnor_roadmap_and_the_plan_shows_both_deadlines(
    world: World,
) -> None:
    client = world.client("operator")
    response = client.post(
        reverse("plans:import_upload"),
        {
            "file": SimpleUploadedFile("ШНОР.docx", shnor_docx()),
            "year": YEAR,
            "level": "region",
            "region": world.region.pk,
            "programme": "shnor",
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(kind="plans")
    page = client.get(response.url).content.decode()
    assert "Прочитано мероприятий: 18 в разделах: 6" in page
    assert "апрель – ноябрь" in page and "апрель – октябрь" in page
    saved = client.post(reverse("plans:import_save", args=[batch.pk]))
    plan = Plan.objects.get()
    assert saved.url == reverse("plans:plan_detail", args=[plan.pk])
    assert plan.programme == Programme.SHNOR

    detail = client.get(saved.url).content.decode()
    assert 'data-testid="federal-deadline"' in detail and "апрель – ноябрь" in detail

    item = plan.items.get(number="3.4")
    form = client.get(reverse("plans:item_edit", args=[item.pk])).content.decode()
    assert 'name="federal_deadline_text"' in form and "Срок (региональный)" in form
    client.post(
        reverse("plans:item_edit", args=[item.pk]),
        {
            "number": item.number,
            "title": item.title,
            "deadline_text": item.deadline_text,
            "federal_deadline_text": "до 15.12",
            "responsible_text": item.responsible_text,
            "expected_result": item.expected_result,
            "indicator": item.indicator,
            "version": item.version,
        },
    )
    item.refresh_from_db()
    assert item.federal_deadline_text == "до 15.12"
    assert item.federal_deadlines[0]["windows"][-1][-1] == "2022-12-15"
    assert item.due_on == dt.date(2022, 10, 31)  # the regional deadline still drives control

    body = client.get(reverse("plans:plan_export", args=[plan.pk, "plan", "docx"])).content
    table = docx.Document(io.BytesIO(body)).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert "Срок (федеральный)" in header and "Срок (региональный)" in header
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert any("до 15.12" in row and "апрель – октябрь" in row for row in texts)

    body = client.get(reverse("plans:plan_export", args=[plan.pk, "plan", "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("Срок (федеральный)" in row and "Срок (региональный)" in row for row in values)


def test_the_plans_list_filters_by_programme(world: World, tmp_path: Path) -> None:
    shnor = import_by_cli(world, tmp_path, "txt")
    school = make_plan(world, Level.REGION)
    client = world.client("operator")
    url = reverse("plans:plan_list")
    only = client.get(url, {"programme": "shnor"}).content.decode()
    assert shnor.title in only and school.title not in only
    other = client.get(url, {"programme": "school"}).content.decode()
    assert school.title in other and shnor.title not in other


@pytest.mark.parametrize(
    ("label", "federal"),
    [
        ("Срок исполнения (федеральный уровень)", True),
        ("Сроки ФИОКО", True),
        ("Срок (Минпросвещения России)", True),
        ("Срок (региональный уровень)", False),
        ("Сроки", False),
    ],
)
def test_federal_date_columns_are_told_by_their_headers(label: str, federal: bool) -> None:
    assert is_federal_label(label) is federal


def test_a_fioko_header_gives_a_federal_and_a_regional_deadline() -> None:
    text = (
        "№\tМероприятие\tСроки ФИОКО\tСроки региона\tОтветственные\tПоказатель\n"
        "1\tОпросы участников\tмай, ноябрь\tмай, октябрь\tИРО\tне менее 60 %\n"
    ).encode()
    plan = read_plan(text, "p.txt", 2022)
    item = plan.items[0]
    own, federal = split_deadlines([{"label": d.label, "text": ""} for d in item.deadlines])
    assert [d["label"] for d in federal] == ["Сроки ФИОКО"]
    assert [d["label"] for d in own] == ["Сроки региона"]
    assert item.targets[0].value == 60


def test_the_api_gives_the_programme_and_both_deadlines(world: World, tmp_path: Path) -> None:
    plan = import_by_cli(world, tmp_path, "txt")
    make_plan(world, Level.REGION)
    client = world.client("operator")
    found = client.get("/api/v1/plans", {"programme": "shnor"}).json()["items"]
    assert [p["id"] for p in found] == [plan.pk] and found[0]["programme"] == "shnor"
    item = plan.items.get(number="3.4")
    body = client.get(f"/api/v1/items/{item.pk}").json()
    assert (body["federal_deadline_text"], body["deadline_text"]) == (
        "апрель – ноябрь",
        "апрель – октябрь",
    )
