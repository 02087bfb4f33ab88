"""The cohort pages: who sees which schools, entry and exit, selection, the team, the export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from marshrut.orgs.models import Membership, School
from marshrut.orgs.roles import Role
from marshrut.support.models import Participation
from marshrut.support.models.assessments import (
    Appointment,
    AssessmentResult,
    CandidateTest,
    SelectionRule,
)
from tests.conftest import World, build_world, make_school


def result(school: School, year: int, assessment: str, participants: int, failed: int) -> None:
    AssessmentResult.objects.create(
        school=school,
        year=year,
        assessment=assessment,
        subject="Математика",
        grade=7,
        participants=participants,
        failed=failed,
        failed_share=Decimal(failed * 100) / participants,
    )


@pytest.fixture
def cohort(world: World) -> World:
    """s1, s3 (m1) and s2 (m2) in the cohort of 2025; results 2023–2025; threshold 20 %."""
    SelectionRule.objects.create(region=world.region, threshold=20, assessments=["vpr", "oge"])
    on = dt.date(2025, 2, 1)
    for school, source in (
        (world.s1, Participation.Source.FEDERAL_LIST),
        (world.s3, Participation.Source.RULE),
        (world.s2, Participation.Source.MANUAL),
    ):
        Participation.objects.create(school=school, year=2025, entered_on=on, source=source)
    Participation.objects.create(school=world.s1, year=2024, entered_on=dt.date(2024, 2, 1))
    # s1: ВПР 30 % in 2024 and 2025 — the rule still fires, no exit.
    result(world.s1, 2024, "vpr", 10, 3)
    result(world.s1, 2025, "vpr", 10, 3)
    # s3: ВПР and ОГЭ 25 % in 2024, ВПР 5 % in 2025: 2024 alone still has two assessments
    # ≥ 20 %, no exit. s2: ВПР 10 % in both years: recovered.
    result(world.s3, 2024, "vpr", 20, 5)
    result(world.s3, 2024, "oge", 20, 5)
    result(world.s3, 2025, "vpr", 20, 1)
    result(world.s2, 2024, "vpr", 10, 1)
    result(world.s2, 2025, "vpr", 10, 1)
    return world


def seen(world: World, persona: str, query: str = "") -> set[str]:
    page = world.client(persona).get(f"/shnor/cohort/?year=2025{query}")
    assert page.status_code == 200
    return {r.school.inn for r in page.context["rows"]}


def test_each_role_sees_its_cohort_schools_and_outsiders_are_refused(cohort: World) -> None:
    w = cohort
    assert seen(w, "operator") == {w.s1.inn, w.s2.inn, w.s3.inn}
    assert seen(w, "coordinator") == {w.s1.inn, w.s3.inn}
    assert seen(w, "curator") == {w.s1.inn}
    assert seen(w, "mentor") == {w.s1.inn}
    assert seen(w, "head") == {w.s1.inn}
    assert w.client("outsider").get("/shnor/cohort/").status_code == 403


def test_another_regions_operator_sees_nothing_of_this_cohort(cohort: World) -> None:
    other = build_world("99", "Другая область", "b")
    page = other.client("operator").get("/shnor/cohort/?year=2025")
    assert page.status_code == 200 and page.context["rows"] == []
    assert other.client("operator").get(f"/shnor/cohort/school/{cohort.s1.pk}/").status_code == 404
    assert other.client("curator").get(f"/shnor/cohort/school/{cohort.s1.pk}/").status_code == 404


def test_filters_and_the_exit_condition(cohort: World) -> None:
    w = cohort
    assert seen(w, "operator", f"&municipality={w.m2.pk}") == {w.s2.inn}
    assert seen(w, "operator", "&source=rule") == {w.s3.inn}
    assert seen(w, "operator", "&status=recovered") == {w.s2.inn}
    assert seen(w, "operator", "&years=2") == {w.s1.inn}
    page = w.client("operator").get("/shnor/cohort/?year=2025")
    labels = {r.school.inn: (r.years, r.exit_label) for r in page.context["rows"]}
    assert labels == {
        w.s1.inn: (2, "нет: правило отбора срабатывает"),
        w.s3.inn: (1, "нет: правило отбора срабатывает"),
        w.s2.inn: (1, "результаты восстановились"),
    }


def test_the_export_opens_with_a_row_per_school(cohort: World) -> None:
    response = cohort.client("coordinator").get("/shnor/cohort/?year=2025&export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Когорта ШНОР 2025: Тестовая область"
    assert rows[2][:3] == ("Муниципалитет", "Школа", "ИНН")
    assert {r[2] for r in rows[3:]} == {cohort.s1.inn, cohort.s3.inn}


def test_a_schools_page_shows_its_shares_over_the_years(cohort: World) -> None:
    w = cohort
    page = w.client("curator").get(f"/shnor/cohort/school/{w.s1.pk}/?year=2025")
    assert page.status_code == 200
    assert page.context["years"] == [2024, 2025]
    vpr = page.context["table"][0]
    assert vpr["label"] == "ВПР" and [c["share"].percent for c in vpr["cells"]] == [
        Decimal("30.0"),
        Decimal("30.0"),
    ]
    assert page.context["exit"].recovered is False
    assert w.client("curator").get(f"/shnor/cohort/school/{w.s2.pk}/").status_code == 404
    assert w.client("outsider").get(f"/shnor/cohort/school/{w.s2.pk}/").status_code == 403


def test_the_operator_records_an_exit_and_a_stale_form_is_refused(cohort: World) -> None:
    w = cohort
    p = Participation.objects.get(school=w.s2, year=2025)
    url = f"/shnor/cohort/{p.pk}/edit/"
    client = w.client("operator")
    form = {
        "entered_on": "2025-02-01",
        "entry_reason": "",
        "left_on": "2025-09-01",
        "exit_reason": "",
        "version": p.version,
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Укажите причину выхода" in refused.content.decode()
    form["exit_reason"] = "результаты восстановились два года подряд"
    assert client.post(url, form).status_code == 302
    p.refresh_from_db()
    assert p.left_on == dt.date(2025, 9, 1) and p.version == 2
    assert School.objects.get(pk=w.s2.pk).is_shnor is False
    form["exit_reason"] = "другая причина"
    stale = client.post(url, form)  # still version 1
    assert stale.status_code == 409
    assert "Ваши изменения не сохранены" in stale.content.decode()
    assert w.client("coordinator").post(url, form).status_code == 403
    assert w.client("curator").get(url).status_code == 403


def test_the_rule_proposes_with_reasons_and_the_operator_accepts(world: World) -> None:
    w = world
    SelectionRule.objects.create(region=w.region, threshold=20, assessments=["vpr", "oge"])
    result(w.s1, 2024, "vpr", 10, 3)
    result(w.s1, 2025, "vpr", 10, 2)  # 30 % then 20 %: two years running
    result(w.s2, 2025, "vpr", 10, 1)
    page = w.client("operator").get("/shnor/cohort/selection/?year=2026")
    assert page.status_code == 200
    proposals = page.context["proposals"]
    assert [(p.school.pk, p.reason) for p in proposals] == [
        (w.s1.pk, "ВПР 2024 — 30,0 %, ВПР 2025 — 20,0 %: два года подряд")
    ]
    done = w.client("operator").post(
        "/shnor/cohort/selection/?year=2026", {"action": "accept", "school": [w.s1.pk, w.s2.pk]}
    )
    assert done.status_code == 302
    entered = Participation.objects.get(year=2026)
    assert (entered.school_id, entered.source) == (w.s1.pk, Participation.Source.RULE)
    assert entered.entry_reason == "ВПР 2024 — 30,0 %, ВПР 2025 — 20,0 %: два года подряд"
    # Once in the cohort, the school is no longer proposed.
    again = w.client("operator").get("/shnor/cohort/selection/?year=2026")
    assert again.context["proposals"] == []
    for persona in ("coordinator", "curator", "head", "department"):
        assert w.client(persona).get("/shnor/cohort/selection/").status_code == 403


def test_the_operator_changes_the_rule(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        "/shnor/cohort/selection/?year=2026",
        {"action": "rule", "threshold": "12,5", "assessments": ["vpr", "niko"]},
    )
    assert response.status_code == 302
    rule = SelectionRule.objects.get(region=world.region)
    assert (rule.threshold, rule.assessments) == (Decimal("12.5"), ["vpr", "niko"])
    stale = client.post(
        "/shnor/cohort/selection/?year=2026",
        {"action": "rule", "threshold": "30", "assessments": ["vpr"], "version": 0},
    )
    assert stale.status_code == 409


def test_the_team_page_flags_schools_without_a_curator_and_the_operator_assigns(
    cohort: World,
) -> None:
    w = cohort
    client = w.client("operator")
    page = client.get("/shnor/team/?year=2025")
    assert page.status_code == 200
    lacking = {p.school_id: roles for p, roles in page.context["lacking"]}
    assert lacking == {w.s2.pk: {"curator", "mentor"}, w.s3.pk: {"curator", "mentor"}}
    curator = Membership.objects.get(person=w.people["curator"], role=Role.CURATOR)
    assert (
        client.post(
            "/shnor/team/assign/?year=2025", {"membership": curator.pk, "school": w.s3.pk}
        ).status_code
        == 302
    )
    assert set(curator.schools.values_list("pk", flat=True)) == {w.s1.pk, w.s3.pk}
    # The curator now sees the school in the cohort.
    assert seen(w, "curator") == {w.s1.inn, w.s3.inn}
    client.post(
        "/shnor/team/assign/?year=2025",
        {"membership": curator.pk, "school": w.s3.pk, "action": "unassign"},
    )
    assert set(curator.schools.values_list("pk", flat=True)) == {w.s1.pk}
    client.post(
        f"/shnor/team/{curator.pk}/order/?year=2025",
        {"order_number": "123-о", "order_date": "2025-01-20"},
    )
    assert str(Appointment.objects.get(membership=curator)) == "№ 123-о от 20.01.2025"
    coordinator = Membership.objects.get(person=w.people["coordinator"])
    client.post(
        f"/shnor/team/{coordinator.pk}/order/?year=2025",
        {"order_number": "7", "order_date": "2025-01-21"},
    )
    assert str(Appointment.objects.get(membership=coordinator)) == "№ 7 от 21.01.2025"
    # A role outside the team (a school head) gets no order here.
    head = Membership.objects.get(person=w.people["head"])
    assert client.post(f"/shnor/team/{head.pk}/order/", {}).status_code == 404
    client.post(
        "/shnor/team/test/?year=2025",
        {
            "person": w.people["curator"].pk,
            "role": "curator",
            "score": 42,
            "max_score": 50,
            "tested_on": "2025-01-15",
        },
    )
    assert CandidateTest.objects.get(person=w.people["curator"]).percent == 84
    text = client.get("/shnor/team/?year=2025").content.decode()
    assert "№ 123-о от 20.01.2025" in text and "42 / 50 (84 %)" in text
    assert "приказ № 7 от 21.01.2025" in text
    # A school outside the cohort of the year cannot be assigned.
    outside = make_school(w.m1, 50)
    client.post("/shnor/team/assign/?year=2025", {"membership": curator.pk, "school": outside.pk})
    assert not curator.schools.filter(pk=outside.pk).exists()


def test_the_team_page_for_others_and_who_may_change_the_team(cohort: World) -> None:
    w = cohort
    page = w.client("curator").get("/shnor/team/?year=2025")
    assert page.status_code == 200 and page.context["can_manage"] is False
    assert {m.person_id for m in page.context["members"]} == {
        w.people["curator"].pk,
        w.people["mentor"].pk,
    }
    assert w.client("coordinator").get("/shnor/team/?year=2025").status_code == 200
    assert w.client("outsider").get("/shnor/team/").status_code == 403
    curator = Membership.objects.get(person=w.people["curator"], role=Role.CURATOR)
    for persona in ("curator", "coordinator", "department"):
        response = w.client(persona).post(
            "/shnor/team/assign/", {"membership": curator.pk, "school": w.s3.pk}
        )
        assert response.status_code == 403
    assert not curator.schools.filter(pk=w.s3.pk).exists()


def test_the_operator_adds_a_school_by_decision(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        "/shnor/cohort/add/?year=2025",
        {"school": world.s3.pk, "entered_on": "2025-03-01", "entry_reason": "решение комиссии"},
    )
    assert response.status_code == 302
    p = Participation.objects.get(school=world.s3, year=2025)
    assert (p.source, p.entry_reason) == (Participation.Source.MANUAL, "решение комиссии")
    again = client.post(
        "/shnor/cohort/add/?year=2025",
        {"school": world.s3.pk, "entered_on": "2025-03-01", "entry_reason": "ещё раз"},
    )
    assert "Школа уже в когорте 2025 года" in again.content.decode()
    assert world.client("coordinator").get("/shnor/cohort/add/").status_code == 403


def test_the_cohort_and_team_pages_read_a_fixed_number_of_queries(cohort: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        client = cohort.client("operator")
        client.get(url)  # the session and the region settle on the first request
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = ["/shnor/cohort/?year=2025", "/shnor/team/?year=2025"]
    before = [count(url) for url in urls]
    for serial in range(60, 66):
        school = make_school(cohort.m2, serial)
        Participation.objects.create(school=school, year=2025, entered_on=dt.date(2025, 2, 1))
        result(school, 2024, "vpr", 10, 3)
        result(school, 2025, "oge", 10, 3)
        curator = Membership.objects.get(person=cohort.people["curator"], role=Role.CURATOR)
        curator.schools.add(school)
    assert [count(url) for url in urls] == before
