"""The monitoring DOCX and XLSX carry the cascade: what the municipalities did with an item.

A regional item handed to five municipalities, three of which reported it done, must not read
«запланировано (просрочено)» alone: the documents show the same roll-up as the execution page.
"""

from __future__ import annotations

import io

import docx
import openpyxl
from django.urls import reverse

from marshrut.orgs.models import Municipality
from marshrut.plans import documents
from marshrut.plans.actions import do_hand_down, do_report_progress
from marshrut.plans.models import ItemStatus, Level, Plan
from tests.conftest import World
from tests.plans.conftest import make_plan


def cascade(world: World) -> Plan:
    """Item 1.1 handed to five municipalities (3 done, 2 late), item 1.2 to one (late)."""
    plan = make_plan(world, Level.REGION, title="Региональная дорожная карта")
    more = [
        Municipality.objects.create(region=world.region, name=f"Район {n}", oktmo=f"9870{n}000")
        for n in (3, 4, 5)
    ]
    seminar, meeting = plan.items.get(number="1.1"), plan.items.get(number="1.2")
    copies = do_hand_down(None, seminar, municipalities=[world.m1, world.m2, *more])
    assert len(copies) == 5
    for copy in copies[:3]:
        do_report_progress(None, copy, status=ItemStatus.DONE, comment="Проведено")
    do_report_progress(None, copies[3], status=ItemStatus.IN_PROGRESS)
    do_hand_down(None, meeting, municipalities=[world.m1])
    return plan


def monitoring_rows(plan: Plan) -> dict[str, list[str]]:
    table = docx.Document(io.BytesIO(documents.monitoring_docx(plan))).tables[0]
    return {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}


def test_the_monitoring_docx_shows_each_item_with_the_roll_up_of_its_municipalities(
    world: World,
) -> None:
    rows = monitoring_rows(cascade(world))
    status = rows["1.1"][5]
    assert status == (
        "запланировано (просрочено)\nвыполнено в 3 из 5 муниципалитетов; просрочено в 2"
    )
    assert rows["1.2"][5] == (
        "запланировано (просрочено)\nвыполнено в 0 из 1 муниципалитета; просрочено в 1"
    )
    assert rows["1.3"][5] == "запланировано (просрочено)", "not handed down: no roll-up"


def test_the_monitoring_xlsx_has_the_same_numbers_as_the_execution_page(world: World) -> None:
    plan = cascade(world)
    book = openpyxl.load_workbook(io.BytesIO(documents.plan_xlsx(plan, monitoring=True)))
    sheet = book.active
    header_row = next(
        n for n, row in enumerate(sheet.iter_rows(values_only=True), 1) if row[1] == "№ п/п"
    )
    header = [c.value for c in sheet[header_row]]
    by_number = {
        row[1]: dict(zip(header, row, strict=False))
        for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)
    }
    page = world.client("operator").get(reverse("plans:plan_execution", kwargs={"pk": plan.pk}))
    shown = {
        i.number: (i.children_total, i.children_done, i.children_overdue)
        for i in page.context["cascaded"]
    }
    assert shown == {"1.1": (5, 3, 2), "1.2": (1, 0, 1)}
    for number, (total, done, overdue) in shown.items():
        row = by_number[number]
        assert (row["Передано ниже"], row["Выполнено ниже"], row["Просрочено ниже"]) == (
            total,
            done,
            overdue,
        )
    assert by_number["1.1"]["Исполнение ниже"] == (
        "выполнено в 3 из 5 муниципалитетов; просрочено в 2"
    )
    assert by_number["1.3"]["Передано ниже"] == 0
