"""Visits of curators and mentors: who plans and reports, overdue visits, the share visited."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.orgs.models import Membership
from marshrut.orgs.roles import Role
from marshrut.support import actions_visits as actions
from marshrut.support import shares
from marshrut.support.models import Participation, Visit
from tests.conftest import World, make_school

YEAR = 2024


def plan(world: World, persona: str = "curator", on: dt.date = dt.date(YEAR, 3, 1)) -> Visit:
    return actions.do_plan_visit(
        world.users[persona],
        world.s1,
        planned_on=on,
        purpose="Знакомство с управленческой командой",
    )


def report(world: World, visit: Visit, persona: str = "curator", **data: Any) -> Any:
    fields = {
        "version": visit.version,
        "visited_on": "2024-03-02",
        "participants": "директор, заместитель по УВР",
        "findings": "Нет системы внутришкольного повышения квалификации.",
        "recommendations": "Составить план наставничества.",
        "next_steps": "Повторное посещение в мае.",
    }
    fields.update(data)
    return world.client(persona).post(f"/shnor/visits/{visit.pk}/", fields)


def test_assigned_curator_plans_and_reports_a_visit_with_a_file(world: World) -> None:
    page = world.client("curator").post(
        "/shnor/visits/plan/",
        {"school": world.s1.pk, "planned_on": "2024-03-01", "purpose": "Первое посещение"},
    )
    assert page.status_code == 302
    visit = Visit.objects.get()
    assert (visit.visitor, visit.visitor_role) == (world.people["curator"], Role.CURATOR)
    protocol = SimpleUploadedFile("Протокол.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n")
    assert report(world, visit, attachments=protocol).status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.REPORTED and visit.visited_on == dt.date(YEAR, 3, 2)
    stored = visit.files.get()
    assert world.client("head").get(f"/shnor/visits/file/{stored.pk}/").status_code == 200
    assert world.client("outsider").get(f"/shnor/visits/file/{stored.pk}/").status_code == 404


def test_report_refuses_a_bad_file_and_saves_nothing(world: World) -> None:
    visit = plan(world)
    page = report(world, visit, attachments=SimpleUploadedFile("вирус.pdf", b"MZ" + b"\x00" * 50))
    assert page.status_code == 400
    assert "не принят" in page.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED and not visit.files.exists()


@pytest.mark.parametrize("persona", ["operator", "coordinator", "head", "outsider"])
def test_only_an_assigned_curator_or_mentor_plans(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        plan(world, persona)
    page = world.client(persona).post(
        "/shnor/visits/plan/", {"school": world.s1.pk, "planned_on": "2024-03-01", "purpose": "x"}
    )
    assert page.status_code == 403
    assert not Visit.objects.exists()


def test_curator_cannot_plan_a_school_not_assigned(world: World) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_plan_visit(
            world.users["curator"], world.s3, planned_on=dt.date(YEAR, 3, 1), purpose="x"
        )
    page = world.client("curator").post(
        "/shnor/visits/plan/", {"school": world.s3.pk, "planned_on": "2024-03-01", "purpose": "x"}
    )
    assert page.status_code == 302 and not Visit.objects.exists()


def test_only_the_visitor_reports(world: World) -> None:
    visit = plan(world, "mentor")
    assert report(world, visit, "curator").status_code == 403
    assert report(world, visit, "operator").status_code == 403
    assert world.client("outsider").get(f"/shnor/visits/{visit.pk}/").status_code == 404
    assert world.client("head").get(f"/shnor/visits/{visit.pk}/").status_code == 200
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_report_after_somebody_changed_the_visit_is_refused(world: World) -> None:
    visit = plan(world)
    opened = visit.version
    assert report(world, visit, findings="Первая версия отчёта.").status_code == 302
    page = report(world, visit, version=opened, findings="Вторая вкладка.")
    assert page.status_code == 409
    visit.refresh_from_db()
    assert visit.findings == "Первая версия отчёта."


def test_overdue_by_the_region_clock(world: World) -> None:
    world.region.time_zone = "Asia/Vladivostok"
    world.region.save()
    today = world.region.today()
    late = plan(world, on=today - dt.timedelta(days=1))
    plan(world, on=today)
    assert list(Visit.objects.overdue(today)) == [late]
    page = world.client("operator").get(f"/shnor/visits/?year={today.year}")
    assert page.context["overdue"] == (1 if late.planned_on.year == today.year else 0)


def test_visit_share_by_municipality_on_hand_made_data(world: World) -> None:
    """Cohort: s1, s3 (m1), s2 and s4 (m2), s5 left in the year. Visits that count: s1 (reported
    in 2024). That do not: s3 only planned, s2 reported in 2023, s4 cancelled. 1 of 4 = 25 %;
    m1 1 of 2 = 50 %, m2 0 of 2."""
    s4 = make_school(world.m2, 4)
    s5 = make_school(world.m2, 5)
    on = dt.date(YEAR, 1, 15)
    for school in (world.s1, world.s2, world.s3, s4):
        Participation.objects.create(school=school, year=YEAR, entered_on=on)
    Participation.objects.create(
        school=s5, year=YEAR, entered_on=on, left_on=dt.date(YEAR, 6, 1), exit_reason="вышла"
    )
    curator = world.people["curator"]
    Membership.objects.get(person=curator).schools.set([world.s1, world.s2, world.s3, s4, s5])

    def visit(school: Any, status: str, visited: dt.date | None) -> None:
        Visit.objects.create(
            school=school,
            visitor=curator,
            visitor_role=Role.CURATOR,
            planned_on=visited or dt.date(YEAR, 5, 1),
            purpose="посещение",
            status=status,
            visited_on=visited,
            findings="выводы" if status == "reported" else "",
            reported_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC) if status == "reported" else None,
        )

    visit(world.s1, "reported", dt.date(YEAR, 4, 2))
    visit(world.s1, "reported", dt.date(YEAR, 9, 2))  # a second visit does not count twice
    visit(world.s3, "planned", None)
    visit(world.s2, "reported", dt.date(YEAR - 1, 12, 20))
    visit(s4, "cancelled", None)
    visit(s5, "reported", dt.date(YEAR, 3, 1))  # left the cohort: not counted

    total, lines = shares.visit_shares(shares.cohort_schools(world.region, YEAR), YEAR)
    assert (total.done, total.total, total.percent, total.met) == (1, 4, 25.0, False)
    assert [(x.municipality.name, x.share.done, x.share.total) for x in lines] == [
        ("Второй муниципальный район", 0, 2),
        ("город Первогорск", 1, 2),
    ]
    assert {s.pk for s in lines[1].not_visited} == {world.s3.pk}
    # The coordinator of m1 sees their municipality's share.
    page = world.client("coordinator").get(f"/shnor/visits/?year={YEAR}")
    assert (page.context["total"].done, page.context["total"].total) == (1, 2)
    assert "Посещено 1 из 2 школ: 50 % при целевом значении 100 %" in page.content.decode()


def test_share_meets_its_target_at_the_boundary_and_reads_in_russian() -> None:
    assert shares.Share(3, 5, 60).met and not shares.Share(2, 5, 60).met
    assert not shares.Share(0, 0, 60).met
    assert shares.Share(2, 3, 100).percent_text == "66,7"
    assert shares.Share(4, 4, 100).percent_text == "100"
    assert shares.Share(0, 4, 100).percent_text == "0"


def test_cohort_falls_back_on_the_registry_mark_when_no_participation(world: World) -> None:
    assert list(shares.cohort_schools(world.region, YEAR)) == [world.s1]


def test_schedule_page_and_xlsx_export(world: World) -> None:
    visit = plan(world)
    report(world, visit)
    plan(world, "mentor", on=dt.date(YEAR, 5, 10))
    page = world.client("operator").get(f"/shnor/visits/?year={YEAR}")
    assert page.status_code == 200
    # One schedule per visitor, by surname.
    assert [p.pk for p, _rows in page.context["schedules"]] == [
        world.people["curator"].pk,
        world.people["mentor"].pk,
    ]
    answer = world.client("operator").get(f"/shnor/visits/?year={YEAR}&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert rows[0][:4] == ["Муниципалитет", "Школа", "ИНН", "Кто посещает"]
    assert len(rows) == 3
    # The mentor's visit of May 2024 was never reported: overdue by now.
    assert sorted(r[7] for r in rows[1:]) == ["проведено", "просрочено"]
    assert world.client("outsider").get("/shnor/visits/").status_code == 403
    # The curator's page offers the plan form; the operator's does not.
    assert world.client("curator").get("/shnor/visits/").context["form"] is not None
    assert page.context["form"] is None
