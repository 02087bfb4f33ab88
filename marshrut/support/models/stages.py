"""Monitoring stages: control dates of a year and the confirming documents each school sends.

The operator sets the year's stages for the region (number, title, control date) and the list of
documents every cohort school confirms a stage with. A school's answer to one required document
is a :class:`StageSubmission` — absent until the first file arrives («не отправлен»), then sent,
accepted or returned with a remark. Every file sent stays (:class:`StageFile`, the versions) and
every step is a :class:`StageEvent` (the history), so a returned document shows what was wrong
with which file.
"""

from __future__ import annotations

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
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap

# Where a submission's school sits, for ``Grant.q``.
SUBMISSION_PATHS = {
    "region": "school__municipality__region_id",
    "municipality": "school__municipality_id",
    "school": "school_id",
}


class StageQuerySet(models.QuerySet["Stage"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> StageQuerySet:
        """Stages of the regions where ``cap`` holds on some node: a school reads its region's."""
        g = grant(user, cap)
        if g.everything:
            return self.all()
        return self.filter(
            Q(region_id__in=g.regions)
            | Q(
                region_id__in=Municipality.objects.filter(pk__in=g.municipalities).values(
                    "region_id"
                )
            )
            | Q(
                region_id__in=School.objects.filter(pk__in=g.schools).values(
                    "municipality__region_id"
                )
            )
        )

    def of_year(self, region: Region, year: int) -> StageQuerySet:
        return self.filter(region=region, year=year)


class Stage(Versioned):
    """A stage of the year's monitoring: its number, title and control date."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="shnor_stages", verbose_name=_("регион")
    )
    year = models.PositiveSmallIntegerField(_("год"))
    number = models.PositiveSmallIntegerField(_("номер этапа"))
    title = models.CharField(_("название"), max_length=300)
    control_on = models.DateField(_("контрольная дата"))
    created_at = models.DateTimeField(_("создан"), default=timezone.now)

    objects = StageQuerySet.as_manager()

    class Meta:
        verbose_name = _("этап мониторинга ШНОР")
        verbose_name_plural = _("этапы мониторинга ШНОР")
        ordering = ["region_id", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "number"],
                name="shnor_stage_number_unique",
                violation_error_message=_("Этап с таким номером в этом году уже есть."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="shnor_stage_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Этап {self.number} — до {self.control_on:%d.%m.%Y}"


class StageDocument(models.Model):
    """A confirming document that every cohort school sends for a stage."""

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="documents", verbose_name=_("этап")
    )
    position = models.PositiveSmallIntegerField(_("порядок"))
    title = models.CharField(_("документ"), max_length=300)

    class Meta:
        verbose_name = _("документ этапа")
        verbose_name_plural = _("документы этапа")
        ordering = ["stage_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "position"], name="shnor_stage_document_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SubmissionStatus(models.TextChoices):
    # «Не отправлен» is the absence of a submission; it is named here for the pages and exports.
    MISSING = "missing", _("не отправлен")
    SENT = "sent", _("отправлен")
    ACCEPTED = "accepted", _("принят")
    RETURNED = "returned", _("возвращён")


class StageSubmissionQuerySet(models.QuerySet["StageSubmission"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> StageSubmissionQuerySet:
        return self.filter(grant(user, cap).q(**SUBMISSION_PATHS))


class StageSubmission(Versioned):
    """One school's answer to one required document of a stage: its status and remark."""

    document = models.ForeignKey(
        StageDocument,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("документ этапа"),
    )
    # The document's stage, kept on the row so that the region's table groups without a join.
    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("этап")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="shnor_stage_submissions",
        verbose_name=_("школа"),
    )
    status = models.CharField(
        _("статус"),
        max_length=10,
        choices=[c for c in SubmissionStatus.choices if c[0] != SubmissionStatus.MISSING],
        default=SubmissionStatus.SENT,
    )
    remark = models.TextField(_("замечание"), blank=True)
    sent_at = models.DateTimeField(_("отправлен"), default=timezone.now)
    decided_at = models.DateTimeField(_("решение принято"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто принял решение"),
    )

    objects = StageSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("документ школы по этапу")
        verbose_name_plural = _("документы школ по этапам")
        ordering = ["stage_id", "document__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "school"], name="shnor_stage_submission_once"
            ),
            models.CheckConstraint(
                condition=~Q(status=SubmissionStatus.RETURNED) | ~Q(remark=""),
                name="shnor_stage_returned_has_remark",
                violation_error_message=_("Укажите, что исправить: замечание обязательно."),
            ),
            models.CheckConstraint(
                condition=Q(status=SubmissionStatus.SENT) | Q(decided_at__isnull=False),
                name="shnor_stage_decision_dated",
            ),
        ]
        indexes = [models.Index(fields=["stage", "school"])]

    def __str__(self) -> str:
        return f"{self.school}: {self.document} — {self.get_status_display()}"


class StageFile(models.Model):
    """A file a school sent for a required document; the newest is the one under review."""

    submission = models.ForeignKey(
        StageSubmission,
        on_delete=models.CASCADE,
        related_name="files",
        verbose_name=_("документ школы"),
    )
    file = models.FileField(_("файл"), upload_to=PrivateUploadTo("support/stages"), max_length=300)
    filename = models.CharField(_("имя файла"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер"))
    sha256 = models.CharField(_("контрольная сумма SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто загрузил"),
    )
    uploaded_at = models.DateTimeField(_("загружен"), default=timezone.now)

    class Meta:
        verbose_name = _("файл документа этапа")
        verbose_name_plural = _("файлы документов этапов")
        ordering = ["submission_id", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class StageEvent(models.Model):
    """A step in a submission's history: a file sent, the document accepted or returned."""

    class Kind(models.TextChoices):
        SENT = "sent", _("отправлен файл")
        ACCEPTED = "accepted", _("принят")
        RETURNED = "returned", _("возвращён на доработку")

    submission = models.ForeignKey(
        StageSubmission,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("документ школы"),
    )
    kind = models.CharField(_("шаг"), max_length=10, choices=Kind.choices)
    remark = models.TextField(_("замечание"), blank=True)
    file = models.ForeignKey(
        StageFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("файл"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    at = models.DateTimeField(_("когда"), default=timezone.now)

    class Meta:
        verbose_name = _("шаг по документу этапа")
        verbose_name_plural = _("история документов этапов")
        ordering = ["submission_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.get_kind_display()}"


class StageReminder(models.Model):
    """A reminder sent to a school about a stage: one per school, stage and horizon.

    ``days_before`` is the horizon the reminder answered («за 7 дней»); a second run on the same
    day, or on a later day within the same horizon, finds the row and sends nothing.
    """

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("этап")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("школа")
    )
    days_before = models.PositiveSmallIntegerField(_("за сколько дней до контрольной даты"))
    sent_on = models.DateField(_("дата отправки"))
    recipients = models.PositiveSmallIntegerField(_("адресатов"), default=0)
    missing = models.PositiveSmallIntegerField(_("не отправлено документов"), default=0)

    class Meta:
        verbose_name = _("напоминание об этапе")
        verbose_name_plural = _("напоминания об этапах")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "school", "days_before"], name="shnor_stage_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.school_id}, за {self.days_before} дн."


def get_stage_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> Stage:
    return get_object_or_404(Stage.objects.for_user(user, cap).select_related("region"), pk=pk)


def get_submission_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> StageSubmission:
    return get_object_or_404(
        StageSubmission.objects.for_user(user, cap).select_related(
            "stage__region", "document", "school__municipality"
        ),
        pk=pk,
    )


def get_stage_file_for_user(user: Any, pk: int) -> StageFile:
    return get_object_or_404(
        StageFile.objects.filter(
            submission__in=StageSubmission.objects.for_user(user, Cap.SHNOR_VIEW)
        ),
        pk=pk,
    )


remove_files_on_delete(StageFile, "file")
