"""Writes to the management decisions register: each atomic, each in the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit, user_or_none
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.lib.uploads import EVIDENCE, check_upload
from marshrut.programmes.models.decisions import (
    Decision,
    DecisionEvidence,
    DecisionReport,
    DecisionStatus,
    Subject,
)


def fit_subject(decision: Decision) -> None:
    """Keep the links consistent with the level: a school's municipality, no school above it."""
    if decision.subject == Subject.SCHOOL and decision.school is not None:
        decision.municipality_id = decision.school.municipality_id
    elif decision.subject == Subject.MUNICIPALITY:
        decision.school = None
    elif decision.subject == Subject.REGION:
        decision.school = None
        decision.municipality = None
    if decision.protocol is not None:
        decision.source = "interview"


@transaction.atomic
def do_create_decision(actor: Any, decision: Decision, *, source: str = Source.WEB) -> Decision:
    fit_subject(decision)
    decision.created_by = user_or_none(actor)
    if decision.status == DecisionStatus.DONE and decision.done_on is None:
        decision.done_on = decision.region.today()
    save_with_audit(actor, decision, before=None, source=source)
    return decision


@transaction.atomic
def do_update_decision(
    actor: Any,
    decision: Decision,
    *,
    before: dict[str, Any],
    version: int | None = None,
    source: str = Source.WEB,
) -> Decision:
    """Save an edited decision; ``StaleEdit`` when somebody saved it since ``version``."""
    fit_subject(decision)
    if before.get("due_on") != decision.due_on.isoformat():
        # A new date is a new deadline: remind of it again.
        decision.reminded_on, decision.reminded_kind = None, ""
    if decision.status != DecisionStatus.DONE:
        decision.done_on = None
    elif decision.done_on is None:
        decision.done_on = decision.region.today()
    claim(decision, version)
    save_with_audit(actor, decision, before=before, source=source)
    return decision


@transaction.atomic
def do_report_decision(
    actor: Any,
    decision: Decision,
    *,
    status: str,
    comment: str = "",
    files: Sequence[UploadedFile] = (),
    version: int | None = None,
    on: dt.date | None = None,
    source: str = Source.WEB,
) -> DecisionReport:
    """The owner reports execution: the decision's status follows, evidence is kept.

    ``version`` is the decision's as the reporter saw it: if it was changed or reported on since,
    nothing is saved (``StaleEdit``), so that nobody reports on a decision they have not seen.
    """
    if status not in DecisionStatus.values:
        raise ValidationError(_("Неизвестное состояние исполнения."))
    if status == DecisionStatus.DONE and not (comment.strip() or files):
        raise ValidationError(
            _("Отмечая решение исполненным, опишите, что сделано, или приложите подтверждение.")
        )
    manager = Decision._base_manager
    stored = manager.select_for_update().get(pk=decision.pk)
    if version is not None and stored.version != version:
        raise StaleEdit(stored, version)
    contents = []
    for upload in files:
        data = upload.read()
        check_upload(data, upload.name or "", EVIDENCE)
        contents.append((PurePath(upload.name or "").name[:255] or _("файл"), data))
    day = on or decision.region.today()
    before = decision.status
    decision.status = status
    decision.done_on = (decision.done_on or day) if status == DecisionStatus.DONE else None
    # Every report moves the version on, also one that leaves the status as it was: a form
    # opened before it has not seen what was reported.
    claim(decision, stored.version)
    if decision.version == stored.version:
        manager.filter(pk=decision.pk).update(version=stored.version + 1)
        decision.version = stored.version + 1
    decision.save(update_fields=["status", "done_on", "version"])
    report = DecisionReport.objects.create(
        decision=decision,
        status=status,
        comment=comment,
        author=user_or_none(actor),
        reported_at=timezone.now()
        if on is None
        else timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )
    for name, data in contents:
        evidence = DecisionEvidence(
            report=report, filename=name, size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )
        evidence.file.save(name, ContentFile(data), save=False)
        evidence.save()
    record(
        actor,
        Action.UPDATE,
        decision,
        changes={"status": [before, status], "version": [stored.version, decision.version]}
        if before != status
        else {"version": [stored.version, decision.version]},
        source=source,
        region_id=decision.region_id,
        message=_("отчёт об исполнении решения") + (f": {comment[:200]}" if comment else ""),
    )
    return report
