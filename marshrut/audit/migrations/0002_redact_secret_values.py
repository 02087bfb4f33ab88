"""Scrub secret values (survey link tokens and the like) from audit rows written before redaction.

The list is frozen here as it stood when this migration was written; later additions to
``marshrut.audit.log.SECRET_FIELDS`` are redacted at write time and masked on display.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SECRET_FIELDS = {
    "accounts.user": {"password"},
    "accounts.apitoken": {"key_hash"},
    "plans.calendartoken": {"key"},
    "surveys.survey": {"token"},
    "surveys.invitation": {"token"},
    "surveys.review": {"token"},
}
REDACTED = "[скрыто]"


def redact(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for target_type, secret in SECRET_FIELDS.items():
        for event in AuditEvent.objects.filter(target_type=target_type).iterator():
            changes = event.changes or {}
            if not secret & set(changes):
                continue
            for key in secret & set(changes):
                value = changes[key]
                changes[key] = (
                    [None if x is None else REDACTED for x in value]
                    if isinstance(value, list)
                    else REDACTED
                )
            AuditEvent.objects.filter(pk=event.pk).update(changes=changes)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
