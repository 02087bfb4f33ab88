"""Writes to surveys and discussions: each one atomic and written to the audit log.

Responses themselves are not written to the audit log: they are anonymous by design, and the
log would tie them to a time and an invitation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit, snapshot
from marshrut.lib.concurrency import claim
from marshrut.orgs.models import Membership, Municipality, Person, School
from marshrut.orgs.roles import Role
from marshrut.surveys.models import (
    Answer,
    Criterion,
    Document,
    Invitation,
    Question,
    Response,
    Review,
    Score,
    Survey,
)


class AlreadyAnswered(Exception):
    """The invitation (or expert link) has been used already."""


@transaction.atomic
def do_save_survey(
    actor: Any,
    survey: Survey,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Survey:
    if survey.pk is None and getattr(actor, "is_authenticated", False):
        survey.created_by = actor
    claim(survey, version)
    save_with_audit(actor, survey, before=before, source=source)
    return survey


@transaction.atomic
def do_set_status(actor: Any, survey: Survey, status: str, *, source: str = Source.WEB) -> Survey:
    before = snapshot(survey)
    if status == Survey.Status.OPEN and not survey.questions.exists():
        raise ValidationError(
            _("Добавьте хотя бы один вопрос, прежде чем открывать приём ответов.")
        )
    survey.status = status
    claim(survey, None)
    save_with_audit(actor, survey, before=before, source=source)
    return survey


@transaction.atomic
def do_save_question(
    actor: Any,
    question: Question,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Question:
    if question.pk is None and not question.position:
        last = question.survey.questions.order_by("-position").first()
        question.position = (last.position + 1) if last else 1
    if question.show_if_question_id:
        parent = question.show_if_question
        if (
            parent is None
            or parent.survey_id != question.survey_id
            or (parent.position >= question.position and parent.pk != question.pk)
        ):
            raise ValidationError(
                _("Условие может ссылаться только на один из предыдущих вопросов.")
            )
    claim(question, version)
    save_with_audit(actor, question, before=before, source=source)
    return question


@transaction.atomic
def do_delete_question(actor: Any, question: Question, *, source: str = Source.WEB) -> None:
    record(
        actor,
        Action.DELETE,
        question,
        changes={"text": [question.text, None]},
        source=source,
        region_id=question.survey.region_id,
    )
    question.delete()


def _with_scale_choice(values: dict[str, Any]) -> dict[str, Any]:
    """A scale value is counted by ``choice`` and averaged by ``number``: keep both."""
    if values["question"].kind == Question.Kind.SCALE and values.get("choice") is None:
        return {**values, "choice": int(values["number"])}
    return values


def do_submit_response(
    survey: Survey,
    answers: Sequence[dict[str, Any]],
    *,
    invitation: Invitation | None = None,
    municipality: Municipality | None = None,
) -> Response:
    """Store one response with its answers; a used invitation raises AlreadyAnswered."""
    try:
        with transaction.atomic():
            if invitation is not None:
                # Lock the invitation so two simultaneous posts cannot both pass.
                invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
                if invitation.responded_at is not None:
                    raise AlreadyAnswered
                municipality = invitation.municipality or municipality
            response = Response.objects.create(
                survey=survey, invitation=invitation, municipality=municipality
            )
            Answer.objects.bulk_create(
                Answer(survey=survey, response=response, municipality=municipality, **values)
                for values in map(_with_scale_choice, answers)
            )
            if invitation is not None:
                Invitation.objects.filter(pk=invitation.pk).update(responded_at=timezone.now())
            return response
    except IntegrityError as e:
        if invitation is not None:
            raise AlreadyAnswered from e
        raise


def _coordinators_emails(municipality: Municipality) -> str:
    person = (
        Person.objects.filter(
            memberships__in=Membership.objects.active().filter(
                municipality=municipality, role=Role.MUNICIPAL_COORDINATOR
            )
        )
        .exclude(email="")
        .first()
    )
    return person.email if person else ""


@transaction.atomic
def do_invite(
    actor: Any,
    survey: Survey,
    *,
    people: Iterable[Person] = (),
    schools: Iterable[School] = (),
    municipalities: Iterable[Municipality] = (),
    base_url: str = "",
    source: str = Source.WEB,
) -> list[Invitation]:
    """Create personal links (skipping those invited already) and e-mail them when possible."""
    have = survey.invitations.values_list("person_id", "school_id", "municipality_id")
    have_people = {p for p, _s, _m in have if p}
    have_schools = {s for p, s, _m in have if s and not p}
    have_munis = {m for p, s, m in have if m and not p and not s}
    new: list[Invitation] = []
    for p in people:
        if p.pk not in have_people:
            new.append(
                Invitation(
                    survey=survey,
                    person=p,
                    school_id=p.school_id,
                    municipality_id=p.municipality_id,
                    email=p.email,
                    label=p.full_name,
                )
            )
    for s in schools:
        if s.pk not in have_schools:
            new.append(
                Invitation(
                    survey=survey,
                    school=s,
                    municipality_id=s.municipality_id,
                    email=s.email,
                    label=s.short_name,
                )
            )
    for m in municipalities:
        if m.pk not in have_munis:
            new.append(
                Invitation(
                    survey=survey, municipality=m, email=_coordinators_emails(m), label=m.name
                )
            )
    Invitation.objects.bulk_create(new)
    if new:
        record(
            actor,
            Action.UPDATE,
            survey,
            changes={"invitations": [None, len(new)]},
            source=source,
            message=f"приглашений: {len(new)}",
        )
        if survey.is_open:
            _send(survey, new, base_url, reminder=False)
    return new


def _send(survey: Survey, invitations: list[Invitation], base_url: str, *, reminder: bool) -> int:
    with_email = [i for i in invitations if i.email]
    if not with_email:
        return 0
    subject = (_("Напоминание: ") if reminder else "") + _("Анкета «%(t)s»") % {"t": survey.title}
    messages = [
        (
            subject,
            _(
                "Здравствуйте!\n\nПриглашаем ответить на вопросы анкеты «%(t)s».\n"
                "Ваша личная ссылка (ответить можно один раз): %(url)s\n\n%(d)s"
            )
            % {"t": survey.title, "url": f"{base_url}/s/{i.token}/", "d": survey.description},
            None,
            [i.email],
        )
        for i in with_email
    ]
    now = timezone.now()
    ids = [i.pk for i in with_email]
    if reminder:
        Invitation.objects.filter(pk__in=ids).update(reminded_at=now, reminders=F("reminders") + 1)
    else:
        Invitation.objects.filter(pk__in=ids).update(sent_at=now)
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(with_email)


@transaction.atomic
def do_send_invitations(actor: Any, survey: Survey, *, base_url: str) -> int:
    """E-mail the links that have not been sent yet (after the survey opens)."""
    pending = list(survey.invitations.filter(sent_at=None, responded_at=None))
    return _send(survey, pending, base_url, reminder=False)


@transaction.atomic
def do_remind(actor: Any, survey: Survey, *, base_url: str, source: str = Source.WEB) -> int:
    """Remind by e-mail everybody invited who has not answered yet."""
    pending = list(survey.invitations.filter(responded_at=None).exclude(email=""))
    sent = _send(survey, pending, base_url, reminder=True)
    record(actor, Action.UPDATE, survey, source=source, message=f"отправлено напоминаний: {sent}")
    return sent


# Discussion and expert review -------------------------------------------------------------

DISCUSSION_QUESTIONS: list[dict[str, Any]] = [
    {
        "kind": Question.Kind.SINGLE,
        "text": "Кто вы?",
        "options": [
            "педагог",
            "руководитель (заместитель) ОО",
            "специалист МОУО, ММС",
            "родитель",
            "другое",
        ],
        "required": True,
    },
    {
        "kind": Question.Kind.SCALE,
        "text": "Насколько документ готов к применению? (1 — не готов, 5 — полностью готов)",
        "required": True,
    },
    {"kind": Question.Kind.TEXT, "text": "Что в документе удачно?"},
    {"kind": Question.Kind.TEXT, "text": "Что предлагаете изменить или добавить?"},
]


@transaction.atomic
def do_create_document(
    actor: Any,
    document: Document,
    *,
    criteria: Sequence[tuple[str, int]],
    source: str = Source.WEB,
) -> Document:
    """Save a document version, its rubric and an open discussion form with an anonymous link."""
    if getattr(actor, "is_authenticated", False):
        document.created_by = actor
    document.full_clean()
    document.save()
    record(
        actor,
        Action.CREATE,
        document,
        changes={"title": [None, document.title], "version": [None, document.version]},
        source=source,
    )
    Criterion.objects.bulk_create(
        Criterion(document=document, position=i, title=title, max_score=max_score)
        for i, (title, max_score) in enumerate(criteria, start=1)
    )
    survey = Survey.objects.create(
        region=document.region,
        title=f"Обсуждение: {document}",
        description=document.summary,
        status=Survey.Status.OPEN,
        document=document,
        created_by=document.created_by,
    )
    Question.objects.bulk_create(
        Question(survey=survey, position=i, **spec)
        for i, spec in enumerate(DISCUSSION_QUESTIONS, start=1)
    )
    return document


@transaction.atomic
def do_invite_experts(
    actor: Any, document: Document, experts: Iterable[Person], *, base_url: str = ""
) -> list[Review]:
    have = set(document.reviews.values_list("expert_id", flat=True))
    new = []
    for p in experts:
        if p.pk not in have:
            have.add(p.pk)
            new.append(Review(document=document, expert=p))
    Review.objects.bulk_create(new)
    if new:
        record(actor, Action.UPDATE, document, message=f"приглашено экспертов: {len(new)}")
        messages = [
            (
                _("Экспертиза документа «%(t)s»") % {"t": document.title},
                _("Просим оценить документ по критериям: %(url)s")
                % {"url": f"{base_url}/s/e/{r.token}/"},
                None,
                [r.expert.email],
            )
            for r in new
            if r.expert.email
        ]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return new


def do_submit_review(review: Review, scores: dict[int, int], comment: str) -> Review:
    """Store an expert's scores once; every criterion must be scored within its range."""
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.submitted_at is not None:
            raise AlreadyAnswered
        criteria = {c.pk: c for c in review.document.criteria.all()}
        if set(scores) != set(criteria):
            raise ValidationError(_("Оцените документ по каждому критерию."))
        for pk, value in scores.items():
            if not 0 <= value <= criteria[pk].max_score:
                raise ValidationError(_("Балл вне шкалы критерия."))
        Score.objects.bulk_create(
            Score(review=review, criterion_id=pk, score=value) for pk, value in scores.items()
        )
        review.comment = comment
        review.submitted_at = timezone.now()
        review.save(update_fields=["comment", "submitted_at"])
        return review
