"""Writes to the monitoring stages: each one atomic and each one written to the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, diff, record, snapshot, user_or_none
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.lib.uploads import EVIDENCE, check_upload
from marshrut.orgs.models import School
from marshrut.support.models import Participation
from marshrut.support.models.stages import (
    Stage,
    StageDocument,
    StageEvent,
    StageFile,
    StageSubmission,
    SubmissionStatus,
)


def clean_document_titles(text_or_list: str | Sequence[str]) -> list[str]:
    """The required documents, one a line: blank lines and list marks dropped, repeats refused."""
    lines = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list)
    titles: list[str] = []
    for line in lines:
        title = line.strip().lstrip("-–—•·*").strip().rstrip(";,.").strip()
        if not title:
            continue
        if title.casefold() in {t.casefold() for t in titles}:
            raise ValidationError(_("Документ «%(t)s» указан дважды.") % {"t": title})
        if len(title) > 300:
            raise ValidationError(
                _("Название документа длиннее 300 знаков: «%(t)s…».") % {"t": title[:60]}
            )
        titles.append(title)
    if not titles:
        raise ValidationError(_("Укажите хотя бы один подтверждающий документ этапа."))
    return titles


@transaction.atomic
def do_save_stage(
    actor: Any,
    stage: Stage,
    documents: str | Sequence[str],
    *,
    version: int | None = None,
    source: str = Source.WEB,
) -> Stage:
    """Create or change a stage and its list of required documents.

    A document that schools have already sent files for cannot be taken off the list (its files
    and decisions would lose their subject); it can be renamed.
    """
    titles = clean_document_titles(documents)
    created = stage.pk is None
    before: dict[str, Any] | None = None
    old_titles: list[str] = []
    if not created:
        stored = Stage.objects.select_for_update().get(pk=stage.pk)
        if version is not None and stored.version != version:
            raise StaleEdit(stored, version)
        before = snapshot(stored)
        old_titles = list(stage.documents.values_list("title", flat=True))
        claim(stage, version)
    stage.full_clean()
    stage.save()
    existing = {d.position: d for d in stage.documents.all()}
    for position, title in enumerate(titles, start=1):
        document = existing.pop(position, None)
        if document is None:
            StageDocument.objects.create(stage=stage, position=position, title=title)
        elif document.title != title:
            document.title = title
            document.save(update_fields=["title"])
    for document in existing.values():
        if document.submissions.exists():
            raise ValidationError(
                _(
                    "Документ «%(t)s» нельзя убрать из этапа: школы уже присылали по нему файлы. "
                    "Его можно переименовать."
                )
                % {"t": document.title}
            )
        document.delete()
    changes = diff(before, snapshot(stage))
    if old_titles != titles:
        changes["documents"] = [old_titles or None, titles]
        if not created and "version" not in changes:
            # Only the list changed: the row must still move on, so that open forms are stale.
            Stage.objects.filter(pk=stage.pk).update(version=F("version") + 1)
            stage.version += 1
            changes["version"] = [stage.version - 1, stage.version]
    if created or changes:
        record(
            actor,
            Action.CREATE if created else Action.UPDATE,
            stage,
            changes=changes,
            source=source,
        )
    return stage


def in_cohort(school: School, year: int) -> bool:
    return Participation.objects.filter(school=school, year=year, left_on__isnull=True).exists()


@transaction.atomic
def do_send_stage_file(
    actor: Any,
    document: StageDocument,
    school: School,
    *,
    filename: str,
    data: bytes,
    version: int | None = None,
    source: str = Source.WEB,
    at: Any = None,
    cohort_check: bool = True,
) -> StageSubmission:
    """A school sends (or sends again) a file for a required document of a stage.

    The file is checked as any evidence is (format by content, size, extension); the document
    must not be accepted already; the school must be in the year's cohort (``cohort_check``
    False: the demo of a region whose cohort is not loaded).
    """
    stage = document.stage
    name = PurePath(filename or "").name[:255] or _("файл")
    check_upload(data, name, EVIDENCE)
    if cohort_check and not in_cohort(school, stage.year):
        raise ValidationError(
            _("Школа «%(s)s» не входит в когорту ШНОР %(y)s года.") % {"s": school, "y": stage.year}
        )
    now = at or timezone.now()
    submission = (
        StageSubmission.objects.select_for_update().filter(document=document, school=school).first()
    )
    if submission is None:
        submission = StageSubmission.objects.create(
            document=document, stage=stage, school=school, sent_at=now
        )
        before = None
    else:
        if submission.status == SubmissionStatus.ACCEPTED:
            raise ValidationError(
                _("Документ «%(d)s» уже принят: заменить файл нельзя.") % {"d": document.title}
            )
        before = snapshot(submission)
        submission.status = SubmissionStatus.SENT
        submission.sent_at = now
        submission.decided_at = None
        submission.decided_by = None
        claim(submission, version)
        submission.save()
    stored = StageFile(
        submission=submission,
        filename=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user_or_none(actor),
        uploaded_at=now,
    )
    stored.file.save(name, ContentFile(data), save=False)
    stored.save()
    StageEvent.objects.create(
        submission=submission,
        kind=StageEvent.Kind.SENT,
        file=stored,
        by=user_or_none(actor),
        at=now,
    )
    record(
        actor,
        Action.CREATE if before is None else Action.UPDATE,
        submission,
        changes={**diff(before, snapshot(submission)), "file": [None, name]},
        source=source,
        region_id=stage.region_id,
    )
    return submission


DECISIONS = {
    SubmissionStatus.ACCEPTED: StageEvent.Kind.ACCEPTED,
    SubmissionStatus.RETURNED: StageEvent.Kind.RETURNED,
}


@transaction.atomic
def do_decide_stage_submission(
    actor: Any,
    submission: StageSubmission,
    decision: str,
    *,
    remark: str = "",
    version: int | None = None,
    source: str = Source.WEB,
    at: Any = None,
) -> StageSubmission:
    """Accept a sent document or return it with a remark.

    ``version`` is the one the reviewer saw: if the school sent another file or another reviewer
    decided meanwhile, :class:`StaleEdit` is raised and nothing changes.
    """
    if decision not in DECISIONS:
        raise ValidationError(_("Неизвестное решение."))
    remark = remark.strip()
    if decision == SubmissionStatus.RETURNED and not remark:
        raise ValidationError(_("Укажите, что исправить: без замечания документ не вернуть."))
    current = StageSubmission.objects.select_for_update().get(pk=submission.pk)
    if version is not None and current.version != version:
        raise StaleEdit(current, version)
    if current.status != SubmissionStatus.SENT:
        raise ValidationError(
            _("Решение по этому документу уже принято: %(s)s.")
            % {"s": current.get_status_display()}
        )
    before = snapshot(current)
    now = at or timezone.now()
    submission.status = decision
    submission.remark = remark
    submission.decided_at = now
    submission.decided_by = user_or_none(actor)
    claim(submission, version)
    submission.full_clean()
    submission.save()
    StageEvent.objects.create(
        submission=submission,
        kind=DECISIONS[SubmissionStatus(decision)],
        remark=remark,
        file=submission.files.first(),
        by=user_or_none(actor),
        at=now,
    )
    record(
        actor,
        Action.UPDATE,
        submission,
        changes=diff(before, snapshot(submission)),
        source=source,
        region_id=submission.stage.region_id,
    )
    return submission
