"""Notifications of the school roadmap approval: a submission to the municipal coordinators, a
decision (returned with remarks, or approved) to the school's team.

Written to the outbox (:mod:`marshrut.notify`) after the transaction commits, so nobody is told of
a step that was rolled back; one notification per person, delivered by ``marshrut notify send``
by e-mail (at once or in the person's digest) and the bot, and shown in the inbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.notify.actions import Draft, notify_on_commit
from marshrut.notify.models import Kind
from marshrut.notify.recipients import people, reviewers
from marshrut.orgs.models import Person
from marshrut.orgs.roles import Cap
from marshrut.plans.models import Level, Plan, PlanReview
from marshrut.plans.reminders import REPORTING_ROLES


def coordinators(plan: Plan) -> list[Person]:
    """Who decides on a school roadmap: its municipality's coordinators, else the region's
    operators (:func:`marshrut.notify.recipients.reviewers`)."""
    return reviewers(Cap.PLAN_APPROVE, plan.region_id, plan.municipality_id)


def school_team(plan: Plan) -> list[Person]:
    """The school's people who work on its roadmap: the head and the school coordinators."""
    return people(Q(role__in=REPORTING_ROLES[Level.SCHOOL], school_id=plan.school_id))


SUBJECTS = {
    PlanReview.Decision.SUBMITTED: "Маршрут: дорожная карта школы на согласовании — {school}",
    PlanReview.Decision.RETURNED: "Маршрут: дорожная карта возвращена на доработку — {school}",
    PlanReview.Decision.APPROVED: "Маршрут: дорожная карта утверждена — {school}",
}


KINDS = {
    PlanReview.Decision.SUBMITTED: Kind.PLAN_SUBMITTED,
    PlanReview.Decision.RETURNED: Kind.PLAN_RETURNED,
    PlanReview.Decision.APPROVED: Kind.PLAN_APPROVED,
}


def drafts(review: PlanReview, *, base_url: str = "") -> list[Draft]:
    """The notifications a step of the approval writes, one per person."""
    plan = review.plan
    submitted = review.decision == PlanReview.Decision.SUBMITTED
    to = coordinators(plan) if submitted else school_team(plan)
    subject = SUBJECTS[PlanReview.Decision(review.decision)].format(school=plan.owner_name)
    by = (review.by.get_full_name() or review.by.get_username()) if review.by else ""
    path = reverse("plans:plan_detail", args=[plan.pk])
    context = {
        "plan": plan,
        "review": review,
        "by": by,
        "link": f"{(base_url or settings.SITE_URL).rstrip('/')}{path}",
        "items": plan.items.count(),
    }
    return [
        Draft(
            recipient=person,
            kind=KINDS[PlanReview.Decision(review.decision)],
            subject=subject,
            body=render_to_string("plans/review_email.txt", {**context, "name": person.full_name}),
            link=path,
            region=plan.region,
            key=f"planreview:{review.pk}",
        )
        for person in to
    ]


def send_on_commit(review: PlanReview, *, base_url: str = "") -> None:
    """Tell of the step once the transaction that made it commits."""
    notify_on_commit(lambda: drafts(_reload(review.pk), base_url=base_url))


def _reload(review_id: int) -> PlanReview:
    return PlanReview.objects.select_related(
        "plan__region", "plan__municipality", "plan__school", "by"
    ).get(pk=review_id)
