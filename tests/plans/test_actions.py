"""Plans from draft rows, control dates, progress reports, overdue detection, hand-down and roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from marshrut.audit.log import snapshot
from marshrut.audit.models import AuditEvent
from marshrut.plans import queries
from marshrut.plans.actions import (
    do_create_plan,
    do_hand_down,
    do_report_progress,
    do_seed_organisations,
    do_update_item,
)
from marshrut.plans.models import ItemStatus, Level, Organisation, Plan, PlanItem
from tests.conftest import World
from tests.plans.conftest import TODAY, make_plan


def item(plan: Plan, number: str) -> PlanItem:
    return plan.items.get(number=number)


def test_a_plan_gets_sections_items_control_dates_and_organisations(
    world: World, regional: Plan
) -> None:
    assert regional.region == world.region and regional.municipality is None
    assert [(s.number, s.title) for s in regional.sections.all()] == [
        ("1", "Организационное сопровождение")
    ]
    seminar = item(regional, "1.1")
    assert seminar.starts_on == dt.date(2024, 1, 1) and seminar.due_on == dt.date(2024, 1, 31)
    assert seminar.next_due_on == dt.date(2024, 1, 31)
    assert sorted(o.abbreviation for o in seminar.organisations.all()) == ["МОУО", "ТОГИРРО"]
    courses = item(regional, "1.3")
    assert courses.due_on == dt.date(2024, 8, 31)
    on_request = item(regional, "1.4")
    assert on_request.deadlines[0]["kind"] == "on_request"
    assert on_request.next_due_on is None and not on_request.control_dates.exists()
    assert seminar.targets == [
        {
            "text": "Охват участников – 40%",
            "metric": "Охват участников",
            "comparator": ">=",
            "value": 40,
            "unit": "%",
        }
    ]
    assert AuditEvent.objects.filter(target_type="plans.plan", target_id=str(regional.pk)).exists()


def test_the_dictionary_is_seeded_once_per_region(world: World, regional: Plan) -> None:
    count = Organisation.objects.filter(region=world.region).count()
    assert count > 10
    assert do_seed_organisations(None, world.region) == 0
    assert Organisation.objects.filter(region=world.region).count() == count


def test_overdue_and_due_soon_follow_the_unmet_control_dates(regional: Plan) -> None:
    items = PlanItem.objects.filter(plan=regional)
    assert set(items.overdue(TODAY).values_list("number", flat=True)) == {"1.1"}
    assert set(items.due_soon(TODAY).values_list("number", flat=True)) == {"1.2"}
    assert item(regional, "1.1").is_overdue(TODAY)
    assert not item(regional, "1.4").is_overdue(dt.date(2030, 1, 1))  # «по запросу»: no date


def test_done_report_meets_every_control_date_and_ends_the_overdue(
    world: World, regional: Plan
) -> None:
    seminar = item(regional, "1.1")
    report = do_report_progress(
        world.users["operator"],
        seminar,
        status=ItemStatus.DONE,
        comment="Проведён 25.01",
        links=["https://example.org/news"],
        files=[SimpleUploadedFile("протокол.pdf", b"%PDF-1.4 proof")],
        on=dt.date(2024, 1, 25),
    )
    seminar.refresh_from_db()
    assert seminar.status == ItemStatus.DONE and seminar.next_due_on is None
    assert list(seminar.control_dates.values_list("met_on", flat=True)) == [dt.date(2024, 1, 25)]
    assert [e.filename for e in report.evidence.all()] == ["протокол.pdf"]
    assert not PlanItem.objects.filter(plan=regional).overdue(TODAY).exists()
    event = AuditEvent.objects.filter(target_type="plans.planitem", target_id=str(seminar.pk)).get()
    # The status change moved the version on, so edits begun before it are refused.
    assert event.changes == {"status": ["planned", "done"], "version": [1, 2]}


def test_a_stage_report_meets_one_control_date_of_a_recurring_item(world: World) -> None:
    from tests.plans.conftest import rows

    plan = make_plan(world, rows=rows(world.region, [("Отчёт", "июнь, декабрь", "МОУО")]))
    report_item = plan.items.get()
    first = report_item.control_dates.order_by("due_on").first()
    assert first is not None and first.due_on == dt.date(2024, 6, 30)
    do_report_progress(
        None,
        report_item,
        status=ItemStatus.IN_PROGRESS,
        control_date=first,
        on=dt.date(2024, 6, 28),
    )
    report_item.refresh_from_db()
    assert report_item.next_due_on == dt.date(2024, 12, 31)
    assert not report_item.is_overdue(dt.date(2024, 7, 15))
    assert report_item.is_overdue(dt.date(2025, 1, 10))


def test_a_report_for_another_items_control_date_is_refused(regional: Plan) -> None:
    other = item(regional, "1.2").control_dates.get()
    with pytest.raises(ValidationError):
        do_report_progress(None, item(regional, "1.1"), status=ItemStatus.DONE, control_date=other)


def test_hand_down_creates_municipal_plans_and_execution_rolls_up(
    world: World, regional: Plan
) -> None:
    seminar = item(regional, "1.1")
    copies = do_hand_down(world.users["operator"], seminar, municipalities=[world.m1, world.m2])
    assert len(copies) == 2
    assert {c.plan.municipality for c in copies} == {world.m1, world.m2}
    assert all(c.plan.level == Level.MUNICIPALITY and c.parent == seminar for c in copies)
    assert all(c.next_due_on == dt.date(2024, 1, 31) for c in copies)
    # Handing down again adds nothing; a municipal item goes on to schools.
    assert do_hand_down(None, seminar, municipalities=[world.m1]) == []
    m1_copy = next(c for c in copies if c.plan.municipality == world.m1)
    to_schools = do_hand_down(None, m1_copy, schools=[world.s1, world.s3, world.s2])
    assert {c.plan.school for c in to_schools} == {world.s1, world.s3}  # s2 is not in m1
    do_report_progress(None, copies[0], status=ItemStatus.DONE, on=dt.date(2024, 1, 20))
    rolled = queries.with_rollup(PlanItem.objects.filter(pk=seminar.pk), TODAY).get()
    assert (rolled.children_total, rolled.children_done, rolled.children_overdue) == (2, 1, 1)
    assert queries.totals(seminar.children.all(), TODAY)["share"] == 50


def test_school_items_cannot_be_handed_down(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL)
    with pytest.raises(ValidationError):
        do_hand_down(None, plan.items.first(), schools=[world.s1])


def test_editing_an_item_reads_its_deadline_again_and_rebuilds_control_dates(
    regional: Plan,
) -> None:
    courses = item(regional, "1.3")
    before = snapshot(courses)
    courses.deadline_text = "до 15.09.2024"
    courses.responsible_text = "ДОиН ТО"
    do_update_item(None, courses, before=before)
    courses.refresh_from_db()
    assert courses.deadlines[0]["kind"] == "due"
    assert courses.due_on == dt.date(2024, 9, 15) and courses.next_due_on == dt.date(2024, 9, 15)
    assert [o.abbreviation for o in courses.organisations.all()] == ["ДОиН ТО"]


def test_plan_owner_must_match_its_level(world: World) -> None:
    with pytest.raises(ValidationError):
        do_create_plan(None, level=Level.SCHOOL, year=2024, title="x", municipality=world.m1)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Plan.objects.create(
            region=world.region,
            municipality=world.m1,
            level=Level.REGION,
            title="x",
            year=2024,
            starts_on=dt.date(2024, 1, 1),
            ends_on=dt.date(2024, 12, 31),
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        Plan.objects.create(
            region=world.region,
            level=Level.REGION,
            title="x",
            year=2024,
            starts_on=dt.date(2024, 12, 31),
            ends_on=dt.date(2024, 1, 1),
        )
