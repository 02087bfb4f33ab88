"""E-mails of the school roadmap approval: a submission to the municipal coordinators, a decision
(returned with remarks, or approved) to the school's team.

Sent after the transaction commits, so nobody is told of a step that was rolled back; one message
per person, as the reminders are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.orgs.models import Membership
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.plans.models import Level, Plan, PlanReview
from marshrut.plans.reminders import REPORTING_ROLES

logger = logging.getLogger(__name__)


def _approving_roles(node: Node) -> list[str]:
    return [
        spec.role.value
        for spec in ROLES.values()
        if spec.node == node and Cap.PLAN_APPROVE in spec.caps
    ]


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


def _recipients(q: Q) -> list[Recipient]:
    found: dict[str, Recipient] = {}
    for m in (
        Membership.objects.mailable()
        .filter(q)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    ):
        found.setdefault(m.person.email.lower(), Recipient(m.person.email, m.person.full_name))
    return list(found.values())


def coordinators(plan: Plan) -> list[Recipient]:
    """Who decides on a school roadmap: its municipality's coordinators.

    A municipality without one (with an e-mail) falls back to the region's operators, who may
    decide too, so that a submission is never left unseen.
    """
    found = _recipients(
        Q(role__in=_approving_roles(Node.MUNICIPALITY), municipality_id=plan.municipality_id)
    )
    return found or _recipients(Q(role__in=_approving_roles(Node.REGION), region_id=plan.region_id))


def school_team(plan: Plan) -> list[Recipient]:
    """The school's people who work on its roadmap: the head and the school coordinators."""
    return _recipients(Q(role__in=REPORTING_ROLES[Level.SCHOOL], school_id=plan.school_id))


SUBJECTS = {
    PlanReview.Decision.SUBMITTED: "Маршрут: дорожная карта школы на согласовании — {school}",
    PlanReview.Decision.RETURNED: "Маршрут: дорожная карта возвращена на доработку — {school}",
    PlanReview.Decision.APPROVED: "Маршрут: дорожная карта утверждена — {school}",
}


def messages(review: PlanReview, *, base_url: str = "") -> list[EmailMessage]:
    """The e-mails a step of the approval sends, one per person."""
    plan = review.plan
    submitted = review.decision == PlanReview.Decision.SUBMITTED
    to = coordinators(plan) if submitted else school_team(plan)
    subject = SUBJECTS[PlanReview.Decision(review.decision)].format(school=plan.owner_name)
    by = (review.by.get_full_name() or review.by.get_username()) if review.by else ""
    context = {
        "plan": plan,
        "review": review,
        "by": by,
        "link": f"{base_url.rstrip('/')}{reverse('plans:plan_detail', args=[plan.pk])}",
        "items": plan.items.count(),
    }
    return [
        EmailMessage(
            subject,
            render_to_string("plans/review_email.txt", {**context, "name": r.name}),
            settings.DEFAULT_FROM_EMAIL,
            [r.email],
        )
        for r in to
    ]


def send_on_commit(review: PlanReview, *, base_url: str = "") -> None:
    """Send the step's e-mails once the transaction that made it commits."""
    transaction.on_commit(lambda: _send(review.pk, base_url))


def _send(review_id: int, base_url: str) -> int:
    review = PlanReview.objects.select_related(
        "plan__region", "plan__municipality", "plan__school", "by"
    ).get(pk=review_id)
    sent = 0
    for message in messages(review, base_url=base_url):
        try:
            sent += message.send()
        except Exception:  # the step is committed already: a mail server down must not undo it
            logger.exception("Письмо о согласовании дорожной карты не отправлено: %s", message.to)
    return sent
