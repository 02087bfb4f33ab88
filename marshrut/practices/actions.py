"""Writes to the library of practices: each atomic, each in the audit log.

The card's lists (directions, indicators, levels) are mirrored into :class:`PracticeCode` rows and
its text into the full-text index here, where the card is saved: filters, offers by deficits and
search read those, and nothing else writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit, user_or_none
from marshrut.lib.concurrency import claim
from marshrut.lib.uploads import EVIDENCE, check_upload
from marshrut.orgs.models import Person, School
from marshrut.practices import search as fts
from marshrut.practices.models import (
    EDITABLE,
    Adoption,
    CodeKind,
    Material,
    Practice,
    PracticeCode,
    Review,
    Status,
)


def search_text(practice: Practice, authors: Iterable[Person] = ()) -> str:
    results = [
        " ".join(str(r.get(k) or "") for k in ("what", "before", "after", "unit"))
        for r in practice.results
    ]
    return fts.document(
        practice.title,
        practice.description,
        practice.results_note,
        *results,
        practice.school.short_name if practice.school_id else "",
        *(a.full_name for a in authors),
    )


def _index(practices: Sequence[Practice]) -> None:
    """Mirror the cards' codes and text into the rows that filters and search read."""
    ids = [p.pk for p in practices]
    PracticeCode.objects.filter(practice_id__in=ids).delete()
    PracticeCode.objects.bulk_create(
        [
            PracticeCode(practice=p, kind=kind, code=str(code))
            for p in practices
            for kind, codes in (
                (CodeKind.DIRECTION, p.directions),
                (CodeKind.INDICATOR, p.indicators),
                (CodeKind.LEVEL, p.levels),
            )
            for code in dict.fromkeys(codes)
        ]
    )
    authors: dict[int, list[Person]] = {}
    for through in Practice.authors.through.objects.filter(practice_id__in=ids).select_related(
        "person"
    ):
        authors.setdefault(through.practice_id, []).append(through.person)
    rows = []
    for p in practices:
        p.search_document = search_text(p, authors.get(p.pk, []))
        Practice.objects.filter(pk=p.pk).update(search_document=p.search_document)
        rows.append((p.pk, p.search_document))
    fts.reindex(rows)


def reindex(practices: Sequence[Practice]) -> None:
    """Rebuild codes and the search index of practices written in bulk (the demo, benchmarks)."""
    _index(practices)


def _fit(practice: Practice) -> None:
    school = practice.school
    practice.municipality_id = school.municipality_id
    practice.region_id = school.municipality.region_id
    practice.directions = list(dict.fromkeys(practice.directions or []))
    practice.indicators = list(dict.fromkeys(practice.indicators or []))
    practice.levels = list(dict.fromkeys(practice.levels or []))


@transaction.atomic
def do_save_practice(
    actor: Any,
    practice: Practice,
    *,
    authors: Iterable[Person] | None = None,
    before: dict[str, Any] | None = None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Practice:
    """Create or update a card; ``StaleEdit`` when somebody saved it since ``version``."""
    _fit(practice)
    created = practice.pk is None
    if created:
        practice.created_by = user_or_none(actor)
        practice.status = practice.status or Status.DRAFT
    else:
        claim(practice, version)
        if authors is not None:
            practice.authors.set(list(authors))
    practice.updated_at = timezone.now()
    save_with_audit(actor, practice, before=before, source=source)
    if created and authors is not None:
        practice.authors.set(list(authors))
    _index([practice])
    return practice


def _move(
    actor: Any,
    practice: Practice,
    status: str,
    decision: str,
    comment: str = "",
    *,
    version: int | None = None,
    at: dt.datetime | None = None,
    source: str = Source.WEB,
) -> Review:
    before = practice.status
    at = at or timezone.now()
    practice.status = status
    if status == Status.MODERATION:
        practice.submitted_at = at
    if status == Status.PUBLISHED:
        practice.published_at = practice.published_at or at
    claim(practice, version)
    practice.save(update_fields=["status", "submitted_at", "published_at", "version"])
    review = Review.objects.create(
        practice=practice, decision=decision, comment=comment, by=user_or_none(actor), at=at
    )
    record(
        actor,
        Action.UPDATE,
        practice,
        changes={"status": [before, status]},
        source=source,
        message=review.get_decision_display() + (f": {comment[:300]}" if comment else ""),
    )
    return review


@transaction.atomic
def do_submit_practice(
    actor: Any,
    practice: Practice,
    *,
    version: int | None = None,
    at: dt.datetime | None = None,
    source: str = Source.WEB,
) -> Review:
    """The author school sends the card to the methodologists."""
    if practice.status not in EDITABLE:
        raise ValidationError(_("Отправить на модерацию можно черновик или возвращённую практику."))
    missing = []
    if not practice.directions:
        missing.append(_("направления"))
    if not practice.description.strip():
        missing.append(_("описание"))
    if missing:
        raise ValidationError(
            _("Перед отправкой заполните: %(what)s.") % {"what": ", ".join(missing)}
        )
    return _move(
        actor,
        practice,
        Status.MODERATION,
        Review.Decision.SUBMITTED,
        version=version,
        at=at,
        source=source,
    )


@transaction.atomic
def do_moderate_practice(
    actor: Any,
    practice: Practice,
    *,
    publish: bool,
    comment: str = "",
    version: int | None = None,
    at: dt.datetime | None = None,
    source: str = Source.WEB,
) -> Review:
    """A methodologist publishes the card or returns it with remarks (required)."""
    if practice.status != Status.MODERATION:
        raise ValidationError(_("Практика не на модерации."))
    if not publish and not comment.strip():
        raise ValidationError(_("Возвращая практику, напишите замечания."))
    if publish:
        return _move(
            actor,
            practice,
            Status.PUBLISHED,
            Review.Decision.PUBLISHED,
            comment,
            version=version,
            at=at,
            source=source,
        )
    return _move(
        actor,
        practice,
        Status.RETURNED,
        Review.Decision.RETURNED,
        comment.strip(),
        version=version,
        at=at,
        source=source,
    )


@transaction.atomic
def do_archive_practice(
    actor: Any,
    practice: Practice,
    *,
    comment: str = "",
    version: int | None = None,
    source: str = Source.WEB,
) -> Review:
    """A moderator takes a published card out of the library; its adoptions stay."""
    if practice.status != Status.PUBLISHED:
        raise ValidationError(_("В архив убирают опубликованную практику."))
    return _move(
        actor,
        practice,
        Status.ARCHIVED,
        Review.Decision.ARCHIVED,
        comment,
        version=version,
        source=source,
    )


@transaction.atomic
def do_add_material(
    actor: Any,
    practice: Practice,
    *,
    title: str = "",
    upload: Any = None,
    url: str = "",
    source: str = Source.WEB,
) -> Material:
    """Attach a file (checked against the upload policy for documents) or a link."""
    if bool(upload) == bool(url):
        raise ValidationError(_("Приложите файл или укажите ссылку — что-то одно."))
    material = Material(practice=practice, title=title.strip(), added_by=user_or_none(actor))
    if upload:
        data = upload.read()
        check_upload(data, upload.name or "", EVIDENCE)
        material.filename = PurePath(upload.name or "").name[:255] or _("файл")
        material.size = len(data)
        material.sha256 = hashlib.sha256(data).hexdigest()
        material.file.save(material.filename, ContentFile(data), save=False)
    else:
        material.url = url.strip()
    material.full_clean()
    material.save()
    record(
        actor,
        Action.CREATE,
        material,
        source=source,
        region_id=practice.region_id,
        message=_("материал практики «%(t)s»") % {"t": practice.title[:200]},
    )
    return material


@transaction.atomic
def do_remove_material(actor: Any, material: Material, *, source: str = Source.WEB) -> None:
    practice = material.practice
    record(
        actor,
        Action.DELETE,
        material,
        source=source,
        region_id=practice.region_id,
        message=_("материал практики «%(t)s»") % {"t": practice.title[:200]},
    )
    material.delete()


@transaction.atomic
def do_adopt_practice(
    actor: Any,
    practice: Practice,
    school: School,
    *,
    indicators: Sequence[str],
    adopted_on: dt.date,
    note: str = "",
    source: str = Source.WEB,
) -> Adoption:
    """Mark the practice adopted by the school (or change the mark): the indicators it targets."""
    if practice.status != Status.PUBLISHED:
        raise ValidationError(_("Внедрить можно только опубликованную практику."))
    if school.pk == practice.school_id:
        raise ValidationError(_("Школа-автор не внедряет собственную практику."))
    if school.municipality.region_id != practice.region_id:
        raise PermissionDenied
    codes = list(dict.fromkeys(str(c) for c in indicators if c))
    if not codes:
        raise ValidationError(_("Отметьте хотя бы один показатель, на который нацелено внедрение."))
    if adopted_on > practice.region.today():
        raise ValidationError(_("Дата внедрения не может быть в будущем."))
    adoption, created = Adoption.objects.update_or_create(
        practice=practice,
        school=school,
        defaults={"indicators": codes, "adopted_on": adopted_on, "note": note.strip()},
        create_defaults={
            "indicators": codes,
            "adopted_on": adopted_on,
            "note": note.strip(),
            "created_by": user_or_none(actor),
        },
    )
    record(
        actor,
        Action.CREATE if created else Action.UPDATE,
        adoption,
        changes={"indicators": codes, "adopted_on": adopted_on.isoformat()},
        source=source,
        region_id=practice.region_id,
    )
    return adoption


@transaction.atomic
def do_unadopt_practice(actor: Any, adoption: Adoption, *, source: str = Source.WEB) -> None:
    record(
        actor,
        Action.DELETE,
        adoption,
        source=source,
        region_id=adoption.practice.region_id,
    )
    adoption.delete()
