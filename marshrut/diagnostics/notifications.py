"""The school hears that its self-diagnostics answers came back from verification
(through :mod:`marshrut.notify`)."""

from __future__ import annotations

from django.urls import reverse

from marshrut.diagnostics.models import Submission
from marshrut.notify.actions import Draft, notify_on_commit
from marshrut.notify.models import Kind
from marshrut.notify.recipients import holders
from marshrut.orgs.roles import Cap, Node


def returned_drafts(submission_id: int) -> list[Draft]:
    submission = Submission.objects.select_related("campaign__region", "school", "reviewed_by").get(
        pk=submission_id
    )
    school = submission.school
    path = reverse("diagnostics:submission", args=[submission.pk])
    until = (
        f"\nИсправить можно до {submission.reopened_until:%d.%m.%Y}."
        if submission.reopened_until
        else ""
    )
    return [
        Draft(
            recipient=person,
            kind=Kind.ANSWERS_RETURNED,
            subject=f"Маршрут: анкета самодиагностики возвращена на доработку — {school.short_name}",
            body=(
                f"Здравствуйте, {person.full_name}!\n\n"
                f"Анкета «{submission.campaign}» возвращена координатором на доработку.{until}\n\n"
                f"Что исправить:\n{submission.review_comment}"
            ),
            link=path,
            region=submission.campaign.region,
            key=f"returned:{submission.pk}:{submission.reviewed_at:%Y%m%d%H%M%S}",
        )
        for person in holders(Cap.DIAGNOSTICS_FILL, Node.SCHOOL, school_id=school.pk)
    ]


def notify_returned(submission: Submission) -> None:
    notify_on_commit(lambda: returned_drafts(submission.pk))
