"""Writes of analytics: the edited sections of a report, atomic and written to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marshrut.analytics.models import ReportDraft
from marshrut.audit.log import Action, Source, diff, record, snapshot, user_or_none
from marshrut.diagnostics.models import Campaign
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.orgs.models import Municipality


@transaction.atomic
def do_save_report_draft(
    actor: Any,
    campaign: Campaign,
    municipality: Municipality | None,
    texts: dict[str, str],
    generated: dict[str, Any],
    *,
    version: int | None,
    source: str = Source.WEB,
) -> ReportDraft:
    """Keep the edited sections of a report (empty: follow the data).

    ``version`` is the draft's version the editor started from, 0 if there was no draft yet;
    ``StaleEdit`` when somebody saved the draft since.
    """
    draft = ReportDraft.objects.filter(campaign=campaign, municipality=municipality).first()
    before = snapshot(draft) if draft is not None else None
    if draft is None:
        # Reset since the form was opened, or never saved: the text starts a new draft.
        draft = ReportDraft(campaign=campaign, municipality=municipality)
    for key, text in texts.items():
        setattr(draft, key, text)
    draft.generated = generated
    claim(draft, version or 0)
    draft.updated_by, draft.updated_at = user_or_none(actor), timezone.now()
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        # Two first saves at once: the unique draft of the report went to the other one.
        current = ReportDraft.objects.get(campaign=campaign, municipality=municipality)
        raise StaleEdit(current, 0) from None
    changes = diff(before, snapshot(draft))
    # The generated text is the data's, not an edit; updated_at moves with every save.
    for key in ("generated", "updated_at", "updated_by"):
        changes.pop(key, None)
    if before is None or changes:
        record(
            actor,
            Action.CREATE if before is None else Action.UPDATE,
            draft,
            changes=changes,
            source=source,
            region_id=campaign.region_id,
        )
    return draft
