"""The tables of ``lib``: which task workers are alive (:mod:`marshrut.lib.jobs`), the import
batches (:mod:`marshrut.lib.imports`) and the generations of cached pages (:mod:`marshrut.lib.cache`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """A running ``marshrut worker``: it refreshes ``beat_at`` every few seconds while alive."""

    id = models.CharField(primary_key=True, max_length=64)
    host = models.CharField(_("сервер"), max_length=255)
    pid = models.PositiveIntegerField(_("процесс"))
    started_at = models.DateTimeField(_("запущен"), default=timezone.now)
    beat_at = models.DateTimeField(_("последний отклик"), default=timezone.now)

    class Meta:
        verbose_name = _("обработчик задач")
        verbose_name_plural = _("обработчики задач")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class Generation(models.Model):
    """A counter of writes to a group of tables: part of the key of every page cached from them.

    :mod:`marshrut.lib.cache` bumps it in the same transaction as each write to the group, so a
    page that reads the new value also reads what was written.
    """

    name = models.CharField(_("группа таблиц"), primary_key=True, max_length=64)
    value = models.BigIntegerField(_("поколение"), default=0)

    class Meta:
        verbose_name = _("поколение данных")
        verbose_name_plural = _("поколения данных")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


# The batch of the import pipeline lives beside its code (it subclasses lib.jobs.Job, which
# needs WorkerBeat above); importing it here registers it with the app.
from marshrut.lib.imports import ImportBatch  # noqa: E402

__all__ = ["Generation", "ImportBatch", "WorkerBeat"]
