"""The audit log: who changed what and when."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.orgs.access import grant
from marshrut.orgs.roles import Cap


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_user(self, user: Any, cap: Cap = Cap.AUDIT_VIEW) -> AuditEventQuerySet:
        return self.filter(grant(user, cap).q(region="region_id", municipality="", school=""))


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("создание")
        UPDATE = "update", _("изменение")
        DELETE = "delete", _("удаление")
        IMPORT = "import", _("загрузка из файла")
        GRANT = "grant", _("назначение роли")
        REVOKE = "revoke", _("снятие роли")
        ACCOUNT = "account", _("учётная запись")

    class Source(models.TextChoices):
        WEB = "web", _("сайт")
        API = "api", _("API")
        CLI = "cli", _("командная строка")
        DEMO = "demo", _("демо-данные")

    at = models.DateTimeField(_("когда"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    actor_name = models.CharField(_("кто (как был записан)"), max_length=200, blank=True)
    action = models.CharField(_("действие"), max_length=10, choices=Action.choices)
    source = models.CharField(
        _("откуда"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    target_type = models.CharField(_("вид объекта"), max_length=100, db_index=True)
    target_id = models.CharField(_("номер объекта"), max_length=64, blank=True)
    target_repr = models.CharField(_("объект"), max_length=300, blank=True)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(_("изменения"), default=dict, blank=True)
    message = models.CharField(_("пояснение"), max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("запись журнала")
        verbose_name_plural = _("журнал изменений")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_name}: {self.get_action_display()} {self.target_repr}"


def get_event_for_user(user: Any, pk: int) -> AuditEvent:
    return get_object_or_404(AuditEvent.objects.for_user(user), pk=pk)
