"""Concurrent edits: a version on each shared row, checked where the save happens.

Two people open the same record, both save: without a check the second save silently puts back
what the first one changed. Here the row carries a ``version``; the edit form carries the version
it was built from; the action that saves claims the next version with
``UPDATE … WHERE id = %s AND version = %s`` before writing anything, so of two saves that started
from the same version exactly one passes. The other gets ``StaleEdit``, and the form shows who
changed the record, when, and their value beside each field they changed, keeping what this
person typed and the new version, so that saving again is a conscious choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Versioned(models.Model):
    """A row that several people edit: its version grows by one with every saved change."""

    version = models.PositiveIntegerField(gettext_lazy("версия"), default=1, editable=False)

    class Meta:
        abstract = True


class StaleEdit(Exception):
    """The row changed after the editor loaded it; nothing was saved."""

    def __init__(self, current: models.Model, since: int) -> None:
        super().__init__(f"{current._meta.label} {current.pk}: version {since} is stale")
        self.current = current
        self.since = since


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def claim(obj: Versioned, version: int | None) -> None:
    """Take the next version of ``obj``'s row before saving it; ``StaleEdit`` if it moved on.

    Call inside the saving transaction, before anything is written. ``version`` is the one the
    editor started from; None (imports, commands) skips the check but still moves the version on,
    so that forms opened before this write are refused. A save that changes no column writes no
    version either: it cannot overwrite anybody, and must not make open forms stale.
    """
    if obj.pk is None:
        return
    model = type(obj)
    manager = model._base_manager
    columns = _columns(model)
    # Locks the row on PostgreSQL until commit: nobody writes between this read and the save.
    stored = manager.select_for_update().filter(pk=obj.pk).values(*columns).first()
    if stored is None:
        return
    if all(stored[c] == getattr(obj, c) for c in columns if c != "version"):
        obj.version = stored["version"]
        return
    expected = stored["version"] if version is None else version
    # The check and the claim are one statement: SQLite has no row locks, and two PostgreSQL
    # transactions that both read the old version are decided here, by the row lock.
    if not manager.filter(pk=obj.pk, version=expected).update(version=F("version") + 1):
        raise StaleEdit(manager.get(pk=obj.pk), expected)
    obj.version = expected + 1


# --- what the other person changed -------------------------------------------------------------


@dataclass
class Conflict:
    """Who changed the record since the form was built, when, and what they left in each field."""

    who: list[str]
    at: dt.datetime | None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> str:
        return ", ".join(self.who) if self.who else _("другой пользователь")

    @property
    def message(self) -> str:
        names = self.names
        if self.at is None:
            when = ""
        else:
            local = timezone.localtime(self.at)
            when = (
                _(" в %(t)s") % {"t": f"{local:%H:%M}"}
                if local.date() == timezone.localdate()
                else _(" %(d)s в %(t)s") % {"d": f"{local:%d.%m.%Y}", "t": f"{local:%H:%M}"}
            )
        return _(
            "Запись изменил(а) %(who)s%(when)s, пока вы её редактировали. Ваши изменения не "
            "сохранены: сравните и сохраните снова."
        ) % {"who": names, "when": when}


def display(obj: models.Model, name: str, form_field: forms.Field | None = None) -> str:
    """A field's value as people read it: choice labels, names, dd.mm.yyyy, да/нет.

    ``form_field`` supplies the labels of choices that only the form knows (a list of codes
    stored in a JSON column, say).
    """
    f = obj._meta.get_field(name)
    if f.many_to_many:
        return ", ".join(str(o) for o in getattr(obj, name).all()) or "—"
    value = getattr(obj, name)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if getattr(f, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(form_field, forms.ChoiceField) and not isinstance(
        form_field, forms.ModelChoiceField
    ):
        labels = {str(k): str(v) for k, v in form_field.choices}  # type: ignore[misc,union-attr]
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, int | float | Decimal):
        return number_format(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _who(event: Any) -> str:
    person = getattr(event.actor, "person", None) if event.actor_id else None
    if person is not None:
        return str(person.short_name)
    if event.actor is not None:
        return str(event.actor)
    return str(event.actor_name)


def conflict_for(current: models.Model, since: int, fields: dict[str, forms.Field]) -> Conflict:
    """Describe the saves of ``current`` after version ``since`` from the audit log."""
    # The audit log is where every save says who made it and which fields it changed, with the
    # versions it moved between; looked up by label so that lib imports no app.
    event_model = apps.get_model("audit", "AuditEvent")
    events = (
        event_model.objects.filter(
            target_type=current._meta.label_lower,
            target_id=str(current.pk),
            changes__has_key="version",
        )
        .select_related("actor__person")
        .order_by("at", "id")
    )
    later = [e for e in events if (e.changes["version"][0] or 0) >= since]
    who: list[str] = []
    changed: set[str] = set()
    for event in later:
        name = _who(event)
        if name not in who:
            who.append(name)
        changed.update(event.changes)
    changed.discard("version")
    shown = [n for n in fields if n in changed]
    return Conflict(
        who=who,
        at=later[-1].at if later else None,
        values={n: display(current, n, fields[n]) for n in shown},
    )


class VersionedFormMixin:
    """An edit form that carries the version of the row it was built from.

    The view passes ``form.version`` to the action; on ``StaleEdit`` it calls ``form.refuse``
    and renders the form again: the alert on top, the other person's value under each field they
    changed, this person's input as typed, and the current version, so that the next save passes.
    """

    fields: dict[str, forms.Field]
    instance: models.Model
    data: Any
    conflict: Conflict | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            required=False,
            min_value=1,
            initial=getattr(self.instance, "version", None) if self.instance.pk else None,
        )

    @property
    def version(self) -> int | None:
        """The version the editor started from: None for a new row, 0 if the row came since."""
        if self.instance.pk is None:
            return None
        if self.data.get(self.add_prefix("version")) is None:  # type: ignore[attr-defined]
            # A page opened before versions existed posts none: compare with the row as loaded.
            return getattr(self.instance, "version", None)
        # Empty: the form was built when the row did not exist yet (a draft made on first save).
        return getattr(self, "cleaned_data", {}).get("version") or 0

    def refuse(self, stale: StaleEdit) -> None:
        """Show the refusal: what changed and by whom, the typed values kept, the new version."""
        self.conflict = conflict_for(stale.current, stale.since, self.fields)
        for name, value in self.conflict.values.items():
            self.fields[name].conflict_value = value  # type: ignore[attr-defined]
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(stale.current.version)  # type: ignore[attr-defined]
        self.add_error(None, self.conflict.message)  # type: ignore[attr-defined]
