"""The audit log reads in Russian: names and values, local times, and never a secret."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from django.urls import reverse
from django.utils import timezone

from marshrut.audit.log import Action, record, snapshot
from marshrut.audit.models import AuditEvent
from marshrut.events.actions import do_save_event
from marshrut.plans.actions import do_submit_plan
from marshrut.plans.models import Level, Plan
from marshrut.surveys.actions import do_save_survey, do_set_status
from marshrut.surveys.models import Question, Survey
from tests.conftest import World
from tests.events.conftest import make_event
from tests.plans.conftest import make_plan


def _page(world: World, **params: Any) -> str:
    return world.client("operator").get(reverse("audit:event_list"), params).content.decode()


def _xlsx_cells(world: World) -> list[Any]:
    response = world.client("operator").get(reverse("audit:event_list"), {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [c.value for row in book.active.iter_rows() for c in row if c.value is not None]


def _csv(world: World) -> str:
    response = world.client("operator").get(reverse("audit:event_list"), {"export": "csv"})
    return response.content.decode("utf-8-sig")


def test_a_plan_status_change_shows_the_status_labels(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    do_submit_plan(world.users["school"], plan)
    page = _page(world, target_type="plans.plan")
    assert "<del>черновик</del> → на согласовании" in page
    assert "draft" not in page and "submitted" not in page
    assert "Дорожная карта" in page  # the kind of object, not «plans.plan»
    assert "plans.plan<" not in page and ">plans.plan" not in page
    assert "Состояние: черновик → на согласовании" in _csv(world)


def test_a_survey_opening_reads_as_labels_not_codes(world: World) -> None:
    survey = Survey.objects.create(region=world.region, title="Опрос педагогов")
    Question.objects.create(survey=survey, position=1, kind=Question.Kind.TEXT, text="Что нужно?")
    do_set_status(world.users["operator"], survey, Survey.Status.OPEN)
    page = _page(world)
    assert "<del>черновик</del> → идёт приём ответов" in page
    assert "draft" not in page and "→ open" not in page


def test_a_field_change_shows_the_verbose_name_and_the_choice_label(world: World) -> None:
    event = make_event(world, "Семинар для кураторов")
    before = snapshot(event)
    event.coverage_basis = event.Basis.PEOPLE
    event.starts_on = event.ends_on = dt.date(2024, 4, 2)
    event.roadmap_item = None
    do_save_event(world.users["operator"], event, before=before)
    page = _page(world)
    assert "Охват считается как:" in page and "coverage_basis" not in page
    assert f"{event.Basis.SCHOOLS.label}</del> → {event.Basis.PEOPLE.label}" in page
    assert "02.04.2024" in page and "2024-04-02" not in page
    assert "Мероприятие" in page and "events.event" not in page.replace("events.event&", "")


def test_related_objects_and_booleans_read_by_name(world: World) -> None:
    record(
        world.users["operator"],
        Action.UPDATE,
        world.s1,
        changes={"municipality": [world.m2.pk, world.m1.pk], "is_rip": [False, True]},
    )
    page = _page(world)
    assert f"<del>{world.m2}</del> → {world.m1}" in page
    assert "<del>нет</del> → да" in page


def test_the_export_writes_local_time_and_russian_names(world: World, settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Yekaterinburg"  # UTC+5
    event = record(
        world.users["operator"], Action.UPDATE, world.s1, changes={"is_rip": [False, True]}
    )
    AuditEvent.objects.filter(pk=event.pk).update(at=dt.datetime(2026, 12, 3, 9, 32, tzinfo=dt.UTC))
    cells = _xlsx_cells(world)
    assert dt.datetime(2026, 12, 3, 14, 32) in cells
    assert dt.datetime(2026, 12, 3, 9, 32) not in cells
    assert "школа" in cells and "orgs.school" not in cells
    assert any(str(c).endswith(": нет → да") for c in cells)
    assert "03.12.2026 14:32" in _csv(world)
    assert "03.12.2026 14:32" in _page(world)


def test_a_survey_token_is_never_written_nor_shown(world: World) -> None:
    survey = Survey(region=world.region, title="Опрос родителей")
    do_save_survey(world.users["operator"], survey, before=None)
    token = survey.token
    assert len(token) > 20
    for e in AuditEvent.objects.all():
        assert token not in str(e.changes) and token not in e.target_repr and token not in e.message
    assert token not in _page(world)
    assert token not in _csv(world)
    assert not [c for c in _xlsx_cells(world) if token in str(c)]


def test_a_secret_in_an_old_row_is_hidden_on_the_page_and_in_the_export(world: World) -> None:
    survey = Survey.objects.create(region=world.region, title="Старый опрос")
    AuditEvent.objects.create(  # written before secrets were redacted
        actor_name="operator",
        action=Action.CREATE,
        target_type="surveys.survey",
        target_id=str(survey.pk),
        target_repr=str(survey),
        region=world.region,
        changes={"token": [None, survey.token], "title": [None, survey.title]},
    )
    page = _page(world)
    assert survey.token not in page and "значение скрыто" in page
    assert survey.token not in _csv(world)
    assert not [c for c in _xlsx_cells(world) if survey.token in str(c)]


def test_a_local_stamp_in_the_changes_reads_in_local_time(world: World, settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Yekaterinburg"
    moment = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30), dt.UTC)
    record(
        world.users["operator"], Action.UPDATE, world.s1, changes={"x": [None, moment.isoformat()]}
    )
    assert "02.03.2026 04:30" in _page(world)
