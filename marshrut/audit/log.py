"""Writing the audit log: snapshots of rows, their differences, one event per change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from marshrut.audit.models import AuditEvent

Source = AuditEvent.Source
Action = AuditEvent.Action

# Fields whose values are secrets (a link or feed key, a password or token hash): their values
# never reach the audit record, which operators read and export. A new secret field joins here;
# tests/audit/test_audit_secrets.py fails on a model field that looks secret and is not listed.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"password"}),
    "accounts.apitoken": frozenset({"key_hash"}),
    "plans.calendartoken": frozenset({"key"}),
    "surveys.survey": frozenset({"token"}),
    "surveys.invitation": frozenset({"token"}),
    "surveys.review": frozenset({"token"}),
    # The one-time code that links a person's Telegram chat.
    "notify.telegramlink": frozenset({"code"}),
}
REDACTED = "[скрыто]"


def redact(target_type: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes with every secret value replaced by a mark (that it changed stays visible)."""
    secret = SECRET_FIELDS.get(target_type, frozenset())
    return {
        k: ([None if x is None else REDACTED for x in v] if isinstance(v, list) else REDACTED)
        if k in secret
        else v
        for k, v in changes.items()
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete fields of a row (foreign keys as ids) and its many-to-many ids, as JSON."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        data[f.name] = _plain(f.value_from_object(obj))
    if obj.pk:
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(o.pk for o in getattr(obj, m2m.name).all())
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for every field that differs (old is None for a new row)."""
    before = before or {}
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _region_id(obj: models.Model) -> int | None:
    region_id = getattr(obj, "region_id", None)
    if region_id is None and hasattr(obj, "person"):
        region_id = getattr(obj.person, "region_id", None)
    return region_id


def user_or_none(actor: Any) -> Any:
    """The acting user to store, or None for the system (a command, the demo, a task)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    source: str = Source.WEB,
    message: str = "",
    region_id: int | None = None,
    target_type: str = "",
    target_repr: str = "",
) -> AuditEvent:
    user = user_or_none(actor)
    target_type = target_type or (obj._meta.label_lower if obj is not None else "")
    return AuditEvent.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else "система"),
        action=action,
        source=source,
        target_type=target_type,
        target_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        target_repr=(target_repr or str(obj) if obj is not None else target_repr)[:300],
        region_id=region_id
        if region_id is not None
        else (_region_id(obj) if obj is not None else None),
        changes=redact(target_type, changes or {}),
        message=message[:500],
    )


def save_with_audit(
    actor: Any, obj: models.Model, *, before: dict[str, Any] | None, source: str = Source.WEB
) -> bool:
    """Validate and save a row, writing a create or update event; False when nothing changed."""
    obj.full_clean()
    created = obj.pk is None
    obj.save()
    changes = diff(before, snapshot(obj))
    if not created and not changes:
        return False
    record(actor, Action.CREATE if created else Action.UPDATE, obj, changes=changes, source=source)
    return True
