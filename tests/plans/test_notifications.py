"""E-mails of the school roadmap approval: the coordinator hears of a submission, the school of
the decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marshrut.diagnostics.models import Submission
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from marshrut.plans import actions
from marshrut.plans.models import Plan
from tests.conftest import World
from tests.diagnostics.factories import submission_for
from tests.notify.helpers import deliver


@pytest.fixture
def roadmap(world: World) -> Plan:
    submission: Submission = submission_for(world, world.s1, submitted=True)
    return actions.do_draft_school_roadmap(world.users["head"], submission)


def test_a_submission_mails_the_municipal_coordinator(
    world: World, roadmap: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_submit_plan(
            world.users["head"], roadmap, comment="Просим согласовать", base_url="http://m.local"
        )
    deliver()
    (message,) = mail.outbox
    assert message.to == ["coordinator@test.local"]
    assert "на согласовании" in message.subject and world.s1.short_name in message.subject
    assert "Здравствуйте, Coordinator Тест!" in message.body
    assert "Просим согласовать" in message.body
    assert f"http://m.local{reverse('plans:plan_detail', args=[roadmap.pk])}" in message.body
    assert f"мероприятий: {roadmap.items.count()}" in message.body


def test_return_and_approval_mail_the_school_team(
    world: World, roadmap: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    actions.do_submit_plan(world.users["head"], roadmap)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return_plan(
            world.users["coordinator"], roadmap, comment="Уточните сроки по разделу «Знание»"
        )
    deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["head@test.local", "school@test.local"]
    returned = mail.outbox[0]
    assert "возвращена на доработку" in returned.subject
    assert "Уточните сроки по разделу «Знание»" in returned.body  # no HTML escaping in text mail
    mail.outbox.clear()
    actions.do_submit_plan(world.users["head"], roadmap)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_approve_plan(world.users["coordinator"], roadmap, comment="Молодцы")
    deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["head@test.local", "school@test.local"]
    assert all("утверждена" in m.subject and "Молодцы" in m.body for m in mail.outbox)


def test_nothing_is_sent_when_the_step_is_refused_or_rolled_back(
    world: World, roadmap: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError, match="состоянии"):
            actions.do_approve_plan(world.users["coordinator"], roadmap)
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.do_submit_plan(world.users["head"], roadmap)
            raise RuntimeError("something after the submission failed")
    deliver()
    assert mail.outbox == []
    roadmap.refresh_from_db()
    assert roadmap.status == Plan.Status.DRAFT


def test_people_without_e_mail_or_active_role_are_skipped(
    world: World, roadmap: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    world.people["school"].email = ""
    world.people["school"].save()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Membership.objects.filter(person=world.people["head"]).update(
        started_on=yesterday - dt.timedelta(days=365), ended_on=yesterday
    )
    actions.do_submit_plan(world.users["head"], roadmap)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_approve_plan(world.users["coordinator"], roadmap)
    deliver()
    assert mail.outbox == []


def test_a_municipality_without_a_coordinator_falls_back_to_the_operator(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    submission = submission_for(world, world.s2, submitted=True)
    head2 = Person.objects.get(pk=world.p_m2.pk)
    assert not Membership.objects.filter(
        municipality=world.m2, role=Role.MUNICIPAL_COORDINATOR
    ).exists()
    plan = actions.do_draft_school_roadmap(None, submission)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_submit_plan(None, plan)
    deliver()
    assert [m.to for m in mail.outbox] == [["operator@test.local"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_approve_plan(world.users["operator"], plan)
    deliver()
    assert [m.to for m in mail.outbox] == [[head2.email]]


def test_the_pages_send_the_mails_with_links_to_the_site(
    world: World, roadmap: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.client("head").post(reverse("plans:plan_submit", args=[roadmap.pk]))
    deliver()
    (message,) = mail.outbox
    assert f"http://testserver{reverse('plans:plan_detail', args=[roadmap.pk])}" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        world.client("coordinator").post(
            reverse("plans:plan_review", args=[roadmap.pk]),
            {"decision": "return", "comment": "Добавьте ответственных"},
        )
    deliver()
    assert len(mail.outbox) == 3 and "Добавьте ответственных" in mail.outbox[-1].body
