"""Notifications of a development programme's review: a submission to the municipal coordinators,
a return with remarks or an approval to the school's team (through :mod:`marshrut.notify`)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from marshrut.notify.actions import Draft, notify_on_commit
from marshrut.notify.models import Kind
from marshrut.notify.recipients import people, reviewers, roles_with
from marshrut.orgs.roles import Cap, Node
from marshrut.programmes.models import ProgrammeReview

KINDS = {
    ProgrammeReview.Decision.SUBMITTED: Kind.PROGRAMME_SUBMITTED,
    ProgrammeReview.Decision.RETURNED: Kind.PROGRAMME_RETURNED,
    ProgrammeReview.Decision.APPROVED: Kind.PROGRAMME_APPROVED,
}
SUBJECTS = {
    ProgrammeReview.Decision.SUBMITTED: "Маршрут: программа развития на согласовании — {school}",
    ProgrammeReview.Decision.RETURNED: "Маршрут: программа развития возвращена с замечаниями — {school}",
    ProgrammeReview.Decision.APPROVED: "Маршрут: программа развития согласована — {school}",
}


def drafts(review_id: int) -> list[Draft]:
    review = ProgrammeReview.objects.select_related(
        "programme__school__municipality", "programme__region", "by"
    ).get(pk=review_id)
    decision = ProgrammeReview.Decision(review.decision)
    programme = review.programme
    school = programme.school
    to = (
        reviewers(Cap.PLAN_APPROVE, programme.region_id, school.municipality_id)
        if decision == ProgrammeReview.Decision.SUBMITTED
        else people(Q(role__in=roles_with(Cap.PLAN_REPORT, Node.SCHOOL), school_id=school.pk))
    )
    path = reverse("programmes:programme_detail", args=[programme.pk])
    by = (review.by.get_full_name() or review.by.get_username()) if review.by else ""
    lines = [f"«{programme.title}» — {school.short_name or school.full_name}."]
    if by:
        lines.append(f"Кто: {by}.")
    if review.comment:
        lines.append(
            ("Замечания:\n" if decision == "returned" else "Комментарий:\n") + review.comment
        )
    return [
        Draft(
            recipient=person,
            kind=KINDS[decision],
            subject=SUBJECTS[decision].format(school=school.short_name or school.full_name),
            body=f"Здравствуйте, {person.full_name}!\n\n" + "\n\n".join(lines),
            link=path,
            region=programme.region,
            key=f"programmereview:{review.pk}",
        )
        for person in to
    ]


def notify_on_review(review: ProgrammeReview) -> None:
    notify_on_commit(lambda: drafts(review.pk))
