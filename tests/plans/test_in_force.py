"""Only a plan in force has deadlines to miss: a draft is neither overdue nor reminded."""

from __future__ import annotations

import io

import docx
from django.urls import reverse

from marshrut.plans import documents, queries, reminders
from marshrut.plans.actions import do_approve_plan, do_return_plan, do_submit_plan
from marshrut.plans.models import Level, Plan, PlanItem
from tests.conftest import World
from tests.plans.conftest import TODAY, make_plan

# On TODAY (10.06.2024) the January item of SPECS is past due, and nothing else.


def overdue_figures(plan: Plan) -> dict[str, int]:
    """Every place that says how many items of a plan are overdue."""
    plans = Plan.objects.filter(pk=plan.pk)
    listed = queries.attach_counts([Plan.objects.get(pk=plan.pk)], TODAY)[0]
    return {
        "queryset": PlanItem.objects.filter(plan=plan).overdue(on=TODAY).count(),
        "items": queries.totals(plan.items.all(), TODAY)["overdue"],
        "tallies": queries.totals_by_level(plans, TODAY)[0]["overdue"],
        "plan list": listed.overdue,
        "sections": sum(s["overdue"] for s in queries.by_section(plan.items.all(), TODAY)),
        "is_overdue": sum(i.is_overdue(TODAY) for i in plan.items.all()),
    }


def monitoring_text(plan: Plan) -> str:
    document = docx.Document(io.BytesIO(documents.monitoring_docx(plan)))
    return "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)


def test_a_draft_school_roadmap_with_past_dates_is_not_overdue_and_nobody_is_reminded(
    world: World,
) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    assert plan.items.filter(next_due_on__lt=TODAY).exists()
    assert set(overdue_figures(plan).values()) == {0}
    assert reminders.collect(TODAY, days=7) == []
    page = world.client("head").get(reverse("plans:plan_detail", kwargs={"pk": plan.pk}))
    assert 'data-testid="overdue"' not in page.content.decode()
    assert "просрочено" not in monitoring_text(plan)


def test_a_plan_on_review_or_returned_is_not_overdue_either(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    do_submit_plan(world.users["head"], plan)
    assert set(overdue_figures(plan).values()) == {0}
    do_return_plan(world.users["coordinator"], plan, comment="Добавьте сроки")
    assert set(overdue_figures(plan).values()) == {0}
    assert reminders.collect(TODAY, days=7) == []


def test_the_same_roadmap_once_approved_is_overdue_and_reminded(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    do_submit_plan(world.users["head"], plan)
    do_approve_plan(world.users["coordinator"], plan)
    assert set(overdue_figures(plan).values()) == {1}
    found = {r.email: [i.title for i in r.overdue] for r in reminders.collect(TODAY, days=7)}
    assert found["head@test.local"] == ["Семинар для координаторов"]
    page = world.client("head").get(reverse("plans:plan_detail", kwargs={"pk": plan.pk}))
    assert 'data-testid="overdue"' in page.content.decode()
