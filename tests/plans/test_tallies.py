"""The execution summary (``PlanTally``) agrees with counting the items, whatever changed them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from marshrut.audit.log import snapshot
from marshrut.plans import importer, queries
from marshrut.plans.actions import (
    do_hand_down,
    do_report_progress,
    do_update_item,
    rebuild_tallies,
)
from marshrut.plans.models import ItemStatus, Level, Plan, PlanItem, PlanTally
from tests.conftest import World
from tests.plans.conftest import SEED_001, TODAY, make_plan

FIGURES = ("total", "done", "in_progress", "cancelled", "overdue", "soon", "share")
# Before, inside and after the year, and a day on which an item's date turns overdue.
DAYS = [
    dt.date(2023, 12, 20),
    TODAY,
    dt.date(2024, 7, 1),
    dt.date(2024, 12, 20),
    dt.date(2025, 3, 1),
]


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in FIGURES}


def assert_tallies_agree(plans: Any = None) -> None:
    """Every figure read from the summary equals the one counted over the items, on every day."""
    plans = plans if plans is not None else Plan.objects.all()
    items = PlanItem.objects.filter(plan__in=plans)
    for day in DAYS:
        totals, by_level = queries.totals_by_level(plans, day)
        assert _figures(totals) == _figures(queries.totals(items, day)), day
        counted_levels = {
            level: _figures(queries.totals(items.filter(plan__level=level), day))
            for level in items.values_list("plan__level", flat=True).distinct()
        }
        assert {r["plan__level"]: _figures(r) for r in by_level} == counted_levels, day
        assert {
            r["abbreviation"]: _figures(r) for r in queries.tally_by_organisation(plans, day)
        } == {r["abbreviation"]: _figures(r) for r in queries.by_organisation(items, day)}, day
        for plan in queries.attach_counts(list(plans), day):
            counted = queries.totals(plan.items.all(), day)
            assert {n: getattr(plan, n) for n in FIGURES if n != "share"} == {
                n: counted[n] for n in FIGURES if n != "share"
            }, (day, plan)


def item(plan: Plan, number: str) -> PlanItem:
    return plan.items.get(number=number)


def test_a_new_plan_is_summed_up_by_plan_and_by_organisation(world: World, regional: Plan) -> None:
    assert set(regional.tallies.values_list("scope", flat=True)) == {"plan", "organisation"}
    totals, _levels = queries.totals_by_level(Plan.objects.all(), TODAY)
    assert (totals["total"], totals["overdue"], totals["soon"]) == (5, 1, 1)
    by_organisation = {
        r["abbreviation"]: r["total"] for r in queries.tally_by_organisation(Plan.objects, TODAY)
    }
    assert by_organisation["ТОГИРРО"] == 4 and by_organisation["МОУО"] == 2
    assert_tallies_agree()


def test_the_summary_follows_progress_reports(world: World, regional: Plan) -> None:
    do_report_progress(None, item(regional, "1.1"), status=ItemStatus.DONE, on=TODAY)
    do_report_progress(None, item(regional, "1.2"), status=ItemStatus.IN_PROGRESS, on=TODAY)
    do_report_progress(None, item(regional, "1.4"), status=ItemStatus.CANCELLED, on=TODAY)
    assert_tallies_agree()
    totals, _levels = queries.totals_by_level(Plan.objects.all(), TODAY)
    assert (totals["done"], totals["in_progress"], totals["cancelled"], totals["overdue"]) == (
        1,
        1,
        1,
        0,
    )
    assert totals["share"] == 25  # one of the four that were not cancelled


def test_a_stage_report_moves_the_item_to_its_next_control_date(world: World) -> None:
    from tests.plans.conftest import rows

    plan = make_plan(world, rows=rows(world.region, [("Отчёт", "июнь, декабрь", "МОУО")]))
    report = plan.items.get()
    first = report.control_dates.order_by("due_on").first()
    do_report_progress(None, report, status=ItemStatus.IN_PROGRESS, control_date=first, on=TODAY)
    assert list(plan.tallies.filter(scope="plan").values_list("next_due_on", flat=True)) == [
        dt.date(2024, 12, 31)
    ]
    assert_tallies_agree()


def test_the_summary_follows_hand_down_and_reports_on_the_copies(
    world: World, regional: Plan
) -> None:
    seminar = item(regional, "1.1")
    copies = do_hand_down(None, seminar, municipalities=[world.m1, world.m2])
    m1_copy = next(c for c in copies if c.plan.municipality == world.m1)
    do_hand_down(None, m1_copy, schools=[world.s1, world.s3])
    # A second item into the same municipal plans: added to their existing section.
    do_hand_down(None, item(regional, "1.5"), municipalities=[world.m1])
    do_report_progress(None, copies[0], status=ItemStatus.DONE, on=TODAY)
    assert Plan.objects.count() == 5
    assert_tallies_agree()
    assert_tallies_agree(Plan.objects.filter(level=Level.SCHOOL))


def test_the_summary_follows_an_edited_item(world: World, regional: Plan) -> None:
    courses = item(regional, "1.3")
    before = snapshot(courses)
    courses.deadline_text = "до 15.06.2024"
    courses.responsible_text = "ДОиН ТО, участники апробации"
    do_update_item(None, courses, before=before)
    assert_tallies_agree()
    by_organisation = {
        r["abbreviation"]: r for r in queries.tally_by_organisation(Plan.objects, TODAY)
    }
    assert by_organisation["ДОиН ТО"]["total"] == 2
    assert by_organisation["ДОиН ТО"]["soon"] == 2  # «июнь» and now «до 15.06.2024»
    assert "ЦНППМ" not in by_organisation


def test_the_summary_follows_an_import(world: World, seed_bytes: Any) -> None:
    data = seed_bytes(SEED_001)
    params = importer.params_of(
        level=Level.REGION, year=2024, title="Дорожная карта 2024", owner={"region": world.region}
    )
    batch, report = importer.create_batch(None, data, SEED_001, region=world.region, params=params)
    assert report.ok
    assert not PlanTally.objects.exists()  # nothing counted before the operator confirms
    importer.apply_now(None, batch)
    totals, _levels = queries.totals_by_level(Plan.objects.all(), TODAY)
    assert totals["total"] == 39
    assert_tallies_agree()


def test_a_deleted_plan_leaves_the_summary_with_it(world: World, regional: Plan) -> None:
    municipal = make_plan(world, Level.MUNICIPALITY)
    do_hand_down(None, item(regional, "1.1"), municipalities=[world.m2])
    municipal.delete()
    assert not PlanTally.objects.filter(plan_id=municipal.pk).exists()
    assert_tallies_agree()
    regional.delete()  # the copy in m2's plan loses its parent but keeps its place in the summary
    assert_tallies_agree()
    assert queries.totals_by_level(Plan.objects.all(), TODAY)[0]["total"] == 1


def test_rebuilding_gives_what_the_actions_kept(world: World, regional: Plan) -> None:
    do_report_progress(None, item(regional, "1.1"), status=ItemStatus.DONE, on=TODAY)
    make_plan(world, Level.SCHOOL)
    kept = sorted(
        PlanTally.objects.values_list(
            "plan_id", "scope", "organisation_id", "next_due_on", "total_items", "done_items"
        ),
        key=str,
    )
    PlanTally.objects.all().delete()
    out = io.StringIO()
    call_command("plan", "tally", stdout=out)
    assert "карт 2" in out.getvalue()
    rebuilt = sorted(
        PlanTally.objects.values_list(
            "plan_id", "scope", "organisation_id", "next_due_on", "total_items", "done_items"
        ),
        key=str,
    )
    assert rebuilt == kept
    assert rebuild_tallies([]) == 0


def test_the_summary_refuses_counts_beyond_the_total(regional: Plan) -> None:
    with transaction.atomic(), pytest.raises(IntegrityError):
        PlanTally.objects.create(plan=regional, scope="plan", total_items=1, done_items=2)
    organisation = regional.items.first().organisations.first()  # type: ignore[union-attr]
    with transaction.atomic(), pytest.raises(IntegrityError):
        PlanTally.objects.create(plan=regional, scope="plan", organisation=organisation)
