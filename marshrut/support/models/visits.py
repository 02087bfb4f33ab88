"""Visits of curators and mentors to ШНОР schools: the schedule and the reports.

A :class:`Visit` is planned by the curator or mentor assigned to the school (a date and a
purpose) and later reported on by the same person: when it happened, who took part, the findings,
recommendations and next steps, with files. A planned visit whose date has passed in the region's
time zone is overdue until it is reported or cancelled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.access import grant
from marshrut.orgs.models import Person, School
from marshrut.orgs.roles import Cap, Role
from marshrut.support.models.cohort import SCHOOL_PATHS


class VisitQuerySet(models.QuerySet["Visit"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> VisitQuerySet:
        return self.filter(grant(user, cap).q(**SCHOOL_PATHS))

    def in_region(self, region: Any) -> VisitQuerySet:
        return self.filter(school__municipality__region=region)

    def of_year(self, year: int) -> VisitQuerySet:
        """Visits of a calendar year: by the date they took place, or were planned for."""
        return self.filter(
            Q(visited_on__year=year) | Q(visited_on__isnull=True, planned_on__year=year)
        )

    def overdue(self, today: dt.date) -> VisitQuerySet:
        return self.filter(status=Visit.Status.PLANNED, planned_on__lt=today)


class Visit(Versioned):
    class Status(models.TextChoices):
        PLANNED = "planned", _("запланировано")
        REPORTED = "reported", _("проведено")
        CANCELLED = "cancelled", _("отменено")

    VISITOR_ROLES = (Role.CURATOR, Role.MENTOR)

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="shnor_visits", verbose_name=_("школа")
    )
    visitor = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="shnor_visits",
        verbose_name=_("кто посещает"),
    )
    visitor_role = models.CharField(
        _("в роли"),
        max_length=30,
        choices=[(r.value, r.label) for r in VISITOR_ROLES],
    )
    planned_on = models.DateField(_("дата по плану"))
    purpose = models.TextField(_("цель посещения"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    visited_on = models.DateField(_("дата посещения"), null=True, blank=True)
    participants = models.TextField(_("кто участвовал"), blank=True)
    findings = models.TextField(_("что выявлено"), blank=True)
    recommendations = models.TextField(_("рекомендации"), blank=True)
    next_steps = models.TextField(_("следующие шаги"), blank=True)
    reported_at = models.DateTimeField(_("отчёт сдан"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто запланировал"),
    )
    created_at = models.DateTimeField(_("запланировано в системе"), default=timezone.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("посещение школы ШНОР")
        verbose_name_plural = _("посещения школ ШНОР")
        ordering = ["planned_on", "pk"]
        indexes = [models.Index(fields=["status", "planned_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="reported")
                | (Q(visited_on__isnull=False) & ~Q(findings="") & Q(reported_at__isnull=False)),
                name="shnor_visit_report_complete",
                violation_error_message=_("В отчёте о посещении нужны дата и выводы."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.planned_on:%d.%m.%Y}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == self.Status.PLANNED and self.planned_on < today


class VisitFile(models.Model):
    """A file attached to a visit report (a protocol, photos, a presentation)."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="files", verbose_name=_("посещение")
    )
    file = models.FileField(
        _("файл отчёта"), upload_to=PrivateUploadTo("support/visits"), max_length=300
    )
    filename = models.CharField(_("файл"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер"))
    sha256 = models.CharField(_("контрольная сумма файла"), max_length=64)

    class Meta:
        verbose_name = _("файл посещения")
        verbose_name_plural = _("файлы посещений")

    def __str__(self) -> str:
        return self.filename


remove_files_on_delete(VisitFile, "file")


def get_visit_for_user(user: Any, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.for_user(user).select_related("school__municipality", "visitor"), pk=pk
    )


def get_visit_file_for_user(user: Any, pk: int) -> VisitFile:
    return get_object_or_404(
        VisitFile.objects.filter(visit__in=Visit.objects.for_user(user)), pk=pk
    )
