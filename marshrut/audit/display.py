"""Reading the audit log as a person does: Russian names and values, local times, no secrets.

The record keeps what the code wrote (field names, codes, ids, ISO dates), so that it stays exact
when labels change; this module turns it into what the page and the export show: a field's
verbose name, a choice's label, a related object's name, «да/нет», dd.mm.yyyy, the time in the
configured time zone. Secret fields are masked here too, for rows written before
``log.SECRET_FIELDS`` existed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import REDACTED, SECRET_FIELDS
from marshrut.audit.models import AuditEvent

# Records that are not about one model row, and keys written by hand rather than from fields.
TARGET_NAMES: dict[str, Any] = {
    "orgs.registry": _("реестр региона"),
    # models declared without a verbose name
    "surveys.criterion": _("критерий экспертизы"),
    "surveys.review": _("экспертное заключение"),
    "surveys.score": _("оценка эксперта"),
    "notify.botcursor": _("позиция чтения обновлений бота"),
}
# Russian names for keys written by hand and for fields declared without a verbose name.
KEY_LABELS: dict[str, Any] = {
    "accepted_by": _("кем принято"),
    "run": _("распределение партнёров"),
    "group": _("проектная группа"),
    "added_at": _("когда добавлено"),
    "added_by": _("кем добавлено"),
    "search_document": _("текст для поиска"),
    "practice": _("практика"),
    "kind": _("вид"),
    "code": _("код"),
    "notification": _("уведомление"),
    "name": _("название"),
    "offset": _("номер последнего прочитанного обновления"),
    "participants": _("участники"),
    "participant": _("участник"),
    "invitations": _("приглашения"),
    "flag": _("замечание проверки"),
    "sessions": _("состав сессий"),
    "layout": _("вид таблицы"),
    "create": _("новых"),
    "update": _("изменённых"),
    "same": _("без изменений"),
    "submitted": _("отправлено анкет"),
    "draft": _("черновиков"),
    "were_done": _("были отправлены раньше"),
    "schools": _("школы"),
    "answers": _("ответы"),
    "submissions": _("анкеты"),
    "membership": _("роли"),
    "region": _("регион"),
    "municipality": _("муниципалитет"),
    "school": _("школа"),
    "person": _("человек"),
    "user": _("учётная запись"),
    "plan": _("дорожная карта"),
    "item": _("мероприятие дорожной карты"),
    "campaign": _("кампания"),
    "submission": _("анкета школы"),
    "survey": _("анкетирование"),
    "question": _("вопрос"),
    "response": _("ответ"),
    "invitation": _("приглашение"),
    "document": _("документ"),
    "event": _("мероприятие"),
    "report": _("отчёт"),
    "review": _("рецензия"),
    "expert": _("эксперт"),
    "criterion": _("критерий"),
    "score": _("оценка"),
    "session": _("сессия"),
    "organisation": _("организация"),
    "section": _("раздел"),
    "scope": _("уровень"),
    "file": _("файл"),
    "sha256": _("контрольная сумма файла"),
    "token": _("ссылка (ключ)"),
    "key": _("ключ"),
    "key_hash": _("ключ (хеш)"),
    "password": _("пароль"),
    "prefix": _("начало ключа"),
    "email": _("эл. почта"),
    "label": _("подпись"),
    "text": _("текст"),
    "number": _("число"),
    "row": _("строка"),
    "choice": _("вариант ответа"),
    "position": _("порядковый номер"),
    "points": _("баллы"),
    "max_points": _("максимум баллов"),
    "status": _("состояние"),
    "reminders": _("напоминаний отправлено"),
    "next_due_on": _("ближайший срок"),
    "total_items": _("мероприятий всего"),
    "done_items": _("выполнено"),
    "in_progress_items": _("выполняется"),
    "cancelled_items": _("отменено"),
    "by": _("кто"),
    "at": _("когда"),
    "author": _("автор"),
    "created_by": _("кто создал"),
    "created_at": _("когда создано"),
    "updated_by": _("кто изменил"),
    "updated_at": _("когда изменено"),
    "submitted_by": _("кто отправил"),
    "submitted_at": _("когда отправлено"),
    "reviewed_by": _("кто проверил"),
    "reviewed_at": _("когда проверено"),
    "resolved_by": _("кто рассмотрел"),
    "resolved_at": _("когда рассмотрено"),
    "applied_by": _("кто применил"),
    "applied_at": _("когда применено"),
    "loaded_by": _("кто загрузил"),
    "reported_at": _("когда сообщено"),
    "saved_at": _("когда сохранено"),
    "finished_at": _("когда завершено"),
    "started_at": _("когда начато"),
    "sent_at": _("когда отправлено"),
    "reminded_at": _("когда напомнили"),
    "responded_at": _("когда ответили"),
    "last_used_at": _("последнее использование"),
    "revoked_at": _("когда отозван"),
}
HIDDEN = _("значение скрыто")


@dataclass(frozen=True)
class Line:
    """One changed field: its Russian name, the old value (None for a new one) and the new."""

    label: str
    old: str | None
    new: str

    def __str__(self) -> str:
        label = capfirst(self.label)
        return (
            f"{label}: {self.old} → {self.new}" if self.old is not None else f"{label}: {self.new}"
        )


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def type_name(target_type: str) -> str:
    """«дорожная карта» for plans.plan: the model's verbose name, never its label."""
    if target_type in TARGET_NAMES:
        return str(TARGET_NAMES[target_type])
    model = _model(target_type)
    return str(model._meta.verbose_name) if model is not None else str(_("объект"))


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist: a key written by hand
        return None


def local_stamp(value: dt.datetime) -> str:
    """A moment as dd.mm.yyyy hh:mm in the configured time zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value:%d.%m.%Y %H:%M}"


def _plain_text(value: Any) -> str:
    """A value with no field to explain it: lists, counts, dates written as ISO text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return ", ".join(_plain_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{_label(None, str(k))}: {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, str):
        if len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
            try:
                return local_stamp(dt.datetime.fromisoformat(value))
            except ValueError:
                pass
        if len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            try:
                return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
            except ValueError:
                pass
    return str(value)


def _label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        name = str(field.verbose_name)
        # A field declared without a verbose name gets its attribute name with spaces: that
        # is still a code, so the Russian label above stands in for it.
        if name != key.replace("_", " ") or key not in KEY_LABELS:
            return name
    return str(KEY_LABELS.get(key, _("поле «%(name)s»") % {"name": key}))


class Describer:
    """Turns a batch of events into lines, reading each related model once per batch."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = events
        self.names: dict[tuple[type[models.Model], str], str] = {}
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for e in events:
            model = _model(e.target_type)
            for key, pair in (e.changes or {}).items():
                field = _field(model, key)
                if field is None or not field.is_relation or field.related_model is None:
                    continue
                for value in pair if isinstance(pair, list) else [pair]:
                    for pk in value if isinstance(value, list) else [value]:
                        if pk is not None and not isinstance(pk, list | dict):
                            wanted[field.related_model].add(pk)
        for related, pks in wanted.items():
            for obj in related._default_manager.filter(pk__in=pks):
                self.names[(related, str(obj.pk))] = str(obj)

    def _related(self, related: type[models.Model], pk: Any) -> str:
        return self.names.get((related, str(pk))) or f"{related._meta.verbose_name} № {pk}"

    def value(self, field: Any, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if value == REDACTED:
            return str(HIDDEN)
        if field is None:
            return _plain_text(value)
        if field.is_relation and field.related_model is not None:
            if isinstance(value, list):
                return ", ".join(self._related(field.related_model, pk) for pk in value) or "—"
            return self._related(field.related_model, value)
        if field.choices:
            choices = {str(k): str(v) for k, v in field.flatchoices}
            if isinstance(value, list):
                return ", ".join(choices.get(str(v), str(v)) for v in value) or "—"
            return choices.get(str(value), str(value))
        if isinstance(field, models.BooleanField):
            return "да" if value else "нет"
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            try:
                return local_stamp(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        if isinstance(field, models.DateField) and isinstance(value, str):
            try:
                return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
            except ValueError:
                return value
        if isinstance(field, models.DecimalField | models.FloatField):
            try:
                return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
            except InvalidOperation:
                return str(value)
        return _plain_text(value)

    def lines(self, event: AuditEvent) -> list[Line]:
        model = _model(event.target_type)
        secret = SECRET_FIELDS.get(event.target_type, frozenset())
        out = []
        for key, pair in (event.changes or {}).items():
            field = _field(model, key)
            if isinstance(pair, list) and len(pair) == 2:
                old, new = pair
            else:
                old, new = None, pair
            if key in secret:
                old, new = (None if old is None else REDACTED), REDACTED
            out.append(
                Line(
                    _label(model, key),
                    None if old is None else self.value(field, old),
                    self.value(field, new),
                )
            )
        return out


def describe(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with ``kind`` (the object's kind in Russian) and ``lines`` set on each."""
    batch = list(events)
    describer = Describer(batch)
    for e in batch:
        e.kind = type_name(e.target_type)  # type: ignore[attr-defined]
        e.lines = describer.lines(e)  # type: ignore[attr-defined]
    return batch


def describe_all(events: Iterable[AuditEvent], batch: int = 1000) -> Iterator[AuditEvent]:
    """describe() over a long stream (an export), one batch of related lookups at a time."""
    it = iter(events)
    while chunk := list(islice(it, batch)):
        yield from describe(chunk)
