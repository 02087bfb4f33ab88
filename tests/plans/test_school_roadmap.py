"""School roadmaps from deficits: the measures library, drafting, and approval with remarks."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from marshrut.audit.models import AuditEvent
from marshrut.diagnostics.models import Deficit, Submission
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from marshrut.plans import actions
from marshrut.plans.demo import DEMO_MEASURES, build_measures
from marshrut.plans.models import Level, Measure, Plan, PlanReview
from tests.conftest import World
from tests.diagnostics.factories import campaign_for, submission_for
from tests.plans.conftest import make_plan


@pytest.fixture
def scored(world: World) -> Submission:
    """The head's school with a submitted, scored questionnaire and deficits."""
    submission = submission_for(world, world.s1, submitted=True)
    assert Deficit.objects.filter(submission=submission).exists()
    return submission


def measure_for(world: World, deficit: Deficit, **fields: Any) -> Measure:
    return Measure.objects.create(
        region=world.region,
        indicator=deficit.code,
        direction=deficit.direction,
        title=fields.pop("title", "Провести педагогический совет и утвердить план устранения"),
        expected_result=fields.pop("expected_result", "Показатель выполнен (100%)"),
        responsible=fields.pop("responsible", "ОО, МОУО"),
        **fields,
    )


def draft(world: World, submission: Submission) -> Plan:
    return actions.do_draft_school_roadmap(world.users["head"], submission)


# Drafting from deficits --------------------------------------------------------------------------


def test_every_deficit_becomes_an_item_of_a_draft_for_the_next_year(
    world: World, scored: Submission
) -> None:
    deficits = list(Deficit.objects.filter(submission=scored))
    plan = draft(world, scored)
    assert (plan.level, plan.school, plan.status) == (Level.SCHOOL, world.s1, Plan.Status.DRAFT)
    assert plan.year == scored.campaign.year + 1
    items = list(plan.items.select_related("section"))
    assert sorted(i.indicator_code for i in items) == sorted(d.code for d in deficits)
    directions = {d.direction for d in deficits}
    assert plan.sections.count() == len(directions)
    by_code = {d.code: d for d in deficits}
    for item in items:
        assert item.directions == [by_code[item.indicator_code].direction]
        assert item.due_on is not None and item.due_on.year == plan.year
        assert item.next_due_on == item.due_on
        assert item.indicator.startswith(item.indicator_code)


def test_an_indicator_without_a_measure_is_worded_from_its_text(
    world: World, scored: Submission
) -> None:
    plan = draft(world, scored)
    catalogue = scored.campaign.criteria.catalogue
    for item in plan.items.all():
        text = catalogue.indicators[item.indicator_code].text
        assert item.title == f"Устранить дефицит: {text}"
        assert item.responsible_text == "ОО"
        assert [r["organisation"] for r in item.responsible] == ["ОО"]


def test_a_measure_from_the_library_is_used_when_present(world: World, scored: Submission) -> None:
    first, second = Deficit.objects.filter(submission=scored).order_by("code")[:2]
    measure = measure_for(world, first)
    measure_for(world, second, title="Неактуальная мера", is_active=False)
    plan = draft(world, scored)
    item = plan.items.get(indicator_code=first.code)
    assert item.title == measure.title
    assert item.expected_result == measure.expected_result
    assert {r["organisation"] for r in item.responsible} == {"ОО", "МОУО"}
    assert {o.abbreviation for o in item.organisations.all()} == {"ОО", "МОУО"}
    # An inactive measure does not count: the item is worded from the indicator.
    assert plan.items.get(indicator_code=second.code).title.startswith("Устранить дефицит")


def test_critical_deficits_are_due_first(world: World, scored: Submission) -> None:
    plan = draft(world, scored)
    kinds = {d.code: d.kind for d in Deficit.objects.filter(submission=scored)}
    for item in plan.items.all():
        month = item.due_on.month  # type: ignore[union-attr]
        assert month == {"critical": 3, "zero": 6, "below_max": 11}[kinds[item.indicator_code]]


def test_drafting_twice_is_refused(world: World, scored: Submission) -> None:
    draft(world, scored)
    with pytest.raises(ValidationError, match="уже составлена"):
        draft(world, scored)
    assert Plan.objects.filter(school=world.s1, level=Level.SCHOOL).count() == 1


def test_a_questionnaire_not_submitted_gives_no_roadmap(world: World) -> None:
    submission = submission_for(world, world.s3)
    with pytest.raises(ValidationError, match="не отправлена"):
        draft(world, submission)
    assert not Plan.objects.exists()


# Approval with remarks ---------------------------------------------------------------------------


def test_workflow_keeps_the_history_of_remarks(world: World, scored: Submission) -> None:
    head, coordinator = world.users["head"], world.users["coordinator"]
    plan = draft(world, scored)
    actions.do_submit_plan(head, plan)
    assert plan.status == Plan.Status.SUBMITTED
    actions.do_return_plan(coordinator, plan, comment="Уточните сроки раздела «Знание».")
    plan.refresh_from_db()
    assert plan.status == Plan.Status.RETURNED
    actions.do_submit_plan(head, plan, comment="Сроки уточнены.")
    actions.do_approve_plan(coordinator, plan)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    history = [(r.decision, r.comment, r.by) for r in plan.reviews.all()]
    assert history == [
        ("submitted", "", head),
        ("returned", "Уточните сроки раздела «Знание».", coordinator),
        ("submitted", "Сроки уточнены.", head),
        ("approved", "", coordinator),
    ]
    events = AuditEvent.objects.filter(target_type="plans.plan", target_id=str(plan.pk))
    assert events.filter(changes__status=["submitted", "returned"]).exists()
    assert events.filter(changes__status=["submitted", "approved"]).exists()


def test_returning_needs_remarks(world: World, scored: Submission) -> None:
    plan = draft(world, scored)
    actions.do_submit_plan(world.users["head"], plan)
    with pytest.raises(ValidationError, match="замечания"):
        actions.do_return_plan(world.users["coordinator"], plan, comment="  ")
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_the_database_refuses_a_return_without_remarks(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanReview.objects.create(plan=plan, decision=PlanReview.Decision.RETURNED, comment="")


def test_a_draft_cannot_be_approved_before_it_is_submitted(
    world: World, scored: Submission
) -> None:
    plan = draft(world, scored)
    with pytest.raises(ValidationError):
        actions.do_approve_plan(world.users["coordinator"], plan)
    assert not plan.reviews.exists()


def test_only_school_plans_go_through_approval(world: World) -> None:
    plan = make_plan(world, Level.MUNICIPALITY, status=Plan.Status.DRAFT)
    with pytest.raises(ValidationError, match="школ"):
        actions.do_submit_plan(world.users["coordinator"], plan)


# Pages -------------------------------------------------------------------------------------------


def test_school_drafts_submits_and_coordinator_returns_then_approves(
    world: World, scored: Submission
) -> None:
    head = world.client("head")
    page = head.get(reverse("plans:roadmap_list"))
    assert reverse("plans:roadmap_draft", args=[scored.pk]) in page.content.decode()
    preview = head.get(reverse("plans:roadmap_draft", args=[scored.pk]))
    assert "Устранить дефицит" in preview.content.decode()
    response = head.post(reverse("plans:roadmap_draft", args=[scored.pk]))
    plan = Plan.objects.get(school=world.s1)
    assert response.url == reverse("plans:plan_detail", args=[plan.pk])
    detail = head.get(response.url).content.decode()
    assert 'data-testid="submit-plan"' in detail and 'data-testid="review-plan"' not in detail

    head.post(reverse("plans:plan_submit", args=[plan.pk]), {"comment": "Готово"})
    coordinator = world.client("coordinator")
    detail = coordinator.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="review-plan"' in detail

    # Returning without remarks is refused with a message; the plan stays submitted.
    coordinator.post(reverse("plans:plan_review", args=[plan.pk]), {"decision": "return"})
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED
    coordinator.post(
        reverse("plans:plan_review", args=[plan.pk]),
        {"decision": "return", "comment": "Добавьте ответственных по разделу"},
    )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.RETURNED
    detail = head.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "Добавьте ответственных по разделу" in detail

    head.post(reverse("plans:plan_submit", args=[plan.pk]))
    coordinator.post(reverse("plans:plan_review", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    assert list(plan.reviews.values_list("decision", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]


def test_items_are_locked_while_the_coordinator_decides(world: World, scored: Submission) -> None:
    plan = draft(world, scored)
    item = plan.items.first()
    assert item is not None
    head = world.client("head")
    assert head.get(reverse("plans:item_edit", args=[item.pk])).status_code == 200
    actions.do_submit_plan(world.users["head"], plan)
    response = head.post(reverse("plans:item_edit", args=[item.pk]), {"title": "Другое"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title != "Другое"


def test_result_page_links_to_the_roadmap_for_those_who_plan(
    world: World, scored: Submission
) -> None:
    url = reverse("diagnostics:result", args=[scored.pk])
    link = reverse("plans:roadmap_draft", args=[scored.pk])
    assert link in world.client("head").get(url).content.decode()
    assert link not in world.client("department").get(url).content.decode()


# Access ------------------------------------------------------------------------------------------


def other_coordinator(world: World) -> Any:
    person = Person.objects.create(
        region=world.region, municipality=world.m2, last_name="Другой", first_name="Координатор"
    )
    from marshrut.accounts.models import User

    user = User.objects.create_user("coordinator2", "c2@test.local", "x")
    person.user = user
    person.save()
    Membership.objects.create(person=person, role=Role.MUNICIPAL_COORDINATOR, municipality=world.m2)
    return user


def test_a_school_cannot_approve_its_own_roadmap(world: World, scored: Submission) -> None:
    plan = draft(world, scored)
    actions.do_submit_plan(world.users["head"], plan)
    response = world.client("head").post(
        reverse("plans:plan_review", args=[plan.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_coordinator_of_another_municipality_gets_404(world: World, scored: Submission) -> None:
    plan = draft(world, scored)
    actions.do_submit_plan(world.users["head"], plan)
    client = world.client(None)
    client.force_login(other_coordinator(world))
    assert client.get(reverse("plans:plan_detail", args=[plan.pk])).status_code == 404
    response = client.post(reverse("plans:plan_review", args=[plan.pk]), {"decision": "approve"})
    assert response.status_code == 404
    assert client.get(reverse("plans:roadmap_draft", args=[scored.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_school_coordinator_cannot_draft_or_submit(world: World, scored: Submission) -> None:
    client = world.client("school")
    assert client.post(reverse("plans:roadmap_draft", args=[scored.pk])).status_code == 403
    assert not Plan.objects.exists()
    plan = draft(world, scored)
    assert client.post(reverse("plans:plan_submit", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_another_schools_questionnaire_is_not_found(world: World) -> None:
    other = submission_for(world, world.s2, submitted=True)
    assert (
        world.client("head").get(reverse("plans:roadmap_draft", args=[other.pk])).status_code == 404
    )


# The measures library ----------------------------------------------------------------------------


def test_operator_adds_a_measure_with_the_direction_of_its_indicator(world: World) -> None:
    campaign_for(world)  # loads the demo catalogue
    response = world.client("operator").post(
        reverse("plans:measure_create"),
        {
            "indicator": "ZN.04",
            "title": "Закупить учебники",
            "expected_result": "100% обеспеченность",
            "responsible": "ОО",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.region, measure.direction) == (world.region, "znanie")
    assert AuditEvent.objects.filter(target_type="plans.measure", action="create").exists()


def test_operator_edits_a_measure(world: World) -> None:
    campaign_for(world)
    measure = Measure.objects.create(
        region=world.region, indicator="ZN.04", direction="znanie", title="Закупить учебники"
    )
    client = world.client("operator")
    response = client.post(
        reverse("plans:measure_edit", args=[measure.pk]),
        {"indicator": "ZN.04", "title": "Закупить учебники из ФПУ", "responsible": "ОО, МОУО"},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.is_active) == ("Закупить учебники из ФПУ", False)


def test_schools_read_the_library_but_cannot_change_it(world: World) -> None:
    measure = Measure.objects.create(
        region=world.region, indicator="ZN.04", direction="znanie", title="Закупить учебники"
    )
    head = world.client("head")
    page = head.get(reverse("plans:measure_list")).content.decode()
    assert "Закупить учебники" in page
    assert reverse("plans:measure_edit", args=[measure.pk]) not in page
    assert head.get(reverse("plans:measure_create")).status_code == 403
    assert head.post(reverse("plans:measure_edit", args=[measure.pk]), {}).status_code == 403


def test_library_filters_by_direction_and_indicator_and_exports(world: World) -> None:
    Measure.objects.create(region=world.region, indicator="ZN.04", direction="znanie", title="А")
    Measure.objects.create(region=world.region, indicator="ZD.04", direction="zdorovie", title="Б")
    client = world.client("operator")
    url = reverse("plans:measure_list")
    by_direction = client.get(url, {"direction": "zdorovie"})
    assert [m.title for m in by_direction.context["page"]] == ["Б"]
    by_indicator = client.get(url, {"indicator": "zn.04"})
    assert [m.title for m in by_indicator.context["page"]] == ["А"]
    exported = client.get(url, {"export": "xlsx", "direction": "znanie"})
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "А" in values and "Б" not in values


def test_demo_measures_are_added_once(world: World) -> None:
    out = io.StringIO()
    assert build_measures(world.region, out) == len(DEMO_MEASURES)
    assert build_measures(world.region, out) == 0
    assert Measure.objects.filter(region=world.region).count() == len(DEMO_MEASURES)
