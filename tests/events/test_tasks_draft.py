"""«Tasks and their solution» of the period report, drafted from the region's roadmap and its
monitoring (``events.queries.tasks_draft``).

The regional plan is built from the roadmap tests' specs: «январь», «июнь», «июль – август»,
«по запросу», «4 квартал». For the period June–August only the second and third items have a
control date inside it; everything expected below is written out by hand from that.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from docx import Document

from marshrut.events.models import PeriodReport
from marshrut.events.queries import tasks_draft
from marshrut.orgs.models import Region
from marshrut.plans.actions import do_create_plan, do_report_progress
from marshrut.plans.models import ItemStatus, Level, Plan
from tests.conftest import World
from tests.events.conftest import make_event
from tests.plans.conftest import SPECS, make_plan, rows

START, END = dt.date(2024, 6, 1), dt.date(2024, 8, 31)


def _plan(world: World) -> Plan:
    plan = make_plan(world, Level.REGION, title="Региональная дорожная карта 2024")
    # Neither a municipality's plan, nor a regional draft, nor another region's plan counts.
    make_plan(world, Level.MUNICIPALITY, title="Муниципальный план")
    make_plan(world, Level.REGION, title="Черновик", status=Plan.Status.DRAFT)
    other = Region.objects.create(name="Соседняя область", code="97", operator_name="ИРО-2")
    do_create_plan(
        None, level=Level.REGION, region=other, year=2024, title="Чужая", rows=rows(other, SPECS)
    )
    return plan


def test_items_due_in_the_period_with_their_reports_and_events(
    world: World, django_assert_num_queries: Any
) -> None:
    plan = _plan(world)
    meeting, courses = plan.items.filter(position__in=[2, 3]).order_by("position")
    do_report_progress(
        None,
        meeting,
        status=ItemStatus.DONE,
        comment="Совещание проведено | протокол № 5\nрешения приняты",
        actual_value=Decimal("45.50"),
        on=dt.date(2024, 6, 20),
    )
    do_report_progress(None, meeting, status=ItemStatus.IN_PROGRESS, on=dt.date(2024, 6, 5))
    for day in (3, 10, 17, 24):
        day_on = dt.date(2024, 6, day)
        make_event(
            world, f"Совещание {day}", starts_on=day_on, ends_on=day_on, roadmap_item=meeting
        )
    may = dt.date(2024, 5, 30)
    make_event(world, "До периода", starts_on=may, ends_on=may, roadmap_item=meeting)
    make_event(world, "Курсы, поток 1", starts_on=dt.date(2024, 7, 15), ends_on=dt.date(2024, 7, 19), roadmap_item=courses)  # fmt: skip
    october = dt.date(2024, 10, 1)
    make_event(world, "Курсы, поток 2", starts_on=october, ends_on=october, roadmap_item=courses)

    with django_assert_num_queries(3):  # items with their plans, reports, events
        draft = tasks_draft(world.region, START, END)

    assert [p.title for p in draft.plans] == ["Региональная дорожная карта 2024"]
    assert draft.rows == [
        {
            "task": "Совещание по итогам (п. 1.2)",
            "solution": "выполнено (отчёт от 20.06.2024: Совещание проведено / протокол № 5 "
            "решения приняты); фактическое значение — 45,5 (цель: Охват участников – 40%); "
            "проведено мероприятий: 4 — «Совещание 3» (03.06.2024), «Совещание 10» (10.06.2024), "
            "«Совещание 17» (17.06.2024) и ещё 1",
        },
        {
            "task": "Курсы повышения квалификации (п. 1.3)",
            "solution": "отчёта об исполнении нет; проведено мероприятий: 1 — «Курсы, поток 1» "
            "(15.07.2024)",
        },
    ]


def test_a_period_without_due_items_gives_an_empty_draft(world: World) -> None:
    _plan(world)
    draft = tasks_draft(world.region, dt.date(2024, 9, 1), dt.date(2024, 9, 30))
    assert draft.tasks == [] and draft.plans == []


def _report(world: World) -> PeriodReport:
    return PeriodReport.objects.create(region=world.region, starts_on=START, ends_on=END)


def test_form_offers_the_draft_and_the_saved_tasks_go_into_the_docx(world: World) -> None:
    _plan(world)
    report = _report(world)
    client = world.client("operator")
    url = f"/events/reports/{report.pk}/edit/"
    page = client.get(url)
    draft = page.context["form"]["tasks_text"].value()
    assert draft.splitlines() == [
        "Совещание по итогам (п. 1.2) | отчёта об исполнении нет",
        "Курсы повышения квалификации (п. 1.3) | отчёта об исполнении нет",
    ]
    assert "«Региональная дорожная карта 2024»" in page.content.decode()
    edited = draft.replace("Курсы повышения квалификации (п. 1.3) | отчёта об исполнении нет",
                           "Курсы для команд школ | перенесены на сентябрь")  # fmt: skip
    assert client.post(url, {"tasks_text": edited}).status_code == 302
    report.refresh_from_db()
    assert report.tasks == [
        {"task": "Совещание по итогам (п. 1.2)", "solution": "отчёта об исполнении нет"},
        {"task": "Курсы для команд школ", "solution": "перенесены на сентябрь"},
    ]
    # What was saved, not a new draft, is what the form shows and the DOCX prints.
    assert "перенесены на сентябрь" in client.get(url).context["form"]["tasks_text"].value()
    body = client.get(f"/events/reports/{report.pk}/report.docx").content
    cells = {c.text for t in Document(io.BytesIO(body)).tables for r in t.rows for c in r.cells}
    assert {"1.Совещание по итогам (п. 1.2)", "2.Курсы для команд школ"} <= cells
    assert "перенесены на сентябрь" in cells


def test_fill_button_replaces_the_tasks_without_saving(world: World) -> None:
    _plan(world)
    report = _report(world)
    report.tasks = [{"task": "Своя задача", "solution": "решена"}]
    report.goal = "цель"
    report.save()
    client = world.client("operator")
    url = f"/events/reports/{report.pk}/edit/"
    html = client.get(url).content.decode()
    assert "Своя задача | решена" in html and 'data-testid="fill-tasks"' in html
    response = client.post(
        url, {"goal": "новая цель", "tasks_text": "Своя задача | решена", "fill_tasks": "1"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["tasks_text"].value().startswith("Совещание по итогам (п. 1.2) | ")
    assert form["goal"].value() == "новая цель"
    report.refresh_from_db()
    assert report.tasks == [{"task": "Своя задача", "solution": "решена"}]
    assert report.goal == "цель"


def test_without_due_items_there_is_no_button_and_the_hint_says_why(world: World) -> None:
    report = PeriodReport.objects.create(
        region=world.region, starts_on=dt.date(2024, 9, 1), ends_on=dt.date(2024, 9, 30)
    )
    client = world.client("operator")
    page = client.get(f"/events/reports/{report.pk}/edit/")
    html = page.content.decode()
    assert 'data-testid="fill-tasks"' not in html
    assert "нет мероприятий со сроком в этом периоде" in html
    response = client.post(f"/events/reports/{report.pk}/edit/", {"fill_tasks": "1"})
    assert "В региональных дорожных картах нет мероприятий" in response.content.decode()


def test_only_a_regional_manager_may_fill_the_tasks(world: World) -> None:
    _plan(world)
    url = f"/events/reports/{_report(world).pk}/edit/"
    assert world.client("department").post(url, {"fill_tasks": "1"}).status_code == 403
    assert world.client("coordinator").post(url, {"fill_tasks": "1"}).status_code == 404


AUTUMN = (dt.date(2024, 9, 1), dt.date(2024, 12, 31))


def _roadmap_of_the_year(world: World) -> Plan:
    """A regional roadmap whose deadlines are written as a regional order writes them."""
    specs = [
        ("Сопровождение школ по итогам самодиагностики", "в течение года", "ТОГИРРО"),
        ("Курсы для управленческих команд", "сентябрь – ноябрь", "ТОГИРРО ЦНППМ"),
        ("Региональный форум", "март", "ДОиН ТО"),
        ("Консультации", "по запросу", "ТОГИРРО"),
    ]
    return make_plan(world, Level.REGION, title="Региональная дорожная карта 2024",
                     rows=rows(world.region, specs))  # fmt: skip


def _task_cells(body: bytes) -> list[str]:
    """The first column of the «Задачи (период)» table of the period report."""
    for table in Document(io.BytesIO(body)).tables:
        if table.rows[0].cells[0].text.startswith("Задачи ("):
            return [row.cells[0].text for row in table.rows[1:]]
    raise AssertionError("no tasks table")


def test_an_item_running_through_the_period_is_a_task_of_it(world: World) -> None:
    _roadmap_of_the_year(world)
    autumn = [t["task"] for t in tasks_draft(world.region, *AUTUMN).rows]
    assert autumn == [
        "Сопровождение школ по итогам самодиагностики (п. 1.1)",
        "Курсы для управленческих команд (п. 1.2)",
    ]
    spring = tasks_draft(world.region, dt.date(2024, 1, 1), dt.date(2024, 6, 30)).rows
    assert [t["task"] for t in spring] == [
        "Сопровождение школ по итогам самодиагностики (п. 1.1)",
        "Региональный форум (п. 1.3)",
    ]


def test_a_report_without_written_tasks_takes_them_from_the_regional_roadmap(
    world: World,
) -> None:
    from marshrut.events.report import build_docx, content

    _roadmap_of_the_year(world)
    report = PeriodReport.objects.create(
        region=world.region, starts_on=AUTUMN[0], ends_on=AUTUMN[1], goal="цель"
    )
    body = build_docx(content(world.region, *AUTUMN, report))
    assert _task_cells(body) == [
        "1.Сопровождение школ по итогам самодиагностики (п. 1.1)",
        "2.Курсы для управленческих команд (п. 1.2)",
    ]
    page = world.client("operator").get(f"/events/reports/{report.pk}/")
    assert 'data-testid="tasks-drafted"' in page.content.decode()
    # What the coordinator wrote is what the report prints.
    report.tasks = [{"task": "Своя задача", "solution": "решена"}]
    report.save()
    assert _task_cells(build_docx(content(world.region, *AUTUMN, report))) == ["1.Своя задача"]
    # The CLI, without any saved report of the period, drafts them too.
    assert _task_cells(build_docx(content(world.region, *AUTUMN))) == [
        "1.Сопровождение школ по итогам самодиагностики (п. 1.1)",
        "2.Курсы для управленческих команд (п. 1.2)",
    ]
