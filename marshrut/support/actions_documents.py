"""Writes on ШНОР documents: a new version, sending it to review, the reviewer's decision.

Each is one atomic function writing the audit record. Who may do what is checked by the views
(``SHNOR_SUBMIT`` on the owner to upload and send, :func:`can_review` to decide); the actions keep
the workflow's order: a document on review takes no new version, a returned one goes back only
as a new version, and of two reviewers deciding at once the later is refused with ``StaleEdit``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.orgs.models import Municipality, School
from marshrut.plans.models import Level, Plan, Programme
from marshrut.support import rubrics
from marshrut.support.models.documents import (
    MAX_PRIORITY_RISKS,
    Document,
    DocumentKind,
    DocumentReview,
    DocumentVersion,
)


def _person_name(actor: Any) -> str:
    user = user_or_none(actor)
    if user is None:
        return "система"
    person = getattr(user, "person", None)
    return (
        str(person.short_name)
        if person is not None
        else (user.get_full_name() or user.get_username())
    )


def _set_status(actor: Any, document: Document, status: str, *, source: str, message: str) -> None:
    """Move the status on, claiming the next version so that open review forms go stale."""
    before_status, before_version = document.status, document.version
    document.status = status
    claim(document, None)
    document.save(update_fields=["status", "version"])
    record(
        actor,
        Action.UPDATE,
        document,
        changes={"status": [before_status, status], "version": [before_version, document.version]},
        source=source,
        message=message[:500],
    )


def roadmap_plans(school: School, year: int) -> Any:
    """The school's ШНОР roadmaps of the year a roadmap version may point to."""
    return Plan.objects.filter(
        level=Level.SCHOOL, school=school, programme=Programme.SHNOR, year=year
    )


@transaction.atomic
def do_upload_version(
    actor: Any,
    *,
    year: int,
    kind: str,
    school: School | None = None,
    municipality: Municipality | None = None,
    risk_code: str = "",
    upload: Any = None,
    plan: Plan | None = None,
    note: str = "",
    source: str = Source.WEB,
) -> DocumentVersion:
    """Add a version of the owner's document of ``kind`` (the document is made on first upload).

    ``upload`` has been checked against the upload policy by the form (or the caller).
    """
    if kind == DocumentKind.TRANSITION:
        if municipality is None or school is not None:
            raise ValidationError(_("Программа перехода принадлежит муниципалитету."))
        owner: dict[str, Any] = {"municipality": municipality, "school": None}
        region_id = municipality.region_id
    else:
        if school is None:
            raise ValidationError(_("Документ этого вида принадлежит школе."))
        municipality = school.municipality
        owner = {"school": school, "municipality": municipality}
        region_id = municipality.region_id
    if kind != DocumentKind.ANTIRISK:
        risk_code = ""
    elif not risk_code:
        raise ValidationError(_("Выберите риск, против которого направлена программа."))
    if plan is not None and (
        kind != DocumentKind.ROADMAP or not roadmap_plans(school, year).filter(pk=plan.pk).exists()  # type: ignore[arg-type]
    ):
        raise ValidationError(_("Сослаться можно только на дорожную карту ШНОР этой школы за год."))
    if upload is None and plan is None:
        raise ValidationError(
            _("Загрузите файл документа.")
            if kind != DocumentKind.ROADMAP
            else _("Загрузите файл или выберите дорожную карту ШНОР школы.")
        )

    document = (
        Document.objects.select_for_update()
        .filter(year=year, kind=kind, risk_code=risk_code, **owner)
        .first()
    )
    if document is None:
        if kind == DocumentKind.ANTIRISK:
            others = Document.objects.filter(school=school, year=year, kind=kind).count()
            if others >= MAX_PRIORITY_RISKS:
                raise ValidationError(
                    _(
                        "У школы уже %(n)s программы антирисковых мер: школа работает не более чем с тремя приоритетными рисками."
                    )
                    % {"n": others}
                )
        document = Document(
            region_id=region_id,
            year=year,
            kind=kind,
            risk_code=risk_code,
            created_by=user_or_none(actor),
            **owner,
        )
        document.full_clean()
        document.save()
        record(actor, Action.CREATE, document, source=source, message=document.title)
    elif document.status == Document.Status.REVIEW:
        raise ValidationError(
            _("Документ на экспертизе: новую версию можно загрузить после решения эксперта.")
        )

    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        plan=plan,
        note=note.strip(),
        uploaded_by=user_or_none(actor),
    )
    if upload is not None:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        version.filename = (getattr(upload, "name", "") or "document")[:255]
        version.size = len(data)
        version.sha256 = hashlib.sha256(data).hexdigest()
        version.file.save(version.filename, upload, save=False)
    version.save()
    record(
        actor,
        Action.CREATE,
        version,
        source=source,
        region_id=region_id,
        message=_("Версия %(n)s: %(what)s") % {"n": number, "what": version.content_name},
    )
    if document.status != Document.Status.DRAFT:
        _set_status(
            actor,
            document,
            Document.Status.DRAFT,
            source=source,
            message=_("Загружена версия %(n)s") % {"n": number},
        )
    return version


@transaction.atomic
def do_submit_document(
    actor: Any, document: Document, *, source: str = Source.WEB
) -> DocumentVersion:
    """Send the latest version to expert review."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    latest = locked.versions.order_by("-number").first()
    if latest is None:
        raise ValidationError(_("Загрузите документ, прежде чем отправлять его на экспертизу."))
    if locked.status == Document.Status.REVIEW:
        raise ValidationError(_("Документ уже на экспертизе."))
    if locked.status != Document.Status.DRAFT:
        raise ValidationError(
            _(
                "Документ в состоянии «%(s)s»: загрузите новую версию, чтобы отправить её на экспертизу."
            )
            % {"s": locked.get_status_display()}
        )
    DocumentVersion.objects.filter(pk=latest.pk).update(submitted_at=timezone.now())
    _set_status(
        actor,
        locked,
        Document.Status.REVIEW,
        source=source,
        message=_("Версия %(n)s отправлена на экспертизу") % {"n": latest.number},
    )
    document.status, document.version = locked.status, locked.version
    return latest


@transaction.atomic
def do_review_document(
    actor: Any,
    document: Document,
    *,
    version: int | None,
    decision: str,
    scores: Mapping[str, tuple[int, str]],
    remarks: str = "",
    source: str = Source.WEB,
) -> DocumentReview:
    """Score the version on review by the kind's rubric and decide.

    ``version`` is the document's version the reviewer's form was built from: if anybody moved
    the document on since (another reviewer decided), ``StaleEdit`` and nothing is saved.
    ``scores`` maps each criterion's code to (score, comment).
    """
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if version is not None and locked.version != version:
        raise StaleEdit(locked, version)
    if locked.status != Document.Status.REVIEW:
        raise ValidationError(
            _("Документ в состоянии «%(s)s»: решение по нему сейчас не принимается.")
            % {"s": locked.get_status_display()}
        )
    if decision not in DocumentReview.Decision.values:
        raise ValidationError(_("Неизвестное решение."))
    remarks = remarks.strip()
    if decision == DocumentReview.Decision.RETURNED and not remarks:
        raise ValidationError(_("Возвращая документ, напишите замечания."))
    criteria = rubrics.rubric(locked.kind)
    rows = []
    for c in criteria:
        if c.code not in scores:
            raise ValidationError(_("Оцените критерий «%(t)s».") % {"t": c.title})
        score, comment = scores[c.code]
        if not 0 <= score <= c.max_score:
            raise ValidationError(
                _("Оценка по критерию «%(t)s» — от 0 до %(m)s баллов.")
                % {"t": c.title, "m": c.max_score}
            )
        rows.append(
            {
                "code": c.code,
                "title": c.title,
                "max": c.max_score,
                "score": score,
                "comment": comment.strip(),
            }
        )
    latest = locked.versions.order_by("-number").first()
    assert latest is not None  # a document on review has a version
    review = DocumentReview(
        version=latest,
        reviewer=user_or_none(actor),
        reviewer_name=_person_name(actor)[:200],
        decision=decision,
        remarks=remarks,
        scores=rows,
        rubric_version=rubrics.RUBRIC_VERSION,
        total=sum(r["score"] for r in rows),
        max_total=sum(r["max"] for r in rows),
    )
    review.full_clean()
    review.save()
    status = (
        Document.Status.ACCEPTED
        if decision == DocumentReview.Decision.ACCEPTED
        else Document.Status.RETURNED
    )
    _set_status(
        actor,
        locked,
        status,
        source=source,
        message=f"{review.get_decision_display()}: {review.total}/{review.max_total}"
        + (f"; {remarks[:300]}" if remarks else ""),
    )
    document.status, document.version = locked.status, locked.version
    return review
